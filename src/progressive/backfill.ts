/**
 * Progressive data migrations: walk a table by its key in batches (keyset pagination,
 * `WHERE key > :last ORDER BY key LIMIT n`), apply each batch, and commit the batch together
 * with its checkpoint row in `strata_backfills`. A process killed at any instant leaves either
 * the batch and its checkpoint or neither, so the next run continues exactly after the last
 * committed key: no row twice, none skipped. The checkpoint row is re-read (locked) at the start
 * of every batch, so even two processes running the same backfill at once share the work
 * instead of repeating it.
 *
 * On SQLite, PostgreSQL and MySQL/MariaDB (InnoDB: DML is transactional there; only DDL commits
 * implicitly, and a backfill runs none inside its batches).
 */
import type { BetterSqlite3Database } from '../targets/sql/sqlite/better-sqlite3-database.js';
import type { EventChannel } from '../engine/events.js';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { resolveDatabase, type DatabaseSpec } from '../targets/sql/database-spec.js';
import type { Dialect, DialectSql, SqlFamily } from '../targets/sql/dialect.js';
import { dialectOf } from '../targets/sql/dialects.js';
import type { SqlContext, SqlDriver } from '../targets/sql/driver.js';
import { dialectOfContext } from '../targets/sql/sql-target.js';
import type { BackfillEvents, BackfillProgress } from './backfill-events.js';
import {
  DEFAULT_BACKFILL_TABLE,
  decodeKey,
  encodeKey,
  placeholders,
  quoteName,
  stateOf,
  stateTableSql,
  type BackfillState,
  type StateRow,
} from './backfill-state.js';

/**
 * Rows per backfill batch, and so per transaction. A backfill walks a table the app is using:
 * each batch holds its row locks (on SQLite, the database's write lock) while the app's writes
 * wait, and a lock-wait retry redoes the whole batch. 100 rows keeps that wait to a millisecond
 * or two, at about half the rate of 10,000-row batches (bench/README.md, "Backfills"):
 * raise `batchSize` for a bulk job nothing waits on.
 */
export const DEFAULT_BACKFILL_BATCH_ROWS = 100;
/** @deprecated The old name of {@link DEFAULT_BACKFILL_BATCH_ROWS}, still exported from the package root so existing imports keep working. */
export const DEFAULT_BATCH_SIZE = DEFAULT_BACKFILL_BATCH_ROWS;

/** What the `update` callback gets besides the rows: the connection, inside the batch's transaction. */
export interface BackfillBatchContext extends SqlContext {
  /** The backfill's name. */
  name: string;
  /** 1-based number of this batch within the run. */
  batch: number;
}

export type BackfillRow = Record<string, unknown>;

/**
 * What a backfill does; everything but where it runs. A module file for `strata backfill FILE`
 * exports one of these (as `default` or `backfill`).
 */
export interface BackfillDefinition {
  /** Names the checkpoint row: running a backfill of the same name again resumes it. */
  name: string;
  table: string;
  /** The column walked: unique, not null, indexed (the primary key). Default `id`. */
  key?: string;
  /** Rows per batch (and per transaction). Default {@link DEFAULT_BACKFILL_BATCH_ROWS} (100). */
  batchSize?: number;
  /** Pause between batches, to leave room for the application's own writes. Default 0. */
  delayMs?: number;
  /** A SQL condition on the table's rows: only matching rows are walked (and counted). */
  where?: string;
  /** Columns the `update` callback receives: identifiers, or one SQL select list. Default `*`. The key is always included. */
  select?: string | readonly string[];
  /** Exactly one of `set`, `sql`, `update`. `set`: `"col = expr, ..."`, run as `UPDATE table SET ... WHERE key BETWEEN first AND last [AND where]`. */
  set?: string;
  /**
   * A statement run once per batch, with `:keys` (the batch's keys, as a parameter list),
   * `:first` and `:last` (its first and last key) bound as parameters:
   * `UPDATE users SET email = lower(email) WHERE id IN (:keys)`.
   */
  sql?: string;
  /** Code run once per batch with the batch's rows, inside the batch's transaction. */
  update?: (rows: BackfillRow[], ctx: BackfillBatchContext) => unknown;
  /** The checkpoint table. Default `strata_backfills`. */
  stateTable?: string;
}

