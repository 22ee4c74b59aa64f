/** `strata db create` / `db drop` on SQLite: the database is a file (with its -wal, -shm, -journal). */
import { existsSync, rmSync } from 'node:fs';
import { ErrorCode, StrataError } from '../../../model/errors.js';
import { adminError } from '../admin-error.js';
import type { DatabaseAdmin } from '../database-admin.js';
import { sqlitePathOf } from './dialect.js';
import { SqliteDriver } from './sqlite-driver.js';

/** The companions go first: a -wal left behind without its database would be replayed into the next file of that name. */
const COMPANIONS = ['-wal', '-journal', '-shm'] as const;

export function sqliteAdmin(db: string): DatabaseAdmin {
  const path = sqlitePathOf(db)!;
  if (path === ':memory:') {
    throw new StrataError(ErrorCode.USAGE, 'an in-memory database has nothing to create or drop', { hint: 'give a file: --db ./app.db' });
  }
  const driver = () => new SqliteDriver(path);
  const { description } = driver();
  return {
    description,
    files: [path, ...COMPANIONS.map((suffix) => `${path}${suffix}`)],
    async exists() {
      return existsSync(path);
    },
    async create() {
      // Through the driver, so the new file gets Strata's settings (WAL) as migrate would give it.
      const created = driver();
      try {
        await created.connect('write');
      } finally {
        await created.close();
      }
    },
    async drop() {
      try {
        for (const file of [...COMPANIONS.map((suffix) => `${path}${suffix}`), path]) rmSync(file, { force: true });
      } catch (error) {
        throw adminError('drop', description, error, 'check that the file and its folder are writable');
      }
    },
  };
}
