/**
 * Running a command over the databases of a multi-database project, in config order: a heading per
 * database in text output, each database's migrator closed before the next one opens, and each
 * outcome kept (succeeded, failed with its error, or not run) for the report.
 */
import { StrataError, messageOf } from 'strata-migrate';
import type { CommandContext, DatabaseHandle } from './command-context.js';
import type { DatabaseTarget } from './output.js';

export interface DatabaseOutcome<T> {
  name: string;
  status: 'succeeded' | 'failed' | 'not-run';
  /** Which database it is and which setting named it (absent when it did not run). */
  database?: DatabaseTarget;
  value?: T;
  /** The error as `--json` prints errors: { code, message, hint?, details?, results? }. */
  error?: Record<string, unknown>;
}

export async function eachDatabase<T>(
  ctx: CommandContext,
  options: { stopOnFailure: boolean },
  run: (db: DatabaseHandle) => Promise<T>,
): Promise<DatabaseOutcome<T>[]> {
  const { output } = ctx;
  const outcomes: DatabaseOutcome<T>[] = [];
  let failed: string | undefined;
  for (const [index, db] of (await ctx.databases()).entries()) {
    const name = db.name ?? db.config.db;
    if (index > 0) output.line();
    output.line(`== ${name} ==`);
    if (failed !== undefined && options.stopOnFailure) {
      output.line(`not run: ${failed} failed before it`);
      outcomes.push({ name, status: 'not-run' });
      continue;
    }
    let database: DatabaseTarget | undefined;
    try {
      database = db.target();
      output.target(database);
      outcomes.push({ name, status: 'succeeded', database, value: await run(db) });
    } catch (error) {
      if (!output.json) output.error(error);
      outcomes.push({ name, status: 'failed', ...(database ? { database } : {}), error: errorJson(error) });
      failed ??= name;
    } finally {
      await db.close();
    }
  }
  return outcomes;
}

/** "knowledge succeeded, memory FAILED, tasks not run". */
export function describeOutcomes(outcomes: readonly DatabaseOutcome<unknown>[]): string {
  const words = { succeeded: 'succeeded', failed: 'FAILED', 'not-run': 'not run' } as const;
  return outcomes.map((o) => `${o.name} ${words[o.status]}`).join(', ');
}

function errorJson(error: unknown): Record<string, unknown> {
  return error instanceof StrataError ? error.toJSON() : { code: 'INTERNAL', message: messageOf(error) };
}
