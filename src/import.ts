/**
 * `strata-migrate/import`: one-off imports of legacy data into a migrated database, with the
 * readers for the sources they come from (Dexie exports, redux-persist state, conf/electron-store
 * files, large JSON arrays) and the `import.config` loading that `strata import` does.
 *
 * @module strata-migrate/import
 */
export {
  runImport,
  importStatus,
  tableImporter,
  importCancelled,
  DEFAULT_IMPORT_BATCH_ROWS,
  DEFAULT_STATUS_KEY,
  DEFAULT_STATUS_TABLE,
  DEFAULT_STALE_AFTER_MS,
} from './import/index.js';
export type {
  RunImportOptions,
  TableImporterOptions,
  TableCopy,
  TargetRow,
  ImportEvents,
  ImportStage,
  Importer,
  ImportContext,
  ImportSources,
  ImportLogger,
  ImportProgress,
  PrepareResult,
  ValidateResult,
  ImportStatus,
  ImportState,
  ImportReport,
  ImporterResult,
  ImporterOutcome,
} from './import/index.js';
export * from './import/readers/index.js';
export { loadImportConfig, loadImporters } from './import/import-config.js';
export type { ImportConfig, LoadedImportConfig, ImportBackupConfig } from './import/import-config.js';
export { openSources, openSource, SOURCE_TYPES } from './import/sources.js';
export type { SourceDescriptor } from './import/sources.js';
