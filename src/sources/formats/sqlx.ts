/**
 * sqlx's migrations folder, read in place (https://docs.rs/sqlx/latest/sqlx/macro.migrate.html):
 * `<VERSION>_<DESCRIPTION>.sql` (up only) or `<VERSION>_<DESCRIPTION>.up.sql` / `.down.sql`
 * pairs; a file starting with `-- no-transaction` runs outside a transaction. Never detected
 * (the names are Strata's own): name it with `format: 'sqlx'`.
 */
import { createHash } from 'node:crypto';
import { canonicalVersion } from '../../model/version.js';
import { parsePlainSql } from '../sql/parse-sql-migration.js';
import { malformed, namesInvalid } from './format-errors.js';
import type { FormatFile, FormatStep, MigrationFormat } from './format.js';

const FILE = /^(\d+)_(.+?)(?:\.(up|down))?\.sql$/;
const NO_TRANSACTION = '-- no-transaction';

export const sqlxFormat: MigrationFormat = {
  name: 'sqlx',
  title: 'sqlx',
  signature: () => [],
  read(folder) {
    const byVersion = new Map<string, { name: string; up?: FormatFile; down?: FormatFile }>();
    const bad: string[] = [];
    for (const entry of folder.entries) {
      if (entry.startsWith('_') || !entry.endsWith('.sql') || folder.isDirectory(entry)) continue;
      const match = FILE.exec(entry);
      if (!match) {
        bad.push(folder.display(entry));
        continue;
      }
      const version = canonicalVersion(match[1]!);
      const found = byVersion.get(version) ?? { name: match[2]! };
      const slot = match[3] === 'down' ? 'down' : 'up';
      const file = { path: entry, display: folder.display(entry), text: folder.text(entry) };
      if (found[slot]) throw malformed(file.display, `version ${version} is already taken by ${found[slot].display}`, 'give each migration its own version');
      found[slot] = file;
      byVersion.set(version, found);
    }
    if (bad.length) throw namesInvalid(sqlxFormat, bad, '<VERSION>_<DESCRIPTION>.sql, or .up.sql and .down.sql');
    return [...byVersion].map(([version, { name, up, down }]): FormatStep => {
      if (!up)
        throw malformed(
          down!.display,
          'a down migration with no up migration',
          `add ${down!.path.replace(/\.down\.sql$/, '.up.sql')}, or remove the down file`,
        );
      return {
        version,
        name,
        file: up,
        ...(down ? { downFile: down } : {}),
        parse: (text, downText, syntax) => ({
          up: parsePlainSql(text, syntax, !text.startsWith(NO_TRANSACTION)),
          down: downText === undefined ? undefined : parsePlainSql(downText, syntax, !downText.startsWith(NO_TRANSACTION)),
        }),
      };
    });
  },
};

/**
 * sqlx's checksum of a migration file, as `_sqlx_migrations.checksum` stores it (bytes; here in
 * hex): SHA-384 of the file's SQL (sqlx-core, src/migrate/migration.rs).
 */
export function sqlxChecksum(contents: Buffer | string): string {
  return createHash('sha384').update(contents).digest('hex');
}
