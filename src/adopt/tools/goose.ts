/**
 * goose: `goose_db_version(id serial, version_id bigint, is_applied boolean, tstamp timestamp)`,
 * a log (pressly/goose internal/dialect/dialectquery/postgres.go CreateTable, InsertVersion,
 * DeleteVersion; sqlite3.go and mysql.go alike). Replayed in id order: `is_applied = true` applies
 * a version, `false` (goose before v3.6) or a deleted row reverts it; version 0 is goose's own
 * first row. Its folder is read in place with the `goose` format (`-- +goose Up` / `Down`).
 */
import type { AdoptedStep, ToolLedgerReader } from '../tool-ledger.js';
import { isoTime, toolTable, truthy } from './tool-sql.js';

export const goose: ToolLedgerReader = {
  tool: 'goose',
  layoutSource: 'pressly/goose internal/dialect/dialectquery/postgres.go (CreateTable, InsertVersion, ListMigrations)',
  defaultTable: 'goose_db_version',
  defaultDir: '.',
  folder: 'in-place',
  format: 'goose',
  async read(db, { table = 'goose_db_version' }) {
    const found = await toolTable(db, table);
    if (!found) return null;
    const rows = await db.query<{ version_id: unknown; is_applied: unknown; tstamp: unknown }>(
      `SELECT version_id, is_applied, tstamp FROM ${found.quoted} ORDER BY id`,
    );
    const applied = new Map<string, AdoptedStep>();
    for (const row of rows) {
      const version = String(row.version_id);
      if (version === '0') continue;
      if (truthy(row.is_applied)) applied.set(version, { version, name: version, appliedAt: isoTime(row.tstamp) });
      else applied.delete(version);
    }
    return { source: found.name, steps: [...applied.values()], unfinished: [] };
  },
};
