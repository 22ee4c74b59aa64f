/**
 * SQLite in the browser: the official WASM build (`@sqlite.org/sqlite-wasm`, an optional peer,
 * typed here structurally so nothing of it is imported) on the Origin Private File System through
 * its `opfs-sahpool` VFS, in a worker (OPFS sync access handles exist only there).
 *
 * Why `opfs-sahpool` and not `opfs`: it needs no COOP/COEP headers (no SharedArrayBuffer), so it
 * works on any host, and it is the faster of the two. Its limit is that one context of the origin
 * holds the pool at a time; the driver takes the tab lock before it opens the pool and pauses the
 * pool (releasing its handles) when it closes, so a second tab waits for the first instead of
 * failing, and fails with LOCKED_BY_OTHER_TAB past the timeout. Commits are SQLite transactions
 * on OPFS files: a worker terminated mid-step leaves the journal, and the next open rolls back.
 * `storage: 'memory'` (an in-memory database, main thread or worker) is for tests and demos.
 */
import type { OpenWait, Release } from '../engine/target.js';
import { ErrorCode, messageOf, StrataError } from '../model/errors.js';
import type { Dialect } from '../targets/sql/dialect.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import { readSqliteSchema } from '../targets/sql/sqlite/sqlite-schema.js';
import { sqliteSql } from '../targets/sql/sqlite/sqlite-sql.js';
import { sqliteSchemaStamp } from '../targets/sql/sqlite/sqlite-stamp.js';
import { type BrowserDriverLock, HeldDatabase } from './held-database.js';
import type { TabBlocked } from './tab-lock.js';

/** The part of SQLite WASM's oo1 `DB` the driver uses. */
export interface SqliteWasmDb {
  readonly pointer?: unknown;
  exec(options: { sql: string; bind?: readonly unknown[]; rowMode?: 'object'; returnValue?: 'resultRows' }): unknown;
  changes(): number;
  close(): void;
}

/** The part of the `opfs-sahpool` VFS's pool utility the driver uses. */
export interface SqliteWasmSahPool {
  OpfsSAHPoolDb: new (filename: string) => SqliteWasmDb;
  getFileNames(): string[];
  getFileCount(): number;
  reserveMinimumCapacity(minimum: number): Promise<number>;
  pauseVfs(): unknown;
  isPaused(): boolean;
  unpauseVfs(): Promise<unknown>;
}

/** The part of the initialised module (`await sqlite3InitModule()`) the driver uses. */
export interface SqliteWasmModule {
  oo1: { DB: new (filename: string, flags?: string) => SqliteWasmDb };
  capi: { sqlite3_get_autocommit(db: never): number };
  installOpfsSAHPoolVfs(options: { name?: string; directory?: string; initialCapacity?: number }): Promise<SqliteWasmSahPool>;
}

export interface SqliteWasmDriverOptions {
  /** The initialised SQLite WASM module: `await sqlite3InitModule()`. */
  sqlite3: SqliteWasmModule;
  /** The database's name in the pool, e.g. `/app.sqlite3`. */
  file: string;
  /** 'opfs-sahpool' (default): persisted in OPFS, in a worker. 'memory': gone when the page goes. */
  storage?: 'opfs-sahpool' | 'memory';
  /** The pool's VFS name and OPFS directory (sqlite-wasm's defaults: `opfs-sahpool`, `.opfs-sahpool`). */
  pool?: { name?: string; directory?: string };
  /** How long opening waits for another tab that has the pool (ms) when the engine gives no timeout. */
  lockTimeoutMs?: number;
}

/** SQLite's SQL, schema reader and stamp over SQLite WASM; opened only through sqliteWasmDriver(). */
let madeSqliteWasmDriverDialect: Dialect | undefined;

/**
 * The dialect (made on first use: a function, not a constant, so that an app that never imports
 * this adapter drops it; bundlers keep an object literal that spreads another).
 */
