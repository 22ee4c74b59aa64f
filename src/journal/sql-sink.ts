/**
 * The journal of a SQL database, in the database: a `strata_journal` table, created on the first
 * write. Entries are written OUTSIDE the migration's transaction, so a failed, rolled-back step
 * is still recorded:
 *
 * - SQLite: on the migrator's own connection, synchronously, and only while no transaction is
 *   open on it (better-sqlite3's `inTransaction`). The engine emits `migrating` before a step's
 *   transaction begins, `migrated` after it commits and `failed` after it rolled back, so those
 *   are written the moment they happen; entries emitted inside a transaction (a
 *   --single-transaction run) are held in memory and written right after its commit or rollback.
 *   A second connection is not used on purpose: better-sqlite3 waits for a busy database
 *   synchronously, so a second connection writing while the migration holds the write lock
 *   would block the very event loop that has to commit it.
 * - PostgreSQL, MySQL/MariaDB: on a separate connection of the journal's own, in autocommit
 *   mode, through one ordered queue: a step's rollback cannot take the journal with it.
 *
 * After an automatic restore (which puts back a copy taken before the run, journal table
 * included) the journal appends the run's entries again; (run_id, seq) is the primary key and
 * duplicates are ignored.
 */
import type Database from 'better-sqlite3';
import type { SqlDriver } from '../targets/sql/driver.js';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { asEntry, JOURNAL_LEVELS, levelRank, type JournalEntry, type NormalizedQuery } from './entry.js';
import type { JournalSink } from './journal.js';

export const DEFAULT_JOURNAL_TABLE = 'strata_journal';

export interface SqlJournalOptions {
  /** Default strata_journal (`schema.table` allowed). */
  table?: string;
  /**
   * PostgreSQL / MySQL: the connection entries are written on (default: the driver given, which
   * must then not be the migrator's own). Closed by the sink's close() when `ownsDriver`.
   */
  ownsDriver?: boolean;
}

export function sqlJournalSink(driver: SqlDriver, options: SqlJournalOptions = {}): JournalSink {
  const table = options.table ?? DEFAULT_JOURNAL_TABLE;
  return driver.dialect === 'sqlite' ? sqliteSink(driver, table) : serverSink(driver, table, options.ownsDriver === true);
}

function quoteName(name: string, dialect: SqlDriver['dialect']): string {
  const q = dialect === 'mysql' ? '`' : '"';
  return name
    .split('.')
    .map((part) => `${q}${part.replaceAll(q, q + q)}${q}`)
    .join('.');
}

