/**
 * Creating and dropping the database itself (`strata db create` / `db drop`), which migrations
 * cannot do: they run inside it. Each dialect has its own small module beside its driver; this is
 * the one place that picks it, keyed by the driver's dialect name (the dialect registry of issue
 * 13 can take the map over as a field of each dialect).
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { SqlDialect } from '../../sources/sql/split-statements.js';
import { mysqlAdmin } from './mysql/mysql-admin.js';
import { openDriver } from './open-driver.js';
import { postgresAdmin } from './postgres/postgres-admin.js';
import { sqliteAdmin } from './sqlite/sqlite-admin.js';

export interface DatabaseAdmin {
  /** The database as it may be shown (no password). */
  readonly description: string;
  /** The files it is made of on this machine (a SQLite file and its -wal, -shm, -journal); [] on a server. */
  readonly files: readonly string[];
  exists(): Promise<boolean>;
  /** Creates it; it must not exist. */
  create(): Promise<void>;
  /** Drops it with everything in it; it must exist. */
  drop(): Promise<void>;
}

const ADMINS: Record<SqlDialect, (db: string) => DatabaseAdmin> = {
  sqlite: sqliteAdmin,
  postgres: postgresAdmin,
  mysql: mysqlAdmin,
};

export function databaseAdmin(db: string): DatabaseAdmin {
  const { dialect, description } = openDriver(db);
  const admin = ADMINS[dialect];
  if (!admin) throw new StrataError(ErrorCode.DRIVER_UNSUPPORTED, `Strata cannot create or drop ${description}`, { hint: 'create or drop it with the tools of that database' });
  return admin(db);
}
