/**
 * SQLite backups. A snapshot is one consistent state of the database, made while the app keeps
 * writing:
 * - Databases from FILE_COPY_MIN_BYTES up: a byte copy of the file (and its -wal) made by a child
 *   process while this connection holds a read transaction, hashed as it is written. In WAL
 *   mode (Strata's default) writers wait only for the checkpoint tried before the copy (it
 *   holds the write lock while it moves the -wal into the file: milliseconds for an -wal of the
 *   default size); the read transaction only keeps checkpoints from writing into the file past
 *   its snapshot, and whatever the -wal held when it was copied is applied to the copy by SQLite
 *   itself. In rollback-journal mode, writers wait for the copy (a file copy: ~1-2.5 s per GB
 *   here, against ~3-5 s for the online backup API).
 * - Smaller ones, and Windows (whose byte-range locks make a locked database file unreadable to
 *   another process): SQLite's online backup API (better-sqlite3's `db.backup()`) in one step,
 *   i.e. one read transaction, so a writer cannot make it restart over and over.
 * Restores go back in through the online backup API, so connections that have the database open
 * see the restored content (a file rename would leave them on the old inode with a stale -wal).
 */
import Database from 'better-sqlite3';
import type { BetterSqlite3Database } from '../../targets/sql/sqlite/better-sqlite3-database.js';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { link, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { compareVersions } from '../../model/version.js';
import { fsyncDirectory } from '../../fs/atomic-write.js';
import { ioFailureCode } from '../../fs/io-failure.js';
import { sqliteSql } from '../../targets/sql/sqlite/sqlite-sql.js';
import { fileBackupName } from '../backup-manifest.js';
import type { BackupProvider, CheckLevel, Snapshot, SnapshotOptions } from './backup-provider.js';
// The copy process and the worker thread (child_process, worker_threads) are imported when a
// snapshot or a check runs: the provider is made for every migrate, most of which back nothing up.
import type { PendingCopy } from './sqlite-file-copy.js';

export interface SqliteProviderOptions {
  /** The ledger table that holds the schema version (default strata_migrations). */
  ledgerTable?: string;
  /** From this many bytes up, snapshots are file copies made under a read transaction (default 32 MiB). */
  fileCopyMinBytes?: number;
}

/** All remaining pages in one step: one read transaction, no restarts. */
const ALL_PAGES = 2 ** 31 - 1;
/** From this size up a file copy in a child process beats the online backup API plus its start-up (~40 ms). */
export const FILE_COPY_MIN_BYTES = 32 * 1024 * 1024;
/** A -wal of this size or less holds a header and no frames. */
const WAL_HEADER_BYTES = 32;
/** How long the checkpoint before a copy waits for writers; a busy database just costs a second pass. */
const CHECKPOINT_WAIT_MS = 200;

export class SqliteBackupProvider implements BackupProvider {
  readonly kind = 'sqlite';
  readonly source: string;
  readonly name: string;
  readonly defaultDir: string;
  private readonly path: string;
  private readonly ledgerTable: string;
  private readonly fileCopyMinBytes: number;

  constructor(path: string, options: SqliteProviderOptions = {}) {
    if (path === ':memory:' || path === '') {
      throw new StrataError(ErrorCode.BACKUP_UNSUPPORTED, 'an in-memory database has no file to back up', {
        hint: 'use a database file, or run with --no-backup',
      });
    }
    this.path = resolve(path);
    this.source = `sqlite:${this.path}`;
    this.name = fileBackupName(this.path);
    this.defaultDir = join(dirname(this.path), 'backups');
    this.ledgerTable = options.ledgerTable ?? 'strata_migrations';
    this.fileCopyMinBytes = options.fileCopyMinBytes ?? FILE_COPY_MIN_BYTES;
  }

  async isEmpty(): Promise<boolean> {
    if (!existsSync(this.path) || schemaTableEmpty(this.path)) return true;
    const db = new Database(this.path, { readonly: true, fileMustExist: true });
    try {
      // The ledger alone (created by the run that is about to migrate) is not worth a backup.
      const userObjects = db
        .prepare("SELECT count(*) FROM sqlite_master WHERE tbl_name <> ? AND name NOT LIKE 'sqlite_%'")
        .pluck()
        .get(this.ledgerTable) as number;
      if (userObjects > 0) return false;
      const ledger = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(this.ledgerTable) as number;
      return (
        ledger === 0 ||
        db
          .prepare(`SELECT count(*) FROM ${sqliteSql.quoteIdentifier(this.ledgerTable)}`)
          .pluck()
          .get() === 0
      );
    } finally {
      db.close();
    }
  }

  async snapshot(plainPath: string, options: SnapshotOptions = {}): Promise<Snapshot> {
    let db: BetterSqlite3Database;
    let size: number;
    let pending: PendingCopy | null = null;
    try {
      size = (await stat(this.path)).size;
      // The copy process starts first: node's start-up (~60-110 ms) overlaps the open and the checkpoint.
      if (size >= this.fileCopyMinBytes && process.platform !== 'win32')
        pending = (await import('./sqlite-file-copy.js')).startDatabaseCopy(this.path, plainPath);
      // Read-write when allowed, for the checkpoint below; SQLite opens a read-only file read-only.
      db = new Database(this.path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    } catch (error) {
      await pending?.cancel();
      throw new StrataError(ErrorCode.BACKUP_FAILED, `cannot open ${this.path} to back it up: ${messageOf(error)}`, {
        hint: 'check the path (a database that does not exist yet has nothing to back up)',
        cause: error,
      });
    }
    try {
      if (!pending) {
        const schemaVersion = this.schemaVersion(db);
        await createPrivate(plainPath);
        await backupAll(db, plainPath);
        return { schemaVersion };
      }
      return await this.copyUnderReadTransaction(db, plainPath, pending, options.durable !== false, options.onCopied);
    } catch (error) {
      // A process that never got to copy (or already ended) exits and leaves nothing behind.
      await pending?.cancel();
      throw error;
    } finally {
      db.close();
    }
  }

  private async copyUnderReadTransaction(
    db: BetterSqlite3Database,
    plainPath: string,
    pending: PendingCopy,
    durable: boolean,
    onCopied: ((bytes: number) => void) | undefined,
  ): Promise<Snapshot> {
    const wal = String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
    if (wal) {
      // Moves the -wal into the file first, so that usually the file alone is the snapshot and
      // the copy needs no second pass. Short wait: a busy writer only costs that second pass.
      db.pragma(`busy_timeout = ${CHECKPOINT_WAIT_MS}`);
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // A read-only file: the copy takes the -wal as it is.
      }
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    let schemaVersion: string | null;
    let copied;
    db.exec('BEGIN');
    try {
      // The first read takes the snapshot the copy must hold: from here on no checkpoint writes
      // into the file past it, and in rollback-journal mode no writer commits.
      db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
      schemaVersion = this.schemaVersion(db);
      copied = await pending.run({ wal, durable, ...(onCopied ? { onWritten: onCopied } : {}) });
    } catch (error) {
      // The manager removes the snapshot file itself; the -wal copy is this method's.
      await rm(`${plainPath}-wal`, { force: true });
      if (!(error instanceof (await import('./sqlite-file-copy.js')).CopyProcessUnavailable)) throw error;
      // No process to copy with (a runtime whose execPath is not Node): the online backup API.
      db.exec('COMMIT');
      await rm(plainPath, { force: true });
      await createPrivate(plainPath);
      await backupAll(db, plainPath);
      return { schemaVersion: this.schemaVersion(db) };
    } finally {
      if (db.inTransaction) db.exec('COMMIT');
    }
    if (copied.walBytes <= WAL_HEADER_BYTES) {
      await rm(`${plainPath}-wal`, { force: true });
      return copied.sha256 === null
        ? { schemaVersion, streamed: { size: copied.size } }
        : { schemaVersion, hashed: { size: copied.size, sha256: copied.sha256 } };
    }
    // Transactions committed to the -wal before (or while) it was copied: SQLite's recovery
    // applies the complete ones to the copy, which makes it a consistent state at least as new
    // as the snapshot; the file changed, so the caller hashes it again.
    try {
      foldWal(plainPath);
    } finally {
      await removeSidecars(plainPath);
    }
    return { schemaVersion };
  }

  private schemaVersion(db: BetterSqlite3Database): string | null {
    try {
      const rows = db
        .prepare(`SELECT version FROM ${sqliteSql.quoteIdentifier(this.ledgerTable)} WHERE status = 'applied'`)
        .pluck()
        .all() as string[];
      return rows.map(String).sort(compareVersions).at(-1) ?? null;
    } catch {
      return null; // no ledger yet
    }
  }

  async check(plainPath: string, level: CheckLevel = 'full'): Promise<string[]> {
    try {
      return level === 'full' ? await (await import('../worker-task.js')).sqliteIntegrityInWorker(plainPath) : await structureProblems(plainPath);
    } finally {
      await removeSidecars(plainPath);
    }
  }

  async restoreInto(plainPath: string): Promise<void> {
    const source = new Database(plainPath, { readonly: true, fileMustExist: true });
    try {
      await backupAll(source, this.path);
    } catch (error) {
      throw new StrataError(ErrorCode.RESTORE_FAILED, `could not write the backup into ${this.path}: ${messageOf(error)}`, {
        hint: 'the database is as it was before the restore (SQLite applies a backup in one transaction); retry when no other connection is writing',
        cause: error,
      });
    } finally {
      source.close();
      await removeSidecars(plainPath);
    }
  }

  /** The checked copy is already synced beside `to`: a link puts it in place without a second copy, never over a file. */
  async restoreTo(plainPath: string, to: string): Promise<void> {
    await link(plainPath, to);
    await fsyncDirectory(dirname(to));
  }
}

/** How long a backup waits for a database another connection is writing (Strata's busy timeout). */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * `db.backup(to)` with every page in one step. better-sqlite3 reports a first step that found a
 * database locked (SQLITE_BUSY) as a finished backup of 0 pages, having copied nothing, and
 * retries a later busy step forever: this retries until BUSY_TIMEOUT_MS, then throws.
 */
async function backupAll(db: BetterSqlite3Database, to: string): Promise<void> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  const locked = () => new Error(`${to} stayed locked by another connection (SQLITE_BUSY) for ${BUSY_TIMEOUT_MS} ms`);
  for (;;) {
    const progress = await db.backup(to, {
      progress: () => {
        if (Date.now() > deadline) throw locked();
        return ALL_PAGES;
      },
    });
    if (progress.totalPages > 0 && progress.remainingPages === 0) return;
    if (Date.now() > deadline) throw locked();
    await new Promise((done) => setTimeout(done, 20));
  }
}

/** Applies a copied -wal to the copied file and removes it (SQLite deletes it on the last close). */
function foldWal(path: string): void {
  const copy = new Database(path, { fileMustExist: true });
  try {
    copy.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    copy.close();
  }
}

/**
 * What a reader needs to open the copy: a SQLite header, as many pages as the header says (a
 * truncated or padded file fails), and a schema that parses. Reads a few pages, not the database.
 */
async function structureProblems(path: string): Promise<string[]> {
  const size = (await stat(path)).size;
  let db: BetterSqlite3Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const pageCount = Number(db.pragma('page_count', { simple: true }));
    if (pageSize * pageCount !== size) return [`the file has ${size} bytes but its header describes ${pageCount} pages of ${pageSize} bytes`];
    return [];
  } catch (error) {
    // No space or permission for the -shm beside the copy: the check did not run.
    if (ioFailureCode(error)) throw error;
    return [messageOf(error)];
  } finally {
    db?.close();
  }
}

