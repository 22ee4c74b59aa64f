/** The import engine: importers, the run, its status and events. Readers live in ./readers/. */
export { runImport, importStatus } from './run-import.js';
export type { RunImportOptions } from './run-import.js';
export { tableImporter, importCancelled, toSqlValue, BatchWriter, DEFAULT_IMPORT_BATCH_ROWS } from './table-importer.js';
export type { TableImporterOptions, TableCopy, TargetRow } from './table-importer.js';
export { StatusStore, DEFAULT_STATUS_KEY, DEFAULT_STATUS_TABLE, DEFAULT_STALE_AFTER_MS } from './status.js';
export type { ImportEvents, ImportStage } from './import-events.js';
export type {
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
} from './types.js';
export type { TableReader, DexieExportReader, KeyValueSource, ReduxPersistSource } from './readers/reader-types.js';
