/**
 * sqlx: `_sqlx_migrations(version BIGINT PRIMARY KEY, description TEXT, installed_on TIMESTAMPTZ,
 * success BOOLEAN, checksum BYTEA, execution_time BIGINT)` (launchbadge/sqlx
 * sqlx-postgres/src/migrate.rs ensure_migrations_table; sqlx-sqlite/src/migrate.rs and
 * sqlx-mysql/src/migrate.rs alike). `success = false` is a migration that failed part-way (MySQL)
 * and stops sqlx too ("dirty"). The checksum is SHA-384 of the up file.
 */
import { sqlxChecksum } from '../../sources/formats/sqlx.js';
import type { ToolLedgerReader } from '../tool-ledger.js';
import { isoTime, toolTable, truthy } from './tool-sql.js';

interface SqlxRow {
  version: unknown;
  description: string;
  installed_on: unknown;
  success: unknown;
  checksum: unknown;
}

export const sqlx: ToolLedgerReader = {
  tool: 'sqlx',
  layoutSource: 'launchbadge/sqlx sqlx-postgres/src/migrate.rs (ensure_migrations_table, list_applied_migrations)',
  defaultTable: '_sqlx_migrations',
  defaultDir: 'migrations',
  folder: 'in-place',
  format: 'sqlx',
  async read(db, { table = '_sqlx_migrations' }) {
    const found = await toolTable(db, table);
    if (!found) return null;
    const rows = await db.query<SqlxRow>(`SELECT version, description, installed_on, success, checksum FROM ${found.quoted} ORDER BY version`);
    const done = rows.filter((row) => truthy(row.success));
    const failed = rows.filter((row) => !truthy(row.success));
    return {
      source: found.name,
      steps: done.map((row) => ({
        version: String(row.version),
        name: row.description,
        appliedAt: isoTime(row.installed_on),
        storedChecksum: hex(row.checksum),
      })),
      unfinished: failed.map((row) => ({ version: String(row.version), name: row.description, reason: 'success = false (it failed part-way)' })),
    };
  },
  checksumOf: ({ contents }) => sqlxChecksum(contents),
};

/** BYTEA / BLOB as the drivers return it (a Buffer; PGlite a Uint8Array), in hex as sqlxChecksum gives it. */
function hex(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  const text = String(value);
  return text.startsWith('\\x') ? text.slice(2) : text;
}
