/**
 * `strata db create` / `db drop` on PostgreSQL: CREATE / DROP DATABASE, sent through the server's
 * `postgres` maintenance database (a database cannot be created or dropped from inside itself).
 */
import { ErrorCode, StrataError } from '../../../model/errors.js';
import type { DatabaseAdmin } from '../database-admin.js';
import { serverAdmin } from '../server-admin.js';
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
  return serverAdmin({
    description,
    name,
    quoted,
    onServer: () => new PostgresDriver(maintenance.toString()),
    existsSql: 'SELECT 1 FROM pg_database WHERE datname = $1',
    createHint: 'the user in the URL needs the CREATEDB right (ALTER ROLE ... CREATEDB)',
    dropHint: 'it cannot be dropped while connections are open to it (stop the app first), and only by its owner or a superuser',
  });
}
