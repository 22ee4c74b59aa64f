/**
 * Sequelize CLI: `SequelizeMeta(name)` (umzug's SequelizeStorage underneath), renamed by
 * `migrationStorageTableName` (and `migrationStorageTableSchema`) in the CLI's config. The
 * name is the file name with its extension (`20240101120000-create-user.js`); its leading
 * number is the version. The table records no time unless `migrationStorage` was set up with
 * timestamps, so appliedAt is null.
 */
import type { SqlDriver } from '../../targets/sql/driver.js';
import type { ToolHistory, ToolLedgerReader } from '../tool-ledger.js';
import { readTable, stepsFromRows, versionInName } from './js-ledger.js';

export const DEFAULT_SEQUELIZE_TABLE = 'SequelizeMeta';

export const sequelizeReader: ToolLedgerReader = {
  tool: 'sequelize',
  layoutSource: 'sequelize/cli: src/core/migrator.js (SequelizeStorage, tableName SequelizeMeta); sequelize/umzug: src/storage/sequelize.ts',
  defaultTable: DEFAULT_SEQUELIZE_TABLE,
  defaultDir: 'migrations',
  folder: 'history-only',
  read(db: SqlDriver, options: { dir: string; table?: string }): Promise<ToolHistory | null> {
    return readSequelizeMeta(db, options.table ?? DEFAULT_SEQUELIZE_TABLE);
  },
};

/** SequelizeMeta as umzug's SequelizeStorage keeps it: one `name` column, read in name order as umzug does. */
export async function readSequelizeMeta(db: SqlDriver, table: string): Promise<ToolHistory | null> {
  const rows = await readTable<{ name: string }>(db, table, ['name'], ['name']);
  if (!rows) return null;
  const steps = stepsFromRows(rows, table, (row) => versionInName(row.name));
  return { source: table, steps, unfinished: [] };
}
