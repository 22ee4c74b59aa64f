/**
 * The import's target: a SQLite file opened for a bulk load, or an app's own connection. A dry
 * run opens nothing it could change.
 */
import Database from 'better-sqlite3';
import type { BetterSqlite3Database } from '../../targets/sql/sqlite/better-sqlite3-database.js';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';

export interface ImportTarget {
  db: BetterSqlite3Database;
  /** Absolute path, or `:memory:`: what messages name and what the backup copies. */
  path: string;
  /** Whether the run opened the connection (and so closes it). */
  owned: boolean;
}

/** The file a `db` option names: `sqlite:` prefixes dropped, resolved against the working directory. */
export function importTargetPath(db: string): string {
  return db === ':memory:' ? db : resolve(db.replace(/^sqlite:(\/\/)?/, ''));
}

export function openImportTarget(target: string | BetterSqlite3Database, dryRun: boolean): ImportTarget {
  if (typeof target !== 'string') return { db: target, owned: false, path: target.memory ? ':memory:' : resolve(target.name) };
  const path = importTargetPath(target);
  try {
    if (dryRun) {
      // Nothing touched: an existing file is opened read-only, a missing one is not created.
      if (path === ':memory:' || !existsSync(path)) return { db: new Database(':memory:'), owned: true, path };
      return { db: new Database(path, { readonly: true, fileMustExist: true }), owned: true, path };
    }
    const db = new Database(path, { timeout: 5000 });
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    return { db, owned: true, path };
  } catch (error) {
    throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot open ${path}: ${messageOf(error)}`, {
      hint: 'check the target path and that its folder exists',
      cause: error,
    });
  }
}
