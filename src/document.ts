/**
 * `strata-migrate/document`: versioned JSON state migrations that run unchanged in a browser, a VS Code
 * extension host, an Electron renderer or Node. No node: imports and no dependencies; the
 * JSON-file store is in `strata-migrate/document/node`.
 *
 * @module strata-migrate/document
 */
export { MigrationManager, migrationManager } from './targets/document/migration-manager.js';
export type { DocumentStep } from './targets/document/migration-manager.js';
export { DocumentMigrator, DEFAULT_DOCUMENT_LOCK_TIMEOUT_MS } from './targets/document/document-migrator.js';
export type { DocumentMigratorOptions, DocumentRunReport, DocumentStatus, DocumentMigrationState } from './targets/document/document-migrator.js';
export type { DocumentMigration, RegisteredMigration } from './targets/document/document-migration.js';
export { compareDocumentVersions } from './targets/document/document-version.js';
export type { DocumentVersion } from './targets/document/document-version.js';
export type { DocumentStore, BackupRecord, BackupOptions } from './targets/document/document-store.js';
export { keyValueStore, webStorageStore, mementoStore, memoryStore } from './targets/document/key-value-store.js';
export type { KeyValueBackend, KeyValueStoreOptions, WebStorageLike, MementoLike } from './targets/document/key-value-store.js';
export { envelope, versionAt, versionKey, reduxPersist } from './targets/document/layouts.js';
export type { DocumentLayout, EnvelopeOptions, VersionAtOptions } from './targets/document/layouts.js';
export type { StoredDocument, HistoryEntry } from './targets/document/stored-document.js';
export type { StandardSchemaV1, StandardIssue } from './targets/document/standard-schema.js';
export { acquireLock } from './targets/document/locks.js';
export { StrataError, ErrorCode, isStrataError } from './model/errors.js';
export type { StepResult } from './model/errors.js';
export type { StrataEvents, StrataEventName } from './events.js';
export type { NextCommand } from './model/next-command.js';
export {
  Journal,
  JOURNALED_EVENTS,
  JOURNAL_LEVELS,
  memoryJournalSink,
  webStorageJournalSink,
  parseJsonLines,
  exportEntries,
  toCsv,
  parseJournalCsv,
  parseJournalJson,
} from './journal/index.js';
export type {
  JournalSink,
  JournalOptions,
  JournalEntry,
  JournalLevel,
  JournalQuery,
  JournalExportFormat,
  RunMetrics,
  StepMetrics,
  StorageLike,
  StorageJournalOptions,
} from './journal/index.js';
export { indexedDbStore, DEFAULT_INDEXEDDB_DATABASE, DEFAULT_INDEXEDDB_OBJECT_STORE } from './targets/document/indexeddb-store.js';
export type { IndexedDbStoreOptions } from './targets/document/indexeddb-store.js';
export { defineIndexedDbMigrations } from './targets/indexeddb/indexeddb-migrations.js';
export type {
  IndexedDbMigration,
  IndexedDbMigrations,
  DefinedIndexedDbMigration,
  IndexedDbSchema,
  SchemaStep,
  IndexSpec,
  CreateStoreOptions,
  ChangeStoreOptions,
  RecordTransform,
} from './targets/indexeddb/indexeddb-migrations.js';
export { IndexedDbMigrator } from './targets/indexeddb/indexeddb-migrator.js';
export type { IndexedDbMigratorOptions, IndexedDbEvents, IndexedDbOpenReport, IndexedDbStatus } from './targets/indexeddb/indexeddb-migrator.js';
export { DEFAULT_PROGRESS_EVERY } from './targets/indexeddb/run-upgrade.js';
export type { CopyProgress } from './targets/indexeddb/run-upgrade.js';
export type { OpenBlocked } from './targets/indexeddb/open-database.js';
export type {
  IdbFactory,
  IdbDatabase,
  IdbKey,
  IdbKeyPath,
  IdbRequest,
  IdbOpenRequest,
  IdbTransaction,
  IdbObjectStore,
  IdbIndex,
  IdbIndexOptions,
  IdbCursorWithValue,
  IdbEventTargetLike,
} from './targets/indexeddb/idb-types.js';
export type { TabBlocked, TabLockEvents } from './browser/tab-lock.js';
export { CompatibilityLayer } from './progressive/compat.js';
export type { CompatibilityLayerOptions, CompatBackend, CompatState, MigrationStats } from './progressive/compat.js';

// Types the API above refers to, exported so a user can name them (and the API reference links them).
export type { Direction } from './model/run-report.js';
export type { StatusProblem } from './model/status-report.js';
export type { Release as LockRelease } from './targets/document/locks.js';
export type { EncodedDocument } from './targets/document/layouts.js';
export type { Listener } from './engine/events.js';
export type { StandardResult } from './targets/document/standard-schema.js';
