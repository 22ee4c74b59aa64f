/**
 * dbmate: `schema_migrations(version varchar(128) primary key)`, one row per applied file, no
 * time and no checksum (amacneil/dbmate pkg/driver/{postgres,mysql,sqlite}: CreateMigrationsTable).
 * Its folder (`-- migrate:up` / `-- migrate:down` files) is Strata's own format.
 */
import type { ToolLedgerReader } from '../tool-ledger.js';
import { toolTable } from './tool-sql.js';

export const dbmate: ToolLedgerReader = {
  tool: 'dbmate',
  layoutSource: 'amacneil/dbmate pkg/driver/postgres/postgres.go (CreateMigrationsTable, SelectMigrations)',
  defaultTable: 'schema_migrations',
  defaultDir: 'db/migrations',
  folder: 'in-place',
  async read(db, { table = 'schema_migrations' }) {
    const found = await toolTable(db, table);
    if (!found) return null;
    const rows = await db.query<{ version: unknown }>(`SELECT version FROM ${found.quoted} ORDER BY version`);
    return {
      source: found.name,
      steps: rows.map((row) => ({ version: String(row.version), name: String(row.version), appliedAt: null })),
      unfinished: [],
    };
  },
};
