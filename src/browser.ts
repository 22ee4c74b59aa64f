/**
 * `strata-migrate/browser`: SQL migrations inside the browser. The same engine as Node (ledger,
 * checksums, verify, dependency graph, events) over SQLite WASM on OPFS or PGlite on IndexedDB,
 * with migrations bundled at build time (`strata bundle`, or `strata-migrate/vite`), one migration
 * per database across tabs and workers (Web Locks, with a timeout), and downgrades. Nothing here
 * imports a `node:` module; the adapters type their peers structurally, so an app bundles only
 * the adapter it imports. See docs/browser-sql.md.
 *
 * @module strata-migrate/browser
 */
export { createBrowserMigrator, BrowserMigrator } from './browser/browser-migrator.js';
export type { BrowserMigratorOptions, BrowserMigratorEvents } from './browser/browser-migrator.js';
export { bundledMigrations } from './browser/bundled-source.js';
export { MIGRATION_BUNDLE_FORMAT } from './browser/migration-bundle.js';
export type { MigrationBundle, BundledMigration, BundledBody, BundledStatement } from './browser/migration-bundle.js';
export { sqliteWasmDriver, SqliteWasmDriver, sqliteWasmDialect } from './browser/sqlite-wasm.js';
export type { SqliteWasmDriverOptions, SqliteWasmModule, SqliteWasmDb, SqliteWasmSahPool, SqliteWasmConnection } from './browser/sqlite-wasm.js';
export { pgliteBrowserDriver, PgliteBrowserDriver, pgliteBrowserDialect } from './browser/pglite-browser.js';
export type { PgliteBrowserDriverOptions, PgliteLike } from './browser/pglite-browser.js';
export type { BrowserDriverLock } from './browser/held-database.js';
export { acquireTabLock, isLockedByOtherTab, lockedByOtherTab, tabLockName, webLocks, DEFAULT_TAB_LOCK_TIMEOUT_MS } from './browser/tab-lock.js';
export type { TabLockOptions, TabLockRelease, TabBlocked, TabLockEvents, LockManagerLike } from './browser/tab-lock.js';
export { StrataError, ErrorCode, isStrataError } from './model/errors.js';
export type { EngineEvents, StepEvent } from './engine/events.js';
export type { RunReport, StatusReport, MigrateOptions, RollbackOptions } from './engine/migrator.js';
export type { SqlContext, SqlDriver } from './targets/sql/driver.js';
export type { MigrationDefinition } from './model/migration.js';
