/**
 * `strata-migrate`: SQL schema migrations (createMigrator, the Migrator, its events and plugins,
 * the drivers and database specs). Backups, imports, the journal and backfills have their own
 * entries (`strata-migrate/backup`, `/import`, `/journal`, `/backfill`); the names the README
 * documents from the root before those entries existed stay re-exported here, below.
 *
 * @module strata-migrate
 */
export { defineConfig } from './config.js';
export type { StrataConfig, JournalConfig, BackupConfig } from './config.js';
export type { FleetConfig, FleetTargetsConfig } from './config.js';
export { createMigrator, DEFAULT_DATABASE, DEFAULT_MIGRATIONS_DIR } from './create-migrator.js';
export type { CreateMigratorOptions, SqlMigrator } from './create-migrator.js';
export { Migrator, DEFAULT_LOCK_TIMEOUT_MS } from './engine/migrator.js';
export type { MigrateOptions, RollbackOptions, RunReport, StatusReport, ValidationReport, RepairOutcome, MigratorOptions } from './engine/migrator.js';
export type { BaselineOptions, BaselineReport } from './engine/migrator.js';
export type { DriftOptions } from './engine/migrator.js';
export { DEFAULT_DRIFT_MODE } from './engine/drift.js';
export type { DriftMode, DriftReport, DriftHook, DriftWarning } from './engine/drift.js';
export { EventChannel } from './events.js';
export type { StrataEvents, StrataEventName, StepEvent, EngineEvents, AnyListener } from './events.js';
export type { MigratorPlugin, InspectedPlan, InspectedStep, PlanFinding } from './engine/plugin.js';
export type { NextCommand } from './model/next-command.js';
export type { Target, TransactionOptions, Release, LedgerUpgrade } from './engine/target.js';
export { StrataError, ErrorCode, isStrataError, messageOf } from './model/errors.js';
export type { StepResult } from './model/errors.js';
export { migrationLabel } from './model/migration.js';
export type { Migration, MigrationDefinition, LoadedMigration, MigrationBody, SqlStatement } from './model/migration.js';
export type { LedgerEntry } from './model/ledger.js';
export type { MigrationStatus, MigrationState, Problem } from './model/plan.js';
export { splitStatements } from './sources/sql/split-statements.js';
export type { SplitStatement, SqlDialect, SqlLexer } from './sources/sql/split-statements.js';
export { parseSqlMigration } from './sources/sql/parse-sql-migration.js';
export { readMigrationFolder } from './sources/folder-source.js';
export type { SqlContext, SqlDriver } from './targets/sql/driver.js';
export { openDriver } from './targets/sql/open-driver.js';
export type { OpenDriverOptions } from './targets/sql/open-driver.js';
export { PostgresDriver } from './targets/sql/postgres/postgres-driver.js';
export type { PostgresDriverOptions } from './targets/sql/postgres/postgres-driver.js';
export { MysqlDriver } from './targets/sql/mysql/mysql-driver.js';
export type { MysqlDriverOptions } from './targets/sql/mysql/mysql-driver.js';
export { resolveDatabase } from './targets/sql/database-spec.js';
export type { DatabaseSpec, DatabaseOptions, ConnectionSettings, QualifiedName } from './targets/sql/database-spec.js';
export type { Dialect, DialectSql, DialectTypes, SqlFamily } from './targets/sql/dialect.js';
export { DIALECTS, dialectFor } from './targets/sql/dialects.js';
export { SqliteDriver, DEFAULT_SQLITE_PRAGMAS } from './targets/sql/sqlite/sqlite-driver.js';
export type { SqlitePragmas, SqliteDriverOptions } from './targets/sql/sqlite/sqlite-driver.js';
export { fts5 } from './targets/sql/sqlite/fts5.js';
export { DEFAULT_LEDGER_TABLE } from './targets/sql/ledger-sql.js';
export type { Fts5ExternalContent, Fts5ExternalContentOptions, Fts5Context } from './targets/sql/sqlite/fts5.js';
export { CompatibilityLayer } from './progressive/compat.js';
export type { CompatibilityLayerOptions, CompatBackend, CompatState, MigrationStats } from './progressive/compat.js';

// Kept at the root for code written before the task entries (the README's backup, journal and
// backfill examples import them from here); new names go to their task entry only.
export {
  BackupManager,
  SqliteBackupProvider,
  FileBackupProvider,
  PostgresBackupProvider,
  MysqlBackupProvider,
  backupManagerFor,
  DEFAULT_RETENTION,
} from './backup.js';
export type {
  BackupManagerOptions,
  CreateBackupOptions,
  BackupListing,
  RestoreOutcome,
  BackupEntry,
  BackupProvider,
  PostgresProviderOptions,
  MysqlProviderOptions,
  BackupSettings,
  KeySource,
  RetentionPolicy,
} from './backup.js';
export { runImport, importStatus, tableImporter, importCancelled, DEFAULT_STATUS_KEY, DEFAULT_STATUS_TABLE } from './import.js';
export type {
  RunImportOptions,
  TableImporterOptions,
  TableCopy,
  Importer,
  ImportContext,
  ImportSources,
  ImportLogger,
  ImportProgress,
  PrepareResult,
  ValidateResult,
  ImportStatus,
  ImportReport,
  ImporterResult,
  ImportEvents,
  ImportStage,
  TableReader,
  DexieExportReader,
  KeyValueSource,
  ReduxPersistSource,
} from './import.js';
export * from './backfill.js';
export * from './journal.js';

// Types the API above refers to, exported so a user can name them (and the API reference links them).
export type {
  BetterSqlite3Database,
  BetterSqlite3Statement,
  BetterSqlite3Transaction,
  BetterSqlite3FunctionOptions,
  BetterSqlite3ColumnDefinition,
  BetterSqlite3RunResult,
  ArgumentsOf,
} from './targets/sql/sqlite/better-sqlite3-database.js';
export type { PgClient, PgQueryResult } from './targets/sql/postgres/pg-client.js';
export type { MysqlConnection } from './targets/sql/mysql/mysql-connection.js';
export type { SqlBody, CodeBody } from './model/migration.js';
export type { LedgerOperation, LedgerStatus } from './model/ledger.js';
export type { BackupHook } from './engine/migrator.js';
export type { ChecksumMatcher } from './model/plan.js';
export type { ParsedSqlFile } from './sources/sql/parse-sql-migration.js';
export type { Awaitable } from './engine/plugin.js';
export type { SqlSyntax, SplitOptions } from './sources/sql/split-statements.js';
export type { FolderSourceOptions, FolderReadCache } from './sources/folder-source.js';
export type { PlaceholderValues } from './sources/sql/placeholders.js';
export type { StrataErrorOptions } from './model/errors.js';
export type { OpenWait } from './engine/target.js';
