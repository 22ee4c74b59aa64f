/**
 * node-pg-migrate (PostgreSQL only): `pgmigrations(id SERIAL, name varchar(255), run_on
 * timestamp)`, in the schema of `--migrations-schema` (else `--schema`, else public); the
 * table is renamed by `--migrations-table`. The name is the file name without its extension
 * (`1700000000000_create-users`); its leading number is the version.
 */
import type { SqlDriver } from '../../targets/sql/driver.js';
import type { ToolHistory, ToolLedgerReader } from '../tool-ledger.js';
import { readTable, stepsFromRows, versionInName } from './js-ledger.js';

export const DEFAULT_NODE_PG_MIGRATE_TABLE = 'pgmigrations';

export const nodePgMigrateReader: ToolLedgerReader = {
  tool: 'node-pg-migrate',
  layoutSource: 'salsita/node-pg-migrate: src/runner.ts (ensureMigrationsTable, getRunMigrations)',
  defaultTable: DEFAULT_NODE_PG_MIGRATE_TABLE,
  defaultDir: 'migrations',
  folder: 'history-only',
  async read(db: SqlDriver, options: { dir: string; table?: string }): Promise<ToolHistory | null> {
    const table = options.table ?? DEFAULT_NODE_PG_MIGRATE_TABLE;
    // The tool's own order: by run_on, then id.
    const rows = await readTable<{ name: string; run_on: unknown }>(db, table, ['name', 'run_on'], ['run_on', 'id']);
    if (!rows) return null;
    const steps = stepsFromRows(
      rows.map((row) => ({ name: row.name, appliedAt: row.run_on })),
      table,
      (row) => versionInName(row.name),
    );
    return { source: table, steps, unfinished: [] };
  },
};
