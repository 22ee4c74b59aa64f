/** The migration journal, runtime-agnostic part (also exported from `strata-migrate/document`). */
export { Journal, JOURNALED_EVENTS } from './journal.js';
export type { JournalSink, JournalOptions, RunMetrics, StepMetrics } from './journal.js';
export { JOURNAL_LEVELS, normalizeQuery, filterEntries, parseTimeOption, levelRank } from './entry.js';
export type { JournalEntry, JournalLevel, JournalQuery, NormalizedQuery } from './entry.js';
export { exportEntries, toCsv, parseCsv, parseJournalCsv, parseJournalJson, CSV_COLUMNS } from './export.js';
export type { JournalExportFormat } from './export.js';
export { memoryJournalSink, webStorageJournalSink, parseJsonLines } from './memory-sink.js';
export type { StorageLike, StorageJournalOptions } from './memory-sink.js';
