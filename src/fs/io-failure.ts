/**
 * Failures of the machine rather than of the data: no space left, an I/O error, no permission.
 * They get codes of their own so that a check that could not run is never reported (or counted
 * by retention) as a damaged backup, and so the hint says what to fix: the disk, not the backup.
 */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';

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

/** Whether the file system holding `path` has (next to) no space left: what an I/O error there most often means. */
async function isFull(path: string): Promise<boolean> {
  for (const where of [path, dirname(path)]) {
    const info = await statfs(where).catch(() => null);
    if (info) return info.bavail * info.bsize < 1024 * 1024;
  }
  return false;
}

export interface IoContext {
  /** What was being done, as the start of a sentence: `verifying backup app.2026-...`. */
  doing: string;
  /** The file or folder it happened on (its file system is the one checked for space). */
  path: string;
  /** What the failure left as it was: `nothing was restored; the backup itself was not judged`. */
  outcome: string;
}

/**
 * `error` as a DISK_FULL, IO_ERROR or PERMISSION_DENIED StrataError naming the file and what to
 * do; null when it is not one of those (the caller keeps its own classification).
 */
export async function ioFailure(error: unknown, context: IoContext): Promise<StrataError | null> {
  let code = ioFailureCode(error);
  if (!code) return null;
  if (error instanceof StrataError && error.code === code) return error;
  // SQLite reports a full disk under its shared-memory file as a plain I/O error.
  if (code === ErrorCode.IO_ERROR && (await isFull(context.path))) code = ErrorCode.DISK_FULL;
  const why = messageOf(error);
  const details = { path: context.path, cause: String((error as { code?: unknown }).code ?? '') };
  if (code === ErrorCode.DISK_FULL) {
    return new StrataError(code, `${context.doing} failed: no space left on the device holding ${context.path} (${why})`, {
      hint: `${context.outcome}; free space there (or use another folder: --backup-dir, backup.dir) and run it again`,
      cause: error,
      details,
    });
  }
  if (code === ErrorCode.IO_ERROR) {
    return new StrataError(code, `${context.doing} failed: the disk reported an I/O error on ${context.path} (${why})`, {
      hint: `${context.outcome}; check the disk and its file system (dmesg, smartctl, fsck), then run it again`,
      cause: error,
      details,
    });
  }
  return new StrataError(code, `${context.doing} failed: permission denied on ${context.path} (${why})`, {
    hint: `${context.outcome}; run as a user that may read and write there, or fix the folder's owner and mode`,
    cause: error,
    details,
  });
}
