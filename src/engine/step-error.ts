/**
 * The error a failed step throws: the cause, where it happened, the run's partial results, and
 * the remedy as data (`next`), which depends on whether the store could undo the step.
 */
import { ErrorCode, StrataError, messageOf, type StepResult } from '../model/errors.js';
import { ioFailureCode, isDatabaseBusy } from '../model/failure-kind.js';
import { migrationLabel } from '../model/migration.js';
import { commandLine, nextCommand, repairCommands, type NextCommand } from '../model/next-command.js';
import type { Direction } from '../model/run-report.js';
import { originOf, type Identity } from './run-body.js';

/** Advice that replaces the default remedy (the single-transaction run says what it rolled back). */
export interface StepAdvice {
  hint: string;
  next: NextCommand[];
}

export function stepError(
  caught: unknown,
  step: Identity,
  direction: Direction,
  atomic: boolean,
  statementsApplied: number,
  results: StepResult[],
  advice?: StepAdvice,
): StrataError {
  const base =
    caught instanceof StrataError
      ? caught
      : isDatabaseBusy(caught)
        ? // A raw driver error (a JS migration's own connection calls): busy all the same.
          new StrataError(ErrorCode.DATABASE_BUSY, `${originOf(step)}: the database is locked by another connection (${messageOf(caught)})`, {
            hint: "finish or stop the other connection's transaction, or give the database a longer busy/lock timeout",
            cause: caught,
          })
        : (machineFailure(caught, step) ?? new StrataError(ErrorCode.MIGRATION_FAILED, `${originOf(step)}: ${messageOf(caught)}`, { cause: caught }));
  const remedy =
    advice ??
    (base.code === ErrorCode.DATABASE_BUSY || (base.code !== ErrorCode.MIGRATION_FAILED && MACHINE_HINTS[base.code] === base.hint)
      ? busyAdvice(base.hint!, defaultAdvice(step, direction, atomic, statementsApplied))
      : base.hint !== undefined
        ? { hint: base.hint, next: base.next }
        : defaultAdvice(step, direction, atomic, statementsApplied));
  return new StrataError(base.code, base.message, {
    hint: remedy.hint,
    next: remedy.next,
    cause: base.cause ?? caught,
    results,
    details: { ...base.details, direction, transaction: atomic },
  });
}

const MACHINE_HINTS: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.DISK_FULL]: 'free space on the device holding the database (its journal or WAL needs room too)',
  [ErrorCode.IO_ERROR]: 'check the disk and its file system (dmesg, smartctl, fsck)',
  [ErrorCode.PERMISSION_DENIED]: 'run as a user that may write the database and its folder (SQLite writes a journal or WAL beside it)',
};

/** A full disk, an I/O error or a refused write during a step: the machine's fault, not the migration's. */
function machineFailure(caught: unknown, step: Identity): StrataError | null {
  const code = ioFailureCode(caught);
  if (!code) return null;
  const what =
    code === ErrorCode.DISK_FULL ? 'no space left on the device' : code === ErrorCode.IO_ERROR ? 'the disk reported an I/O error' : 'the write was refused';
  return new StrataError(code, `${originOf(step)}: ${what} (${messageOf(caught)})`, { hint: MACHINE_HINTS[code], cause: caught });
}

/** A lock wait that ran out: what happened to the step (the default advice, minus "fix it"), then how to get the lock. */
function busyAdvice(busyHint: string, step: StepAdvice): StepAdvice {
  return {
    hint: `${step.hint.replace('; fix it and run', '; run').replace(': fix the failing statement and run', ': run')}. First: ${busyHint}`,
    next: step.next,
  };
}

/** After a rolled-back step: run the command again; after a partial one: resume or record the outcome. */
function defaultAdvice(step: Identity, direction: Direction, atomic: boolean, statementsApplied: number): StepAdvice {
  if (atomic) {
    const again = nextCommand(direction === 'up' ? 'migrate' : 'rollback');
    return {
      hint: `nothing from ${migrationLabel(step)} was applied (its transaction was rolled back); fix it and run '${commandLine(again)}' again`,
      next: [again],
    };
  }
  const [applied, rolledBack] = repairCommands(step.version);
  const repair = `run '${commandLine(applied)}' or '${commandLine(rolledBack)}'`;
  if (direction === 'down') {
    return {
      hint: `${migrationLabel(step)} ran outside a transaction and stopped after ${statementsApplied} statement(s): inspect the database, then ${repair}`,
      next: [applied, rolledBack],
    };
  }
  const resume = nextCommand('migrate', '--resume');
  return {
    hint: `${migrationLabel(step)} ran outside a transaction and stopped after ${statementsApplied} statement(s): fix the failing statement and run '${commandLine(resume)}' to continue from it, or inspect the database and ${repair}`,
    next: [resume, applied, rolledBack],
  };
}
