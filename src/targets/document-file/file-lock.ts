/**
 * A lock file for one process at a time across processes (Node has no flock). `open(path, 'wx')`
 * creates it only if absent; it records the holder's pid and host. A lock left by a process
 * that died (same host, pid gone) is taken over: it is first renamed aside and checked to be
 * the dead holder's, so two processes breaking the same stale lock cannot both win.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { waitForLock } from '../../engine/lock-wait.js';
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { Release } from '../document/locks.js';
import { isProcessAlive } from '../../fs/process-alive.js';

interface Holder {
  pid: number;
  host: string;
  token: string;
  at: string;
}

/** A lock file with no readable holder (its creator died between create and write) this old is stale. */
const UNREADABLE_STALE_MS = 10_000;
const POLL_MS = 25;

export async function acquireFileLock(lockPath: string, timeoutMs: number, onWaiting: () => void): Promise<Release> {
  const me: Holder = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex'), at: new Date().toISOString() };
  let seen: string | undefined;
  return waitForLock<Release>({
    timeoutMs,
    pollMs: POLL_MS,
    onWaiting,
    async attempt() {
      for (;;) {
        if (await tryCreate(lockPath, me)) return () => releaseLock(lockPath, me.token);
        seen = await readFile(lockPath, 'utf8').catch(() => undefined);
        if (seen === undefined || !(await isStale(lockPath, seen))) return undefined;
        await breakStale(lockPath, seen);
      }
    },
    timedOut() {
      const holder = parseHolder(seen);
      return new StrataError(
        ErrorCode.LOCK_TIMEOUT,
        `${lockPath} is held${holder ? ` by process ${holder.pid} on ${holder.host} since ${holder.at}` : ''} for more than ${timeoutMs} ms`,
        {
          hint: 'wait for that migration to finish, or raise lockTimeoutMs; if no such process runs, delete the lock file',
          details: { lockPath, holder },
        },
      );
    },
  });
}

async function tryCreate(lockPath: string, me: Holder): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(me));
  } finally {
    await handle.close();
  }
  return true;
}

function parseHolder(text: string | undefined): Holder | undefined {
  try {
    const holder = JSON.parse(text ?? '') as Holder;
    return typeof holder.pid === 'number' ? holder : undefined;
  } catch {
    return undefined;
  }
}

async function isStale(lockPath: string, text: string): Promise<boolean> {
  const holder = parseHolder(text);
  if (!holder) {
    const info = await stat(lockPath).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > UNREADABLE_STALE_MS;
  }
  if (holder.host !== hostname()) return false;
  return !isProcessAlive(holder.pid);
}

async function breakStale(lockPath: string, staleText: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== staleText) {
    // We moved a live lock that replaced the stale one in between: put it back unless a new one exists.
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

async function releaseLock(lockPath: string, token: string): Promise<void> {
  const holder = parseHolder(await readFile(lockPath, 'utf8').catch(() => undefined));
  if (holder?.token === token) await unlink(lockPath).catch(() => undefined);
}
