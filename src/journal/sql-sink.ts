/**
 * The journal of a SQL database, in the database: a `strata_journal` table, created on the first
 * write. Entries are written OUTSIDE the migration's transaction, so a failed, rolled-back step
 * is still recorded:
 *
 * - SQLite: on the migrator's own connection, between its transactions: the dialect's own sink
 *   (`Dialect.journalSink`, targets/sql/sqlite/sqlite-journal-sink.ts says why).
 * - Every other dialect (PostgreSQL, MySQL/MariaDB): on a separate connection of the journal's own, in autocommit
 *   mode, through one ordered queue: a step's rollback cannot take the journal with it.
 *
 * After an automatic restore (which puts back a copy taken before the run, journal table
 * included) the journal appends the run's entries again; (run_id, seq) is the primary key and
 * duplicates are ignored.
 */
import type { DialectSql } from '../targets/sql/dialect.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { asEntry, JOURNAL_LEVELS, levelRank, type JournalEntry, type NormalizedQuery } from './entry.js';
import type { JournalSink } from './journal.js';

export const DEFAULT_JOURNAL_TABLE = 'strata_journal';

export interface SqlJournalOptions {
  /** Default strata_journal (`schema.table` allowed). */
  table?: string;
  /**
   * A database with a connection of the journal's own (PostgreSQL, MySQL): the connection entries
   * are written on (default: the driver given, which must then not be the migrator's own). Closed
   * by the sink's close() when `ownsDriver`.
   */
  ownsDriver?: boolean;
}

/** The journal on `driver`: its dialect's own sink (SQLite writes on the migrator's connection), or one on this connection, in autocommit. */
export function sqlJournalSink(driver: SqlDriver, options: SqlJournalOptions = {}): JournalSink {
  const table = options.table ?? DEFAULT_JOURNAL_TABLE;
  return driver.dialect.journalSink?.(driver, table) ?? connectionSink(driver, table, options.ownsDriver === true);
}

/** `schema.table` quoted part by part. */
export function quoteJournalTable(table: string, dialect: DialectSql): string {
  return table.split('.').map(dialect.quoteIdentifier).join('.');
}

/** CREATE TABLE IF NOT EXISTS and its index on time. */
export function journalTableSql(table: string, dialect: DialectSql): string[] {
  const t = quoteJournalTable(table, dialect);
  const { shortText, longText, integer } = dialect.types;
  const index = dialect.quoteIdentifier(`${table.split('.').pop()}_time`);
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (
  run_id ${shortText(64)} NOT NULL,
  seq ${integer} NOT NULL,
  time ${shortText(32)} NOT NULL,
  level ${shortText(8)} NOT NULL,
  level_rank ${integer} NOT NULL,
  target ${shortText(512)} NOT NULL,
  migration ${shortText(191)},
  event ${shortText(64)} NOT NULL,
  message ${longText} NOT NULL,
  data ${longText} NOT NULL,
  PRIMARY KEY (run_id, seq)
)`,
    dialect.createIndexIfNotExists ? `CREATE INDEX IF NOT EXISTS ${index} ON ${t} (time)` : '',
  ].filter(Boolean);
}

export const JOURNAL_COLUMNS = ['run_id', 'seq', 'time', 'level', 'level_rank', 'target', 'migration', 'event', 'message', 'data'] as const;
const KEY = ['run_id', 'seq'] as const;

/** INSERT of `rows` entries that skips those already written (after a restore, the run's entries are appended again). */
export function insertJournalSql(table: string, dialect: DialectSql, rows: number): string {
  const width = JOURNAL_COLUMNS.length;
  const values = Array.from({ length: rows }, (_, r) => `(${JOURNAL_COLUMNS.map((_, c) => dialect.param(r * width + c + 1)).join(', ')})`).join(', ');
  return dialect.insertIgnore(quoteJournalTable(table, dialect), JOURNAL_COLUMNS, values, KEY);
}

const COLUMNS = JOURNAL_COLUMNS.join(', ');

export function journalRowOf(e: JournalEntry): unknown[] {
  return [e.runId, e.seq, e.time, e.level, levelRank(e.level), e.target, e.migration, e.event, e.message, JSON.stringify(e.data)];
}

export interface JournalRow {
  run_id: string;
  seq: number | string;
  time: string;
  level: string;
  target: string;
  migration: string | null;
  event: string;
  message: string;
  data: string;
}

export function entryOfRow(row: JournalRow): JournalEntry {
  let data: unknown = {};
  try {
    data = JSON.parse(row.data);
  } catch {
    data = { text: row.data };
  }
  return (
    asEntry({
      runId: row.run_id,
      seq: Number(row.seq),
      time: row.time,
      level: row.level,
      target: row.target,
      migration: row.migration,
      event: row.event,
      message: row.message,
      data,
    }) ?? {
      runId: row.run_id,
      seq: Number(row.seq),
      time: row.time,
      level: 'INFO',
      target: row.target,
      migration: row.migration,
      event: row.event,
      message: row.message,
      data: {},
    }
  );
}

/** WHERE clause and parameters; `param(n)` writes the n-th (1-based) placeholder. */
function whereOf(query: NormalizedQuery, param: (n: number) => string): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace('?', param(params.length)));
  };
  if (query.minRank > 0) add('level_rank >= ?', query.minRank);
  if (query.since !== undefined) add('time >= ?', query.since);
  if (query.until !== undefined) add('time <= ?', query.until);
  if (query.migration !== undefined) add('migration = ?', query.migration);
  if (query.runId !== undefined) add('run_id = ?', query.runId);
  if (query.event !== undefined) add('event = ?', query.event);
  return { sql: clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '', params };
}

export function selectJournalSql(table: string, dialect: DialectSql, query: NormalizedQuery): { sql: string; params: unknown[] } {
  const where = whereOf(query, dialect.param);
  // Newest first with the limit, turned around by the caller.
  const limit = query.limit === undefined ? '' : ` LIMIT ${Math.floor(query.limit)}`;
  return {
    sql: `SELECT ${COLUMNS} FROM ${quoteJournalTable(table, dialect)}${where.sql} ORDER BY time DESC, run_id DESC, seq DESC${limit}`,
    params: where.params,
  };
}

function connectionSink(driver: SqlDriver, table: string, owns: boolean): JournalSink {
  const dialect = driver.dialect;
  let ready: Promise<void> | undefined;
  const ensure = () =>
    (ready ??= (async () => {
      await driver.connect('write');
      for (const sql of journalTableSql(table, dialect)) await driver.exec(sql);
    })().catch((error: unknown) => {
      ready = undefined;
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot create the journal table ${table} on ${driver.description}: ${messageOf(error)}`, {
        cause: error,
      });
    }));
  return {
    description: `${driver.description} (${table})`,
    rewindsOnRestore: true,
    async append(batch) {
      await ensure();
      const rows = batch.map(journalRowOf);
      const sql = insertJournalSql(table, dialect, rows.length);
      const insert = () => driver.run(sql, rows.flat());
      try {
        await insert();
      } catch {
        // A restore may have put back a database without the table: create it again, once.
        ready = undefined;
        await ensure();
        await insert();
      }
    },
    async query(query) {
      const { exists } = await driver.connect('read');
      if (!exists || !(await driver.tableExists(table))) return [];
      const { sql, params } = selectJournalSql(table, dialect, query);
      return (await driver.query<JournalRow>(sql, params)).map(entryOfRow).reverse();
    },
    async close() {
      if (owns) await driver.close();
    },
  };
}

export { JOURNAL_LEVELS };
