/**
 * Migrations from a folder, in any mix of dbmate files, golang-migrate pairs, plain SQL and
 * modules, or in another tool's format read in place (src/sources/formats/: Flyway, goose,
 * Prisma, drizzle, sqlx, D1, Atlas), named by `format` or detected from the folder. Reading is
 * eager (every file is hashed: checksums are compared on every run); parsing SQL and importing
 * modules are lazy (only for steps that run).
 */
import { readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { readListedFileText } from '../fs/read-regular-file.js';
import { relative, sep } from 'node:path';
import { ErrorCode, isStrataError, StrataError } from '../model/errors.js';
import type { CodeBody, LoadedMigration, Migration } from '../model/migration.js';
import { commandLine, nextCommand } from '../model/next-command.js';
import { compareVersions } from '../model/version.js';
import { checksumOf, normaliseSource } from './checksum.js';
import { dependenciesOf } from './code-source.js';
import { isIgnoredFile, parseFileName, type ParsedFileName } from './file-name.js';
import type { FormatName } from './formats/format.js';
import { readFormatFolder } from './formats/format-migrations.js';
import { folderView } from './formats/folder-view.js';
import { gooseFormat, hasGooseMarkers } from './formats/goose.js';
import { detectFormat, formatOf, mixedFormats } from './formats/index.js';
import { importFile, migrationExports } from './module-loader.js';
import { parseSqlMigrationMemo } from './sql/parse-memo.js';
import { anchorShape } from '../engine/shape-anchors.js';
import { replacePlaceholders, type PlaceholderPattern, type PlaceholderValues } from './sql/placeholders.js';
import type { SqlSyntax } from './sql/split-statements.js';

/** What to run when there is no migrations folder yet. */
const CREATE = nextCommand('create', '<name>');

export interface FolderSourceOptions {
  /** The family (`'postgres'`) or a dialect's lexer: how SQL files are split. */
  dialect: SqlSyntax;
  /** Base for the paths shown in messages (default: the current directory). */
  displayRoot?: string;
  /**
   * Lets a long-lived migrator re-read only files that changed: each call still lists the
   * folder and stats every file (size, inode, modification and change times), but unchanged
   * files are not read and hashed again, and an unchanged folder returns the same migrations.
   * A process starting afresh has no cache and reads everything.
   */
  cache?: FolderReadCache;
  /**
   * Replaces placeholders in SQL files when they are loaded (checksums stay over the file as
   * written); absent: SQL files run as written.
   */
  placeholders?: { values: PlaceholderValues; pattern: PlaceholderPattern };
  /**
   * Whose layout the folder is in: 'strata' (dbmate sections, golang-migrate pairs, modules),
   * another tool's read in place ('flyway', 'goose', 'prisma', 'drizzle', 'sqlx', 'd1', 'atlas'),
   * or 'auto' (the default): detected where unambiguous, else Strata's.
   */
  format?: FormatName | 'auto';
}

interface CachedFile {
  /** undefined until a later call has stat'ed the file: the first read skips the stat. */
  stamp: Stamp | undefined;
  text: string;
  checksum: string;
}

interface Stamp {
  size: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** What a long-lived caller keeps between reads: opaque, made by the migrator (its fields are internal). */
export interface FolderReadCache {
  /** @internal */
  files: Map<string, CachedFile>;
  listing: readonly string[] | undefined;
  migrations: readonly Migration<never>[] | undefined;
}

export function createFolderReadCache(): FolderReadCache {
  return { files: new Map(), listing: undefined, migrations: undefined };
}

/** A file's text as the last read of its folder through `cache` found it (line endings normalised), by absolute path. */
export function cachedFileText(cache: FolderReadCache, path: string): string | undefined {
  return cache.files.get(path)?.text;
}

interface FoundFile extends ParsedFileName {
  path: string;
  display: string;
  text: string;
  checksum: string;
}

export function readMigrationFolder<Ctx>(dir: string, options: FolderSourceOptions): Migration<Ctx>[] {
  const displayRoot = options.displayRoot ?? process.cwd();
  const shown = (path: string) => relative(displayRoot, path) || path;
  const cache = options.cache;
  let entries: string[];
  // The listing's file types come with the names (no stat): a name listed as a regular file is
  // read in one native call, anything else (a link, a folder, a FIFO) through the checked read.
  const regular = new Set<string>();
  let listing: Dirent[];
  try {
    listing = readdirSync(dir, { withFileTypes: true });
    entries = new Array<string>(listing.length);
    for (let k = 0; k < listing.length; k++) {
      const dirent = listing[k]!;
      if (dirent.isFile()) regular.add(dirent.name);
      entries[k] = dirent.name;
    }
    // Node's Dirent is a class: its hidden class dies with the listing (shape-anchors.ts).
    if (listing.length) anchorShape('Dirent', listing[0]!);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StrataError(
      ErrorCode.MIGRATIONS_DIR_MISSING,
      code === 'ENOENT' ? `the migrations folder ${shown(dir)} does not exist` : `the migrations folder ${shown(dir)} cannot be read (${code})`,
      { hint: `create it with '${commandLine(CREATE)}', or point at yours with --dir <folder>`, next: [CREATE], cause: error, details: { dir } },
    );
  }
  const requested = options.format ?? 'auto';
  if (requested !== 'strata' && !(cache?.migrations && sameListing(entries.filter(isCandidate), cache.listing))) {
    const view = folderView(dir, entries, displayRoot, listing);
    const format = requested === 'auto' ? detectFormat(view) : formatOf(requested);
    if (format) {
      try {
        return readFormatFolder<Ctx>(format, view, options);
      } catch (error) {
        // A detected folder with Strata-named files beside the tool's: two formats, not a typo.
        const strataFiles =
          requested === 'auto' && isStrataError(error) && error.code === ErrorCode.MIGRATION_NAME_INVALID
            ? entries.filter((entry) => !isIgnoredFile(entry) && parseFileName(entry))
            : [];
        const toolFiles = format.signature(view);
        const ownFiles = strataFiles.filter((entry) => !toolFiles.includes(entry));
        if (ownFiles.length) {
          throw mixedFormats(view, [
            { format, files: toolFiles },
            { format: { name: 'strata' as const, title: 'Strata' }, files: ownFiles },
          ]);
        }
        throw error;
      }
    }
  }
  const candidates = entries.filter(isCandidate);
  const base = dir.endsWith(sep) ? dir : dir + sep;
  // The first read of a process stats nothing (a one-shot CLI run would pay for it in vain);
  // later reads stat every file and re-read only those whose stamp moved or was never taken.
  const stamps = cache?.migrations ? statsOf(base, candidates) : undefined;
  if (cache && stamps && cache.migrations && sameListing(candidates, cache.listing) && allUnchanged(cache, base, candidates, stamps)) {
    return cache.migrations as readonly Migration<Ctx>[] as Migration<Ctx>[];
  }

  // Computed once: relative() per file is measurable with a thousand files.
  const shownDir = shown(dir);
  const byVersion = new Map<string, FoundFile[]>();
  const badNames: string[] = [];
  for (let k = 0; k < candidates.length; k++) {
    const entry = candidates[k]!;
    const parsed = parseFileName(entry);
    const path = base + entry;
    if (!parsed) {
      badNames.push(shown(path));
      continue;
    }
    const stat = stamps?.[k];
    const { text, checksum } = readSource(path, cache, stat, shownDir + sep + entry, regular.has(entry) || stat?.isFile() === true);
    const files = byVersion.get(parsed.version);
    const found: FoundFile = {
      version: parsed.version,
      name: parsed.name,
      kind: parsed.kind,
      part: parsed.part,
      path,
      display: shownDir + sep + entry,
      text,
      checksum,
    };
    if (files) files.push(found);
    else byVersion.set(parsed.version, [found]);
  }
  if (badNames.length) {
    throw new StrataError(ErrorCode.MIGRATION_NAME_INVALID, `migration file name${badNames.length > 1 ? 's do' : ' does'} not parse: ${badNames.join(', ')}`, {
      hint: "name migrations NNNN_name.sql (or category versions such as task001_name.sql), NNNN_name.up.sql/.down.sql or NNNN_name.ts (prefix helpers with '_' to have them ignored)",
      details: { files: badNames },
    });
  }

  // goose files are named as Strata's are: only their `-- +goose Up` markers tell them apart.
  const gooseFiles = [...byVersion.values()].flat().filter(isGooseFile);
  if (gooseFiles.length) {
    const view = folderView(dir, entries, displayRoot);
    const strataFiles = [...byVersion.values()]
      .flat()
      .filter((file) => file.kind === 'module' || file.part !== undefined || /^--\s*migrate:(up|down|verify)\b/m.test(file.text));
    if (requested === 'strata') {
      throw new StrataError(
        ErrorCode.FORMAT_MIXED,
        `${gooseFiles.map((file) => file.display).join(', ')} ${gooseFiles.length > 1 ? 'are goose migrations' : 'is a goose migration'} ('-- +goose Up'), and the folder is read in Strata's format`,
        {
          hint: 'set "format": "goose" in the config (or --format goose), or rewrite them with -- migrate:up / -- migrate:down',
          details: { files: gooseFiles.map((file) => file.display) },
        },
      );
    }
    if (strataFiles.length) {
      throw mixedFormats(
        view,
        [
          { format: { name: 'strata' as const, title: 'Strata' }, files: strataFiles.map((file) => file.path.slice(base.length)) },
          { format: gooseFormat, files: gooseFiles.map((file) => file.path.slice(base.length)) },
        ].filter(({ files }) => files.length > 0),
      );
    }
    return readFormatFolder<Ctx>(gooseFormat, view, options);
  }

  const migrations: Migration<Ctx>[] = [];
  for (const [version, files] of byVersion) {
    migrations.push(fromFiles<Ctx>(version, files, options.dialect, options.placeholders));
  }
  migrations.sort(byVersionOrder);
  if (cache) {
    cache.listing = candidates;
    cache.migrations = migrations as Migration<never>[];
  }
  return migrations;
}

// The callbacks and loops of a folder read are module functions, not closures made per read: V8
// keeps a closure's optimized code only while one of its closures lives, so closures made per
// read ran unoptimized again after every full GC (a long-lived process reads the folder on each
// migrate) while V8 compiled them again on another core (bench/README.md, issue 19, twelfth session).

function isCandidate(entry: string): boolean {
  return !isIgnoredFile(entry);
}

function isGooseFile(file: FoundFile): boolean {
  return file.kind === 'sql' && hasGooseMarkers(file.text);
}

function byVersionOrder(a: { version: string }, b: { version: string }): number {
  return compareVersions(a.version, b.version);
}

function statsOf(base: string, entries: readonly string[]): (Stats | undefined)[] {
  const stats = new Array<Stats | undefined>(entries.length);
  for (let k = 0; k < entries.length; k++) stats[k] = statOrUndefined(base + entries[k]);
  return stats;
}

/** Whether every file is as the cache last read it (stat'ed, same stamp). */
function allUnchanged(cache: FolderReadCache, base: string, entries: readonly string[], stats: readonly (Stats | undefined)[]): boolean {
  for (let k = 0; k < entries.length; k++) {
    const stat = stats[k];
    if (stat === undefined || !sameStamp(cache.files.get(base + entries[k])?.stamp, stat)) return false;
  }
  return true;
}

/** A file's stat, or undefined when it cannot be stat'ed (a dangling link): reading it then says why. */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function sameStamp(stamp: Stamp | undefined, stat: Stats): boolean {
  return stamp !== undefined && stamp.size === stat.size && stamp.ino === stat.ino && stamp.mtimeMs === stat.mtimeMs && stamp.ctimeMs === stat.ctimeMs;
}

function sameListing(a: readonly string[], b: readonly string[] | undefined): boolean {
  if (b === undefined || a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

function readSource(
  path: string,
  cache: FolderReadCache | undefined,
  stat: Stats | undefined,
  shownPath: string,
  listedRegular: boolean,
): { text: string; checksum: string } {
  const cached = cache?.files.get(path);
  if (cached && stat && sameStamp(cached.stamp, stat)) return cached;
  // Stat'ed before the read: if the file changes in between, the next stat differs and re-reads.
  const text = normaliseSource(readListedFileText(path, shownPath, listedRegular));
  const stamp = stat && { size: stat.size, ino: stat.ino, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs };
  const fresh = { stamp, text, checksum: checksumOf(text)! };
  cache?.files.set(path, fresh);
  return fresh;
}

/** A SQL migration's files and what loading them gives, once loaded. */
interface SqlFileToLoad<Ctx> {
  main: FoundFile;
  down: FoundFile | undefined;
  dialect: SqlSyntax;
  placeholders: FolderSourceOptions['placeholders'];
  loaded: LoadedMigration<Ctx> | undefined;
}

async function loadSqlOnce<Ctx>(file: SqlFileToLoad<Ctx>): Promise<LoadedMigration<Ctx>> {
  return (file.loaded ??= loadSql<Ctx>(file.main, file.down, file.dialect, file.placeholders));
}

function fromFiles<Ctx>(version: string, files: FoundFile[], dialect: SqlSyntax, placeholders: FolderSourceOptions['placeholders']): Migration<Ctx> {
  const up = files.find((f) => f.part === 'up');
  const down = files.find((f) => f.part === 'down');
  const isPair = files.length === 2 && up && down && up.name === down.name;
  if (files.length > 1 && !isPair) {
    throw new StrataError(
      ErrorCode.MIGRATION_VERSION_DUPLICATE,
      `version ${version} is used by more than one migration: ${files.map((f) => f.display).join(', ')}`,
      {
        hint: 'give each migration its own version number (rename one of the files)',
        details: { version, files: files.map((f) => f.display) },
      },
    );
  }
  if (files.length === 1 && down) {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${down.display} has no matching .up.sql file`, {
      hint: `add ${down.display.replace(/\.down\.sql$/, '.up.sql')}, or remove the down file`,
    });
  }

  const main = up ?? files[0]!;
  const source = isPair ? `${up!.text}\n-- strata:down-file\n${down!.text}` : main.text;
  const dependsOn = declaredDependencies(main);
  const checksum = isPair ? checksumOf(source)! : main.checksum;
  const checksumWith = (algorithm: string) => checksumOf(source, algorithm);
  let load: Migration<Ctx>['load'];
  if (main.kind === 'sql') {
    // The closure only hands over: the work is in a module function, whose optimized code
    // outlives the thousand closures of a read (see isCandidate).
    const file: SqlFileToLoad<Ctx> = { main, down: isPair ? down : undefined, dialect, placeholders, loaded: undefined };
    load = () => loadSqlOnce(file);
  } else {
    let loading: Promise<LoadedMigration<Ctx>> | undefined;
    load = () => (loading ??= loadModule<Ctx>(main));
  }
  // One literal per shape, not spreads of partial objects: a thousand files are read on every
  // run by a process whose code is still cold, where each spread is a slow generic copy.
  return dependsOn.length
    ? { version, name: main.name, checksum, origin: main.display, dependsOn, checksumWith, load }
    : { version, name: main.name, checksum, origin: main.display, checksumWith, load };
}

/**
 * Dependencies are needed to plan, before anything is loaded, so they are read from the text:
 * `-- strata:depends-on knowledge001, task002` in SQL, `export const dependsOn = ['knowledge001']`
 * (string literals) in modules.
 */
function declaredDependencies(file: FoundFile): string[] {
  // Most files declare none: a substring test per file instead of a multiline regex scan (~3 µs each).
  if (!file.text.includes(file.kind === 'sql' ? 'strata:depends-on' : 'dependsOn')) return [];
  const lists =
    file.kind === 'sql'
      ? [...file.text.matchAll(/^--\s*strata:depends-on\s+(.+)$/gm)].map((m) => m[1]!.split(/[\s,]+/).filter(Boolean))
      : [...withoutComments(file.text).matchAll(/export\s+const\s+dependsOn\s*(?::[^=]+)?=\s*\[([^\]]*)\]/g)].map((m) =>
          [...m[1]!.matchAll(/['"`]([^'"`]+)['"`]/g)].map((s) => s[1]!),
        );
  return dependenciesOf(lists.flat(), file.display);
}

/** Line and block comments blanked (a commented-out declaration declares nothing). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** What a module exports must be what its text declared (the plan was made from the text). */
function checkExportedDependencies(file: FoundFile, exported: unknown): void {
  if (exported === undefined) {
    if (declaredDependencies(file).length) throw dependencyMismatch(file, 'declares dependencies its module does not export');
    return;
  }
  const actual = dependenciesOf(exported, file.display);
  const declared = declaredDependencies(file);
  if (actual.length !== declared.length || actual.some((v, k) => v !== declared[k])) {
    throw dependencyMismatch(file, `exports dependsOn = [${actual.join(', ')}], but its text reads as [${declared.join(', ')}]`);
  }
}

function dependencyMismatch(file: FoundFile, what: string): StrataError {
  return new StrataError(ErrorCode.MIGRATION_INVALID, `${file.display} ${what}`, {
    hint: "write it as a literal: export const dependsOn = ['knowledge001'] (dependencies are read from the file's text, before it is loaded, to plan the run)",
    details: { file: file.display },
  });
}

/** A file's SQL with its placeholders replaced: before splitting, so statement line numbers are the file's (a value with line breaks shifts later ones). */
function sqlOf(file: FoundFile, dialect: SqlSyntax, placeholders: FolderSourceOptions['placeholders']): string {
  return placeholders ? replacePlaceholders(file.text, placeholders.values, placeholders.pattern, file.display, dialect) : file.text;
}

function loadSql<Ctx>(
  file: FoundFile,
  downFile: FoundFile | undefined,
  dialect: SqlSyntax,
  placeholders: FolderSourceOptions['placeholders'],
): LoadedMigration<Ctx> {
  if (downFile) {
    const up = parseSqlMigrationMemo(sqlOf(file, dialect, placeholders), dialect, file.display).up;
    const down = parseSqlMigrationMemo(sqlOf(downFile, dialect, placeholders), dialect, downFile.display).up;
    return { up: { ...up, file: file.display }, down: { ...down, file: downFile.display } };
  }
  const parsed = parseSqlMigrationMemo(sqlOf(file, dialect, placeholders), dialect, file.display);
  return { up: parsed.up, down: parsed.down, ...(parsed.verify ? { verify: parsed.verify } : {}) };
}

async function loadModule<Ctx>(file: FoundFile): Promise<LoadedMigration<Ctx>> {
  const exported = migrationExports(await importFile(file.path, file.checksum));
  const { up, down, verify } = exported;
  checkExportedDependencies(file, exported.dependsOn);
  if (typeof up !== 'function') {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${file.display} does not export an up(ctx) function`, {
      hint: 'export async function up(ctx) { ... } (and optionally down(ctx)) from the module',
      details: { file: file.display },
    });
  }
  if (down !== undefined && typeof down !== 'function') {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${file.display} exports a down that is not a function`, {
      details: { file: file.display },
    });
  }
  const options = { transaction: exported.transaction !== false, foreignKeys: exported.foreignKeys !== false };
  const upBody: CodeBody<Ctx> = { kind: 'code', run: up as CodeBody<Ctx>['run'], ...options };
  const downBody: CodeBody<Ctx> | undefined = down ? { kind: 'code', run: down as CodeBody<Ctx>['run'], ...options } : undefined;
  if (verify !== undefined && typeof verify !== 'function') {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${file.display} exports a verify that is not a function`, { details: { file: file.display } });
  }
  const verifyBody: CodeBody<Ctx> | undefined = verify ? { kind: 'code', run: verify as CodeBody<Ctx>['run'], ...options } : undefined;
  return { up: upBody, down: downBody, ...(verifyBody ? { verify: verifyBody } : {}) };
}
