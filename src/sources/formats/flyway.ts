/**
 * Flyway's SQL migrations, read in place (https://documentation.red-gate.com/fd/migrations):
 * - `V<version>__<description>.sql`: versioned; the version is digits separated by `.` or `_`
 *   (`V1`, `V1.1`, `V2_1` is 2.1), compared numerically part by part (model/version.ts);
 * - `U<version>__<description>.sql`: the undo of that version, Strata's down;
 * - `<file>.sql.conf` beside a migration: `executeInTransaction=false` runs it outside a transaction;
 * - refused with FORMAT_UNSUPPORTED, naming the file: `R__` repeatables (Strata's ledger has one
 *   row per version, so a migration that re-runs when its checksum changes does not fit it yet),
 *   `B` baseline migrations and SQL callbacks (`beforeMigrate.sql`, `afterMigrate.sql`...).
 * Subfolders are scanned, as Flyway scans its locations recursively.
 */
import { canonicalVersion } from '../../model/version.js';
import { parsePlainSql } from '../sql/parse-sql-migration.js';
import { crc32Update } from './crc32.js';
import { malformed, namesInvalid, unsupported } from './format-errors.js';
import type { FolderView, FormatFile, FormatStep, MigrationFormat } from './format.js';

const VERSIONED = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;
const BASELINE = /^B(\d+(?:[._]\d+)*)__(.+)\.sql$/;
/** Flyway's SQL callbacks: an event name (beforeMigrate, afterEachMigrate...), optionally `__description`. */
const CALLBACK = /^(?:(?:before|after)[A-Z][A-Za-z]*|createSchema)(?:__.*)?\.sql$/;

const EXPECTED = 'V<version>__<description>.sql (and U<version>__<description>.sql for its undo)';

export const flywayFormat: MigrationFormat = {
  name: 'flyway',
  title: 'Flyway',
  signature: (folder) => sqlFiles(folder).filter(hasFlywayName),
  read: readFlyway,
};

function hasFlywayName(path: string): boolean {
  return isFlywayName(baseName(path));
}

function isFlywayName(name: string): boolean {
  return VERSIONED.test(name) || REPEATABLE.test(name) || BASELINE.test(name);
}

function readFlyway(folder: FolderView): FormatStep[] {
  const byVersion = new Map<string, { up?: FormatFile; down?: FormatFile; name: string }>();
  const bad: string[] = [];
  for (const path of sqlFiles(folder)) {
    const name = baseName(path);
    const display = folder.display(path);
    if (REPEATABLE.test(name)) {
      throw unsupported(
        flywayFormat,
        display,
        'a repeatable migration (R__), re-run whenever its checksum changes',
        'fold it into a versioned migration (V<next>__<description>.sql), or keep running repeatables with Flyway until Strata supports them',
      );
    }
    if (BASELINE.test(name)) {
      throw unsupported(
        flywayFormat,
        display,
        'a baseline migration (B), run instead of the versions before it on an empty database',
        "remove it and let the versioned migrations build an empty database, or record an existing database's versions with 'strata baseline V'",
      );
    }
    if (CALLBACK.test(name)) {
      throw unsupported(flywayFormat, display, 'a Flyway callback script', 'move what it does into a migration, or move it out of the migrations folder');
    }
    const match = VERSIONED.exec(name);
    if (!match) {
      bad.push(display);
      continue;
    }
    const [, kind, written = '', description = ''] = match;
    const version = canonicalVersion(written.replace(/_/g, '.'));
    const entry = byVersion.get(version) ?? { name: description };
    const file: FormatFile = { path, display, text: folder.text(path) };
    const slot = kind === 'V' ? 'up' : 'down';
    const existing = entry[slot];
    if (existing) {
      throw malformed(
        display,
        `Flyway version ${version} is already taken by ${existing.display}`,
        'give each migration its own version (Flyway compares 1, 1.0 and 1_0 as the same version)',
      );
    }
    entry[slot] = file;
    if (kind === 'V') entry.name = description;
    byVersion.set(version, entry);
  }
  if (bad.length) throw namesInvalid(flywayFormat, bad, EXPECTED);

  return [...byVersion].map(([version, { up, down, name }]) => {
    if (!up) {
      throw malformed(down!.display, `an undo migration with no versioned migration ${version}`, `add V${version}__${name}.sql, or remove the undo file`);
    }
    const transaction = scriptTransaction(folder, up);
    return {
      version,
      name,
      file: up,
      ...(down ? { downFile: down } : {}),
      parse: (text, downText, syntax) => ({
        up: parsePlainSql(text, syntax, transaction),
        down: downText === undefined ? undefined : parsePlainSql(downText, syntax, down ? scriptTransaction(folder, down) : transaction),
      }),
    };
  });
}

/** A script configuration file (`V1__x.sql.conf`): only `executeInTransaction` changes how Strata runs it. */
function scriptTransaction(folder: FolderView, file: FormatFile): boolean {
  const conf = `${file.path}.conf`;
  if (!folder.exists(conf)) return true;
  let transaction = true;
  const text = folder.text(conf);
  for (const [k, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [key = '', value = ''] = line.split('=', 2).map((part) => part.trim());
    if (key === 'executeInTransaction' && /^(true|false)$/i.test(value)) transaction = value.toLowerCase() === 'true';
    else if (key === 'encoding' && /^utf-?8$/i.test(value)) continue;
    else
      throw unsupported(
        flywayFormat,
        folder.display(conf),
        `the script setting '${line}'`,
        'Strata reads executeInTransaction=true|false and encoding=UTF-8 from script configuration files',
        k + 1,
      );
  }
  return transaction;
}

/** SQL files in the folder and its subfolders, as relative paths; `_` and `.` names are passed over. */
function sqlFiles(folder: FolderView, under = ''): string[] {
  const found: string[] = [];
  for (const entry of under ? folder.list(under) : folder.entries) {
    if (entry.startsWith('_')) continue;
    const path = under ? `${under}/${entry}` : entry;
    if (folder.isDirectory(path)) found.push(...sqlFiles(folder, path));
    else if (entry.endsWith('.sql')) found.push(path);
  }
  return found;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Flyway's checksum of a SQL migration, as its `flyway_schema_history.checksum` stores it: CRC-32
 * over the UTF-8 bytes of each line without its line ending (so LF and CRLF checkouts agree), a
 * byte-order mark dropped, as a signed 32-bit integer (flyway-core's ChecksumCalculator and
 * LoadableResource.calculateChecksum).
 */
export function flywayChecksum(contents: Buffer | string): number {
  let text = typeof contents === 'string' ? contents : contents.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let crc = 0;
  const encoder = new TextEncoder();
  for (const line of text.split(/\r\n|\r|\n/)) crc = crc32Update(crc, encoder.encode(line));
  return crc | 0;
}
