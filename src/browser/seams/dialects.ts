/**
 * The browser build's dialect registry (it replaces src/targets/sql/dialects.ts there). Node's
 * registry imports every Node dialect (better-sqlite3, pg, mysql2, PGlite on a folder); in the
 * browser a driver is always made from its own module (sqliteWasmDriver, pgliteBrowserDriver)
 * and carries its dialect, so there is nothing to look up by name or `--db` string, and an app
 * that imports one adapter bundles only that one.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { Dialect, SqlFamily } from '../../targets/sql/dialect.js';

export const DIALECTS: readonly Dialect[] = [];

export function dialectNamed(_name: string): Dialect | undefined {
  return undefined;
}

export function dialectOf(dialect: Dialect | SqlFamily): Dialect {
  if (typeof dialect !== 'string') return dialect;
  throw unsupported(`no SQL dialect is named ${JSON.stringify(dialect)} in the browser build`);
}

export function dialectFor(db: string): Dialect {
  throw unsupported(`the browser build opens no database from a string (${JSON.stringify(db)})`);
}

function unsupported(message: string): StrataError {
  return new StrataError(ErrorCode.DRIVER_UNSUPPORTED, message, {
    hint: "pass a driver: sqliteWasmDriver() from 'strata-migrate/browser/sqlite-wasm' or pgliteBrowserDriver() from 'strata-migrate/browser/pglite'",
  });
}
