/**
 * drizzle: `__drizzle_migrations(id serial, hash text, created_at bigint)`, in the `drizzle`
 * schema on PostgreSQL and in the database itself on SQLite and MySQL (drizzle-team/drizzle-orm
 * drizzle-orm/src/pg-core/dialect.ts, sqlite-core/dialect.ts, mysql-core/dialect.ts: migrate()).
 * A row names no file: `created_at` is the journal entry's `when` (meta/_journal.json), `hash` the
 * sha256 of its SQL. So the journal maps each row to its file; a row whose `when` is in no entry
 * is reported as a step without a file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { drizzleChecksum, readDrizzleJournal } from '../../sources/formats/drizzle.js';
import type { AdoptedStep, ToolLedgerReader } from '../tool-ledger.js';
import { toolTable } from './tool-sql.js';

export const drizzle: ToolLedgerReader = {
  tool: 'drizzle',
  layoutSource: 'drizzle-team/drizzle-orm drizzle-orm/src/pg-core/dialect.ts (PgDialect.migrate)',
  defaultTable: '__drizzle_migrations',
  defaultDir: 'drizzle',
  folder: 'in-place',
  format: 'drizzle',
  async read(db, { dir, table }) {
    // PostgreSQL keeps it in the `drizzle` schema unless told otherwise (migrationsSchema).
    const candidates = table ? [table] : db.dialect.family === 'postgres' ? ['drizzle.__drizzle_migrations', '__drizzle_migrations'] : ['__drizzle_migrations'];
    let found: Awaited<ReturnType<typeof toolTable>> = null;
    for (const candidate of candidates) {
      found = await toolTable(db, candidate);
      if (found) break;
    }
    if (!found) return null;
    const rows = await db.query<{ hash: string; created_at: unknown }>(`SELECT hash, created_at FROM ${found.quoted} ORDER BY id`);
    const journal = existsSync(join(dir, 'meta', '_journal.json')) ? readDrizzleJournal(dir) : [];
    const byWhen = new Map(journal.map((entry) => [entry.when, entry]));
    const steps = rows.map((row): AdoptedStep => {
      const when = Number(row.created_at);
      const entry = byWhen.get(when);
      // Without its journal entry the step cannot be named: its `when` stands in, and the engine reports it missing.
      if (!entry) return { version: `${when}`, name: `journal entry with when = ${when}`, appliedAt: null, storedChecksum: row.hash };
      return { version: entry.strataVersion, name: entry.tag, appliedAt: null, storedChecksum: row.hash };
    });
    return { source: found.name, steps, unfinished: [] };
  },
  checksumOf: ({ contents }) => drizzleChecksum(contents),
};
