/**
 * The journal of a PGlite database, on the migrator's own driver, between its transactions.
 * PGlite lets one instance per process have a folder open (pglite-folder.ts), and an instance
 * is a single session: the journal cannot have a connection of its own as on a server, so it
 * writes on the migration's session, and only where that is safe: while no transaction is open
 * on it (entries emitted inside one are held by the Journal and written after its commit or
 * rollback, so a rolled-back step is still recorded), and with the driver's own statements held
 * until the write ends (`PgliteDriver.outsideTransaction`), so a `BEGIN` cannot start under it.
 */
import { entryOfRow, insertJournalSql, journalRowOf, journalTableSql, selectJournalSql, type JournalRow } from '../../../journal/sql-sink.js';
import type { JournalSink } from '../../../journal/journal.js';
import { ErrorCode, StrataError } from '../../../model/errors.js';
import type { SqlDriver } from '../driver.js';
import { postgresSql } from '../postgres/postgres-sql.js';
import { PgliteDriver } from './pglite-driver.js';

export function pgliteJournalSink(driver: SqlDriver, table: string): JournalSink {
  if (!(driver instanceof PgliteDriver)) {
    throw new StrataError(
      ErrorCode.DRIVER_UNSUPPORTED,
      `${driver.description} says it is PGlite but is not a PgliteDriver: its journal cannot be written between its transactions`,
      {
        hint: 'give db as a pglite: location, or a driver made by pgliteDialect.open()',
      },
    );
  }
  const pglite = driver;
  // The table once per instance: a restore brings back a folder that may not have it.
  let ready: unknown;
  return {
    description: `${pglite.description} (${table})`,
    rewindsOnRestore: true,
    writable: () => pglite.outsideTransactionNow(),
    append(batch) {
      return pglite.outsideTransaction(async (pg) => {
        if (ready !== pg) {
          const schema = table.includes('.') ? table.split('.', 1)[0]! : undefined;
          if (schema !== undefined) await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${postgresSql.quoteIdentifier(schema)}`);
          for (const sql of journalTableSql(table, postgresSql)) await pg.exec(sql);
          ready = pg;
        }
        await pg.query(insertJournalSql(table, postgresSql, batch.length), batch.flatMap(journalRowOf));
      });
    },
    async query(query) {
      const { exists } = await pglite.connect('read');
      if (!exists || !(await pglite.tableExists(table))) return [];
      const { sql, params } = selectJournalSql(table, postgresSql, query);
      return (await pglite.query<JournalRow>(sql, params)).map(entryOfRow).reverse();
    },
  };
}
