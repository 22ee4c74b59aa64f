/**
 * What importers and runs report: plain data with no dependency (the events carry it, and the
 * events are part of the runtime-agnostic engine).
 */

export interface PrepareResult {
  /** Source rows (or entries) this importer will read. */
  sourceCount: number;
  /** Per source table, when an importer reads several. */
  tables?: Record<string, number>;
  warnings?: string[];
  /** false: the run must not start (a missing source, a wrong format); `reason` says why. */
  canRun?: boolean;
  reason?: string;
}

export interface ValidateResult {
  sourceCount: number;
  targetCount: number;
  /** Source rows deliberately not imported (mapped to null). */
  skippedCount: number;
  /** Anything wrong: each one fails the run. */
  errors: string[];
  /** Per target table, when an importer writes several. */
  tables?: Record<string, { sourceCount: number; targetCount: number; skippedCount: number }>;
}

/** The run's status row, as JSON in the key-value table. */
export type ImportStatus =
  | { state: 'not-started' }
  | { state: 'running'; runId: string; importer: string | null; pid: number; host: string; startedAt: string; heartbeatAt: string }
  | {
      state: 'completed';
      runId: string;
      startedAt: string;
      completedAt: string;
      importers: { id: string; sourceCount: number; targetCount: number; skippedCount: number }[];
    }
  | { state: 'failed'; runId: string; startedAt: string; failedAt: string; importer: string | null; code: string; message: string; interrupted?: boolean }
  | { state: 'cancelled'; runId: string; startedAt: string; cancelledAt: string; importer: string | null };

export type ImportState = ImportStatus['state'];

export type ImporterOutcome = 'pending' | 'dry-run' | 'imported' | 'failed' | 'cancelled' | 'not-run';

/** One importer's line in a report (and in the CLI's summary table). */
export interface ImporterResult {
  id: string;
  name: string;
  source: string | undefined;
  order: number;
  status: ImporterOutcome;
  prepare: PrepareResult | undefined;
  sourceCount: number;
  targetCount: number | null;
  skippedCount: number | null;
  errors: string[];
  warnings: string[];
  durationMs: number;
}

export interface ImportReport {
  status: 'completed' | 'dry-run' | 'already-completed';
  dryRun: boolean;
  runId: string | null;
  importers: ImporterResult[];
  /** A previous run that was killed mid-way (status said running; its process is gone). */
  interrupted: ImportStatus | null;
  /** The backup taken of the target before this run, if any. */
  backup: { id: string; location: string } | null;
  durationMs: number;
}