export interface BackfillOptions extends BackfillDefinition {
  /**
   * A SQLite path, `:memory:`, a `sqlite:`/`postgres://`/`mysql://` URL or a database spec (opened
   * and closed here; the spec's schema and backfill table apply), a better-sqlite3 Database or a
   * SqlDriver (used and left open).
   */
  db?: string | SqlDriver | BetterSqlite3Database | DatabaseSpec;
  driver?: SqlDriver;
  /** A code migration's `ctx` (see `backfillInMigration`). */
  ctx?: SqlContext;
  /** Stops between batches (and during a delay); the run then throws BACKFILL_CANCELLED. */
  signal?: AbortSignal;
  events?: EventChannel<BackfillEvents>;
  onProgress?: (progress: BackfillProgress) => void;
  /** Start over from the first key, even if a checkpoint (or a finished run) exists. */
  restart?: boolean;
}

export interface BackfillReport {
  name: string;
  table: string;
  status: 'done';
  /** Rows done, all runs together. */
  done: number;
  total: number;
  /** Rows and batches of this run. */
  rowsThisRun: number;
  batches: number;
  /** An earlier run had committed batches; this one continued after its checkpoint. */
  resumed: boolean;
  /** It had finished before this call: nothing was done. */
  alreadyDone: boolean;
  /** Whether each batch committed on its own (false inside a caller's transaction, e.g. a transactional migration). */
  committedPerBatch: boolean;
  durationMs: number;
  rowsPerSecond: number;
  state: BackfillState;
}

/**
 * Runs (or resumes) a backfill to the end. Resolves with the report; throws BACKFILL_CANCELLED
 * when its signal stops it and BACKFILL_FAILED when a batch throws (that batch rolled back, the
 * checkpoint is the last committed one: run it again to resume).
 */
export async function backfill(options: BackfillOptions): Promise<BackfillReport> {
  const { session, close } = await openSession(options);
  try {
    return await new BackfillRun({ ...options, stateTable: options.stateTable ?? session.stateTable }, session).run();
  } finally {
    await close();
  }
}

/**
 * A backfill as a step of a code migration: `up: (ctx) => backfillInMigration(ctx, { ... })`.
 * In a migration that runs outside a transaction (`export const transaction = false`; every
 * step on MySQL) each batch commits with its checkpoint, and a killed run continues with
 * `strata migrate --resume`, from the checkpoint. In a transactional migration the batches run
 * inside the migration's transaction (no delay between them): all or nothing, with the step.
 */
export function backfillInMigration(ctx: SqlContext, options: Omit<BackfillOptions, 'ctx' | 'db' | 'driver'>): Promise<BackfillReport> {
  return backfill({ ...options, ctx });
}

/** Every backfill's checkpoint row, by name (empty when none has run). A spec's schema and backfill table apply. */
export async function backfillStatus(
  db: string | SqlDriver | BetterSqlite3Database | DatabaseSpec,
  options: { stateTable?: string } = {},
): Promise<BackfillState[]> {
  const spec = resolveDatabase({ db });
  const { driver, owned } = driverOf(spec);
  try {
    const { exists } = await driver.connect('read');
    const table = options.stateTable ?? spec.tables.backfill.name;
    if (!exists || !(await driver.tableExists(table))) return [];
    const rows = await driver.query<StateRow>(`SELECT * FROM ${quoteName(table, driver.dialect, 'state table')} ORDER BY name`);
    return rows.map(stateOf);
  } finally {
    if (owned) await driver.close();
  }
}

// ---- the run ---------------------------------------------------------------------------------

