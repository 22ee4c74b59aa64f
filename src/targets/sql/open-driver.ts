/**
 * A driver for a `--db` value: the dialect that claims it (a SQLite path, `:memory:` or
 * `sqlite:` URL, a `postgres://` / `mysql://` URL, ...) opens it with the given settings. Server
 * drivers load their client library (pg, mysql2) only when they connect.
 */
import { resolveDatabase, type DatabaseOptions } from './database-spec.js';
import type { SqlDriver } from './driver.js';

export type OpenDriverOptions = Omit<DatabaseOptions, 'db'>;

export function openDriver(db: string, options: OpenDriverOptions = {}): SqlDriver {
  return resolveDatabase({ ...options, db }).openDriver();
}
