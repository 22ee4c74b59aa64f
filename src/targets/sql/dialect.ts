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
 *    comment marker in this SQL (`SQL_LEXERS[family]` unless it differs).
 * 3. The SQL builders (`quoteIdentifier`, `param`, `types`, `insertIgnore`, `upsert`, and the
 *    flags beside them) are pure: every SQL string Strata writes for its own tables comes
 *    from them. Keep them in a module of their own (`<name>-sql.ts`), so the driver and the
 *    backup provider can quote with them without importing this object.
 * 4. `claims(db)` says whether a `--db` string is this dialect's (a scheme, a path);
 *    `locate(db)` turns it into the location `open()` opens and the name messages show.
 * 5. `open(spec)` makes a new driver (a connection, opened on first use) for the database a
 *    spec names, with the spec's settings; `adopt` wraps a connection object the application
 *    already has (a better-sqlite3 Database), for dialects that accept one. The driver's own
 *    `dialect` is this object.
 * 6. `backupProvider(spec)`: how to back this database up, or `undefined` when the location has
 *    nothing to back up (an in-memory database). Never guess from another dialect.
 * 7. `journalSink`, only for databases a second connection cannot write while a migration
 *    runs (an embedded database): the journal then writes on the migrator's own driver.
 * 8. Optional `readSchema(driver, options)`: the schema as a SchemaModel (src/schema), read from
 *    the catalog in few queries, Strata's tables left out; `ddl`: how to write a model back as
 *    DDL. Both live in `<name>-schema.ts` / `<name>-ddl.ts`; drift, the fingerprint and schema
 *    dump need them.
 * 9. Optional `schemaStamp(driver, options)`: a value that changes whenever the schema
 *    `readSchema` reads may have changed, read in about the time it takes to list the tables
 *    (`<name>-stamp.ts`). Equal stamps let drift trust the fingerprint stored with the stamp
 *    without reading the catalog; it may move without a schema change (a false alarm costs a
 *    full read), it must never stay put across one. Absent, or null: no such value, and every
 *    drift check reads the catalog (MySQL/MariaDB: see mysql/dialect.ts).
 */
import type { BackupProvider } from '../../backup/providers/backup-provider.js';
import type { JournalSink } from '../../journal/journal.js';
import type { SqlDialect, SqlLexer } from '../../sources/sql/split-statements.js';
import type { ReadSchemaOptions, SchemaModel } from '../../schema/schema-model.js';
import type { DdlDialect } from '../../schema/render-ddl.js';
import type { DatabaseAdmin } from './database-admin.js';
import type { ScratchDatabase } from './scratch-database.js';
import type { AlterDialect } from '../../schema/render-alter.js';
import type { ConnectionSettings, DatabaseSpec } from './database-spec.js';
import type { SqlContext, SqlDriver } from './driver.js';

/** The SQL a dialect speaks: what code migrations see as `ctx.dialect`. */
export type SqlFamily = SqlDialect;

/** Column types for Strata's own tables (ledger, journal, backfill state). */
export interface DialectTypes {
  /** Unbounded text. */
  readonly text: string;
  /** Text bounded to `length` characters where the database bounds text (VARCHAR); plain text where it does not (SQLite). */
  shortText(length: number): string;
  /** Text bounded only where the database needs a length to key or index it (MySQL: VARCHAR); plain text elsewhere. */
  keyText(length: number): string;
  /** Very long text (journal payloads): LONGTEXT on MySQL. */
  readonly longText: string;
  readonly integer: string;
  readonly bigInteger: string;
  readonly double: string;
}