interface Session extends SqlContext {
  /** Already inside a transaction (a transactional migration): batches do not commit on their own. */
  nested: boolean;
  /** The connection's dialect: `dialect` says only its family. */
  sql: Dialect;
  /** The checkpoint table unless the options name one: the spec's, or the default. */
  stateTable: string;
}

interface Batch {
  count: number;
  lastKey: unknown;
  done: number;
  finished: boolean;
}

class BackfillRun {
  private readonly name: string;
  private readonly table: string;
  private readonly key: string;
  private readonly batchSize: number;
  private readonly delayMs: number;
  private readonly sql: Dialect;
  private readonly q: { table: string; key: string; state: string };
  private readonly whereSql: string;
  private readonly ph: (index: number) => string;
  private readonly selectList: string;
  private readonly events: EventChannel<BackfillEvents> | undefined;

  constructor(
    private readonly options: BackfillOptions,
    private readonly session: Session,
  ) {
    this.sql = session.sql;
    this.name = options.name;
    this.table = options.table;
    this.key = options.key ?? 'id';
    this.batchSize = options.batchSize ?? DEFAULT_BACKFILL_BATCH_ROWS;
    this.delayMs = options.delayMs ?? 0;
    this.events = options.events;
    validate(options, this.batchSize, this.delayMs);
    this.q = {
      table: quoteName(this.table, this.sql),
      key: quoteName(this.key, this.sql, 'key column'),
      state: quoteName(options.stateTable ?? DEFAULT_BACKFILL_TABLE, this.sql, 'state table'),
    };
    this.whereSql = options.where ? ` AND (${options.where})` : '';
    this.ph = placeholders(this.sql);
    this.selectList = options.update ? selectListOf(options.select, this.q.key, this.sql) : this.q.key;
  }

  async run(): Promise<BackfillReport> {
    const started = performance.now();
    await this.ensureStateTable();
    let opening: Awaited<ReturnType<BackfillRun['open']>>;
    try {
      opening = await this.withRetry(() => this.transaction(() => this.open()));
    } catch (error) {
      if (error instanceof StrataError) throw error;
      throw new StrataError(ErrorCode.BACKFILL_FAILED, `backfill ${this.name} could not start on ${this.table}: ${messageOf(error)}`, {
        hint: 'check that the table, its key column and the where condition exist on this database',
        cause: error,
        details: { name: this.name },
      });
    }
    if (opening.alreadyDone) {
      const state = await this.readState(false);
      const durationMs = performance.now() - started;
      this.events?.emit('backfill:done', {
        name: this.name,
        table: this.table,
        done: state.rowsDone,
        total: state.total ?? state.rowsDone,
        durationMs,
        rowsPerSecond: 0,
        alreadyDone: true,
      });
      return this.report(state, { rowsThisRun: 0, batches: 0, resumed: false, alreadyDone: true, durationMs });
    }
    const doneAtStart = opening.state.rowsDone;
    const total = opening.state.total ?? doneAtStart;
    let lastKey = opening.state.lastKey;
    let done = doneAtStart;
    let batches = 0;
    let rowsThisRun = 0;
    const resumed = doneAtStart > 0 || lastKey !== null;
    this.events?.emit('backfill:start', { name: this.name, table: this.table, done, total, resumed, lastKey });

    for (;;) {
      if (this.options.signal?.aborted) await this.cancelled(done, total, lastKey);
      let batch: Batch;
      try {
        batch = await this.withRetry(() => this.transaction(() => this.batch(batches + 1)));
      } catch (error) {
        await this.failed(error, done, lastKey);
      }
      if (batch!.count > 0) {
        batches++;
        rowsThisRun += batch!.count;
        ({ lastKey, done } = batch!);
        this.progress(done, Math.max(total, done), batches, lastKey, rowsThisRun, started);
      }
      if (batch!.finished) break;
      if (this.delayMs > 0 && !this.session.nested) {
        const interrupted = await sleep(this.delayMs, this.options.signal);
        if (interrupted) await this.cancelled(done, total, lastKey);
      }
    }

    const durationMs = performance.now() - started;
    const state = await this.readState(false);
    const rowsPerSecond = durationMs > 0 ? (rowsThisRun * 1000) / durationMs : 0;
    this.events?.emit('backfill:done', {
      name: this.name,
      table: this.table,
      done: state.rowsDone,
      total: Math.max(total, state.rowsDone),
      durationMs,
      rowsPerSecond,
      alreadyDone: false,
    });
    return this.report(state, { rowsThisRun, batches, resumed, alreadyDone: false, durationMs });
  }

