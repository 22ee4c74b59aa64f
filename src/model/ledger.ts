import type { Direction } from './run-report.js';

/** One row of the ledger: the truth about what ran. Pending = not in the ledger. */
export interface LedgerEntry {
  version: string;
  name: string;
  checksum: string;
  /** ISO 8601, UTC. */
  appliedAt: string;
  durationMs: number;
  /**
   * applied: done. running: started outside a transaction and never finished (a crash).
   * failed: a step outside a transaction threw part-way. Both need `strata repair`.
   * aborted: an up that threw inside its transaction, which rolled back: nothing of it is
   * applied, the row only says when and why it failed; the next migrate runs it again.
   */
  status: LedgerStatus;
  /** The direction of the last operation on this row: a failed `down` leaves 'down'. */
  operation: Direction;
  /** SQL statements that completed (0 for code): outside a transaction, where a failure stopped. */
  statementsApplied: number;
  error: string | null;
}

export const LedgerStatus = { applied: 'applied', running: 'running', failed: 'failed', aborted: 'aborted' } as const;
export type LedgerStatus = (typeof LedgerStatus)[keyof typeof LedgerStatus];
