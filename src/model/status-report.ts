/**
 * What every store's status says, SQL database or stored document: where, whether it exists,
 * its version, each migration's state, and what is wrong. StatusReport (engine) and
 * DocumentStatus (document) extend StoreStatus with what only they know.
 */
import type { ErrorCode } from './errors.js';

/** Something wrong with a store that stops (or would stop) a migrate. */
export interface StatusProblem {
  code: ErrorCode;
  message: string;
}

export interface StoreStatus<Version, Migration, Problem extends StatusProblem = StatusProblem> {
  /** For messages: `sqlite:./app.db`, `localStorage:settings`. */
  target: string;
  exists: boolean;
  /** null: nothing applied (or nothing stored). */
  currentVersion: Version | null;
  migrations: Migration[];
  /** How many migrations are not applied yet. */
  pending: number;
  problems: Problem[];
}
