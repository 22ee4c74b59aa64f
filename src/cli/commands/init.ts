/**
 * `strata init`: a project in the current folder: a config naming the database and the
 * migrations folder, the folder itself, and .gitignore lines for the database files and
 * backups. It never overwrites a config; run again, it adds no .gitignore line twice.
 *
 * The config is strata.config.ts (typed by defineConfig) only where the next command can load
 * it: a .ts config imports strata-migrate, so the package must resolve from this folder, and
 * something must run TypeScript (tsx, or Node 22.18+). Otherwise strata.config.json, which
 * loads everywhere; `--format` chooses.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { DEFAULT_DATABASE, DEFAULT_MIGRATIONS_DIR } from 'strata-migrate';
import { ErrorCode, StrataError } from 'strata-migrate';
import { canLoadTypeScript, databaseAdmin } from 'strata-migrate/tooling';
import { usage } from '../args.js';
import type { CommandContext } from '../command-context.js';
import { CONFIG_FILE_NAMES } from '../config.js';

const PACKAGE = 'strata-migrate';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output } = ctx;
  const cwd = process.cwd();
  const existing = CONFIG_FILE_NAMES.find((name) => existsSync(join(cwd, name)));
  if (existing) {
    throw new StrataError(ErrorCode.FILE_EXISTS, `${existing} already exists: strata init never overwrites a config`, {
      hint: `edit ${existing}, or remove it and run 'strata init' again`,
    });
  }
  const db = typeof values.db === 'string' ? values.db : DEFAULT_DATABASE;
  const dir = typeof values.dir === 'string' ? values.dir : DEFAULT_MIGRATIONS_DIR;
  const files = databaseAdmin(db).files;
  const format = configFormat(values.format, cwd);
  const configFile = `strata.config.${format}`;

  writeNewFile(join(cwd, configFile), format === 'ts' ? typeScriptConfig(db, dir) : `${JSON.stringify({ db, dir }, null, 2)}\n`);
  output.line(`created ${configFile} (db ${db}, dir ${dir})`);
  const folder = resolve(cwd, dir);
  const madeFolder = !existsSync(folder);
  mkdirSync(folder, { recursive: true });
  if (madeFolder) output.line(`created ${relative(cwd, folder) || '.'}${sep}`);

  // A server database has no files here; its backups (pg_dump, mysqldump) still land in backups/.
  const backups = files.length ? join(dirname(files[0]!), 'backups') : join(cwd, 'backups');
  const inside = (path: string) => (relative(cwd, path) && !relative(cwd, path).startsWith('..') ? [toSlashes(relative(cwd, path))] : []);
  const added = appendGitignore(join(cwd, '.gitignore'), [...files.flatMap(inside), ...inside(backups).map((path) => `${path}/`)]);
  output.line(added.length ? `.gitignore: added ${added.join(', ')}` : '.gitignore already ignores the database and backups');
  output.data({ config: join(cwd, configFile), format, db, dir: folder, gitignore: { added } });
  return 0;
}

/** `--format`, or ts where this folder can load a .ts config that imports the package, else json. */
function configFormat(flag: unknown, cwd: string): 'ts' | 'json' {
  if (flag === 'ts' || flag === 'json') return flag;
  if (flag !== undefined) throw usage(`--format must be ts or json, got '${String(flag)}'`, 'strata init --format ts (strata.config.ts) or --format json');
  return packageResolvesFrom(cwd) && canLoadTypeScript() ? 'ts' : 'json';
}

function packageResolvesFrom(cwd: string): boolean {
  try {
    createRequire(join(cwd, 'package.json')).resolve(`${PACKAGE}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function typeScriptConfig(db: string, dir: string): string {
  return `import { defineConfig } from '${PACKAGE}';\n\nexport default defineConfig({\n  db: ${quoted(db)},\n  dir: ${quoted(dir)},\n});\n`;
}

/** A single-quoted TypeScript string literal. */
function quoted(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** Written whole under a temporary name, then linked into place: never a half-written file, never over an existing one. */
function writeNewFile(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  try {
    linkSync(temp, path);
  } catch (error) {
    throw new StrataError(ErrorCode.FILE_EXISTS, `${path} already exists`, { cause: error, hint: 'strata init never overwrites it' });
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Adds the lines .gitignore lacks (atomically: a new file renamed over it); returns them. */
function appendGitignore(path: string, lines: readonly string[]): string[] {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const present = new Set(before.split(/\r?\n/).map((line) => line.trim().replace(/^\//, '')));
  const added = lines.filter((line) => !present.has(line));
  if (!added.length) return [];
  const separator = before === '' || before.endsWith('\n') ? '' : '\n';
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${before}${separator}${before === '' ? '' : '\n'}# strata\n${added.join('\n')}\n`);
  renameSync(temp, path);
  return added;
}

function toSlashes(path: string): string {
  return path.split(sep).join('/');
}
