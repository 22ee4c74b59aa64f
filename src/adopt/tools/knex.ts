/**
 * knex: `knex_migrations(id, name, batch, migration_time)` plus `knex_migrations_lock(index,
 * is_locked)`, both created by knex's table creator; `tableName` (and `schemaName`) in the
 * knexfile rename them, the lock table always being `<tableName>_lock`. The name is the file
 * name (`20240101120000_create_users.js`); its leading number is the version.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { SqlDriver } from '../../targets/sql/driver.js';
import type { ToolHistory, ToolLedgerReader } from '../tool-ledger.js';
import { readTable, stepsFromRows, versionInName } from './js-ledger.js';
import { toolTable } from './tool-sql.js';

export const DEFAULT_KNEX_TABLE = 'knex_migrations';

export const knexReader: ToolLedgerReader = {
  tool: 'knex',
  layoutSource: 'knex/knex: lib/migrations/migrate/table-creator.js (tables), lib/migrations/migrate/Migrator.js (lock)',
  defaultTable: DEFAULT_KNEX_TABLE,
  defaultDir: 'migrations',
  folder: 'history-only',
  async read(db: SqlDriver, options: { dir: string; table?: string }): Promise<ToolHistory | null> {
    const table = options.table ?? DEFAULT_KNEX_TABLE;
    const rows = await readTable<{ name: string; migration_time: unknown }>(db, table, ['name', 'migration_time'], ['id']);
    if (!rows) return null;
    await refuseWhileLocked(db, `${table}_lock`);
    const steps = stepsFromRows(
      rows.map((row) => ({ name: row.name, appliedAt: row.migration_time })),
      table,
      (row) => versionInName(row.name),
    );
    return { source: table, steps, unfinished: [] };
  },
};

/** knex sets is_locked = 1 for the length of a run (and leaves it set when a run dies part-way). */
async function refuseWhileLocked(db: SqlDriver, lockTable: string): Promise<void> {
  const found = await toolTable(db, lockTable);
  if (!found) return;
  const locked = await db.query(`SELECT 1 AS held FROM ${found.quoted} WHERE ${db.dialect.quoteIdentifier('is_locked')} = 1`);
  if (locked.length === 0) return;
  throw new StrataError(
    ErrorCode.ADOPT_LEDGER_LOCKED,
    `knex's lock is held (${lockTable}.is_locked = 1): a knex migration may be running now, or one died part-way`,
    {
      hint: "wait for the knex run to finish; if none is running, check the last migration's tables, then run 'npx knex migrate:unlock' and adopt again",
      details: { table: lockTable },
    },
  );
}
