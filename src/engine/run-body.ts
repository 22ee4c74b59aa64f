/**
 * Running one body of a step (its up, down or verify) on a target: statement by statement for
 * SQL, each failure pointing at its file, statement and line; one call for code.
 */
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { migrationLabel, type Migration, type MigrationBody, type SqlBody, type SqlStatement } from '../model/migration.js';
import type { Direction } from '../model/run-report.js';
import type { EngineEvents, EventChannel } from './events.js';
import type { SyncSteps } from './sync-steps.js';
import type { Target } from './target.js';

export interface Identity {
  version: string;
  name: string;
}

export interface BodyRunner<Ctx> {
  target: Target<Ctx>;
  events: EventChannel<EngineEvents>;
}

export async function runBody<Ctx>(
  { target, events }: BodyRunner<Ctx>,
  step: Identity,
  body: MigrationBody<Ctx>,
  direction: Direction,
  inTransaction: boolean,
  onStatement?: (count: number, openedAt: number | undefined) => Promise<void>,
  /** Statements already done by an earlier, failed run of this step: not run again. */
  skip = 0,
): Promise<number> {
  if (body.kind === 'code') {
    try {
      await body.run(target.context());
    } catch (error) {
      throw new StrataError(ErrorCode.MIGRATION_FAILED, `${originOf(step)}: ${direction}() threw: ${messageOf(error)}`, {
        cause: error,
        details: { file: originOf(step), version: step.version },
      });
    }
    return 0;
  }
  const file = body.file ?? originOf(step);
  const announce = events.has('statement');
  let count = 0;
  let openedAt: number | undefined;
  for (const statement of body.statements) {
    if (statement.control && inTransaction) continue;
    if (count < skip) {
      count++;
      continue;
    }
    if (statement.control === 'begin') openedAt = count;
    else if (statement.control === 'commit') openedAt = undefined;
    if (announce)
      events.emit('statement', { version: step.version, name: step.name, direction, index: statement.index, line: statement.line, sql: statement.sql });
    try {
      await target.execute(statement.sql);
    } catch (error) {
      throw statementFailed(target, error, file, step, statement);
    }
    count++;
    if (onStatement) await onStatement(count, openedAt);
  }
  return count;
}

/**
 * runBody for a SQL body inside the step's transaction, through the store's synchronous
 * operations (sync-steps.ts): the same statements, events and errors, without an await each.
 */
export function runSqlBodySync<Ctx>({ target, events }: BodyRunner<Ctx>, sync: SyncSteps, step: Identity, body: SqlBody, direction: Direction): number {
  const file = body.file ?? originOf(step);
  const announce = events.has('statement');
  let count = 0;
  for (const statement of body.statements) {
    if (statement.control) continue;
    if (announce)
      events.emit('statement', { version: step.version, name: step.name, direction, index: statement.index, line: statement.line, sql: statement.sql });
    try {
      sync.execute(statement.sql);
    } catch (error) {
      throw statementFailed(target, error, file, step, statement);
    }
    count++;
  }
  return count;
}

/** A failed statement, pointing at its file, statement and line (and column, when the store says). */
function statementFailed<Ctx>(target: Target<Ctx>, error: unknown, file: string, step: Identity, statement: SqlStatement): StrataError {
  const { line, column } = statementPosition(statement, target.locateError?.(error, statement.sql));
  return new StrataError(
    ErrorCode.MIGRATION_FAILED,
    `${file}: statement ${statement.index} (line ${line}${column === undefined ? '' : `, column ${column}`}) failed: ${messageOf(error)}`,
    { cause: error, details: { file, version: step.version, statement: statement.index, line, column: column ?? null, sql: statement.sql } },
  );
}

/** A step's own check of what its up did; a failure fails the step like any other. */
export async function runVerify<Ctx>(
  runner: BodyRunner<Ctx>,
  step: Identity,
  verify: MigrationBody<Ctx>,
  when: 'after up' | 'now' = 'after up',
): Promise<void> {
  try {
    await runBody(runner, step, verify, 'up', true);
  } catch (error) {
    throw verifyFailed(error, step, when);
  }
}

/** runVerify (after up) for a SQL verify, through the store's synchronous operations. */
export function runSqlVerifySync<Ctx>(runner: BodyRunner<Ctx>, sync: SyncSteps, step: Identity, verify: SqlBody): void {
  try {
    runSqlBodySync(runner, sync, step, verify, 'up');
  } catch (error) {
    throw verifyFailed(error, step, 'after up');
  }
}

function verifyFailed(error: unknown, step: Identity, when: 'after up' | 'now'): StrataError {
  const cause = error instanceof StrataError ? error.message.replace(/^.*?: (?:up\(\) threw: )?/, '') : messageOf(error);
  return new StrataError(
    ErrorCode.MIGRATION_VERIFY_FAILED,
    `${originOf(step)}: its verify ${when === 'now' ? 'fails on the database as it is now' : 'failed after up'}: ${cause}`,
    {
      hint:
        when === 'now'
          ? 'something changed what this migration made: find what, or restore a backup'
          : 'up did not leave the schema its verify expects: fix the migration (or its verify) and run again',
      cause: error,
      details: { file: originOf(step), version: step.version },
    },
  );
}

/** Where a step came from, for messages: its file, or its label when it carries none. */
export function originOf(step: Identity): string {
  const withOrigin = step as Partial<Migration<unknown>> & { migration?: Migration<unknown> };
  return withOrigin.origin ?? withOrigin.migration?.origin ?? migrationLabel(step);
}

/** The file position of a failure: the statement's start, moved to where the store says it stopped. */
function statementPosition(statement: SqlStatement, within: { line: number; column?: number } | undefined): { line: number; column: number | undefined } {
  if (!within) return { line: statement.line, column: undefined };
  const line = statement.line + within.line - 1;
  if (within.column === undefined) return { line, column: undefined };
  return { line, column: within.line === 1 ? (statement.column ?? 1) + within.column - 1 : within.column };
}
