/**
 * Chooses the driver for a `--db` value: a SQLite path, `:memory:` or `sqlite:` URL, or a server
 * URL whose scheme names the dialect (`postgres://`, `postgresql://`, `mysql://`, `mariadb://`).
 * Server drivers load their client library (pg, mysql2) only when they connect.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { SqlDriver } from './driver.js';
import { MysqlDriver, type MysqlDriverOptions } from './mysql/mysql-driver.js';
import { PostgresDriver, type PostgresDriverOptions } from './postgres/postgres-driver.js';
import { serverDialectOf } from './server-url.js';
import { SqliteDriver, type SqliteDriverOptions } from './sqlite/sqlite-driver.js';

export interface OpenDriverOptions extends SqliteDriverOptions {
  postgres?: PostgresDriverOptions;
  mysql?: MysqlDriverOptions;
}

export function sqlitePathOf(db: string): string | undefined {
  if (db === ':memory:') return db;
  if (db.startsWith('file:')) return fileURLToPath(db);
  const sqliteUrl = /^sqlite3?:(?:\/\/)?(.*)$/.exec(db);
  if (sqliteUrl) return sqliteUrl[1] === ':memory:' ? ':memory:' : resolve(sqliteUrl[1] ?? '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(db)) return undefined;
  return resolve(db);
}

export function openDriver(db: string, options: OpenDriverOptions = {}): SqlDriver {
  const path = sqlitePathOf(db);
  if (path !== undefined) return new SqliteDriver(path, options);
  switch (serverDialectOf(db)) {
    case 'postgres':
      return new PostgresDriver(db, options.postgres);
    case 'mysql':
      return new MysqlDriver(db, options.mysql);
  }
  const scheme = db.slice(0, db.indexOf(':'));
  throw new StrataError(ErrorCode.DRIVER_UNSUPPORTED, `no driver for ${scheme}: URLs`, {
    hint: 'use a SQLite path (./app.db, sqlite:./app.db) or a postgres://, postgresql://, mysql:// or mariadb:// URL',
  });
}
