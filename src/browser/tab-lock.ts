/**
 * One migration per browser database at a time, across every tab and worker of the origin, with a
 * deadline. Web Locks (`navigator.locks`) span the whole origin and are released by the browser
 * when the holding tab closes or its worker is terminated, so a crashed holder never blocks
 * forever. What they lack is a timeout: a request waits as long as the holder lives, which is how
 * Dexie's upgrades hang silently behind another tab (dexie/Dexie.js#1206, #1420). Here a waiter
 * tells the app once that it is blocked (`onBlocked`: "close the other tab") and gives up after
 * `timeoutMs` with LOCKED_BY_OTHER_TAB, a retryable error, instead of hanging.
 *
 * Shared by the browser SQL targets (SQLite WASM on OPFS, PGlite) and the IndexedDB store.
 * Where there are no Web Locks (Node, an Electron main process) a queue in this JavaScript realm
 * stands in: it orders migrations within the realm only, which is all such hosts share.
 */
import { ErrorCode, StrataError } from '../model/errors.js';

export type TabLockRelease = () => Promise<void>;

/** How long a migration waits for another tab's lock on the same database by default (ms). */
export const DEFAULT_TAB_LOCK_TIMEOUT_MS = 10_000;

/** What `onBlocked` (and the `tab:blocked` event) tells the app while another tab holds the lock. */
export interface TabBlocked {
  /** The Web Locks name, `strata:<database>`. */
  lock: string;
  /** How long this tab will wait before failing with LOCKED_BY_OTHER_TAB. */
  timeoutMs: number;
  /** Whether the holder is known to be in another context (Web Locks); false for the in-realm queue. */
  crossTab: boolean;
}

/** Events the tab lock adds to a migrator's channel. */
export interface TabLockEvents {
  /** Another tab or worker holds this database's migration lock: show "close the other tab". */
  'tab:blocked': TabBlocked;
}

export interface TabLockOptions {
  /** The database the lock guards (`opfs:/app.sqlite3`, `idb://app`); the lock is `strata:<database>`. */
  database: string;
  /** Give up with LOCKED_BY_OTHER_TAB after this long (ms). */
  timeoutMs?: number;
  /** Called once, when the lock is taken by someone else and this tab starts waiting. */
  onBlocked?: (blocked: TabBlocked) => void;
  /** Stop waiting early (the app's own cancel): rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The part of the Web Locks API (`navigator.locks`) the tab lock uses. */
export interface LockManagerLike {
  request(
    name: string,
    options: { mode?: 'exclusive'; ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<void>,
  ): Promise<void>;
}

/** The origin's Web Locks, in a window or a worker; undefined where the host has none. */
export function webLocks(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks && typeof nav.locks.request === 'function' ? nav.locks : undefined;
}

/** The Web Locks name of a database's migration lock. */
export function tabLockName(database: string): string {
  return `strata:${database}`;
}

/** Whether an error is the retryable "another tab is migrating" failure. */
export function isLockedByOtherTab(error: unknown): error is StrataError {
  return error instanceof StrataError && error.code === ErrorCode.LOCKED_BY_OTHER_TAB;
}

export function lockedByOtherTab(database: string, timeoutMs: number): StrataError {
  return new StrataError(ErrorCode.LOCKED_BY_OTHER_TAB, `another tab or worker held the migration lock on ${database} for more than ${timeoutMs} ms`, {
    hint: 'close the other tabs of this app (or wait for their migration to finish), then try again',
    details: { database, lock: tabLockName(database), timeoutMs, retryable: true },
  });
}

/**
 * Takes the database's migration lock, waiting at most `timeoutMs` for another tab to release it.
 * Resolves with the release; the lock lasts until it is called (or the tab/worker goes away).
 *
 * @example
 * const release = await acquireTabLock({ database: 'opfs:/app.sqlite3', timeoutMs: 5000,
 *   onBlocked: () => showBanner('Close the other tabs of this app to finish the update') });
 * try { await migrate(); } finally { await release(); }
 */
export async function acquireTabLock(options: TabLockOptions): Promise<TabLockRelease> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TAB_LOCK_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new StrataError(ErrorCode.USAGE, `timeoutMs must be a number of milliseconds >= 0, not ${String(timeoutMs)}`);
  }
  options.signal?.throwIfAborted();
  const name = tabLockName(options.database);
  const locks = webLocks();
  const immediate = locks ? await holdWebLock(locks, name, { ifAvailable: true }) : takeLocalLockNow(name);
  if (immediate) return immediate;
  options.onBlocked?.({ lock: name, timeoutMs, crossTab: locks !== undefined });

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const stopOnCaller = () => deadline.abort();
  options.signal?.addEventListener('abort', stopOnCaller, { once: true });
  try {
    return locks ? ((await holdWebLock(locks, name, { signal: deadline.signal })) as TabLockRelease) : await waitLocalLock(name, deadline.signal);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (deadline.signal.aborted) throw lockedByOtherTab(options.database, timeoutMs);
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stopOnCaller);
  }
}

/** Resolves once the lock is held (null when `ifAvailable` found it taken); held until release. Also the document core's lock (targets/document/locks.ts). */
export function holdWebLock(locks: LockManagerLike, name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }): Promise<TabLockRelease | null> {
  return new Promise<TabLockRelease | null>((resolve, reject) => {
    let granted = false;
    locks
      .request(name, { mode: 'exclusive', ...options }, (lock) => {
        if (lock === null) {
          resolve(null);
          return Promise.resolve();
        }
        granted = true;
        return new Promise<void>((release) => resolve(async () => release()));
      })
      .catch((error: unknown) => {
        if (!granted) reject(error);
      });
  });
}

// The in-realm stand-in: per name, the holder's "released" promise and a FIFO of waiters.
interface LocalLock {
  waiters: Array<() => void>;
}
const localLocks = new Map<string, LocalLock>();

function takeLocalLockNow(name: string): TabLockRelease | null {
  if (localLocks.has(name)) return null;
  localLocks.set(name, { waiters: [] });
  return localRelease(name);
}

function localRelease(name: string): TabLockRelease {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const held = localLocks.get(name);
    const next = held?.waiters.shift();
    if (next) next();
    else localLocks.delete(name);
  };
}

function waitLocalLock(name: string, signal: AbortSignal): Promise<TabLockRelease> {
  const held = localLocks.get(name);
  if (!held) return Promise.resolve(takeLocalLockNow(name) as TabLockRelease);
  return new Promise<TabLockRelease>((resolve, reject) => {
    const grant = () => {
      signal.removeEventListener('abort', giveUp);
      resolve(localRelease(name));
    };
    const giveUp = () => {
      // Leave the queue: whoever queued after us must not wait for a waiter that gave up.
      const index = held.waiters.indexOf(grant);
      if (index >= 0) held.waiters.splice(index, 1);
      reject(signal.reason);
    };
    held.waiters.push(grant);
    signal.addEventListener('abort', giveUp, { once: true });
  });
}
