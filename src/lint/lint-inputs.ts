/**
 * What to lint, found on disk: a migrations folder in any format Strata reads (its own, Flyway,
 * goose, Prisma's `migrations/<ts>_<name>/migration.sql` tree, drizzle-kit's output, sqlx, D1,
 * Atlas), or single files. A folder is its whole history (the schema starts empty); a single file
 * inside a migrations folder is linted after the folder's earlier files are replayed (SQLite), so
 * the rules see the tables it changes; a file alone is linted with nothing known.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { ErrorCode, StrataError, isStrataError } from '../model/errors.js';
import type { Migration } from '../model/migration.js';
import { readMigrationFolder } from '../sources/folder-source.js';
import type { FormatName } from '../sources/formats/format.js';
import type { LintFamily } from './lint-rule.js';
import type { LintInput } from './lint-source.js';
import type { SchemaStart } from './linter.js';

/** Files of one sequence, in the order they run, and what is known before the first. */
export interface LintGroup {
  inputs: LintInput[];
  start: SchemaStart;
  /** The pending migrations of a database, applied together (see LintSequenceOptions.pendingRun). */
  pendingRun?: boolean;
}

export interface PathOptions {
  family: LintFamily;
  /** The folder's layout (default: detected). */
  format?: FormatName | 'auto';
  runtime?: 'd1';
  /** Paths in messages are relative to it (default: the current directory). */
  cwd?: string;
}

/** The groups to lint for paths named on the command line (folders and files, in the order given). */
export async function groupsForPaths(paths: readonly string[], options: PathOptions): Promise<LintGroup[]> {
  const cwd = options.cwd ?? process.cwd();
  const groups: LintGroup[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    const stat = statSync(absolute, { throwIfNoEntry: false });
    if (!stat) {
      throw new StrataError(ErrorCode.USAGE, `${path} does not exist`, {
        hint: 'name migration files or folders: strata lint migrations/ or strata lint migrations/0003_x.sql',
      });
    }
    if (stat.isDirectory()) {
      groups.push({ inputs: await folderInputs(absolute, options, cwd), start: { kind: 'empty' } });
      continue;
    }
    groups.push(await fileGroup(absolute, options, cwd));
  }
  return groups;
}

/** Every SQL migration of a folder, in order. */
export async function folderInputs(dir: string, options: PathOptions, cwd: string, migrations?: readonly Migration[]): Promise<LintInput[]> {
  const listed = migrations ?? readMigrationFolder(dir, { dialect: options.family, format: options.format ?? 'auto', displayRoot: cwd });
  const inputs: LintInput[] = [];
  for (const migration of listed) {
    const input = await inputOf(migration, options, cwd);
    if (input) inputs.push(input);
  }
  return inputs;
}

/** A migration's LintInput; undefined for code migrations (their SQL is known only when they run). */
export async function inputOf(migration: Migration, options: PathOptions, cwd: string): Promise<LintInput | undefined> {
  if (!migration.origin.endsWith('.sql')) return undefined;
  const file = resolve(cwd, migration.origin);
  let loaded: Awaited<ReturnType<Migration['load']>>;
  try {
    loaded = await migration.load();
  } catch (error) {
    // A placeholder without a value: lint the file as written, in its own transaction.
    if (!isStrataError(error) || error.code !== ErrorCode.PLACEHOLDER_UNKNOWN) throw error;
    loaded = { up: { kind: 'sql', statements: [], transaction: true, foreignKeys: true }, down: undefined };
  }
  const down =
    loaded.down?.kind === 'sql' && loaded.down.file && resolve(cwd, loaded.down.file) !== file
      ? readFileSync(resolve(cwd, loaded.down.file), 'utf8')
      : undefined;
  return {
    path: relative(cwd, file) || file,
    text: readFileSync(file, 'utf8'),
    family: options.family,
    transaction: loaded.up.transaction,
    ...(down !== undefined ? { downText: down } : {}),
    ...(options.runtime ? { runtime: options.runtime } : {}),
  };
}

/**
 * A file named alone: when its folder (or, for Prisma's `<ts>_<name>/migration.sql`, the folder
 * above) reads as a migrations folder holding it, the earlier migrations are replayed before it.
 */
async function fileGroup(file: string, options: PathOptions, cwd: string): Promise<LintGroup> {
  for (const dir of basename(file) === 'migration.sql' ? [dirname(dirname(file)), dirname(file)] : [dirname(file)]) {
    let migrations: Migration[];
    try {
      migrations = readMigrationFolder(dir, { dialect: options.family, format: options.format ?? 'auto', displayRoot: cwd });
    } catch {
      continue;
    }
    const at = migrations.findIndex((m) => resolve(cwd, m.origin) === file);
    if (at === -1) continue;
    const inputs = await folderInputs(dir, options, cwd, migrations.slice(0, at + 1));
    return { inputs: inputs.map((input, k) => (k < inputs.length - 1 ? { ...input, replayOnly: true } : input)), start: { kind: 'empty' } };
  }
  if (!existsSync(file) || !file.endsWith('.sql')) {
    throw new StrataError(ErrorCode.USAGE, `${relative(cwd, file) || file} is not a .sql migration`, {
      hint: 'strata lint reads .sql files (code migrations show their SQL only when they run)',
    });
  }
  return {
    inputs: [
      { path: relative(cwd, file) || file, text: readFileSync(file, 'utf8'), family: options.family, ...(options.runtime ? { runtime: options.runtime } : {}) },
    ],
    start: { kind: 'unknown' },
  };
}

/** The sibling down file of an up file, as the folder layouts name them (`x.up.sql`/`x.down.sql`, Flyway's `V`/`U`). */
export function downFileOf(file: string): string | undefined {
  const candidates = [file.replace(/\.up\.sql$/, '.down.sql'), file.replace(/(^|[\\/])V(\d[^\\/]*)$/, '$1U$2')].filter((c) => c !== file);
  return candidates.find((c) => existsSync(c));
}
