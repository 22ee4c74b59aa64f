/**
 * SQLite backups through SQLite's online backup API (better-sqlite3's `db.backup()`): a copy made
 * while the app keeps writing is still one consistent snapshot. The copy runs as one backup step,
 * i.e. one read transaction: in WAL mode (Strata's default) writers are never blocked by it, and
 * a write by another connection cannot make it restart over and over as small steps would.
 * Restores go back in through the same API, so connections that have the database open see the
 * restored content (a file rename would leave them on the old inode with a stale -wal).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { access, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { compareVersions } from '../../model/version.js';
import { copyFileAtomic } from '../../fs/atomic-write.js';
import { sqliteIntegrityInWorker } from '../worker-task.js';
import type { BackupProvider } from './backup-provider.js';

export interface SqliteProviderOptions {
  /** The ledger table that holds the schema version (default strata_migrations). */
  ledgerTable?: string;
}

/** All remaining pages in one step: one read transaction, no restarts. */
const ALL_PAGES = 2 ** 31 - 1;

export class SqliteBackupProvider implements BackupProvider {
  readonly kind = 'sqlite';
  readonly source: string;
  readonly name: string;
  readonly defaultDir: string;
  private readonly path: string;
  private readonly ledgerTable: string;

  constructor(path: string, options: SqliteProviderOptions = {}) {
    if (path === ':memory:' || path === '') {
      throw new StrataError(ErrorCode.BACKUP_UNSUPPORTED, 'an in-memory database has no file to back up', {
        hint: 'use a database file, or run with --no-backup',
      });
    }
    this.path = resolve(path);
    this.source = `sqlite:${this.path}`;
    this.name = basename(this.path, extname(this.path)) || basename(this.path);
    this.defaultDir = join(dirname(this.path), 'backups');
    this.ledgerTable = options.ledgerTable ?? 'strata_migrations';
  }

  async isEmpty(): Promise<boolean> {
    if (!existsSync(this.path)) return true;
    const db = new Database(this.path, { readonly: true, fileMustExist: true });
    try {
      // The ledger alone (created by the run that is about to migrate) is not worth a backup.
      const userObjects = db.prepare("SELECT count(*) FROM sqlite_master WHERE tbl_name <> ? AND name NOT LIKE 'sqlite_%'").pluck().get(this.ledgerTable) as number;
      if (userObjects > 0) return false;
      const ledger = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(this.ledgerTable) as number;
      return ledger === 0 || db.prepare(`SELECT count(*) FROM "${this.ledgerTable.replace(/"/g, '""')}"`).pluck().get() === 0;
    } finally {
      db.close();
    }
  }

  async snapshot(plainPath: string): Promise<{ schemaVersion: string | null }> {
    let db: Database.Database;
    try {
      await access(this.path);
      db = new Database(this.path, { readonly: true, fileMustExist: true });
    } catch (error) {
      throw new StrataError(ErrorCode.BACKUP_FAILED, `cannot open ${this.path} to back it up: ${messageOf(error)}`, {
        hint: 'check the path (a database that does not exist yet has nothing to back up)',
        cause: error,
      });
    }
    try {
      const schemaVersion = this.schemaVersion(db);
      await backupAll(db, plainPath);
      return { schemaVersion };
    } finally {
      db.close();
    }
  }

  private schemaVersion(db: Database.Database): string | null {
    try {
      const rows = db.prepare(`SELECT version FROM "${this.ledgerTable.replace(/"/g, '""')}" WHERE status = 'applied'`).pluck().all() as string[];
      return rows.map(String).sort(compareVersions).at(-1) ?? null;
    } catch {
      return null; // no ledger yet
    }
  }

  async check(plainPath: string): Promise<string[]> {
    try {
      return await sqliteIntegrityInWorker(plainPath);
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

  async restoreTo(plainPath: string, to: string): Promise<void> {
    await copyFileAtomic(plainPath, to, { mode: 0o600 });
    await removeSidecars(to);
  }
}

/** How long a backup waits for a database another connection is writing (Strata's busy timeout). */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * `db.backup(to)` with every page in one step. better-sqlite3 reports a first step that found a
 * database locked (SQLITE_BUSY) as a finished backup of 0 pages, having copied nothing, and
 * retries a later busy step forever: this retries until BUSY_TIMEOUT_MS, then throws.
 */
async function backupAll(db: Database.Database, to: string): Promise<void> {
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

/** A checked or restored copy may have grown -wal / -shm files; they belong to the temp copy. */
async function removeSidecars(path: string): Promise<void> {
  await rm(`${path}-wal`, { force: true });
  await rm(`${path}-shm`, { force: true });
}

