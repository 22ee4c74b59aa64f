/**
 * TypeORM: `migrations(id, timestamp bigint, name)`, renamed by the data source's
 * `migrationsTableName`. The name is the migration class name (`CreateUsers1700000000000`);
 * the `timestamp` column holds the number that class name ends with, and is the version. No
 * time of application is recorded.
 */
import type { SqlDriver } from '../../targets/sql/driver.js';
import type { ToolHistory, ToolLedgerReader } from '../tool-ledger.js';
import { readTable, stepsFromRows } from './js-ledger.js';
import { canonicalVersion } from '../../model/version.js';

export const DEFAULT_TYPEORM_TABLE = 'migrations';

export const typeormReader: ToolLedgerReader = {
  tool: 'typeorm',
  layoutSource: 'typeorm/typeorm: src/migration/MigrationExecutor.ts (createMigrationsTableIfNotExist, insertExecutedMigration)',
  defaultTable: DEFAULT_TYPEORM_TABLE,
  defaultDir: 'src/migrations',
  folder: 'history-only',
  async read(db: SqlDriver, options: { dir: string; table?: string }): Promise<ToolHistory | null> {
    const table = options.table ?? DEFAULT_TYPEORM_TABLE;
    const rows = await readTable<{ timestamp: unknown; name: string }>(db, table, ['timestamp', 'name'], ['id']);
    if (!rows) return null;
    const steps = stepsFromRows(
      rows.map((row) => ({ name: row.name, version: row.timestamp })),
      table,
      (row) => (row.version === null || row.version === undefined ? undefined : canonicalVersion(String(row.version))),
    );
    return { source: table, steps, unfinished: [] };
  },
};
