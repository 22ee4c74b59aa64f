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
  /**
   * The last operation on this row: a failed `down` leaves 'down'. 'baseline': recorded as
   * applied without running (the schema was already there); 'adopt': taken over from another
   * tool's ledger (see `adoptedFrom`).
   */
  operation: LedgerOperation;
  /** SQL statements that completed (0 for code): outside a transaction, where a failure stopped. */
  statementsApplied: number;
  error: string | null;
  /**
   * Ledger v2. Where the row came from when Strata did not run the step: the tool whose ledger
   * was adopted ('flyway', 'knex', ...), 'baseline', or null when Strata ran it. Absent on a
   * store whose ledger has no such column (documents, a v1 ledger before its upgrade).
   */
  adoptedFrom?: string | null;
  /** Ledger v2. The schema fingerprint (see src/schema) right after the step; null when not taken. */
  schemaFingerprint?: string | null;
  /**
   * Ledger v2. The store's schema stamp taken with `schemaFingerprint` (just before it): while
   * the stamp now is the same, the schema is the one that fingerprint describes. Null when the
   * store has none (MySQL) or no fingerprint was taken.
   */
  schemaStamp?: string | null;
  /** Ledger v2. The step's down as it was when applied (SQL text), null for code or none: `rollback --from-ledger`. */
  downSql?: string | null;
}

export type LedgerOperation = Direction | 'baseline' | 'adopt';

export const LedgerStatus = { applied: 'applied', running: 'running', failed: 'failed', aborted: 'aborted' } as const;
export type LedgerStatus = (typeof LedgerStatus)[keyof typeof LedgerStatus];

/**
 * The checksum of a row adopted from a tool whose migrations are code Strata cannot run
 * (knex, TypeORM...): there is no file to hash, so the row says where it came from instead.
 * Status shows such rows as adopted history, not as missing files; it works on a ledger
 * without the v2 `adopted_from` column too.
 */
export const ADOPTED_HISTORY_CHECKSUM_PREFIX = 'adopted-history:';

export function adoptedHistoryChecksum(tool: string): string {
  return `${ADOPTED_HISTORY_CHECKSUM_PREFIX}${tool}`;
}

/** The tool a history-only adopted row came from, or undefined for any other row. */
export function adoptedHistoryTool(entry: Pick<LedgerEntry, 'checksum'>): string | undefined {
  return entry.checksum.startsWith(ADOPTED_HISTORY_CHECKSUM_PREFIX) ? entry.checksum.slice(ADOPTED_HISTORY_CHECKSUM_PREFIX.length) : undefined;
}
