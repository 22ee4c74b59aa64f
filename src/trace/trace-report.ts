/**
 * What `strata trace` reports: the pending migrations applied to a copy of the database, per
 * statement (what it changed, the locks it took, how the server ran it) and, on SQLite, per
 * table (rows before and after, and where the missing ones went). The live database is never
 * touched: every figure comes from the copy, which is discarded afterwards.
 */

/** Why rows of a table changed during a statement. */
export type ChangeCause =
  /** The statement names the table (`DELETE FROM t`, `INSERT INTO t`, `UPDATE t`). */
  | 'statement'
  /** A foreign key action of the table (ON DELETE CASCADE / SET NULL, ON UPDATE CASCADE) fired by a change to its parent. */
  | 'cascade'
  /** Neither: a trigger's body (or a code migration, which names no table Strata can read). */
  | 'trigger'
  /** A code migration: Strata cannot tell which table it meant to change. */
  | 'code';

/** Rows of one table one statement changed (SQLite), counted by temporary triggers on the copy. */
export interface TracedChange {
  table: string;
  cause: ChangeCause;
  inserted: number;
  updated: number;
  deleted: number;
}

/** A lock the statement's session held on a relation (PostgreSQL), read from `pg_locks`. */
export interface TracedLock {
  relation: string;
  /** PostgreSQL's name: `AccessExclusiveLock`, `ShareLock`, `RowExclusiveLock`... */
  mode: string;
  /** From the start of the statement that took it to the end of its transaction (locks are held until then). */
  heldMs: number;
  /** When the session had to wait for it (another session held a conflicting lock): the wait, as the sampler saw it. */
  waitedMs?: number;
}

/** How MySQL/MariaDB ran a DDL statement, found by asking for each algorithm in turn on the copy. */
export type DdlAlgorithm = 'INSTANT' | 'INPLACE' | 'COPY';

export interface TracedStatement {
  version: string;
  name: string;
  /** 1-based index among the step's statements (0 for a code migration's whole body). */
  index: number;
  line: number;
  sql: string;
  /** The table the statement names as its target (`DELETE FROM t` names t), lower-cased; undefined when none. */
  table?: string;
  durationMs: number;
  /** SQLite: rows changed, per table and cause. */
  changes?: TracedChange[];
  /** PostgreSQL: the relation locks held after the statement. */
  locks?: TracedLock[];
  /** PostgreSQL: tables whose storage the statement rewrote (their relfilenode changed). */
  rewrote?: string[];
  /** MySQL/MariaDB DDL: how the server ran it. */
  algorithm?: DdlAlgorithm;
  /** MySQL/MariaDB DDL: whether other sessions' writes to the table wait while it runs. */
  blocksWrites?: boolean;
}

/** One table of a SQLite trace: rows before and after, and where the missing ones went. */
export interface TracedTable {
  table: string;
  /** null: the table did not exist before (created by the migrations). */
  rowsBefore: number | null;
  /** null: it does not exist after (dropped). */
  rowsAfter: number | null;
  /** Deleted by statements that name the table, or by dropping it by name. */
  deletedByStatements: number;
  /** Deleted by ON DELETE CASCADE of a change to a parent table. */
  deletedByCascade: number;
  /** Deleted by triggers (rows no statement named). */
  deletedByTriggers: number;
  /** Updated by a foreign key action (SET NULL, SET DEFAULT, ON UPDATE CASCADE). */
  updatedByCascade: number;
  /** Inserted or updated by triggers. */
  changedByTriggers: number;
  /** `PRAGMA foreign_key_check` rows of this table after the run. */
  foreignKeyViolations: number;
  /** Dropped (or renamed away) and made again: a table rebuild. */
  rebuilt: boolean;
  /** Its indexes that were dropped (by name or with the table) and exist again after. */
  indexesRecreated: string[];
  /** Its indexes dropped and not made again. */
  indexesDropped: string[];
  /** Rows lost that no statement deleted by name: cascades, triggers, or a rebuild that did not copy them all. */
  rowsLost: number;
}

export interface TraceReport {
  dialect: 'sqlite' | 'postgres' | 'mysql';
  /** The live database, as messages name it (never changed by the trace). */
  target: string;
  /** How the copy was made: `sqlite backup API`, `template database`, `pg_dump/pg_restore`, `mysqldump`. */
  copy: string;
  /** `engine` (Strata's own run: its foreign key and transaction handling) or `as-written`. */
  mode: TraceMode;
  /** The pending steps applied to the copy, in order. */
  steps: { version: string; name: string }[];
  statements: TracedStatement[];
  /** SQLite only: every table that existed before or after. */
  tables: TracedTable[];
  /** Rows lost that the migrations did not delete by name (the sum of tables' rowsLost). */
  rowsLost: number;
  /** The run on the copy failed: the error as `--json` prints errors (code, message, details). */
  failure?: Record<string, unknown>;
  durationMs: number;
}

/**
 * `engine`: the copy is migrated by Strata's engine, as `strata migrate` would (a file's
 * `PRAGMA foreign_keys = OFF` lifted out of the transaction, foreign keys checked before commit).
 * `as-written` (SQLite): each file's statements run as written in one transaction, the way
 * drizzle-kit's migrator and most tools run a file, where that pragma is a no-op.
 */
export type TraceMode = 'engine' | 'as-written';

/** What every dialect's trace records of a statement; each tracer adds what it measured (changes, locks, algorithm). */
export function tracedStatement(
  statement: { version: string; name: string; index: number; line: number; sql: string },
  table: string | undefined,
  durationMs: number,
): TracedStatement {
  const { version, name, index, line, sql } = statement;
  return { version, name, index, line, sql, ...(table ? { table } : {}), durationMs };
}
