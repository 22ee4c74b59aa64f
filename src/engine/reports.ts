/** What the Migrator's commands return: results are data, never log lines. */
import type { RunOutcome } from '../model/run-report.js';
import type { MigrationStatus, Problem } from '../model/plan.js';
import type { StoreStatus } from '../model/status-report.js';

export interface RunReport extends RunOutcome {
  dryRun: boolean;
  currentVersion: string | null;
}

/** Plugins may add fields of their own (the journal adds `journal`: its last run's metrics). */
export interface StatusReport extends StoreStatus<string, MigrationStatus, Problem> {}

export interface ValidationReport {
  ok: boolean;
  target: string;
  problems: Problem[];
  integrity: string[];
  /** What was checked, in order: the ledger against the files, then what the store itself checks (when it exists). */
  checks: string[];
  /** Applied migrations whose verify fails on the database as it is now. */
  verify: { version: string; name: string; error: string }[];
  pending: number;
}
