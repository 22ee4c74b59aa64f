/**
 * What a driver whose library runs statements synchronously (better-sqlite3) offers the SQL
 * target for the engine's synchronous steps (engine/sync-steps.ts). Internal: not part of the
 * public SqlDriver interface; a driver offers it through `syncStatements(seenAs)`.
 */
import type { SqlDriver } from './driver.js';

export interface SyncStatements {
  begin(): void;
  exec(sql: string): void;
  run(sql: string, params: readonly unknown[]): void;
  commit(): void;
  /** Rolls back the open transaction, if there is one. */
  rollbackIfOpen(): void;
}

interface OffersSyncStatements {
  syncStatements(seenAs: SqlDriver): SyncStatements | undefined;
}

/** The driver's synchronous statements, when it has them and nothing wrapping it intercepts its statements. */
export function syncStatementsOf(driver: SqlDriver): SyncStatements | undefined {
  const offer = (driver as Partial<OffersSyncStatements>).syncStatements;
  return typeof offer === 'function' ? offer.call(driver, driver) : undefined;
}
