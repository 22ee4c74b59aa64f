/**
 * One migration at a time per document. In browsers the Web Locks API (`navigator.locks`) spans
 * every tab and worker of the origin; elsewhere (a VS Code extension host, an Electron main
 * process, Node) a queue in this JavaScript realm does. File stores add a lock file on top.
 */
import { holdWebLock, type LockManagerLike, webLocks } from '../../browser/tab-lock.js';
import { ErrorCode, StrataError } from '../../model/errors.js';

export type Release = () => Promise<void>;

export async function acquireLock(name: string, timeoutMs: number, onWaiting: () => void): Promise<Release> {
  const locks = webLocks();
  return locks ? acquireWebLock(locks, name, timeoutMs, onWaiting) : acquireLocalLock(name, timeoutMs, onWaiting);
}

function timeoutError(name: string, timeoutMs: number): StrataError {
  return new StrataError(ErrorCode.LOCK_TIMEOUT, `another migration of ${name} held the lock for more than ${timeoutMs} ms`, {
    hint: 'wait for the other tab or process to finish, or raise lockTimeoutMs',
  });
}

async function acquireWebLock(locks: LockManagerLike, name: string, timeoutMs: number, onWaiting: () => void): Promise<Release> {
  const held = await holdWebLock(locks, name, { ifAvailable: true });
  if (held) return held;
  onWaiting();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const waited = await holdWebLock(locks, name, { signal: controller.signal });
    return waited!;
  } catch (error) {
    if (controller.signal.aborted) throw timeoutError(name, timeoutMs);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

const localQueues = new Map<string, Promise<void>>();

async function acquireLocalLock(name: string, timeoutMs: number, onWaiting: () => void): Promise<Release> {
  const previous = localQueues.get(name);
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = (previous ?? Promise.resolve()).then(() => mine);
  localQueues.set(name, tail);
  const done = async () => {
    release();
    if (localQueues.get(name) === tail) localQueues.delete(name);
  };
  if (!previous) return done;
  onWaiting();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const outcome = await Promise.race([previous.then(() => 'held' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    // Give up our place: whoever queued after us must not wait for a holder that never came.
    void done();
    throw timeoutError(name, timeoutMs);
  }
  return done;
}
