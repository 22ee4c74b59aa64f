/**
 * Reads a file that must be a regular file: a folder, a FIFO, a socket or a dangling link named
 * like a migration is refused with MIGRATION_FILE_UNREADABLE (a FIFO would otherwise block the
 * read forever), and a file the OS will not let us read is PERMISSION_DENIED / IO_ERROR.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { ErrorCode, StrataError } from '../model/errors.js';

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What kind of file system entry `mode` is, in words for a message. */
function kindOf(stat: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** `path`'s bytes; `shown` is how messages name it (relative to the project). */
export function readRegularFile(path: string, shown: string): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw unreadable(error as NodeJS.ErrnoException, path, shown);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new StrataError(ErrorCode.MIGRATION_FILE_UNREADABLE, `${shown} is ${kindOf(stat)}, not a migration file`, {
        hint: 'migrations are read from regular files only: remove or rename it (prefix it with _ to have it ignored)',
        details: { file: shown, reason: kindOf(stat) },
      });
    }
    return readKnownSize(fd, stat.size);
  } catch (error) {
    if (error instanceof StrataError) throw error;
    throw unreadable(error as NodeJS.ErrnoException, path, shown);
  } finally {
    closeSync(fd);
  }
}

/**
 * `path`'s text (UTF-8). `listedRegular`: the folder listing (a Dirent's file type, or a stat)
 * said it is a regular file, so no fstat is needed to refuse a FIFO or a folder: Node's UTF-8
 * readFileSync opens, reads and closes it in one native call, about a third less time than
 * readRegularFile for a folder of small files (~15 ms per 1,000 in a fresh process). Still opened
 * with O_NONBLOCK: an entry swapped for a FIFO since the listing reads empty at once instead of
 * blocking. Any failure goes through readRegularFile, whose typed error names the file.
 */
export function readListedFileText(path: string, shown: string, listedRegular: boolean): string {
  if (listedRegular) {
    try {
      // @types/node types `flag` as a string; Node takes numeric open flags too (no string has O_NONBLOCK).
      return readFileSync(path, { encoding: 'utf8', flag: OPEN_FLAGS as unknown as string });
    } catch {
      // fall through: the checked read says what is wrong, or reads it if that was transient
    }
  }
  return readRegularFile(path, shown).toString('utf8');
}

/**
 * readFileSync(fd) would fstat the file again for its size; the fstat above has it. Reads up to
 * `size` bytes as readFileSync does (a file that shrank since ends early); a size of 0 (a file
 * whose size the OS does not report) is read to its end by readFileSync.
 */
function readKnownSize(fd: number, size: number): Buffer {
  if (size === 0) return readFileSync(fd);
  const buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const read = readSync(fd, buffer, filled, size - filled, null);
    if (read === 0) break;
    filled += read;
  }
  return filled === size ? buffer : buffer.subarray(0, filled);
}

function unreadable(error: NodeJS.ErrnoException, path: string, shown: string): StrataError {
  const details = { file: shown, reason: error.code ?? 'unknown' };
  if (error.code === 'ENOENT' && isLink(path)) {
    return new StrataError(ErrorCode.MIGRATION_FILE_UNREADABLE, `${shown} is a symbolic link to a file that does not exist`, {
      hint: 'point the link at the migration file, or remove it',
      cause: error,
      details: { ...details, reason: 'dangling symbolic link' },
    });
  }
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return new StrataError(ErrorCode.PERMISSION_DENIED, `cannot read migration file ${shown}: permission denied (${error.code})`, {
      hint: `give the user running Strata read access to it (chmod a+r ${shown}) or run as its owner`,
      cause: error,
      details: { ...details, path },
    });
  }
  if (error.code === 'EIO') {
    return new StrataError(ErrorCode.IO_ERROR, `cannot read migration file ${shown}: the disk reported an I/O error`, {
      hint: 'check the disk and its file system (dmesg, fsck), then run it again',
      cause: error,
      details: { ...details, path },
    });
  }
  return new StrataError(ErrorCode.MIGRATION_FILE_UNREADABLE, `cannot read migration file ${shown} (${error.code ?? error.message})`, {
    hint: 'check that it exists and is a readable regular file, then run it again',
    cause: error,
    details,
  });
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
