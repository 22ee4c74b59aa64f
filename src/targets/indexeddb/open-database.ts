/**
 * Opening an IndexedDB database at a version, with the two ways that goes wrong in the field
 * handled instead of hanging or throwing a bare DOMException:
 *
 * - `blocked`: another tab holds the database open at an older version and does not close it
 *   (an old build without an `onversionchange` handler). The browser then waits forever (an app
 *   with no `blocked` handler hangs silently). We tell the app at once (`onBlocked`, "close the other tab") and give
 *   up after `timeoutMs` with LOCKED_BY_OTHER_TAB, retryable. The open request itself cannot be
 *   cancelled, so it is defused: if the other tab closes later, the late upgrade is aborted and the
 *   late connection closed; the caller's retry is the one that upgrades.
 * - VersionError: the database is newer than this build knows (an older build after a newer
 *   one ran): DATABASE_NEWER naming both versions.
 *
 * Every connection opened here closes itself on `versionchange`, so Strata never blocks another
 * tab's upgrade.
 */
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import type { IdbDatabase, IdbFactory, IdbTransaction } from './idb-types.js';

export interface OpenBlocked {
  database: string;
  /** The version the other connection holds open. */
  from: number;
  /** The version this open asked for. */
  to: number;
  timeoutMs: number;
}

export interface OpenAtOptions {
  factory: IdbFactory;
  name: string;
  version: number;
  timeoutMs: number;
  /** Runs inside the versionchange transaction; call `fail` to abort with a coded error. */
  upgrade?: (db: IdbDatabase, transaction: IdbTransaction, oldVersion: number, fail: (error: StrataError) => void) => void;
  /** Called once when another connection blocks the upgrade. */
  onBlocked?: (blocked: OpenBlocked) => void;
  /** Called when this connection closed itself because another one asked for a newer version. */
  onVersionChange?: (change: { database: string; from: number; to: number | null }) => void;
}

export interface OpenedDatabase {
  db: IdbDatabase;
  /** The version before this open (0: the database did not exist). */
  from: number;
}

/** Opens `name` at `version`, running `upgrade` when the database is older. */
export function openAt(options: OpenAtOptions): Promise<OpenedDatabase> {
  const { factory, name, version, timeoutMs } = options;
  return new Promise<OpenedDatabase>((resolve, reject) => {
    let abandoned = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let from: number | undefined;
    let failure: StrataError | undefined;
    let abortCause: { name: string; message: string } | null = null;
    const request = factory.open(name, version);

    request.onblocked = (event) => {
      if (timer !== undefined || abandoned) return;
      const blocked: OpenBlocked = { database: name, from: event.oldVersion, to: version, timeoutMs };
      options.onBlocked?.(blocked);
      timer = setTimeout(() => {
        abandoned = true;
        reject(blockedError(blocked));
      }, timeoutMs);
    };
    request.onupgradeneeded = (event) => {
      const transaction = request.transaction!;
      if (abandoned) {
        transaction.abort();
        return;
      }
      clearTimeout(timer);
      from = event.oldVersion;
      transaction.onabort = () => {
        abortCause = transaction.error;
      };
      try {
        options.upgrade?.(request.result, transaction, event.oldVersion, (error) => (failure ??= error));
      } catch (error) {
        failure ??= new StrataError(ErrorCode.MIGRATION_FAILED, `IndexedDB ${name}: the upgrade to version ${version} failed: ${messageOf(error)}`, {
          cause: error,
        });
        transaction.abort();
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      if (abandoned) {
        db.close();
        return;
      }
      clearTimeout(timer);
      db.onversionchange = (event) => {
        db.close();
        options.onVersionChange?.({ database: name, from: event.oldVersion, to: event.newVersion });
      };
      resolve({ db, from: from ?? db.version });
    };
    request.onerror = (event) => {
      if (abandoned) return;
      clearTimeout(timer);
      // Handled here: a request error must not also surface as an uncaught error on the window.
      event?.preventDefault?.();
      const cause = request.error;
      if (cause?.name === 'VersionError') {
        storedVersion(factory, name).then(
          (stored) => reject(newerError(name, stored, version)),
          () => reject(newerError(name, null, version)),
        );
        return;
      }
      if (failure) reject(failure);
      else if (from !== undefined) reject(abortedError(name, from, version, abortCause ?? cause));
      else {
        reject(
          new StrataError(
            ErrorCode.DB_OPEN_FAILED,
            `could not open IndexedDB ${name} at version ${version}: ${cause ? `${cause.name}: ${cause.message}` : 'unknown error'}`,
            {
              hint: 'IndexedDB may be unavailable here (a private window, storage blocked for this site, or the disk full)',
              cause,
              details: { database: name, version, reason: cause?.name },
            },
          ),
        );
      }
    };
  });
}

/**
 * The database's version without creating it: 0 when it does not exist (the upgrade that opening
 * an absent database starts is aborted, which leaves no database behind).
 */
export function storedVersion(factory: IdbFactory, name: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const request = factory.open(name);
    let absent = false;
    request.onupgradeneeded = () => {
      absent = true;
      request.transaction!.abort();
    };
    request.onsuccess = () => {
      const db = request.result;
      const version = db.version;
      db.close();
      resolve(version);
    };
    request.onerror = (event) => {
      event?.preventDefault?.();
      if (absent) resolve(0);
      else reject(request.error);
    };
  });
}

function blockedError(blocked: OpenBlocked): StrataError {
  return new StrataError(
    ErrorCode.LOCKED_BY_OTHER_TAB,
    `another tab or worker kept IndexedDB ${blocked.database} open at version ${blocked.from} for more than ${blocked.timeoutMs} ms, so it could not be upgraded to version ${blocked.to}`,
    {
      hint: 'close the other tabs of this app (an older version of it is still running), then try again',
      details: { ...blocked, retryable: true },
    },
  );
}

function newerError(name: string, stored: number | null, version: number): StrataError {
  const at = stored === null ? 'a newer version' : `version ${stored}`;
  return new StrataError(
    ErrorCode.DATABASE_NEWER,
    `IndexedDB ${name} is at ${at}, newer than this build of the app knows (its latest migration is version ${version})`,
    {
      hint: 'a newer build of the app upgraded this database: update the app (IndexedDB cannot open a database at a lower version, so there is no rollback)',
      details: { database: name, version: stored, latestVersion: version },
    },
  );
}

function abortedError(name: string, from: number, version: number, cause: { name: string; message: string } | null): StrataError {
  return new StrataError(
    ErrorCode.MIGRATION_FAILED,
    `IndexedDB ${name}: the upgrade from version ${from} to ${version} was aborted${cause ? `: ${cause.name}: ${cause.message}` : ''}`,
    {
      hint:
        cause?.name === 'ConstraintError'
          ? 'existing records break a unique index (or a store or index already exists): fix the migration; the database is still at its old version'
          : 'the database is still at its old version; fix the cause and open it again',
      cause,
      details: { database: name, from, version, reason: cause?.name },
    },
  );
}
