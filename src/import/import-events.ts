/**
 * The import run's events, on the same EventChannel as migrations and backups: what an app's
 * migration window (or the CLI's progress bars) shows. Payloads are plain data.
 */
import type { StrataError } from '../model/errors.js';
import type { ImportReport, ImporterResult, ImportStatus, PrepareResult } from './results.js';

export type ImportStage = 'preparing' | 'backing-up' | 'clearing' | 'importing' | 'validating' | 'completed' | 'failed' | 'cancelled';

export interface ImportEvents {
  /** The run moved to a new stage. */
  'import:stage': { stage: ImportStage; dryRun: boolean };
  /** A previous run was killed mid-way (its status said running, its process is gone): this run starts clean. */
  'import:interrupted': { previous: ImportStatus };
  /** Every importer's prepare result, before anything is written. */
  'import:prepared': { importers: { id: string; name: string; order: number; prepare: PrepareResult }[]; dryRun: boolean };
  /** An importer starts; `index` is 1-based among `total`. */
  'import:start': { id: string; name: string; index: number; total: number; sourceCount: number };
  /** Rows done / total of the running importer. */
  'import:progress': { id: string; name: string; done: number; total: number };
  /** Its validation: counts, foreign-key violations and other errors. */
  'import:validated': { id: string; name: string; sourceCount: number; targetCount: number; skippedCount: number; errors: string[] };
  /** An importer finished (validated, or failed). */
  'import:done': { result: ImporterResult };
  'import:completed': { report: ImportReport };
  'import:failed': { error: StrataError; cancelled: boolean; importers: ImporterResult[] };
}
