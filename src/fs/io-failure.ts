/**
 * Failures of the machine rather than of the data: no space left, an I/O error, no permission.
 * They get codes of their own so that a check that could not run is never reported (or counted
 * by retention) as a damaged backup, and so the hint says what to fix: the disk, not the backup.
 */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { ioFailureCode } from '../model/failure-kind.js';

export { ioFailureCode, type IoFailureCode } from '../model/failure-kind.js';

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
