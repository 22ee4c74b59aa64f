/**
 * SQLite through better-sqlite3: the embedded default. Opens a path (or `:memory:`) with WAL,
 * foreign keys on and a busy timeout, or wraps a connection the application already has
 * (left as it is, and not closed by us).
 */
import Database from 'better-sqlite3';
import type { BetterSqlite3Database, BetterSqlite3RunResult, BetterSqlite3Statement } from './better-sqlite3-database.js';
import { existsSync, statfsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { anchorShape } from '../../../engine/shape-anchors.js';
import type { Release } from '../../../engine/target.js';
import { ErrorCode, StrataError, messageOf } from '../../../model/errors.js';
import type { Dialect } from '../dialect.js';
import type { SqlDriver } from '../driver.js';
import { sqliteDialect } from './dialect.js';
import { databaseBusy } from '../../../fs/database-busy.js';
import { ioFailureCode } from '../../../fs/io-failure.js';
import { acquireFileLock } from './sqlite-lock.js';
import { sqliteSql } from './sqlite-sql.js';
import type { SyncStatements } from '../sync-statements.js';

export interface SqlitePragmas {
  journalMode?: 'wal' | 'delete' | 'truncate' | 'persist' | 'memory' | 'off';
  synchronous?: 'off' | 'normal' | 'full' | 'extra';
  busyTimeoutMs?: number;
  foreignKeys?: boolean;
}

/** WAL with synchronous=NORMAL: atomic and consistent; a power cut may lose the last commits, never mix them. */
export const DEFAULT_SQLITE_PRAGMAS: Required<SqlitePragmas> = {
  journalMode: 'wal',
  synchronous: 'normal',
  busyTimeoutMs: 5000,
  foreignKeys: true,
};

export interface SqliteDriverOptions {
  pragmas?: SqlitePragmas;
}

type Statement = BetterSqlite3Statement<unknown[]>;

export class SqliteDriver implements SqlDriver<BetterSqlite3Database> {
  readonly transactionalDdl = sqliteSql.transactionalDdl;
  readonly description: string;
  private db: BetterSqlite3Database | undefined;
  private readonly owned: boolean;
  /** The database file (resolved), or `:memory:`. */
  readonly path: string;
  private readonly pragmas: Required<SqlitePragmas>;
  private readonly statements = new Map<string, Statement>();
  private sync: SyncStatements | undefined;
  /** The same SQL prepared again in raw mode (rows as arrays): a statement's mode is its own, so `query`'s stay objects. */
  private readonly rawStatements = new Map<string, Statement>();

  constructor(database: string | BetterSqlite3Database, options: SqliteDriverOptions = {}) {
    this.pragmas = { ...DEFAULT_SQLITE_PRAGMAS, ...options.pragmas };
    checkPragmas(this.pragmas);
    if (typeof database === 'string') {
      this.path = database;
      this.owned = true;
    } else {
      this.db = database;
      // Resolved now: better-sqlite3 keeps the name as given, relative to the cwd of that moment.
      this.path = database.memory ? ':memory:' : resolve(database.name);
      this.owned = false;
    }
    this.description = describeSqlitePath(this.path);
  }

  // A getter: this module and the dialect's import each other, and neither reads the other while loading.
  get dialect(): Dialect {
    return sqliteDialect;
  }

  get location(): string {
    return this.path;
  }

  get connection(): BetterSqlite3Database {
    if (!this.db) throw new StrataError(ErrorCode.DB_OPEN_FAILED, `${this.description} is not open`);
    return this.db;
  }

  async connect(mode: 'read' | 'write'): Promise<{ exists: boolean }> {
    if (this.db) {
      if (mode === 'write' && this.owned && !this.db.readonly) {
        try {
          this.applyPragmas(this.db);
        } catch (error) {
          throw this.busy(error, 'nothing was changed') ?? error;
        }
      }
      return { exists: true };
    }
    const memory = this.path === ':memory:';
    if (mode === 'read' && !memory && !existsSync(this.path)) return { exists: false };
    if (mode === 'write' && !memory && !existsSync(dirname(this.path))) {
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot create ${this.path}: the folder ${dirname(this.path)} does not exist`, {
        hint: 'create the folder first, or point --db at an existing one',
      });
    }
    let db: BetterSqlite3Database;
    try {
      db = new Database(this.path, { fileMustExist: mode === 'read', timeout: this.pragmas.busyTimeoutMs });
    } catch (error) {
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot open ${this.path}: ${messageOf(error)}`, {
        hint: 'check that the path is right and that this user may read and write it and its folder',
        cause: error,
      });
    }
    try {
      // The first read is what tells a SQLite file from anything else.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      if (mode === 'write') this.applyPragmas(db);
    } catch (error) {
      db.close();
      throw this.busy(error, 'nothing was changed') ?? openError(this.path, error);
    }
    this.db = db;
    return { exists: true };
  }

  /**
   * One exec of the four: their results are not read, and `pragma()` prepares each as a statement
   * and builds its result rows (~50 us more per open, measured on the fleet's targets, where every
   * tenant is a new connection). The values were checked (checkPragmas): nothing else is run.
   */
  private applyPragmas(db: BetterSqlite3Database): void {
    const { journalMode, synchronous, foreignKeys, busyTimeoutMs } = this.pragmas;
    db.exec(
      `${this.path === ':memory:' ? '' : `PRAGMA journal_mode = ${journalMode}; `}PRAGMA synchronous = ${synchronous}; PRAGMA foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}; PRAGMA busy_timeout = ${busyTimeoutMs}`,
    );
  }

  private prepared(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.connection.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * SQLITE_BUSY after the busy timeout as DATABASE_BUSY (who holds the lock, how long we waited);
   * null for any other error. `outcome`: what the failure left as it was, when this layer knows.
   */
  private busy(error: unknown, outcome?: string): StrataError | null {
    return databaseBusy(error, {
      description: this.description,
      path: this.path === ':memory:' ? undefined : this.path,
      waitedMs: this.pragmas.busyTimeoutMs,
      setting: `"pragmas": { "busyTimeoutMs": ... } in the config (now ${this.pragmas.busyTimeoutMs})`,
      outcome,
    });
  }

  async exec(sql: string): Promise<void> {
    this.execNow(sql);
  }

  /** @internal exec without a promise, for SqliteSyncStatements */
  execNow(sql: string): void {
    try {
      this.connection.exec(sql);
    } catch (error) {
      throw this.busy(error) ?? error;
    }
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      return this.prepared(sql).all(...params) as T[];
    } catch (error) {
      throw this.busy(error) ?? error;
    }
  }

  async queryRows(sql: string, params: readonly unknown[] = []): Promise<unknown[][]> {
    try {
      let statement = this.rawStatements.get(sql);
      if (!statement) {
        statement = this.connection.prepare(sql).raw(true);
        this.rawStatements.set(sql, statement);
      }
      return statement.all(...params) as unknown[][];
    } catch (error) {
      throw this.busy(error) ?? error;
    }
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    return { changes: this.runNow(sql, params).changes };
  }

  /**
   * @internal run without a promise, for SqliteSyncStatements and begin/commit, which never read
   * the result: better-sqlite3 builds each result property by property, so its hidden class dies
   * with the last result, and code that read one was thrown away at every full GC
   * (shape-anchors.ts). Only `run` reads it.
   */
  runNow(sql: string, params: readonly unknown[]): BetterSqlite3RunResult {
    try {
      return this.prepared(sql).run(...params);
    } catch (error) {
      throw this.busy(error) ?? error;
    }
  }

  async tableExists(table: string): Promise<boolean> {
    const [schema, name] = table.includes('.') ? table.split('.') : ['main', table];
    const row = this.prepared(`SELECT 1 FROM ${sqliteSql.quoteIdentifier(schema!)}.sqlite_master WHERE type = 'table' AND name = ?`).get(name);
    return row !== undefined;
  }

  /**
   * data_version moves when another connection commits; total_changes() counts this
   * connection's own writes. Together: unchanged means nobody wrote anything in between.
   */
  async changeStamp(): Promise<string> {
    const row = this.prepared('SELECT data_version AS v, total_changes() AS c FROM pragma_data_version').get() as { v: number; c: number };
    return `${row.v}:${row.c}`;
  }

  async begin(): Promise<void> {
    this.runNow(sqliteSql.beginWrite, []);
  }

  async commit(): Promise<void> {
    this.runNow('COMMIT', []);
  }

  async rollback(): Promise<void> {
    await this.rollbackIfOpen();
  }

  async rollbackIfOpen(): Promise<boolean> {
    return this.rollbackIfOpenNow();
  }

  /** @internal rollbackIfOpen without a promise, for SqliteSyncStatements */
  rollbackIfOpenNow(): boolean {
    if (!this.connection.inTransaction) return false;
    this.connection.exec('ROLLBACK');
    return true;
  }

  /**
   * begin, exec, run, commit and rollbackIfOpen without a promise each, for the engine's
   * synchronous steps (engine/sync-steps.ts): the same statements and errors. Undefined when
   * `seenAs` (what the caller holds: this driver, or a wrapper of it) does not run its statements
   * through this class's own methods: a wrapper that intercepts them (the tracer, a subclass)
   * must see every statement, so its caller keeps awaiting them.
   * @internal the engine's, not part of the driver's public contract
   */
  syncStatements(seenAs: SqlDriver): SyncStatements | undefined {
    const own = SqliteDriver.prototype;
    const untouched =
      seenAs.exec === own.exec &&
      seenAs.run === own.run &&
      seenAs.begin === own.begin &&
      seenAs.commit === own.commit &&
      seenAs.rollback === own.rollback &&
      seenAs.rollbackIfOpen === own.rollbackIfOpen;
    if (!untouched) return undefined;
    this.sync ??= new SqliteSyncStatements(this);
    return this.sync;
  }

  async lock(timeoutMs: number, onWaiting: () => void): Promise<Release> {
    // One connection to an in-memory database cannot be reached by another process.
    if (this.path === ':memory:' || this.path === '') return async () => undefined;
    return acquireFileLock(this.path, timeoutMs, onWaiting);
  }

  async setForeignKeys(enabled: boolean): Promise<boolean> {
    const previous = this.connection.pragma('foreign_keys', { simple: true }) === 1;
    this.connection.pragma(`foreign_keys = ${enabled ? 'ON' : 'OFF'}`);
    return previous;
  }

  async foreignKeyViolations(): Promise<string[]> {
    try {
      const rows = this.connection.pragma('foreign_key_check') as { table: string; rowid: number | null; parent: string; fkid: number }[];
      return rows.map((r) => `${r.table} row ${r.rowid ?? '?'} references a missing row in ${r.parent}`);
    } catch (error) {
      // "foreign key mismatch": a foreign key whose parent columns are not unique.
      return [messageOf(error)];
    }
  }

  readonly integrityChecks = ['integrity_check', 'foreign_key_check'] as const;

  async integrityProblems(): Promise<string[]> {
    const integrity = (this.connection.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .filter((line) => line !== 'ok');
    return [...integrity.map((line) => `integrity_check: ${line}`), ...(await this.foreignKeyViolations()).map((line) => `foreign_key_check: ${line}`)];
  }

  async close(): Promise<void> {
    const statement = this.statements.values().next().value;
    this.statements.clear();
    this.rawStatements.clear();
    if (this.db && this.owned) {
      this.db.close();
      // Closed, they hold nothing: they keep better-sqlite3's classes alive (shape-anchors.ts).
      anchorShape('better-sqlite3 Database', this.db);
      if (statement) anchorShape('better-sqlite3 Statement', statement);
    }
    if (this.owned) this.db = undefined;
  }
}

const PRAGMA_VALUES = {
  journalMode: ['wal', 'delete', 'truncate', 'persist', 'memory', 'off'],
  synchronous: ['off', 'normal', 'full', 'extra'],
} as const;

/**
 * The pragmas are written into PRAGMA statements: a value from code (the CLI's config schema
 * checks files) must be one SQLite knows, never text that would run as SQL.
 */
function checkPragmas(pragmas: Required<SqlitePragmas>): void {
  for (const key of ['journalMode', 'synchronous'] as const) {
    if (!(PRAGMA_VALUES[key] as readonly string[]).includes(pragmas[key])) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `pragmas.${key} must be one of ${PRAGMA_VALUES[key].join(', ')}, got ${JSON.stringify(pragmas[key])}`, {
        hint: `set pragmas.${key} to one of those, or leave it out for ${JSON.stringify(DEFAULT_SQLITE_PRAGMAS[key])}`,
        details: { key: `pragmas.${key}` },
      });
    }
  }
  if (!Number.isInteger(pragmas.busyTimeoutMs) || pragmas.busyTimeoutMs < 0 || pragmas.busyTimeoutMs > 2_147_483_647) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `pragmas.busyTimeoutMs must be an integer from 0 to 2147483647 ms, got ${String(pragmas.busyTimeoutMs)}`, {
      hint: 'leave it out for 5000',
      details: { key: 'pragmas.busyTimeoutMs' },
    });
  }
}

