/**
 * `createMigrator({ journal })`: a Journal over the database's `strata_journal` table, attached
 * to the migrator as a plugin (journal-plugin.ts): it records the migrator's events,
 * `migrator.close()` also closes the journal (its own connection on a server), and
 * `migrator.status()` gains a `journal` field (the last run's metrics) that `status --json` prints.
 */
import type { Migrator } from '../engine/migrator.js';
import { ErrorCode, StrataError } from '../model/errors.js';
import type { DatabaseSpec } from '../targets/sql/database-spec.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import type { JournalLevel } from './entry.js';
import { Journal } from './journal.js';
import { journalPlugin } from './journal-plugin.js';
import { sqlJournalSink } from './sql-sink.js';

export interface SqlJournalSettings {
  /** The lowest level recorded (default INFO). */
  level?: JournalLevel | Lowercase<JournalLevel>;
  /** Default strata_journal (in the migrated schema on PostgreSQL when one is set). */
  table?: string;
  /**
   * A server database (PostgreSQL, MySQL) given as a driver (not a URL): the separate connection
   * the journal writes on. With a URL the journal opens its own.
   */
  driver?: SqlDriver;
  now?: () => Date;
  onError?: (error: unknown) => void;
}

const journals = new WeakMap<object, Journal>();

/** The journal createMigrator attached to a migrator (undefined when it has none). */
export function journalOf(migrator: object): Journal | undefined {
  return journals.get(migrator);
}

export function attachSqlJournal(migrator: Migrator<any>, driver: SqlDriver, settings: true | SqlJournalSettings, spec: DatabaseSpec): Journal {
  const options: SqlJournalSettings = settings === true ? {} : settings;
  const table = options.table === undefined ? spec.tables.journal.name : spec.qualify(options.table).name;
  let journalDriver = driver;
  let owns = false;
  // A dialect with a sink of its own writes on the migrator's driver; every other needs a second connection.
  if (!driver.dialect.journalSink) {
    if (options.driver) journalDriver = options.driver;
    else if (!spec.driver) {
      journalDriver = spec.openDriver();
      owns = true;
    } else {
      throw new StrataError(ErrorCode.USAGE, `the journal of ${driver.description} needs a connection of its own, so a rolled-back step is still recorded`, {
        hint: 'pass journal: { driver: <a second driver to the same database> }, or give db as a URL',
      });
    }
  }
  const journal = new Journal(sqlJournalSink(journalDriver, { table, ownsDriver: owns }), {
    target: driver.description,
    ...(options.level ? { level: options.level } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  migrator.use(journalPlugin(journal, { target: driver.description, table }));
  journals.set(migrator, journal);
  return journal;
}
