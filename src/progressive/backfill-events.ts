/**
 * A backfill's events, on the same EventChannel as migrations, backups and imports: what the
 * CLI's bar (or an app's migration window) shows. Payloads are plain data.
 */
import type { StrataError } from '../model/errors.js';

export interface BackfillProgress {
  name: string;
  table: string;
  /** Rows done, all runs of this backfill together. */
  done: number;
  /** done + the rows still to walk when this run started (0 while unknown). */
  total: number;
  /** Batches committed in this run. */
  batches: number;
  /** The checkpoint: the last key committed (JSON-decoded). */
  lastKey: unknown;
  /** This run's rate: rows done by this run / seconds since it started. */
  rowsPerSecond: number;
  /** Time left at that rate; null while unknown. */
  etaMs: number | null;
  /** The process's resident set size, `process.memoryUsage.rss()`. */
  rssBytes: number;
  elapsedMs: number;
}

export interface BackfillEvents {
  /** A run starts; `resumed` when an earlier run had already committed batches. */
  'backfill:start': { name: string; table: string; done: number; total: number; resumed: boolean; lastKey: unknown };
  /** After every committed batch. */
  'backfill:progress': BackfillProgress;
  /** Every row has been walked (or the backfill was already complete). */
  'backfill:done': { name: string; table: string; done: number; total: number; durationMs: number; rowsPerSecond: number; alreadyDone: boolean };
  /** Stopped between batches by its AbortSignal; the checkpoint is consistent. */
  'backfill:cancelled': { name: string; table: string; done: number; total: number; lastKey: unknown };
  /** A batch threw: it was rolled back, the checkpoint is the last committed batch. */
  'backfill:failed': { name: string; table: string; done: number; lastKey: unknown; error: StrataError };
}