  private async ensureStateTable(): Promise<void> {
    try {
      await this.session.exec(stateTableSql(this.sql, this.options.stateTable ?? DEFAULT_BACKFILL_TABLE));
    } catch (error) {
      // Two first runs at once: PostgreSQL's CREATE TABLE IF NOT EXISTS can still collide on
      // the catalog (23505 on pg_type, 42P07); the other run created it, which is all we need.
      const code = (error as { code?: unknown }).code;
      if (this.session.nested || (code !== '23505' && code !== '42P07' && (error as { errno?: unknown }).errno !== 1050)) throw error;
    }
  }

  private async insertIfAbsent(): Promise<void> {
    const p = this.ph;
    const now = new Date().toISOString();
    await this.session.run(
      this.sql.insertIgnore(this.q.state, STATE_COLUMNS, `(${p(1)}, ${p(2)}, ${p(3)}, NULL, 0, NULL, 0, 'running', ${p(4)}, ${p(5)}, NULL, ${p(6)}, NULL)`, [
        'name',
      ]),
      [this.name, this.table, this.key, now, now, pid()],
    );
  }

  /**
   * Runs a whole transaction again when the database chose it as a deadlock victim or it waited
   * too long for a lock (the application's writes can cross a batch's): it rolled back entirely,
   * so running it again is safe. Not inside a caller's transaction, which is gone with it.
   */
  private async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (this.session.nested || attempt >= RETRIES || !isTransient(error)) throw error;
        await sleep(20 * attempt * attempt, undefined);
      }
    }
  }

  /** Creates or claims the checkpoint row and counts what is left. */
  private async open(): Promise<{ alreadyDone: boolean; state: BackfillState }> {
    const now = new Date().toISOString();
    const p = this.ph;
    // Insert-if-absent before locking: two first runs racing to INSERT after a SELECT found
    // nothing would collide (a unique violation on PostgreSQL, a gap-lock deadlock on InnoDB).
    await this.insertIfAbsent();
    let row = await this.stateRow(true);
    if (row && (row.table_name !== this.table || row.key_column !== this.key)) {
      throw new StrataError(ErrorCode.BACKFILL_INVALID, `backfill ${this.name} walks ${row.table_name}.${row.key_column}, not ${this.table}.${this.key}`, {
        hint: `its checkpoint belongs to that table and key: pick another name, or delete its row from ${this.options.stateTable ?? DEFAULT_BACKFILL_TABLE}`,
        details: { name: this.name },
      });
    }
    if (row?.status === 'done' && !this.options.restart) return { alreadyDone: true, state: stateOf(row) };
    if (!row) {
      throw new StrataError(ErrorCode.BACKFILL_INVALID, `the checkpoint row of backfill ${this.name} disappeared`, {
        hint: 'something deleted it while the backfill started; run it again',
      });
    } else if (this.options.restart) {
      await this.session.run(
        `UPDATE ${this.q.state} SET last_key = NULL, rows_done = 0, batches = 0, started_at = ${p(1)}, finished_at = NULL WHERE name = ${p(2)}`,
        [now, this.name],
      );
    }
    row = (await this.stateRow(false))!;
    const lastKey = decodeKey(row.last_key);
    const remaining = await this.countAfter(lastKey);
    const total = Number(row.rows_done) + remaining;
    await this.session.run(
      `UPDATE ${this.q.state} SET status = 'running', total = ${p(1)}, updated_at = ${p(2)}, pid = ${p(3)}, error = NULL WHERE name = ${p(4)}`,
      [total, now, pid(), this.name],
    );
    return { alreadyDone: false, state: { ...stateOf(row), total } };
  }

  /** One batch, inside its transaction: read the checkpoint (locked), walk, apply, advance. */
  private async batch(number: number): Promise<Batch> {
    const row = await this.stateRow(true);
    if (!row)
      throw new StrataError(ErrorCode.BACKFILL_INVALID, `the checkpoint row of backfill ${this.name} disappeared`, {
        hint: 'something deleted it while the backfill ran; run it again with restart if the update may run twice',
      });
    const done = Number(row.rows_done);
    if (row.status === 'done') return { count: 0, lastKey: decodeKey(row.last_key), done, finished: true };
    const after = decodeKey(row.last_key);
    const params = after === null ? [] : [after];
    let count: number;
    let firstKey: unknown;
    let lastKey: unknown;
    if (this.options.set !== undefined) {
      // `set` needs only the batch's bounds: one row back instead of batchSize.
      const [bounds] = await this.session.query<{ n: number | string; first_key: unknown; last_key: unknown }>(this.boundsSql(after !== null), params);
      count = Number(bounds?.n ?? 0);
      firstKey = bounds?.first_key;
      lastKey = bounds?.last_key;
      if (count > 0) await this.applySet(firstKey, lastKey);
    } else {
      const rows = await this.session.query<BackfillRow>(this.walkSql(after !== null), params);
      count = rows.length;
      if (count > 0) {
        const keys = rows.map((r) => keyOf(r, this.key));
        lastKey = keys[keys.length - 1];
        await this.apply(rows, keys, number);
      }
    }
    const now = new Date().toISOString();
    const p = this.ph;
    if (count === 0) {
      await this.session.run(
        `UPDATE ${this.q.state} SET status = 'done', finished_at = ${p(1)}, updated_at = ${p(2)}, total = rows_done WHERE name = ${p(3)}`,
        [now, now, this.name],
      );
      return { count: 0, lastKey: after, done, finished: true };
    }
    // Fewer rows than asked for: none are left (as of this transaction), so the batch that
    // walked the last ones also marks the backfill done.
    const finished = count < this.batchSize;
    // total is bound, not `rows_done + n`: MySQL evaluates SET left to right, where that would
    // read the rows_done just increased and count the last batch twice. `done` was read locked.
    await this.session.run(
      `UPDATE ${this.q.state} SET last_key = ${p(1)}, rows_done = rows_done + ${p(2)}, batches = batches + 1, updated_at = ${p(3)}, pid = ${p(4)}` +
        (finished ? `, status = 'done', finished_at = ${p(5)}, total = ${p(6)} WHERE name = ${p(7)}` : ` WHERE name = ${p(5)}`),
      finished ? [encodeKey(lastKey), count, now, pid(), now, done + count, this.name] : [encodeKey(lastKey), count, now, pid(), this.name],
    );
    return { count, lastKey, done: done + count, finished };
  }

  private async applySet(firstKey: unknown, lastKey: unknown): Promise<void> {
    const p = this.ph;
    await this.session.run(`UPDATE ${this.q.table} SET ${this.options.set} WHERE ${this.q.key} >= ${p(1)} AND ${this.q.key} <= ${p(2)}${this.whereSql}`, [
      firstKey,
      lastKey,
    ]);
  }

  private async apply(rows: BackfillRow[], keys: unknown[], number: number): Promise<void> {
    const { sql, update } = this.options;
    if (sql !== undefined) {
      const bound = bindBatchSql(sql, this.sql, keys);
      await this.session.run(bound.text, bound.params);
    } else if (update) {
      const s = this.session;
      const ctx: BackfillBatchContext = {
        name: this.name,
        batch: number,
        dialect: s.dialect,
        exec: (text) => s.exec(text),
        query: (text, params) => s.query(text, params),
        run: (text, params) => s.run(text, params),
        get connection() {
          return s.connection;
        },
      };
      await update(rows, ctx);
    }
  }

  private walkSql(hasLowerBound: boolean): string {
    const lower = hasLowerBound ? `${this.q.key} > ${this.ph(1)}` : '1 = 1';
    return `SELECT ${this.selectList} FROM ${this.q.table} WHERE ${lower}${this.whereSql} ORDER BY ${this.q.key} LIMIT ${this.batchSize}`;
  }

  private readonly boundsCache: string[] = [];
  private boundsSql(hasLowerBound: boolean): string {
    return (this.boundsCache[Number(hasLowerBound)] ??= this.buildBoundsSql(hasLowerBound));
  }

  private buildBoundsSql(hasLowerBound: boolean): string {
    const lower = hasLowerBound ? `${this.q.key} > ${this.ph(1)}` : '1 = 1';
    return `SELECT count(*) AS n, min(${this.q.key}) AS first_key, max(${this.q.key}) AS last_key FROM (SELECT ${this.q.key} FROM ${this.q.table} WHERE ${lower}${this.whereSql} ORDER BY ${this.q.key} LIMIT ${this.batchSize}) AS batch`;
  }

  private async countAfter(after: unknown): Promise<number> {
    const lower = after !== null ? `${this.q.key} > ${this.ph(1)}` : '1 = 1';
    const rows = await this.session.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM ${this.q.table} WHERE ${lower}${this.whereSql}`,
      after === null ? [] : [after],
    );
    return Number(rows[0]?.n ?? 0);
  }

  private async stateRow(lock: boolean): Promise<StateRow | undefined> {
    // Without row locks (SQLite) the write transaction (BEGIN IMMEDIATE) already holds the database's write lock.
    const forUpdate = lock && this.sql.selectForUpdate ? ' FOR UPDATE' : '';
    const rows = await this.session.query<StateRow>(`SELECT * FROM ${this.q.state} WHERE name = ${this.ph(1)}${forUpdate}`, [this.name]);
    return rows[0];
  }

  private async readState(lock: boolean): Promise<BackfillState> {
    return stateOf((await this.stateRow(lock))!);
  }

  private async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.session.nested) return fn();
    // run(), not exec(): SQLite's driver keeps these prepared, as it does the batch's statements.
    await this.session.run(this.sql.beginWrite);
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      await this.session.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    try {
      await this.session.run('COMMIT');
    } catch (error) {
      await this.session.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return result;
  }

  private progress(done: number, total: number, batches: number, lastKey: unknown, rowsThisRun: number, started: number): void {
    const wanted = this.events?.has('backfill:progress') || this.options.onProgress;
    if (!wanted) return;
    const elapsedMs = performance.now() - started;
    const rowsPerSecond = elapsedMs > 0 ? (rowsThisRun * 1000) / elapsedMs : 0;
    const left = Math.max(0, total - done);
    const payload: BackfillProgress = {
      name: this.name,
      table: this.table,
      done,
      total,
      batches,
      lastKey,
      rowsPerSecond,
      etaMs: rowsPerSecond > 0 ? (left * 1000) / rowsPerSecond : left === 0 ? 0 : null,
      rssBytes: process.memoryUsage.rss(),
      elapsedMs,
    };
    this.events?.emit('backfill:progress', payload);
    this.options.onProgress?.(payload);
  }

  /** Stops between batches: the checkpoint is the last committed batch; the row says cancelled. */
  private async cancelled(done: number, total: number, lastKey: unknown): Promise<never> {
    if (!this.session.nested) await this.mark('cancelled', null);
    this.events?.emit('backfill:cancelled', { name: this.name, table: this.table, done, total, lastKey });
    throw new StrataError(ErrorCode.BACKFILL_CANCELLED, `backfill ${this.name} was cancelled after ${done} rows (last key ${encodeKey(lastKey)})`, {
      hint: 'run it again to continue after that key',
      details: { name: this.name, done, total, lastKey },
    });
  }

  private async failed(error: unknown, done: number, lastKey: unknown): Promise<never> {
    const message = messageOf(error);
    if (!this.session.nested) await this.mark('failed', message).catch(() => undefined);
    const failure = new StrataError(ErrorCode.BACKFILL_FAILED, `backfill ${this.name}: the batch after key ${encodeKey(lastKey)} failed: ${message}`, {
      hint: this.session.nested
        ? 'the migration rolls back with it; fix the cause and migrate again'
        : `that batch was rolled back; fix the cause and run it again: it resumes after key ${encodeKey(lastKey)} (${done} rows done)`,
      cause: error,
      details: { name: this.name, done, lastKey },
    });
    this.events?.emit('backfill:failed', { name: this.name, table: this.table, done, lastKey, error: failure });
    throw failure;
  }

  private async mark(status: 'cancelled' | 'failed', error: string | null): Promise<void> {
    const p = this.ph;
    await this.transaction(() =>
      this.session.run(`UPDATE ${this.q.state} SET status = ${p(1)}, error = ${p(2)}, updated_at = ${p(3)} WHERE name = ${p(4)} AND status <> 'done'`, [
        status,
        error,
        new Date().toISOString(),
        this.name,
      ]),
    );
  }

  private report(
    state: BackfillState,
    run: { rowsThisRun: number; batches: number; resumed: boolean; alreadyDone: boolean; durationMs: number },
  ): BackfillReport {
    return {
      name: this.name,
      table: this.table,
      status: 'done',
      done: state.rowsDone,
      total: state.total ?? state.rowsDone,
      ...run,
      committedPerBatch: !this.session.nested,
      rowsPerSecond: run.durationMs > 0 ? (run.rowsThisRun * 1000) / run.durationMs : 0,
      state,
    };
  }
}

// ---- helpers -----------------------------------------------------------------------------------

function validate(options: BackfillOptions, batchSize: number, delayMs: number): void {
  const invalid = (message: string, hint: string) => new StrataError(ErrorCode.BACKFILL_INVALID, message, { hint, details: { name: options.name } });
  if (!options.name || typeof options.name !== 'string')
    throw invalid('a backfill needs a name', 'the name keys its checkpoint: e.g. name: "users_email_lower"');
  if (!options.table) throw invalid(`backfill ${options.name} needs a table`, 'e.g. table: "users"');
  const modes = [options.set, options.sql, options.update].filter((m) => m !== undefined).length;
  if (modes !== 1) {
    throw invalid(`backfill ${options.name} needs exactly one of set, sql, update (got ${modes})`, 'e.g. set: "email_lower = lower(email)"');
  }
  if (options.sql !== undefined && !TOKEN.test(options.sql)) {
    throw invalid(
      `backfill ${options.name}: its sql names no batch (:keys, :first or :last)`,
      'e.g. UPDATE users SET x = y WHERE id IN (:keys); without them every batch would update the whole table',
    );
  }
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw invalid(`backfill ${options.name}: batchSize must be a positive integer, got ${batchSize}`, 'e.g. batchSize: 100');
  if (!Number.isFinite(delayMs) || delayMs < 0) throw invalid(`backfill ${options.name}: delayMs must be 0 or more, got ${delayMs}`, 'e.g. delayMs: 50');
}

const TOKEN = /(?<![:\w]):(keys|first|last)\b/;

/** Binds `:keys`, `:first` and `:last` as positional parameters of the dialect. */
export function bindBatchSql(sql: string, dialect: DialectSql | SqlFamily, keys: readonly unknown[]): { text: string; params: unknown[] } {
  const ph = placeholders(dialect);
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return ph(params.length);
  };
  const text = sql.replace(new RegExp(TOKEN.source, 'g'), (_, token: string) =>
    token === 'keys' ? keys.map(bind).join(', ') : bind(token === 'first' ? keys[0] : keys[keys.length - 1]),
  );
  return { text, params };
}

function selectListOf(select: BackfillDefinition['select'], key: string, dialect: DialectSql): string {
  if (select === undefined) return '*';
  if (typeof select === 'string') return `${key}, ${select}`;
  const columns = select.map((c) => quoteName(c, dialect, 'column'));
  return columns.includes(key) ? columns.join(', ') : [key, ...columns].join(', ');
}

function keyOf(row: BackfillRow, key: string): unknown {
  if (key in row) return row[key];
  // PostgreSQL folds nothing we quoted, MySQL may report a different case.
  const found = Object.keys(row).find((k) => k.toLowerCase() === key.toLowerCase());
  if (found === undefined)
    throw new StrataError(ErrorCode.BACKFILL_INVALID, `the rows walked have no column ${key}`, { hint: 'key must name a column of the table' });
  return row[found];
}

const STATE_COLUMNS = [
  'name',
  'table_name',
  'key_column',
  'last_key',
  'rows_done',
  'total',
  'batches',
  'status',
  'started_at',
  'updated_at',
  'finished_at',
  'pid',
  'error',
];

const RETRIES = 5;

/** A deadlock victim or a lock wait that timed out: the transaction rolled back whole. */
function isTransient(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown };
  return (
    e.code === '40P01' || // PostgreSQL deadlock_detected
    e.code === '40001' || // PostgreSQL serialization_failure
    e.errno === 1213 || // InnoDB deadlock
    e.errno === 1205 || // InnoDB lock wait timeout
    e.code === 'SQLITE_BUSY' ||
    (error instanceof StrataError && error.code === ErrorCode.DATABASE_BUSY)
  );
}

function pid(): number | null {
  return typeof process === 'undefined' ? null : process.pid;
}

/** true when the signal fired during the wait. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (aborted: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(aborted);
    };
    const onAbort = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The spec's driver (left open), or a new one (closed after). */
function driverOf(spec: DatabaseSpec): { driver: SqlDriver; owned: boolean } {
  return spec.driver ? { driver: spec.driver, owned: false } : { driver: spec.openDriver(), owned: true };
}

async function openSession(options: BackfillOptions): Promise<{ session: Session; close: () => Promise<void> }> {
  const given = [options.db, options.driver, options.ctx].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new StrataError(ErrorCode.BACKFILL_INVALID, `backfill ${options.name} needs exactly one of db, driver, ctx (got ${given})`, {
      hint: "db: './app.db' (or a URL), driver: a SqlDriver, or ctx: a code migration's ctx",
    });
  }
  if (options.ctx) {
    const ctx = options.ctx;
    const sql = dialectOfContext(ctx) ?? dialectOf(ctx.dialect);
    return { session: { ...contextOf(ctx), nested: await sql.inTransaction(ctx), sql, stateTable: DEFAULT_BACKFILL_TABLE }, close: async () => undefined };
  }
  const spec = resolveDatabase({ db: (options.db ?? options.driver)! });
  const { driver, owned } = driverOf(spec);
  try {
    await driver.connect('write');
    const session = { ...contextOf(driver), sql: driver.dialect, stateTable: spec.tables.backfill.name };
    return { session: { ...session, nested: await driver.dialect.inTransaction(session) }, close: () => (owned ? driver.close() : Promise.resolve()) };
  } catch (error) {
    if (owned) await driver.close().catch(() => undefined);
    throw error;
  }
}

function contextOf(source: SqlContext | SqlDriver): SqlContext {
  return {
    dialect: typeof source.dialect === 'string' ? source.dialect : source.dialect.family,
    exec: (text) => source.exec(text),
    query: (text, params) => source.query(text, params),
    run: (text, params) => source.run(text, params),
    get connection() {
      return source.connection;
    },
  };
}
