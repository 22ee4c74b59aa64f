/**
 * An optional capability of a Target whose library runs statements synchronously (better-sqlite3):
 * the operations of one transactional SQL step, without a promise each. With them the engine runs
 * such a step as one synchronous call (begin, each statement, its ledger row, commit) instead of
 * a dozen awaits on promises that were settled before they were awaited: ~15 µs a step, 15 ms
 * of a 1,000-step run on SQLite.
 *
 * Nothing else changes: the same statements in the same order on the same connection, the step
 * and its ledger row in one transaction, events emitted at the same points. Awaiting an already
 * settled promise never let anything else run in between either (a microtask, not a turn of the
 * event loop), so a listener or a timer sees no difference. Not part of the public Target
 * interface: a Target offers it through `syncSteps()` (see syncStepsOf).
 */
import type { LedgerEntry } from '../model/ledger.js';

export interface SyncSteps {
  /** Opens the step's transaction (foreign keys stay as they are: only for steps that keep them on). */
  begin(): void;
  execute(sql: string): void;
  insertApplied(entry: LedgerEntry): void;
  writeLedger(entry: LedgerEntry): void;
  deleteLedger(version: string): void;
  commit(): void;
  /** Ends the step's transaction after a failure, if it is still open. */
  rollback(): void;
}

interface OffersSyncSteps {
  syncSteps(): SyncSteps | undefined;
}

/** The target's synchronous step operations, when it offers them (undefined: every step is awaited). */
export function syncStepsOf(target: object): SyncSteps | undefined {
  return typeof (target as Partial<OffersSyncSteps>).syncSteps === 'function' ? (target as OffersSyncSteps).syncSteps() : undefined;
}
