/**
 * What kind of failure an error is, told from its codes alone (no file system, no driver), so the
 * engine can classify a step's failure in every build, the browser's included: a failure of the
 * machine (no space, I/O, permission) or a lock another connection held past the wait.
 * src/fs/io-failure.ts and src/fs/database-busy.ts add what the OS can say about them.
 */
import { ErrorCode, StrataError } from './errors.js';

export type IoFailureCode = typeof ErrorCode.DISK_FULL | typeof ErrorCode.IO_ERROR | typeof ErrorCode.PERMISSION_DENIED;

const ERRNO: Record<string, IoFailureCode> = {
  ENOSPC: ErrorCode.DISK_FULL,
  EDQUOT: ErrorCode.DISK_FULL,
  EIO: ErrorCode.IO_ERROR,
  EACCES: ErrorCode.PERMISSION_DENIED,
  EPERM: ErrorCode.PERMISSION_DENIED,
  EROFS: ErrorCode.PERMISSION_DENIED,
};

/** SQLite's result codes for the same causes (better-sqlite3 sets them as `code`). */
function sqliteCode(code: string): IoFailureCode | null {
  if (/^SQLITE_FULL/.test(code)) return ErrorCode.DISK_FULL;
  if (/^SQLITE_(IOERR|CANTOPEN|NOMEM)/.test(code)) return ErrorCode.IO_ERROR;
  if (/^SQLITE_(READONLY|PERM|AUTH)/.test(code)) return ErrorCode.PERMISSION_DENIED;
  return null;
}

/** Which machine failure `error` (or one of its causes) is; null when it is none. */
export function ioFailureCode(error: unknown): IoFailureCode | null {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof StrataError) {
      if (e.code === ErrorCode.DISK_FULL || e.code === ErrorCode.IO_ERROR || e.code === ErrorCode.PERMISSION_DENIED) return e.code;
      continue;
    }
    const code = String((e as { code?: unknown }).code ?? '');
    const known = ERRNO[code] ?? sqliteCode(code);
    if (known) return known;
  }
  return null;
}

/** Whether `error` (or one of its causes) is a lock that was not granted in time. */
export function isDatabaseBusy(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof StrataError) {
      if (e.code === ErrorCode.DATABASE_BUSY) return true;
      continue;
    }
    const { code, errno } = e as { code?: unknown; errno?: unknown };
    if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) return true;
    if (code === '55P03') return true; // PostgreSQL lock_not_available (lock_timeout)
    if (errno === 1205) return true; // InnoDB lock wait timeout
  }
  return false;
}