/** The pure part of a dialect: its SQL builders and flags, with no driver behind them. */
export interface DialectSql {
  readonly lexer: SqlLexer;
  /** DDL inside a transaction rolls back with it. */
  readonly transactionalDdl: boolean;
  readonly types: DialectTypes;
  /** Appended to `CREATE TABLE (...)` of Strata's tables whose rows commit with the caller's batch (` ENGINE=InnoDB`), or ''. */
  readonly tableOptions: string;
  /** `CREATE INDEX IF NOT EXISTS` is understood. */
  readonly createIndexIfNotExists: boolean;
  /** Opens a write transaction that takes the write lock at once (`BEGIN IMMEDIATE` on SQLite). */
  readonly beginWrite: string;
  /** `SELECT ... FOR UPDATE` exists (it does not on SQLite, whose write transaction is the lock). */
  readonly selectForUpdate: boolean;
  /** The `--db` forms this dialect claims, for messages: URL schemes or path prefixes, and one example. */
  readonly forms: { readonly schemes: readonly string[]; readonly example: string };
  /** One identifier part, quoted (a quote inside is doubled). */
  quoteIdentifier(part: string): string;
  /** The 1-based `index`-th bound parameter: `?` or `$1`. */
  param(index: number): string;
  /** `INSERT INTO table (columns) VALUES values` that does nothing for a row whose `conflict` key exists. `values`: `(?, ?), (?, ?)`. */
  insertIgnore(table: string, columns: readonly string[], values: string, conflict: readonly string[]): string;
  /** `INSERT INTO table (columns) VALUES values` that replaces the other columns of a row whose `conflict` key exists. */
  upsert(table: string, columns: readonly string[], values: string, conflict: readonly string[]): string;
}

export interface Dialect extends DialectSql {
  readonly name: string;
  readonly family: SqlFamily;
  /** Where the server lists its clients' statements, for advice (Target.serverActivity); absent for a database in the process. */
  readonly serverActivity?: string;
  /** Whether a `--db` string names a database of this dialect. */
  claims(db: string): boolean;
  /** What `open()` opens for a `--db` string this dialect claims (an absolute path, a URL), and how messages name it. */
  locate(db: string): { location: string; description: string };
  /** A new driver (connection) to the database a spec names. */
  open(spec: DatabaseSpec): SqlDriver;
  /** A driver over a connection object the application already has, if this dialect takes that kind of object; used as is, never closed by Strata. */
  adopt?(connection: unknown, settings: ConnectionSettings): SqlDriver | undefined;
  /** How to back this database up; undefined when there is nothing to back up (in memory). */
  backupProvider(spec: DatabaseSpec): BackupProvider | undefined;
  /** `strata db create` / `db drop`: creating and dropping the database itself; absent when Strata cannot. */
  admin?(db: string): DatabaseAdmin;
  /** `strata drift`: a new, empty database of this dialect to replay the history into (never the live one); absent: no replay. */
  scratch?(spec: DatabaseSpec): Promise<ScratchDatabase>;
  /** `strata drift --adopt`: the ALTER pieces that turn one schema into another; absent: adopt refuses. */
  readonly alter?: AlterDialect;
  /** Whether a connection (a code migration's `ctx`) is inside a transaction already. */
  inTransaction(context: SqlContext): Promise<boolean>;
  /** The journal on the migrator's own driver, for databases a second connection cannot write during a run. */
  journalSink?(driver: SqlDriver, table: string): JournalSink;
  /** The schema as the catalog reports it, normalised and in canonical order, without the excluded tables. */
  readSchema?(driver: SqlDriver, options: ReadSchemaOptions): Promise<SchemaModel>;
  /** A cheap value that moves whenever the schema `readSchema` reads may have changed (never stays put across a change; may move without one); null: none, every drift check reads the catalog. */
  schemaStamp?(driver: SqlDriver, options: { schema?: string }): Promise<string | null>;
  /**
   * true when an equal stamp means an equal schema, whichever database it was read from (SQLite's
   * is a hash of the CREATE texts): what was worked out from one schema may then be reused for
   * another database with the same stamp (StampMemo). PostgreSQL's only moves with a change.
   */
  readonly stampIdentifiesSchema?: boolean;
  /** The pieces of DDL rendering that differ by dialect (schema dump, drift --adopt). */
  readonly ddl?: DdlDialect;
}