/** Whether the file system holding `path` has (next to) no space left. */
function nearlyFull(path: string): boolean {
  try {
    const info = statfsSync(dirname(path));
    return info.bavail * info.bsize < 1024 * 1024;
  } catch {
    return false;
  }
}

/** How messages name a SQLite database: `sqlite:` and its path relative to the current folder. */
export function describeSqlitePath(path: string): string {
  return `sqlite:${path === ':memory:' ? path : relative(process.cwd(), path) || path}`;
}

function openError(path: string, error: unknown): StrataError {
  const code = (error as { code?: string }).code;
  let machine = ioFailureCode(error);
  // SQLite reports a full disk under its -shm/-wal as a plain I/O error.
  if (machine === ErrorCode.IO_ERROR && nearlyFull(path)) machine = ErrorCode.DISK_FULL;
  if (machine === ErrorCode.DISK_FULL) {
    return new StrataError(ErrorCode.DISK_FULL, `cannot use ${path}: no space left on the device holding it (${messageOf(error)})`, {
      hint: 'nothing was changed; free space there (SQLite needs room for its journal or WAL beside the database), then run it again',
      cause: error,
      details: { path },
    });
  }
  if (code === 'SQLITE_NOTADB') {
    return new StrataError(ErrorCode.NOT_A_DATABASE, `${path} is not a SQLite database`, {
      hint: 'point --db at a SQLite file, or at a path where a new database may be created',
      cause: error,
    });
  }
  return new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot use ${path}: ${messageOf(error)}`, {
    hint: 'check the path and its permissions (the folder must be writable for WAL mode)',
    cause: error,
  });
}

/**
 * The driver's statements without a promise each, as prototype methods rather than closures made
 * per driver: V8 keeps a closure's optimized code only while one of its closures lives, so
 * closures made per run were compiled again after every full GC (a fleet process, or a
 * benchmark that collects between runs), and ran unoptimized until then.
 */
class SqliteSyncStatements implements SyncStatements {
  constructor(private readonly driver: SqliteDriver) {}

  begin(): void {
    this.driver.runNow(sqliteSql.beginWrite, []);
  }

  exec(sql: string): void {
    this.driver.execNow(sql);
  }

  run(sql: string, params: readonly unknown[]): void {
    this.driver.runNow(sql, params);
  }

  commit(): void {
    this.driver.runNow('COMMIT', []);
  }

  rollbackIfOpen(): void {
    this.driver.rollbackIfOpenNow();
  }
}

// A driver per migrator, dropped at close: a twin that never opens keeps the driver's class and
// its synchronous statements' class alive (shape-anchors.ts).
const twin = new SqliteDriver(':memory:');
anchorShape('SqliteDriver', twin);
anchorShape('SqliteSyncStatements', twin.syncStatements(twin)!);
