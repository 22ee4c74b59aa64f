/**
 * MikroORM: `mikro_orm_migrations(id, name, executed_at)`, renamed by `migrations.tableName`
 * (a `schema.table` name on PostgreSQL). The name is the migration's file name without its
 * extension (`Migration20240101120000`, or `Migration20240101120000_add_users` with a name);
 * the number in it is the version.
 */
import type { SqlDriver } from '../../targets/sql/driver.js';
import type { ToolHistory, ToolLedgerReader } from '../tool-ledger.js';
import { readTable, stepsFromRows, versionInName } from './js-ledger.js';

export const DEFAULT_MIKRO_ORM_TABLE = 'mikro_orm_migrations';

export const mikroOrmReader: ToolLedgerReader = {
  tool: 'mikro-orm',
  layoutSource: 'mikro-orm/mikro-orm: packages/migrations/src/MigrationStorage.ts (ensureTable, executed)',
  defaultTable: DEFAULT_MIKRO_ORM_TABLE,
  defaultDir: 'migrations',
  folder: 'history-only',
  async read(db: SqlDriver, options: { dir: string; table?: string }): Promise<ToolHistory | null> {
    const table = options.table ?? DEFAULT_MIKRO_ORM_TABLE;
    const rows = await readTable<{ name: string; executed_at: unknown }>(db, table, ['name', 'executed_at'], ['id']);
    if (!rows) return null;
    const steps = stepsFromRows(
      rows.map((row) => ({ name: row.name, appliedAt: row.executed_at })),
      table,
      (row) => versionInName(row.name, { anywhere: true }),
    );
    return { source: table, steps, unfinished: [] };
  },
};
