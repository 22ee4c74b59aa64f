/**
 * How the SQL target talks to one database. Kept "dumb", like golang-migrate's drivers: the
 * engine and the SQL target hold the logic; a dialect is a driver plus a few SQL strings.
 *
 * How to implement one:
 * 0. `dialect` is the Dialect object of the driver's folder (targets/sql/<name>/dialect.ts): it
 *    says how to write SQL for this database, how to back it up, and how to open another
 *    connection. `location` (optional) is what that dialect opens (a path, a URL): without it
 *    Strata cannot back up a database given to it as a driver, and says so.
 * 1. `connect(mode)`: 'read' must create nothing and report `exists: false` for a missing
 *    database; 'write' may create it. Called again with 'write' after 'read': upgrade.
 * 2. `exec` runs one statement (or a script, where the library allows); `query` returns rows.
 * 3. `begin` / `commit` / `rollback`: one transaction at a time on one connection.
 *    `rollbackIfOpen` ends a transaction a migration's own SQL opened; true if there was one.
 * 4. `lock`: exclusive across processes, released by the server/OS if the holder dies.
 * 5. Optional `changeStamp`: a cheap value that differs whenever anything may have written to
 *    the database since it was last taken (lets the target reuse the ledger it last read).
 * 6. `setForeignKeys` returns the previous setting; `foreignKeyViolations` and
 *    `integrityProblems` return readable lines (empty when all holds); `integrityChecks` names
 *    what it checks.
 * 7. Optional `errorOffset` / `errorLine`: where the server says a statement failed, so the
 *    error can name the line and column in the file.
 */
import type { OpenWait, Release } from '../../engine/target.js';
import type { SqlDialect } from '../../sources/sql/split-statements.js';
import type { Dialect } from './dialect.js';

export interface SqlDriver<Connection = unknown> {
  readonly dialect: Dialect;
  /** For messages: `sqlite:./app.db`. */
  readonly description: string;
  /** What the dialect opens: an absolute path, `:memory:`, a URL (with its password). */
  readonly location?: string;
  /** The schema it works in, where the dialect has schemas. */
  readonly schema?: string;
  /** DDL inside a transaction rolls back with it (SQLite, PostgreSQL: yes; MySQL: no). */
  readonly transactionalDdl: boolean;
  /** The library's connection object, for code migrations that want it. */
  readonly connection: Connection;
  /** `wait`: the engine's lock timeout and waiting callback, for a database whose open waits for another process. */
  connect(mode: 'read' | 'write', wait?: OpenWait): Promise<{ exists: boolean }>;
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Optional: `query`'s rows as arrays, in the SELECT's column order, for a library that builds a
   * row object at a measurable cost (better-sqlite3 sets each column through V8's API: a ledger of
   * 1,000 rows reads in a third of the time as arrays). Absent: readers use `query`.
   */
  queryRows?(sql: string, params?: readonly unknown[]): Promise<unknown[][]>;
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
  tableExists(table: string): Promise<boolean>;
  changeStamp?(): Promise<string>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  rollbackIfOpen(): Promise<boolean>;
  lock(timeoutMs: number, onWaiting: () => void): Promise<Release>;
  setForeignKeys(enabled: boolean): Promise<boolean>;
  foreignKeyViolations(): Promise<string[]>;
  integrityProblems(): Promise<string[]>;
  /** What `integrityProblems` checks, named for reports (`validate` lists the checks that ran). */
  readonly integrityChecks: readonly string[];
  /** Where in the failed statement the server says it stopped: a 0-based character offset (PostgreSQL). */
  errorOffset?(error: unknown): number | undefined;
  /** Or only the 1-based line within the statement (MySQL's "at line N"). */
  errorLine?(error: unknown): number | undefined;
  close(): Promise<void>;
}

/** What code migrations receive as `ctx` on SQL targets. */
export interface SqlContext<Connection = unknown> {
  /** The SQL family: 'sqlite', 'postgres' (PGlite too) or 'mysql' (MariaDB too). */
  dialect: SqlDialect;
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
  /** better-sqlite3's Database on SQLite, pg's Client on PostgreSQL, mysql2's Connection on MySQL. */
  connection: Connection;
}
