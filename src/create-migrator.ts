/**
 * The programmatic entry point for SQL databases: a Migrator over a folder of migrations and/or
 * migrations registered in code, on SQLite by default.
 *
 * @example
 * import { createMigrator } from 'strata-migrate';
 * const migrator = createMigrator({ db: './app.db', dir: './migrations' });
 * const report = await migrator.migrate();
 * console.log(report.results); // [{ version: '1', name: 'create_users', direction: 'up', status: 'applied', durationMs: 0.4 }]
 * await migrator.close();
 */
import type { BetterSqlite3Database } from './targets/sql/sqlite/better-sqlite3-database.js';
import { resolve } from 'node:path';
import { backupHook } from './backup/backup-hook.js';
import type { BackupSettings } from './backup/backup-settings.js';
import type { BackupManager } from './backup/backup-manager.js';
import { Migrator } from './engine/migrator.js';
import { anchorShape } from './engine/shape-anchors.js';
import type { MigratorPlugin } from './engine/plugin.js';
import type { ProblemPolicy } from './model/plan.js';
import { checksumMatches } from './sources/checksum.js';
import { codeMigration } from './sources/code-source.js';
import { cachedFileText, createFolderReadCache, readMigrationFolder, type FolderReadCache } from './sources/folder-source.js';
import { formatNamed } from './sources/formats/index.js';
import { compilePlaceholderPattern } from './sources/sql/placeholders.js';
import { resolveDatabase, type DatabaseSpec } from './targets/sql/database-spec.js';
import type { SqlContext, SqlDriver } from './targets/sql/driver.js';
import type { SqlitePragmas } from './targets/sql/sqlite/sqlite-driver.js';
import { SqlTarget } from './targets/sql/sql-target.js';
import { registerSqlParts } from './targets/sql/migrator-parts.js';
import { attachSqlJournal, type SqlJournalSettings } from './journal/attach-sql.js';
import type { DriftMode } from './engine/drift.js';
import { sqlDriftHook } from './schema/replay.js';
import { driverSchemaKey, driverSchemaStart, lintPlugin } from './lint/lint-plugin.js';
import { type LintSettings, ruleSeverities } from './lint/rule-severities.js';

export { DEFAULT_DATABASE, DEFAULT_MIGRATIONS_DIR } from './defaults.js';

export interface CreateMigratorOptions extends ProblemPolicy {
  /**
   * A SQLite path, `:memory:`, a `sqlite:` URL, a `postgres://` / `postgresql://` /
   * `mysql://` / `mariadb://` URL, an open better-sqlite3 Database, a driver, or a database spec
   * (`resolveDatabase()`: its schema, tables and settings then apply, not the options here).
   */
  db: string | BetterSqlite3Database | SqlDriver | DatabaseSpec;
  /** PostgreSQL: the schema to migrate (created if missing, first on search_path, home of the ledger). */
  schema?: string;
  /** PostgreSQL: the session's `statement_timeout` (ms, or an interval such as '30s'). */
  statementTimeout?: number | string;
  /** PostgreSQL: the session's `lock_timeout`, how long one statement waits for a table lock (ms or interval). */
  dbLockTimeout?: number | string;
  /** The migrations folder. Omit it to use only migrations given to register(). */
  dir?: string;
  /**
   * The folder's layout: 'strata', or another tool's read in place ('flyway', 'goose', 'prisma',
   * 'drizzle', 'sqlx', 'd1', 'atlas'; see docs/formats.md). Default 'auto': detected from the
   * folder where unambiguous, else Strata's.
   */
  format?: string;
  /**
   * Values for placeholders in SQL files (`${schema}` becomes `app` with `{ schema: 'app' }`),
   * inserted verbatim when a file is loaded; a placeholder with no value is an error.
   */
  placeholders?: Readonly<Record<string, string>>;
  /**
   * How a placeholder is written: a template with `name` (any identifier) or `NAME` (upper case
   * only) where the name goes, `${name}` by default, e.g. `:NAME` or `{{name}}`; or a RegExp
   * (or `/source/flags` string) with one capture group for the name. false: no replacement.
   */
  placeholderPattern?: string | RegExp | false;
  /** Ledger table name (default strata_migrations). */
  table?: string;
  /** How long to wait for another process's migration lock (default 60 s). */
  lockTimeoutMs?: number;
  /** SQLite connection settings when Strata opens the file (default WAL, NORMAL, FKs on, 5 s busy timeout). */
  pragmas?: SqlitePragmas;
  /** For tests: the clock used for applied_at. */
  now?: () => Date;
  /**
   * A verified backup before every migrate / rollback that changes something (default on for
   * SQLite files, and for PostgreSQL and MySQL through pg_dump / mysqldump), restored
   * automatically when a run fails in a way the database cannot undo. false turns it off. An
   * in-memory database is skipped; a driver whose database cannot be backed up fails the run
   * with BACKUP_UNSUPPORTED instead of going on without a backup.
   */
  backup?: false | BackupSettings;
  /**
   * Record every event (plan, each step, failures, backups, restores, per-run metrics) in a
   * `strata_journal` table, written outside the migration's transaction; read it with
   * journalOf(migrator).queryLogs() or `strata log`. true, or settings (level, table...).
   */
  journal?: boolean | SqlJournalSettings;
  /** Attached to the migrator in order (see MigratorPlugin: inspect the plan, hear every event, add to status). */
  plugins?: readonly MigratorPlugin<SqlContext<any>>[];
  /**
   * What migrate does when the schema changed outside the migrations (its fingerprint differs from
   * the one stored with the last applied step): 'warn' (default) emits `drift`, 'error' refuses
   * with SCHEMA_DRIFT, 'off' reads no catalog. `migrator.drift()` reports what changed.
   */
  drift?: DriftMode;
  /**
   * The linter (`strata lint`'s rules) on every migrate, before anything is touched: an error
   * finding stops the run with PLAN_REJECTED, warnings are emitted as `plan:warnings`. On by
   * default; `{ rules: { 'sqlite/drop-table': 'warn' } }` sets severities ('error', 'warn',
   * 'off'); false turns it off.
   */
  lint?: false | LintSettings;
}

