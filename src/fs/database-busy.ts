/**
 * A database another connection holds locked (SQLite's SQLITE_BUSY / SQLITE_LOCKED after the busy
 * timeout, PostgreSQL's lock_not_available, InnoDB's lock wait timeout): not a fault of the
 * migration nor a bug in Strata, but a wait that ran out. DATABASE_BUSY says who holds the lock
 * when the OS says (Linux: /proc/locks), how long Strata waited and which setting sets that.
 */
import { readFileSync, statSync } from 'node:fs';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { isDatabaseBusy } from '../model/failure-kind.js';

export { isDatabaseBusy } from '../model/failure-kind.js';

export interface BusyContext {
  /** The database as messages name it (`sqlite:app.db`). */
  description: string;
  /** Its file, when it has one: /proc/locks is searched for processes locking it. */
  path?: string;
  /** How long the driver waited before giving up (the busy timeout). */
  waitedMs?: number;
  /** The setting that sets that wait, as users write it. */
  setting: string;
  /** What the failure left as it was (`nothing from 0002_x was applied`), or undefined. */
  outcome?: string;
}

/** `error` as DATABASE_BUSY naming who holds the lock (when known) and how long Strata waited; null when it is no busy error. */
export function databaseBusy(error: unknown, context: BusyContext): StrataError | null {
  if (!isDatabaseBusy(error)) return null;
  if (error instanceof StrataError && error.code === ErrorCode.DATABASE_BUSY) return error;
  const holders = context.path ? lockHolders(context.path) : [];
  const who = holders.length ? `held by ${holders.map((h) => `pid ${h.pid}${h.command ? ` (${h.command})` : ''}`).join(', ')}` : 'held by another connection';
  const waited = context.waitedMs === undefined ? '' : ` after waiting ${context.waitedMs} ms`;
  return new StrataError(ErrorCode.DATABASE_BUSY, `${context.description} is locked, ${who}: gave up${waited} (${messageOf(error)})`, {
    hint: `${context.outcome ? `${context.outcome}; ` : ''}finish or stop the other connection's transaction (a long write, or a reader left open), or wait longer with ${context.setting}, then run it again`,
    cause: error,
    details: { waitedMs: context.waitedMs ?? null, holders: holders.map((h) => h.pid), ...(context.path ? { path: context.path } : {}) },
  });
}

export interface LockHolder {
  pid: number;
  /** /proc/<pid>/comm, when readable. */
  command: string | undefined;
}

/**
 * Processes other than this one holding POSIX locks on `path` or its `-shm`/`-journal`/`-wal`
 * (SQLite locks the shared-memory file in WAL mode, the database itself otherwise). Empty where
 * the OS does not tell (no /proc/locks) or the lock holder's pid is hidden (OFD locks: -1).
 */
export function lockHolders(path: string): LockHolder[] {
  let table: string;
  try {
    table = readFileSync('/proc/locks', 'utf8');
  } catch {
    return [];
  }
  const files = new Set<string>();
  for (const file of [path, `${path}-shm`, `${path}-journal`, `${path}-wal`]) {
    try {
      const { dev, ino } = statSync(file);
      // /proc/locks writes the device as major:minor in hex (Linux's new_encode_dev split).
      const major = (dev >> 8) & 0xfff;
      const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
      files.add(`${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${ino}`);
    } catch {
      // not there (no WAL, no journal): nothing locks it
    }
  }
  const pids = new Set<number>();
  for (const line of table.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 3792 fe:00:1474572 0 EOF" (a "->" marks a waiter: not a holder)
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || fields[1] === '->') continue;
    const pid = Number(fields[4]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && files.has(fields[5]!)) pids.add(pid);
  }
  return [...pids].map((pid) => ({ pid, command: commandOf(pid) }));
}

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
