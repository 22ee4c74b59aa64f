/**
 * The journal of a SQLite database, on the migrator's own connection, synchronously, and only
 * while no transaction is open on it (better-sqlite3's `inTransaction`). The engine emits
 * `migrating` before a step's transaction begins, `migrated` after it commits and `failed` after
 * it rolled back, so those are written the moment they happen; entries emitted inside a
 * transaction (a --single-transaction run) are held in memory and written right after its commit
 * or rollback. A second connection is not used on purpose: better-sqlite3 waits for a busy
 * database synchronously, so a second connection writing while the migration holds the write
 * lock would block the very event loop that has to commit it.
 */
import type { BetterSqlite3Database } from './better-sqlite3-database.js';
import { entryOfRow, insertJournalSql, journalRowOf, journalTableSql, selectJournalSql, type JournalRow } from '../../../journal/sql-sink.js';
import type { JournalSink } from '../../../journal/journal.js';
import { ErrorCode, StrataError } from '../../../model/errors.js';
import type { SqlDriver } from '../driver.js';
import { sqliteSql } from './sqlite-sql.js';

export function sqliteJournalSink(driver: SqlDriver, table: string): JournalSink {
  const db = (): BetterSqlite3Database | undefined => {
    try {
      return driver.connection as BetterSqlite3Database;
    } catch {
      return undefined; // not open yet
    }
  };
  const tableExists = (conn: BetterSqlite3Database) => {
    const [schema, name] = table.includes('.') ? table.split('.', 2) : ['main', table];
    return conn.prepare(`SELECT 1 FROM ${sqliteSql.quoteIdentifier(schema!)}.sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
  };
  return {
    description: `${driver.description} (${table})`,
    rewindsOnRestore: true,
    writable() {
      const conn = db();
      return conn?.open === true && !conn.inTransaction && !conn.readonly;
    },
    append(batch) {
      const conn = db();
      if (!conn) throw new StrataError(ErrorCode.DB_OPEN_FAILED, `${driver.description} is not open: the journal cannot be written`);
      // IF NOT EXISTS each time: a restore may have put back a database without the table.
      for (const sql of journalTableSql(table, sqliteSql)) conn.exec(sql);
      const insert = conn.prepare(insertJournalSql(table, sqliteSql, 1));
      conn.transaction(() => {
        for (const entry of batch) insert.run(...journalRowOf(entry));
      })();
    },
    query(query) {
      const conn = db();
      if (!conn || !tableExists(conn)) return [];
      const { sql, params } = selectJournalSql(table, sqliteSql, query);
      return (conn.prepare(sql).all(...params) as JournalRow[]).map(entryOfRow).reverse();
    },
  };
}