export type SqlMigrator<Connection = unknown> = Migrator<SqlContext<Connection>>;

/**
 * What a caller that migrates many databases alike, one after another, shares between their
 * migrators (a fleet's worker; not public API).
 */
export interface SharedReads {
  /** The migrations folder's read cache: its files are still stat'ed on each read (and read again when changed), and checksums still compared with each database's ledger. */
  folderCache?: FolderReadCache;
}

export function createMigrator<Connection = BetterSqlite3Database>(options: CreateMigratorOptions): SqlMigrator<Connection> {
  return createSharingMigrator<Connection>(options, {});
}

/** createMigrator, with reads shared with other migrators (see SharedReads). */
export function createSharingMigrator<Connection = BetterSqlite3Database>(options: CreateMigratorOptions, shared: SharedReads): SqlMigrator<Connection> {
  // Compiled now so a bad pattern fails here (before a connection is opened), not at the first migration that is loaded.
  const placeholders =
    options.placeholderPattern === false ? undefined : { values: { ...options.placeholders }, pattern: compilePlaceholderPattern(options.placeholderPattern) };
  // Every SQL file's load reads it: its hidden class must outlive this migrator (shape-anchors.ts).
  if (placeholders) anchorShape('placeholders', placeholders);
  const spec = resolveDatabase({ ...options, journalTable: typeof options.journal === 'object' ? options.journal.table : undefined });
  const driver = spec.driver ?? spec.openDriver();
  const dir = options.dir === undefined ? undefined : resolve(options.dir);
  const format = options.format === undefined || options.format === 'auto' ? 'auto' : formatNamed(options.format);
  const cache = shared.folderCache ?? createFolderReadCache();
  // Checked now, so a misspelt rule ID fails here rather than at the first migrate.
  const lint =
    options.lint === false
      ? undefined
      : lintPlugin<SqlContext<Connection>>({
          family: driver.dialect.family,
          ...(format === 'd1' ? { runtime: 'd1' as const } : {}),
          severities: ruleSeverities(options.lint?.rules, 'the lint option'),
          schemaStart: driverSchemaStart(driver, spec),
          schemaKey: driverSchemaKey(driver, spec),
          readText: (path) => cachedFileText(cache, path),
        });
  let backups: BackupManager | undefined;
  const target = new SqlTarget(driver as SqlDriver<Connection>, spec.tables.ledger.name, [spec.tables.journal.name, spec.tables.backfill.name]);
  const migrator: SqlMigrator<Connection> = new Migrator<SqlContext<Connection>>({
    target,
    source: () => (dir ? readMigrationFolder<SqlContext<Connection>>(dir, { dialect: driver.dialect.lexer, cache, placeholders, format }) : []),
    define: codeMigration,
    checksumMatches,
    lockTimeoutMs: options.lockTimeoutMs,
    allowChanged: options.allowChanged,
    allowMissing: options.allowMissing,
    allowOutOfOrder: options.allowOutOfOrder,
    now: options.now,
    plugins: lint ? [lint, ...(options.plugins ?? [])] : options.plugins,
    drift: options.drift,
    driftHook: sqlDriftHook(spec, driver as SqlDriver<Connection>),
    backups:
      options.backup === false || spec.ephemeral
        ? undefined
        : backupHook(async () => {
            if (backups) return backups;
            // Loaded when a run first needs a backup: a run with nothing to do never loads the backup code.
            const { backupManagerFor } = await import('./backup/backup-settings.js');
            return (backups ??= backupManagerFor(spec.backupProvider(), options.backup || {}, migrator.events));
          }),
  });
  if (options.journal) attachSqlJournal(migrator, driver, options.journal, spec);
  registerSqlParts(migrator, { driver, target: target as SqlTarget<unknown>, lockTimeoutMs: options.lockTimeoutMs, now: options.now });
  return migrator;
}
