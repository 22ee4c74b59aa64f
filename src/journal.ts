/**
 * `strata-migrate/journal`: the migration journal, its sinks (memory, web storage, JSON Lines, SQL table) and its exports.
 *
 * @module strata-migrate/journal
 */
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
export { jsonlJournalSink } from './journal/jsonl-sink.js';
export type { JsonlJournalOptions } from './journal/jsonl-sink.js';
export { sqlJournalSink, DEFAULT_JOURNAL_TABLE } from './journal/sql-sink.js';
export type { SqlJournalOptions } from './journal/sql-sink.js';
export { journalOf } from './journal/attach-sql.js';
export type { SqlJournalSettings } from './journal/attach-sql.js';
export type { AnyChannel } from './journal/journal.js';
export type { NormalizedQuery } from './journal/entry.js';
