/**
 * `db create` / `db drop` on a server (PostgreSQL, MySQL/MariaDB): CREATE / DROP DATABASE on a
 * connection to some other database of that server, since a database cannot be created or
 * dropped from inside itself. Each dialect's admin module says only what differs.
 */
import { adminError } from './admin-error.js';
import type { DatabaseAdmin } from './database-admin.js';
import type { SqlDriver } from './driver.js';

export interface ServerAdminOptions {
  /** The database as it may be shown (no password). */
  description: string;
  /** Its name, and the same quoted as an identifier of the dialect. */
  name: string;
  quoted: string;
  /** A driver connected to the server, not to the database itself. */
  onServer(): SqlDriver;
  /** A query returning a row when a database named `$1`/`?` exists. */
  existsSql: string;
  /** What usually causes a failed CREATE / DROP on this server. */
  createHint: string;
  dropHint: string;
}

export function serverAdmin(options: ServerAdminOptions): DatabaseAdmin {
  const { description, name, quoted } = options;
  async function onServer<T>(work: (driver: SqlDriver) => Promise<T>): Promise<T> {
    const driver = options.onServer();
    try {
      await driver.connect('write');
      return await work(driver);
    } finally {
      await driver.close();
    }
  }
  const run = (action: 'create' | 'drop', sql: string, hint: string) => () =>
    onServer((driver) =>
      driver.exec(sql).catch((error: unknown) => {
        throw adminError(action, description, error, hint);
      }),
    );
  return {
    description,
    files: [],
    exists: () => onServer(async (driver) => (await driver.query(options.existsSql, [name])).length > 0),
    create: run('create', `CREATE DATABASE ${quoted}`, options.createHint),
    drop: run('drop', `DROP DATABASE ${quoted}`, options.dropHint),
  };
}
