/**
 * The seam between the engine and a store. How to implement one:
 * 1. `open(mode)`: connect. In 'read' mode create nothing (status, validate, dry runs); report
 *    whether the store exists. 'write' may create the store itself; `ensureLedger()` creates
 *    the ledger, which the engine calls under the lock after the pre-run backup, so a run
 *    that stops before its first step (a failed backup) leaves the store as it found it.
 * 2. `lock()`: one holder per store across processes; a crashed holder must never block
 *    forever; call `onWaiting` once if you have to wait; throw LOCK_TIMEOUT past `timeoutMs`.
 * 3. `readLedger()` / `writeLedger()` (insert or replace by version) / `insertApplied()` (a
 *    new row, known not to exist: the fast path) / `deleteLedger()`.
 * 4. `transaction(fn, options)`: run fn atomically. With `foreignKeys: false`, enforcement is
 *    off while fn runs and violations are checked before commit.
 * 5. `execute(statement)`: one SQL statement (SQL stores only); `context()`: what code
 *    migrations receive as `ctx`.
 * 6. `integrityProblems()`: the store's own consistency checks, as readable lines;
 *    `integrityChecks` names them.
 * 7. `abortOpenTransaction()`: roll back a transaction that a step outside Strata's transaction
 *    opened itself (a file's own `BEGIN`) and left open; say whether there was one.
 * 9. Optional `schemaFingerprint()`: a canonical hash of the schema as the store reports it,
 *    without Strata's own tables (src/schema); the ledger keeps it on each applied row (drift).
 *    Optional `schemaStamp()`: a cheap value that moves whenever the schema may have changed
 *    (null: the store has none); stored with the fingerprint, it lets drift skip the full read.
 * 10. Optional `parseStoredDown()`: a down the ledger kept as SQL text, as a body to run.
 * 8. Optional `locateError()`: the position of a failure inside the statement, when the store
 *    reports one (PostgreSQL's `position`, MySQL's "at line N").
 */
import type { LedgerEntry } from '../model/ledger.js';
import type { MigrationBody } from '../model/migration.js';

export type Release = () => Promise<void>;

/** The engine's lock timeout and `lock:waiting`, for a store whose open already waits for another process. */
export interface OpenWait {
  timeoutMs: number;
  onWaiting: () => void;
}

/** A ledger `ensureLedger()` upgraded in place: from layout `from` to `to`. */
export interface LedgerUpgrade {
  from: number;
  to: number;
}

export interface TransactionOptions {
  foreignKeys: boolean;
}

export interface Target<Ctx> {
  /** For messages: `sqlite:./app.db`. */
  readonly description: string;
  /** A step and its ledger row can commit together (false for MySQL DDL, for instance). */
  readonly transactionalSteps: boolean;
  /**
   * Where a database server lists the statements its clients sent (`SHOW PROCESSLIST`): a
   * statement of a process killed mid-step can go on there, so the advice for a step left
   * `running` says to wait for it. Absent for a store in the process (SQLite): its statements
   * stop with the process.
   */
  readonly serverActivity?: string;
  /**
   * `wait`: how long to wait, and whom to tell, when opening itself has to wait for another
   * process (a store only one process may have open at a time, such as a PGlite folder).
   */
  open(mode: 'read' | 'write', wait?: OpenWait): Promise<{ exists: boolean }>;
  /** Creates the ledger, or upgrades an older layout in place (under the lock); says when it upgraded. */
  ensureLedger(): Promise<LedgerUpgrade | undefined | void>;
  lock(timeoutMs: number, onWaiting: () => void): Promise<Release>;
  readLedger(): Promise<LedgerEntry[]>;
  writeLedger(entry: LedgerEntry): Promise<void>;
  insertApplied(entry: LedgerEntry): Promise<void>;
  deleteLedger(version: string): Promise<void>;
  transaction<T>(fn: () => Promise<T>, options: TransactionOptions): Promise<T>;
  /** Runs fn outside any transaction, with foreign keys as asked (restored afterwards). */
  withoutTransaction<T>(fn: () => Promise<T>, options: TransactionOptions): Promise<T>;
  execute(sql: string): Promise<void>;
  context(): Ctx;
  integrityProblems(): Promise<string[]>;
  /** What integrityProblems checks, named for reports. */
  readonly integrityChecks: readonly string[];
  abortOpenTransaction(): Promise<boolean>;
  /** Where within `sql` the store says `error` happened (1-based line, and column when known). */
  locateError?(error: unknown, sql: string): { line: number; column?: number } | undefined;
  /** The schema's fingerprint now; undefined: this store has none (documents). */
  /** `stamp`: the schemaStamp() just read, when the caller has it (a store may know the fingerprint of a stamp it has seen). */
  schemaFingerprint?(stamp?: string | null): Promise<string>;
  /** A cheap value that changes whenever the schema may have; null or undefined: none (always read the schema). */
  schemaStamp?(): Promise<string | null>;
  /** A SQL down as the ledger stored it (`downSql`), parsed in the store's SQL: `rollback --from-ledger`. */
  parseStoredDown?(sql: string, origin: string): MigrationBody<Ctx>;
  close(): Promise<void>;
}
