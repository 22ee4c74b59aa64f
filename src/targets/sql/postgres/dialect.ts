/** PostgreSQL through `pg`: `postgres://` and `postgresql://` URLs. */
import { postgresAdmin } from './postgres-admin.js';
import { PostgresBackupProvider } from '../../../backup/providers/postgres-provider.js';
import type { Dialect } from '../dialect.js';
import { redactUrl } from '../server-url.js';
import { PostgresDriver } from './postgres-driver.js';
import { postgresSql } from './postgres-sql.js';
import { postgresDdl } from './postgres-ddl.js';
import { postgresSchemaStamp } from './postgres-stamp.js';
import { scratchOnServer } from '../scratch-database.js';
import { postgresAlter } from './postgres-alter.js';

export const postgresDialect: Dialect = {
  ...postgresSql,
  name: 'postgres',
  family: 'postgres',
  // A statement outside a transaction (CREATE INDEX CONCURRENTLY) runs on after its client is killed.
  serverActivity: 'SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database()',
  claims: (db) => /^postgres(ql)?:\/\//i.test(db),
  locate: (db) => ({ location: db, description: redactUrl(db) }),
  open: (spec) =>
    new PostgresDriver(spec.location, {
      schema: spec.schema,
      statementTimeout: spec.settings.statementTimeout,
      lockTimeout: spec.settings.lockTimeout,
      lockKey: spec.tables.ledger.name,
    }),
  admin: postgresAdmin,
  // A scratch database, not a scratch schema: migrations that name their schema (graphile-worker's
  // `graphile_worker.jobs`) would reach the live objects from a schema beside them.
  scratch: (spec) => scratchOnServer(spec),
  alter: postgresAlter,
  backupProvider: (spec) => new PostgresBackupProvider(spec.location, { schema: spec.schema, ledgerTable: spec.tables.ledger.name }),
  async inTransaction(context) {
    // 'T' in a transaction, 'E' in a failed one, 'I' idle: the server says so after every query.
    const status = (context.connection as { getTransactionStatus?: () => string }).getTransactionStatus?.();
    return status === 'T' || status === 'E';
  },
  // Imported when first read (drift, a fingerprint, schema dump): a SQLite run never loads it.
  readSchema: async (driver, options) => (await import('./postgres-schema.js')).readPostgresSchema(driver, options),
  schemaStamp: postgresSchemaStamp,
  ddl: postgresDdl,
};