export function sqliteWasmDialect(): Dialect {
  madeSqliteWasmDriverDialect ??= {
    ...sqliteSql,
    forms: { schemes: [], example: "sqliteWasmDriver({ sqlite3, file: '/app.sqlite3' })" },
    name: 'sqlite-wasm',
    family: 'sqlite',
    claims: () => false,
    locate: (db) => ({ location: db, description: `sqlite-wasm:${db}` }),
    open: () => {
      throw new StrataError(ErrorCode.DRIVER_UNSUPPORTED, 'SQLite WASM databases are opened with sqliteWasmDriver()', {
        hint: "import { sqliteWasmDriver } from 'strata-migrate/browser'",
      });
    },
    // A browser database has no backup provider yet: migrations run in SQLite transactions instead.
    backupProvider: () => undefined,
    inTransaction: async (context) => (context.connection as SqliteWasmDriver['connection']).inTransaction(),
    readSchema: readSqliteSchema,
    schemaStamp: sqliteSchemaStamp,
  };
  return madeSqliteWasmDriverDialect;
}

/** What code migrations receive as `ctx.connection` on SQLite WASM. */
export interface SqliteWasmConnection {
  db: SqliteWasmDb;
  inTransaction(): boolean;
}

/** A SqlDriver over SQLite WASM (see the module comment for the storage it uses). */
export function sqliteWasmDriver(options: SqliteWasmDriverOptions): SqliteWasmDriver {
  return new SqliteWasmDriver(options);
}

export class SqliteWasmDriver implements SqlDriver<SqliteWasmConnection>, BrowserDriverLock {
  readonly transactionalDdl = true;
  readonly description: string;
  readonly location: string;
  readonly lockedDatabase: string;
  onBlocked: ((blocked: TabBlocked) => void) | undefined;
  readonly integrityChecks = ['integrity_check', 'foreign_key_check'] as const;
  private readonly held: HeldDatabase;
  private readonly storage: 'opfs-sahpool' | 'memory';
  private pool: SqliteWasmSahPool | undefined;
  private db: SqliteWasmDb | undefined;
  private conn: SqliteWasmConnection | undefined;

  constructor(private readonly options: SqliteWasmDriverOptions) {
    if (!options?.sqlite3?.oo1) {
      throw new StrataError(ErrorCode.USAGE, 'sqliteWasmDriver() needs sqlite3: the module `await sqlite3InitModule()` returns', {
        hint: "import sqlite3InitModule from '@sqlite.org/sqlite-wasm'; const sqlite3 = await sqlite3InitModule();",
      });
    }
    if (typeof options.file !== 'string' || !options.file)
      throw new StrataError(ErrorCode.USAGE, "sqliteWasmDriver() needs file: the database's name, e.g. '/app.sqlite3'");
    this.storage = options.storage ?? 'opfs-sahpool';
    this.location = options.file;
    this.description = `sqlite-wasm:${this.storage}:${options.file}`;
    // The lock is the pool's, not the file's: one context at a time holds the whole pool's handles.
    this.lockedDatabase =
      this.storage === 'memory' ? this.description : `sqlite-wasm:opfs-sahpool:${options.pool?.directory ?? options.pool?.name ?? '.opfs-sahpool'}`;
    this.held = new HeldDatabase(this.lockedDatabase, this, options.lockTimeoutMs);
  }

  get dialect(): Dialect {
    return sqliteWasmDialect();
  }

  get connection(): SqliteWasmConnection {
    if (!this.conn) throw new StrataError(ErrorCode.DB_OPEN_FAILED, `${this.description} is not open`);
    return this.conn;
  }

  private get open(): SqliteWasmDb {
    return this.connection.db;
  }

