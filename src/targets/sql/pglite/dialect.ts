/**
 * PGlite as a dialect: PostgreSQL's SQL (its lexer, types and builders), opened in this process
 * from a data folder (`pglite:./data/pg`, `pglite:/abs/pg`, `pglite:///abs/pg`) or in memory
 * (`pglite:memory:`). Folders are backed up with PGlite's own dump; memory has nothing to back up.
 */
import { resolve } from 'node:path';
import { ErrorCode, StrataError } from '../../../model/errors.js';
import type { Dialect } from '../dialect.js';
import { postgresSql } from '../postgres/postgres-sql.js';
import { postgresDdl } from '../postgres/postgres-ddl.js';
import { postgresSchemaStamp } from '../postgres/postgres-stamp.js';
import { PgliteBackupProvider } from './pglite-backup-provider.js';
import { describePgliteLocation, PGLITE_MEMORY, PgliteDriver } from './pglite-driver.js';
import { pgliteJournalSink } from './pglite-journal-sink.js';
import type { PGlite } from './load-pglite.js';
import { inMemoryScratch } from '../scratch-database.js';
import { postgresAlter } from '../postgres/postgres-alter.js';

const SCHEME = /^pglite:(?:\/\/)?(.*)$/i;

/** The data folder (absolute) or `:memory:` a `pglite:` string names; undefined for other strings. */
export function pgliteLocationOf(db: string): string | undefined {
  const path = SCHEME.exec(db)?.[1];
  if (path === undefined) return undefined;
  if (path === 'memory:') return PGLITE_MEMORY;
  if (path === '') {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${db} names no folder`, { hint: 'use pglite:./data/pg (a data folder) or pglite:memory:' });
  }
  return resolve(path);
}

export const pgliteDialect: Dialect = {
  ...postgresSql,
  forms: { schemes: ['pglite:'], example: 'pglite:./data/pg (a data folder) or pglite:memory:' },
  name: 'pglite',
  family: 'postgres',
  claims: (db) => SCHEME.test(db),
  locate(db) {
    const location = pgliteLocationOf(db) ?? db;
    return { location, description: describePgliteLocation(location) };
  },
  open: (spec) => new PgliteDriver(spec.location, { schema: spec.schema }),
  scratch: inMemoryScratch('pglite:memory:', 'an in-memory PGlite database'),
  alter: postgresAlter,
  backupProvider: (spec) =>
    spec.location === PGLITE_MEMORY ? undefined : new PgliteBackupProvider(spec.location, { schema: spec.schema, ledgerTable: spec.tables.ledger.name }),
  // PGlite tracks the server's transaction status itself (failed transactions included).
  inTransaction: async (context) => (context.connection as PGlite).isInTransaction(),
  journalSink: pgliteJournalSink,
  // Imported when first read (drift, a fingerprint, schema dump): a SQLite run never loads it.
  readSchema: async (driver, options) => (await import('../postgres/postgres-schema.js')).readPostgresSchema(driver, options),
  schemaStamp: postgresSchemaStamp,
  ddl: postgresDdl,
};
