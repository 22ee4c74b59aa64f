/**
 * Wrangler D1: `d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at
 * TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`, one row per file by its name
 * (cloudflare/workers-sdk packages/wrangler/src/d1/migrations/helpers.ts: initMigrationsTable,
 * getAppliedMigrations). D1 is SQLite; the local database of `wrangler d1 migrations apply
 * --local` is a SQLite file under .wrangler/state. No checksum.
 */
import type { ToolLedgerReader } from '../tool-ledger.js';
import { isoTime, leadingVersion, toolTable } from './tool-sql.js';

export const d1: ToolLedgerReader = {
  tool: 'd1',
  layoutSource: 'cloudflare/workers-sdk packages/wrangler/src/d1/migrations/helpers.ts (initMigrationsTable, getAppliedMigrations)',
  defaultTable: 'd1_migrations',
  defaultDir: 'migrations',
  folder: 'in-place',
  format: 'd1',
  async read(db, { table = 'd1_migrations' }) {
    const found = await toolTable(db, table);
    if (!found) return null;
    const rows = await db.query<{ name: string; applied_at: unknown }>(`SELECT name, applied_at FROM ${found.quoted} ORDER BY id`);
    return {
      source: found.name,
      steps: rows.map((row) => ({ version: leadingVersion(row.name) ?? row.name, name: row.name, appliedAt: isoTime(row.applied_at) })),
      unfinished: [],
    };
  },
};
