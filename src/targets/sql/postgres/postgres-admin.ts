/**
 * `strata db create` / `db drop` on PostgreSQL: CREATE / DROP DATABASE, sent through the server's
 * `postgres` maintenance database (a database cannot be created or dropped from inside itself).
 */
import { ErrorCode, StrataError } from '../../../model/errors.js';
import { adminError } from '../admin-error.js';
import type { DatabaseAdmin } from '../database-admin.js';
import { parseServerUrl, redactUrl } from '../server-url.js';
import { PostgresDriver } from './postgres-driver.js';
import { postgresSql } from './postgres-sql.js';

const MAINTENANCE_DATABASE = 'postgres';

export function postgresAdmin(db: string): DatabaseAdmin {
  const url = parseServerUrl(db, postgresSql.forms);
  const name = decodeURIComponent(url.pathname.slice(1));
  const description = redactUrl(db);
  if (!name) throw new StrataError(ErrorCode.USAGE, `${description} names no database`, { hint: 'e.g. postgres://user@host:5432/app' });
  const maintenance = new URL(url);
  maintenance.pathname = `/${MAINTENANCE_DATABASE}`;
  const quoted = `"${name.replace(/"/g, '""')}"`;
  async function onServer<T>(work: (driver: PostgresDriver) => Promise<T>): Promise<T> {
    const driver = new PostgresDriver(maintenance.toString());
    try {
      await driver.connect('write');
      return await work(driver);
    } finally {
      await driver.close();
    }
  }
  return {
    description,
    files: [],
    exists: () => onServer(async (driver) => (await driver.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0),
    create: () =>
      onServer((driver) =>
        driver.exec(`CREATE DATABASE ${quoted}`).catch((error: unknown) => {
          throw adminError('create', description, error, 'the user in the URL needs the CREATEDB right (ALTER ROLE ... CREATEDB)');
        }),
      ),
    drop: () =>
      onServer((driver) =>
        driver.exec(`DROP DATABASE ${quoted}`).catch((error: unknown) => {
          throw adminError(
            'drop',
            description,
            error,
            'it cannot be dropped while connections are open to it (stop the app first), and only by its owner or a superuser',
          );
        }),
      ),
  };
}
