/**
 * Everything the rest of Strata asks of one SQL dialect, in one object. The ledger, the journal
 * sink, backfill state, the splitter, placeholders, opening a driver and finding a backup
 * provider all read a `Dialect`; none of them compares dialect names. A new dialect is one
 * folder `targets/sql/<name>/` (its driver, its lock, its `dialect.ts`), one line in
 * `dialects.ts`, and one row in the conformance suite.
 *
 * How to implement one:
 * 1. `name` is the registry key and what `--db` URLs name (`pglite:`); `family` is the SQL it
 *    speaks (PGlite speaks PostgreSQL): it is what `ctx.dialect` says to code migrations.
 * 2. `lexer` tells the statement splitter and the placeholder scanner what can hide a `;` or a
 *    comment marker in this SQL.
 * 3. The SQL builders (`quoteIdentifier`, `param`, `types`, `insertIgnore`, `upsert`) are
 *    pure: every SQL string Strata writes for its own tables comes from them.
 * 4. `claims(db)` says whether a `--db` string is this dialect's (a scheme, a path);
 *    `resolve()` turns it into the parts of a database spec; `open()` makes a driver.
 * 5. `backupProvider(spec)`: how to back this database up, or `undefined` when the location has
 *    nothing to back up (an in-memory database). Never guess from another dialect.
 */
import type { BackupProvider } from '../../backup/providers/backup-provider.js';
import type { SqlLexer } from '../../sources/sql/split-statements.js';
import type { DatabaseSpec } from './database-spec.js';
import type { SqlDriver } from './driver.js';

/** The SQL a dialect speaks: what code migrations see as `ctx.dialect`. */
export type SqlFamily = 'sqlite' | 'postgres' | 'mysql';

/** Column types for Strata's own tables (ledger, journal, backfill state, import status). */
export interface DialectTypes {
  /** A short key column (a version, a name): indexable everywhere (MySQL needs a length). */
  key: string;
  /** Unbounded text that is never indexed. */
  text: string;
  /** Text bounded to `length` characters (status words, ISO timestamps). */
  shortText(length: number): string;
  /** Very long text (journal payloads): LONGTEXT on MySQL. */
  longText: string;
  integer: string;
  bigInteger: string;
  double: string;
}

export interface Dialect {
  readonly name: string;
  readonly family: SqlFamily;
  readonly lexer: SqlLexer;
  /** DDL inside a transaction rolls back with it. */
  readonly transactionalDdl: boolean;
  readonly types: DialectTypes;
  /** Appended to `CREATE TABLE (...)` of Strata's tables (` ENGINE=InnoDB`), or ''. */
  readonly tableOptions: string;
  /** `CREATE INDEX IF NOT EXISTS` is understood. */
  readonly createIndexIfNotExists: boolean;
  /** Opens a write transaction that takes the write lock at once (`BEGIN IMMEDIATE` on SQLite). */
  readonly beginWrite: string;
  /** `SELECT ... FOR UPDATE` exists (it does not on SQLite, whose write transaction is the lock). */
  readonly selectForUpdate: boolean;
  /** One identifier part, quoted. */
  quoteIdentifier(part: string): string;
  /** The 1-based `index`-th bound parameter: `?` or `$1`. */
  param(index: number): string;
  /** `INSERT ... VALUES (...)` that does nothing when a row with the same `conflict` key exists. */
  insertIgnore(table: string, columns: readonly string[], values: string, conflict: readonly string[]): string;
  /** `INSERT ... VALUES (...)` that replaces the other columns when the `conflict` key exists. */
  upsert(table: string, columns: readonly string[], values: string, conflict: readonly string[]): string;
  /** URL schemes or path forms this dialect owns, with an example, for messages. */
  readonly forms: { schemes: readonly string[]; example: string };
  /** Whether a `--db` string names a database of this dialect. */
  claims(db: string): boolean;
  /** A driver for the database a spec names; `role` opens extra connections (the journal's, a lock holder's). */
  open(spec: DatabaseSpec): SqlDriver;
  /** How to back this database up; undefined when there is nothing to back up (in memory). */
  backupProvider(spec: DatabaseSpec): BackupProvider | undefined;
}
