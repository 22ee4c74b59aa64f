/**
 * Creating and dropping the database itself (`strata db create` / `db drop`), which migrations
 * cannot do: they run inside it. Each dialect has its own small module beside its driver and names
 * it as its `admin`.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import { dialectFor } from './dialects.js';

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

export function databaseAdmin(db: string): DatabaseAdmin {
  const dialect = dialectFor(db);
  if (!dialect.admin) {
    throw new StrataError(ErrorCode.DRIVER_UNSUPPORTED, `Strata cannot create or drop ${dialect.locate(db).description}`, {
      hint: 'create or drop it with the tools of that database',
    });
  }
  return dialect.admin(db);
}
