/**
 * SQLite through better-sqlite3: a path (or `:memory:`, a `sqlite:` or `file:` URL), or an open
 * better-sqlite3 Database. The dialect `dialectFor` asks last: it claims any path.
 */
import { sqliteAdmin } from './sqlite-admin.js';
import type { BetterSqlite3Database } from './better-sqlite3-database.js';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteBackupProvider } from '../../../backup/providers/sqlite-provider.js';
import type { Dialect } from '../dialect.js';
import { describeSqlitePath, SqliteDriver } from './sqlite-driver.js';
import { sqliteJournalSink } from './sqlite-journal-sink.js';
import { sqliteDdl } from './sqlite-ddl.js';
import { readSqliteSchema } from './sqlite-schema.js';
import { sqliteSchemaStamp } from './sqlite-stamp.js';
import { sqliteSql } from './sqlite-sql.js';
import { inMemoryScratch } from '../scratch-database.js';
import { sqliteAlter } from './sqlite-alter.js';

/** The file a `--db` string names (resolved), `:memory:`, or undefined for a URL of another scheme. */
export function sqlitePathOf(db: string): string | undefined {
  if (db === ':memory:') return db;
  if (db.startsWith('file:')) return fileURLToPath(db);
  const sqliteUrl = /^sqlite3?:(?:\/\/)?(.*)$/.exec(db);
  if (sqliteUrl) return sqliteUrl[1] === ':memory:' ? ':memory:' : resolve(sqliteUrl[1] ?? '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(db)) return undefined;
  return resolve(db);
}

function isBetterSqlite3(connection: unknown): connection is BetterSqlite3Database {
  const candidate = connection as Partial<BetterSqlite3Database> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.prepare === 'function' && typeof candidate.pragma === 'function';
}

export const sqliteDialect: Dialect = {
  ...sqliteSql,
  name: 'sqlite',
  family: 'sqlite',
  claims: (db) => sqlitePathOf(db) !== undefined,
  locate(db) {
    const location = sqlitePathOf(db) ?? db;
    return { location, description: describeSqlitePath(location) };
  },
  open: (spec) => new SqliteDriver(spec.location, { pragmas: spec.settings.pragmas }),
  adopt: (connection, settings) => (isBetterSqlite3(connection) ? new SqliteDriver(connection, { pragmas: settings.pragmas }) : undefined),
  admin: sqliteAdmin,
  scratch: inMemoryScratch(':memory:', 'an in-memory SQLite database'),
  alter: sqliteAlter,
  backupProvider: (spec) =>
    spec.location === ':memory:' || spec.location === '' ? undefined : new SqliteBackupProvider(spec.location, { ledgerTable: spec.tables.ledger.name }),
  inTransaction: async (context) => (context.connection as BetterSqlite3Database).inTransaction,
  journalSink: sqliteJournalSink,
  readSchema: readSqliteSchema,
  schemaStamp: sqliteSchemaStamp,
  stampIdentifiesSchema: true,
  ddl: sqliteDdl,
};