  async connect(mode: 'read' | 'write', wait?: OpenWait): Promise<{ exists: boolean }> {
    if (this.db) return { exists: true };
    if (this.storage === 'memory') return this.openDb(new this.options.sqlite3.oo1.DB(':memory:', 'c'));
    await this.held.take(wait);
    // The module keeps one pool per VFS name: a driver closed before this one left it paused.
    this.pool ??= await this.installPool();
    if (this.pool.isPaused()) {
      try {
        await this.pool.unpauseVfs();
      } catch (error) {
        throw poolError(this.description, error);
      }
    }
    const present = this.pool.getFileNames().includes(this.options.file);
    if (mode === 'read' && !present) return { exists: false };
    // Each file of the pool (a database, its journal) takes one of its slots, 6 by default: a new
    // database needs two free ones, or opening it fails with SQLITE_CANTOPEN.
    await this.pool.reserveMinimumCapacity(this.pool.getFileCount() + (present ? 1 : 2));
    let db: SqliteWasmDb;
    try {
      db = new this.pool.OpfsSAHPoolDb(this.options.file);
    } catch (error) {
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot open ${this.description}: ${messageOf(error)}`, {
        hint: 'the pool may be full (raise its capacity) or OPFS unavailable (a private window, a main thread instead of a worker)',
        cause: error,
      });
    }
    return this.openDb(db);
  }

  private async installPool(): Promise<SqliteWasmSahPool> {
    try {
      return await this.options.sqlite3.installOpfsSAHPoolVfs({ ...this.options.pool });
    } catch (error) {
      throw poolError(this.description, error);
    }
  }

  private openDb(db: SqliteWasmDb): { exists: boolean } {
    const capi = this.options.sqlite3.capi;
    try {
      db.exec({ sql: 'PRAGMA foreign_keys = ON' });
      db.exec({ sql: 'SELECT count(*) FROM sqlite_master' });
    } catch (error) {
      db.close();
      throw new StrataError(ErrorCode.NOT_A_DATABASE, `${this.description} is not a SQLite database: ${messageOf(error)}`, { cause: error });
    }
    this.db = db;
    this.conn = { db, inTransaction: () => capi.sqlite3_get_autocommit(db.pointer as never) === 0 };
    return { exists: true };
  }

  async exec(sql: string): Promise<void> {
    this.open.exec({ sql });
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.open.exec({ sql, bind: params.length ? params : undefined, rowMode: 'object', returnValue: 'resultRows' }) as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    this.open.exec({ sql, bind: params.length ? params : undefined });
    return { changes: this.open.changes() };
  }

  async tableExists(table: string): Promise<boolean> {
    const [schema, name] = table.includes('.') ? table.split('.') : ['main', table];
    const rows = await this.query(`SELECT 1 FROM ${sqliteSql.quoteIdentifier(schema!)}.sqlite_master WHERE type = 'table' AND name = ?`, [name]);
    return rows.length > 0;
  }

  async begin(): Promise<void> {
    this.open.exec({ sql: sqliteSql.beginWrite });
  }

  async commit(): Promise<void> {
    this.open.exec({ sql: 'COMMIT' });
  }

  async rollback(): Promise<void> {
    await this.rollbackIfOpen();
  }

  async rollbackIfOpen(): Promise<boolean> {
    if (!this.connection.inTransaction()) return false;
    this.open.exec({ sql: 'ROLLBACK' });
    return true;
  }

  lock(timeoutMs: number, onWaiting: () => void): Promise<Release> {
    // An in-memory database is this connection's alone.
    if (this.storage === 'memory') return Promise.resolve(async () => undefined);
    return this.held.lockForRun(timeoutMs, onWaiting);
  }

  async setForeignKeys(enabled: boolean): Promise<boolean> {
    const [row] = await this.query<{ foreign_keys: number }>('PRAGMA foreign_keys');
    this.open.exec({ sql: `PRAGMA foreign_keys = ${enabled ? 'ON' : 'OFF'}` });
    return row?.foreign_keys === 1;
  }

  async foreignKeyViolations(): Promise<string[]> {
    try {
      const rows = await this.query<{ table: string; rowid: number | null; parent: string }>('PRAGMA foreign_key_check');
      return rows.map((r) => `${r.table} row ${r.rowid ?? '?'} references a missing row in ${r.parent}`);
    } catch (error) {
      return [messageOf(error)];
    }
  }

  async integrityProblems(): Promise<string[]> {
    const integrity = (await this.query<{ integrity_check: string }>('PRAGMA integrity_check')).map((r) => r.integrity_check).filter((line) => line !== 'ok');
    return [...integrity.map((line) => `integrity_check: ${line}`), ...(await this.foreignKeyViolations()).map((line) => `foreign_key_check: ${line}`)];
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.conn = undefined;
    // Paused, the pool lets go of its access handles: another tab can open it now. (Never
    // removeVfs(): it deletes the pool's files.)
    if (this.pool && !this.pool.isPaused()) this.pool.pauseVfs();
    await this.held.drop();
  }
}

function poolError(description: string, error: unknown): StrataError {
  return new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot open the OPFS pool for ${description}: ${messageOf(error)}`, {
    hint: "run the migrator in a Worker (OPFS sync access handles exist only there), in a browser with OPFS, and close the app's own connections to the pool first",
    cause: error,
  });
}
