/**
 * The import engine's contracts: an Importer moves one domain (preferences, chats, ...) from
 * legacy sources into tables of the target SQLite database, in three phases the engine drives:
 * `prepare` (checks and counts, touching nothing), `execute` (batched inserts in its own
 * transactions) and `validate` (counts and integrity, read back from the target).
 */
import type { BetterSqlite3Database } from '../targets/sql/sqlite/better-sqlite3-database.js';
import type { PrepareResult, ValidateResult } from './results.js';

export type { PrepareResult, ValidateResult, ImportStatus, ImportState, ImporterOutcome, ImporterResult, ImportReport } from './results.js';

/** Where importers read from: readers keyed by name (`ctx.sources.dexie`, `ctx.sources.redux`). */
export type ImportSources = Record<string, unknown>;

export interface ImportLogger {
  debug(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface ImportProgress {
  /** Source rows processed so far (inserted or skipped). */
  done: number;
  /** Source rows in all (from prepare); 0 while unknown. */
  total: number;
}

export interface ImportContext<Sources extends ImportSources = ImportSources> {
  sources: Sources;
  /** The target connection (better-sqlite3). */
  db: BetterSqlite3Database;
  /** For ids and lookup tables passed between importers (e.g. assistant ids -> topic references). */
  sharedData: Map<string, unknown>;
  /** Scoped to the running importer. */
  logger: ImportLogger;
  /** Call after each committed batch; it drives the events, the progress bar and the heartbeat. */
  reportProgress(progress: ImportProgress): void;
  /** Aborted on cancel: stop between batches (throw `importCancelled()`, or let the helpers do it). */
  signal: AbortSignal;
  /** True while the engine only prepares (dry run): prepare must not write anything then. */
  dryRun: boolean;
}

export interface Importer<Sources extends ImportSources = ImportSources> {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Lower runs first. */
  readonly order: number;
  /** The target tables this importer writes: cleared before a run and after a failed or cancelled one, and checked with `PRAGMA foreign_key_check`. */
  readonly tables?: readonly string[];
  /** A label for the source in summaries (e.g. `dexie:topics`). */
  readonly source?: string;
  prepare(ctx: ImportContext<Sources>): Promise<PrepareResult> | PrepareResult;
  execute(ctx: ImportContext<Sources>): Promise<void> | void;
  validate(ctx: ImportContext<Sources>): Promise<ValidateResult> | ValidateResult;
}
