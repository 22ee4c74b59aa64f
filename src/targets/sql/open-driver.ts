/**
 * Chooses the driver for a `--db` value: a path, `:memory:`, or a URL whose scheme names the
 * dialect (`sqlite:` now; `postgres:` and `mysql:` are refused clearly until their drivers land).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { SqlDriver } from './driver.js';
import { SqliteDriver, type SqliteDriverOptions } from './sqlite/sqlite-driver.js';

export function sqlitePathOf(db: string): string | undefined {
  if (db === ':memory:') return db;
  if (db.startsWith('file:')) return fileURLToPath(db);
  const sqliteUrl = /^sqlite3?:(?:\/\/)?(.*)$/.exec(db);
  if (sqliteUrl) return sqliteUrl[1] === ':memory:' ? ':memory:' : resolve(sqliteUrl[1] ?? '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(db)) return undefined;
  return resolve(db);
}

export function openDriver(db: string, options: SqliteDriverOptions = {}): SqlDriver {
  const path = sqlitePathOf(db);
  if (path !== undefined) return new SqliteDriver(path, options);
  const scheme = db.slice(0, db.indexOf(':'));
  throw new StrataError(ErrorCode.DRIVER_UNSUPPORTED, `no driver for ${scheme}: URLs yet (only SQLite paths and sqlite: URLs)`, {
    hint: 'use a SQLite file path such as ./app.db, or sqlite:./app.db',
  });
}
