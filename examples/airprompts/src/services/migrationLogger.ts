/**
 * The guide's `migrationLogger` (setLogLevel / queryLogs / exportLogs) on Strata's journal: every
 * event of the app's migrations (attach a migrator) plus the app's own entries, in localStorage
 * as JSON lines (or any JournalSink: memory in tests, a JSONL file in Electron's main process).
 */
import {
  Journal,
  memoryJournalSink,
  webStorageJournalSink,
  type JournalEntry,
  type JournalExportFormat,
  type JournalLevel,
  type JournalQuery,
  type JournalSink,
  type StorageLike,
} from 'strata-migrate/document';

export const JOURNAL_KEY = 'airprompts:journal';

export interface MigrationLoggerOptions {
  /** localStorage (entries under JOURNAL_KEY). Without it and without a sink: in memory. */
  storage?: StorageLike;
  sink?: JournalSink;
  level?: JournalLevel;
  /** Oldest entries dropped past this many (localStorage only; default 2000). */
  maxEntries?: number;
  now?: () => Date;
}

type Level = JournalLevel | Lowercase<JournalLevel>;

export class MigrationLogger {
  readonly journal: Journal;

  constructor(options: MigrationLoggerOptions = {}) {
    const sink =
      options.sink ??
      (options.storage ? webStorageJournalSink(options.storage, { key: JOURNAL_KEY, maxEntries: options.maxEntries ?? 2000 }) : memoryJournalSink());
    this.journal = new Journal(sink, { level: options.level ?? 'INFO', target: 'airprompts', ...(options.now ? { now: options.now } : {}) });
  }

  setLogLevel(level: Level): void {
    this.journal.setLevel(level);
  }

  getLogLevel(): JournalLevel {
    return this.journal.getLevel();
  }

  /** Records a migrator's events (DocumentMigrator, a SQL Migrator, a BackupManager). Returns detach. */
  attach(source: Parameters<Journal['attach']>[0]): () => void {
    return this.journal.attach(source, { target: 'airprompts' });
  }

  log(level: Level, event: string, message: string, data: Record<string, unknown> = {}): JournalEntry | null {
    return this.journal.log(level, event, message, data);
  }
  debug(message: string, data?: Record<string, unknown>) {
    return this.log('DEBUG', 'app', message, data);
  }
  info(message: string, data?: Record<string, unknown>) {
    return this.log('INFO', 'app', message, data);
  }
  warn(message: string, data?: Record<string, unknown>) {
    return this.log('WARN', 'app', message, data);
  }
  error(message: string, data?: Record<string, unknown>) {
    return this.log('ERROR', 'app', message, data);
  }

  queryLogs(query: JournalQuery = {}): Promise<JournalEntry[]> {
    return this.journal.queryLogs(query);
  }

  exportLogs(format: JournalExportFormat = 'json', query: JournalQuery = {}): Promise<string> {
    return this.journal.exportLogs(format, query);
  }
}

export function createMigrationLogger(options: MigrationLoggerOptions = {}): MigrationLogger {
  return new MigrationLogger(options);
}

/** The app-wide logger of the guide. In the browser, build it with `createMigrationLogger({ storage: localStorage })`. */
export const migrationLogger: MigrationLogger = createMigrationLogger(
  typeof (globalThis as unknown as { localStorage?: StorageLike }).localStorage === 'object'
    ? { storage: (globalThis as unknown as { localStorage: StorageLike }).localStorage }
    : {},
);
