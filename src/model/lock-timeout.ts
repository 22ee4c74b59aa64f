/**
 * How long a run waits for another run's lock on the same store before it fails with
 * LOCK_TIMEOUT. A database migration waits longer than a document one: its steps (DDL on big
 * tables) take longer than rewriting a document, which an app does while a user waits.
 */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
export const DEFAULT_DOCUMENT_LOCK_TIMEOUT_MS = 30_000;

export interface LockTimeoutOption {
  /** How long to wait for another run's lock on the same store (ms). */
  lockTimeoutMs?: number;
}
