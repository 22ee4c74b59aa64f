/**
 * Strata's engine on a copy, through a tracing driver: the same plan, transactions and statement
 * order as `strata migrate`, with no backup, journal or drift check (the copy is thrown away).
 */
import { createMigrator, type SqlMigrator } from '../create-migrator.js';
import { StrataError, messageOf } from '../model/errors.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import type { TraceRunOptions } from './trace-options.js';
import { type StatementHooks, tracingDriver } from './tracing-driver.js';

export interface EngineRun {
  steps: { version: string; name: string }[];
  /** The run's error as `--json` prints errors, when it failed. */
  failure?: Record<string, unknown>;
}

export function failureOf(error: unknown): Record<string, unknown> {
  if (error instanceof StrataError) return error.toJSON();
  return { code: 'INTERNAL', message: messageOf(error) };
}

/**
 * Migrates the copy `driver` opens, calling `hooks` around each statement; never throws for a
 * failed run (it is reported). `listen`: more listeners on the migrator (before it runs).
 */
export async function runTracedEngine(
  driver: SqlDriver,
  hooks: StatementHooks,
  options: TraceRunOptions,
  listen?: (migrator: Pick<SqlMigrator, 'on'>) => void,
): Promise<EngineRun> {
  const traced = tracingDriver(driver, hooks);
  const migrator = createMigrator({
    ...options.migrator,
    db: traced.driver,
    backup: false,
    journal: false,
    drift: 'off',
    lint: false,
  });
  migrator.on('statement', traced.announce);
  listen?.(migrator);
  const steps: { version: string; name: string }[] = [];
  migrator.on('plan', (e) => steps.push(...e.steps));
  try {
    await migrator.migrate({ to: options.to });
    return { steps };
  } catch (error) {
    return { steps, failure: failureOf(error) };
  } finally {
    await migrator.close();
  }
}
