/**
 * What a SQL migrator is built on, for the operations that work beside the engine's loop on the
 * same connection and lock (`adopt` reads another tool's ledger through the driver and writes
 * Strata's through the target). Kept out of the Migrator class, which knows no SQL.
 */
import type { SqlDriver } from './driver.js';
import type { SqlTarget } from './sql-target.js';

export interface SqlMigratorParts {
  driver: SqlDriver;
  target: SqlTarget<unknown>;
  /** The migrator's lock timeout, when it was given one. */
  lockTimeoutMs: number | undefined;
  now: (() => Date) | undefined;
}

const parts = new WeakMap<object, SqlMigratorParts>();

export function registerSqlParts(migrator: object, value: SqlMigratorParts): void {
  parts.set(migrator, value);
}

/** undefined for a migrator createMigrator did not make (a document store, a custom target). */
export function sqlPartsOf(migrator: object): SqlMigratorParts | undefined {
  return parts.get(migrator);
}