function createTableSql(table: string, dialect: SqlDriver['dialect']): string[] {
  const t = quoteName(table, dialect);
  const text = dialect === 'mysql' ? 'LONGTEXT' : 'TEXT';
  const short = (n: number) => (dialect === 'sqlite' ? 'TEXT' : `VARCHAR(${n})`);
  const index = quoteName(`${table.split('.').pop()}_time`, dialect);
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (
  run_id ${short(64)} NOT NULL,
  seq INTEGER NOT NULL,
  time ${short(32)} NOT NULL,
  level ${short(8)} NOT NULL,
  level_rank INTEGER NOT NULL,
  target ${short(512)} NOT NULL,
  migration ${short(191)},
  event ${short(64)} NOT NULL,
  message ${text} NOT NULL,
  data ${text} NOT NULL,
  PRIMARY KEY (run_id, seq)
)`,
    dialect === 'mysql' ? '' : `CREATE INDEX IF NOT EXISTS ${index} ON ${t} (time)`,
  ].filter(Boolean);
}

const COLUMNS = 'run_id, seq, time, level, level_rank, target, migration, event, message, data';

function rowOf(e: JournalEntry): unknown[] {
  return [e.runId, e.seq, e.time, e.level, levelRank(e.level), e.target, e.migration, e.event, e.message, JSON.stringify(e.data)];
}

interface Row {
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

function entryOf(row: Row): JournalEntry {
  let data: unknown = {};
  try {
    data = JSON.parse(row.data);
  } catch {
    data = { text: row.data };
  }
  return asEntry({ runId: row.run_id, seq: Number(row.seq), time: row.time, level: row.level, target: row.target, migration: row.migration, event: row.event, message: row.message, data }) ?? {
    runId: row.run_id,
    seq: Number(row.seq),
    time: row.time,
    level: 'INFO',
    target: row.target,
    migration: row.migration,
    event: row.event,
    message: row.message,
    data: {},
  };
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

function selectSql(table: string, dialect: SqlDriver['dialect'], query: NormalizedQuery, param: (n: number) => string): { sql: string; params: unknown[] } {
  const where = whereOf(query, param);
  // Newest first with the limit, turned around by the caller.
  const limit = query.limit === undefined ? '' : ` LIMIT ${Math.floor(query.limit)}`;
  return { sql: `SELECT ${COLUMNS} FROM ${quoteName(table, dialect)}${where.sql} ORDER BY time DESC, run_id DESC, seq DESC${limit}`, params: where.params };
}

function sqliteSink(driver: SqlDriver, table: string): JournalSink {
  const db = (): Database.Database | undefined => {
    try {
      return driver.connection as Database.Database;
    } catch {
      return undefined; // not open yet
    }
  };
  const tableExists = (conn: Database.Database) => {
    const [schema, name] = table.includes('.') ? table.split('.', 2) : ['main', table];
    return conn.prepare(`SELECT 1 FROM "${schema}".sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
  };
  return {
    description: `${driver.description} (${table})`,
    rewindsOnRestore: true,
    writable() {
      const conn = db();
      return conn !== undefined && conn.open && !conn.inTransaction && !conn.readonly;
    },
    append(batch) {
      const conn = db();
      if (!conn) throw new StrataError(ErrorCode.DB_OPEN_FAILED, `${driver.description} is not open: the journal cannot be written`);
      // IF NOT EXISTS each time: a restore may have put back a database without the table.
      for (const sql of createTableSql(table, 'sqlite')) conn.exec(sql);
      const insert = conn.prepare(`INSERT OR IGNORE INTO ${quoteName(table, 'sqlite')} (${COLUMNS}) VALUES (${COLUMNS.split(',').map(() => '?').join(', ')})`);
      conn.transaction(() => {
        for (const entry of batch) insert.run(...rowOf(entry));
      })();
    },
    query(query) {
      const conn = db();
      if (!conn || !tableExists(conn)) return [];
      const { sql, params } = selectSql(table, 'sqlite', query, () => '?');
      return (conn.prepare(sql).all(...params) as Row[]).map(entryOf).reverse();
    },
  };
}

function serverSink(driver: SqlDriver, table: string, owns: boolean): JournalSink {
  const dialect = driver.dialect;
  const param = dialect === 'postgres' ? (n: number) => `$${n}` : () => '?';
  let ready: Promise<void> | undefined;
  const ensure = () =>
    (ready ??= (async () => {
      await driver.connect('write');
      for (const sql of createTableSql(table, dialect)) await driver.exec(sql);
    })().catch((error: unknown) => {
      ready = undefined;
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot create the journal table ${table} on ${driver.description}: ${messageOf(error)}`, { cause: error });
    }));
  return {
    description: `${driver.description} (${table})`,
    rewindsOnRestore: true,
    async append(batch) {
      await ensure();
      const rows = batch.map(rowOf);
      const values = rows.map((row, r) => `(${row.map((_, c) => param(r * row.length + c + 1)).join(', ')})`).join(', ');
      const verb = dialect === 'mysql' ? 'INSERT IGNORE INTO' : 'INSERT INTO';
      const conflict = dialect === 'postgres' ? ' ON CONFLICT (run_id, seq) DO NOTHING' : '';
      const insert = () => driver.run(`${verb} ${quoteName(table, dialect)} (${COLUMNS}) VALUES ${values}${conflict}`, rows.flat());
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
      const { sql, params } = selectSql(table, dialect, query, param);
      return (await driver.query<Row>(sql, params)).map(entryOf).reverse();
    },
    async close() {
      if (owns) await driver.close();
    },
  };
}

export { JOURNAL_LEVELS };