/**
 * The snapshot file, empty and 0600 before SQLite writes a byte into it: SQLite would create it
 * 0644 (less the umask) whatever the folder's mode, and gives its -journal the mode of the file.
 */
async function createPrivate(path: string): Promise<void> {
  await writeFile(path, '', { mode: 0o600, flag: 'wx' });
}

/** A checked or restored copy may have grown -wal / -shm files; they belong to the temp copy. */
async function removeSidecars(path: string): Promise<void> {
  await rm(`${path}-wal`, { force: true });
  await rm(`${path}-shm`, { force: true });
}

/**
 * A database file with no schema at all (what the first migrate of a new database finds: the
 * migrator's connection has only set its journal mode), told from the file's first 108 bytes
 * instead of a second connection (open, -shm, a read transaction: ~1-3 ms a run). True only when
 * page 1, sqlite_master's root, is a leaf holding no row and nothing newer can be elsewhere: no
 * -wal holding a frame, no rollback -journal. Anything else (false) goes to the full check.
 */
function schemaTableEmpty(path: string): boolean {
  if (existsSync(`${path}-journal`) || sizeOrZero(`${path}-wal`) > WAL_HEADER_BYTES) return false;
  const header = Buffer.alloc(108);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const read = readSync(fd, header, 0, header.length, 0);
    if (read === 0) return true; // an empty file: SQLite has written nothing yet
    const LEAF_TABLE_PAGE = 0x0d;
    return (
      read === header.length &&
      header.toString('latin1', 0, 16) === 'SQLite format 3\u0000' &&
      header[100] === LEAF_TABLE_PAGE &&
      header.readUInt16BE(103) === 0
    );
  } finally {
    closeSync(fd);
  }
}

function sizeOrZero(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
