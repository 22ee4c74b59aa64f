/**
 * The wait loop every polling lock shares (the SQLite sidecar, PostgreSQL's advisory lock,
 * MySQL's GET_LOCK, the document lock file): try; on a miss say once that we wait, then try
 * again every `pollMs` until `timeoutMs` has passed, and let the lock say who held it.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
export interface LockWait<T> {
  timeoutMs: number;
  /** Pause between tries. */
  pollMs: number;
  onWaiting: () => void;
  /**
   * One try: the lock, or undefined when another holder has it. `remainingMs` lets a lock whose
   * server can wait for it (MySQL's GET_LOCK) wait there instead of polling; it is 0 on the first try.
   */
  attempt: (remainingMs: number) => Promise<T | undefined>;
  /** The LOCK_TIMEOUT error to throw, naming the holder when the lock can tell. */
  timedOut: () => Promise<Error> | Error;
}

export async function waitForLock<T>(wait: LockWait<T>): Promise<T> {
  const started = Date.now();
  let announced = false;
  for (let first = true; ; first = false) {
    const held = await wait.attempt(first ? 0 : Math.max(0, wait.timeoutMs - (Date.now() - started)));
    if (held !== undefined) return held;
    if (Date.now() - started >= wait.timeoutMs) throw await wait.timedOut();
    if (!announced) {
      announced = true;
      wait.onWaiting();
    }
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs));
  }
}

/** The LOCK_TIMEOUT of a SQL database's migration lock; `holder` says who held it, when the database can tell. */
export function migrationLockTimeout(where: string, timeoutMs: number, holder?: string): StrataError {
  return new StrataError(
    ErrorCode.LOCK_TIMEOUT,
    `another process held the migration lock on ${where} for longer than ${timeoutMs} ms${holder ? ` (${holder})` : ''}`,
    {
      hint: 'wait for the other migration to finish, or raise --lock-timeout (a crashed holder releases the lock by itself)',
    },
  );
}
