/**
 * The tables a run owns (each importer's `tables`, plus `ownedTables`), emptied before the run
 * and again after a failure or a cancel, so a retry always starts from a clean target.
 */
import type { BetterSqlite3Database } from '../../targets/sql/sqlite/better-sqlite3-database.js';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { quoteIdentifier } from '../status.js';
import type { ImportRun } from './import-run.js';

/** The clearing stage. */
export function clearTarget(run: ImportRun<any>): void {
  run.stage('clearing');
  clearOwnedTables(run);
}

export function clearOwnedTables(run: ImportRun<any>): void {
  clearTables(run.db, [...new Set([...run.importers.flatMap((i) => i.tables ?? []), ...(run.options.ownedTables ?? [])])]);
}

/** Empties the tables (and their AUTOINCREMENT counters) in one transaction, foreign keys off. */
function clearTables(db: BetterSqlite3Database, tables: readonly string[]): void {
  if (tables.length === 0) return;
  const fkWasOn = db.pragma('foreign_keys', { simple: true }) === 1;
  if (fkWasOn) db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      const hasSequence = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'").pluck().get() === 1;
      for (const table of tables) {
        try {
          db.exec(`DELETE FROM ${quoteIdentifier(table)}`);
        } catch (error) {
          throw new StrataError(ErrorCode.IMPORT_FAILED, `cannot clear the target table ${table}: ${messageOf(error)}`, {
            hint: 'the tables the importers write must exist before the import (apply the schema migrations first)',
            cause: error,
            details: { table },
          });
        }
        if (hasSequence) db.prepare('DELETE FROM sqlite_sequence WHERE name = ?').run(table);
      }
    }).immediate();
  } finally {
    if (fkWasOn) db.pragma('foreign_keys = ON');
  }
}
