/**
 * The failed and cancelled stages: whatever happened, leave the target clean (owned tables
 * emptied again), close every result line, record why in the status, and hand back the error to
 * throw, carrying the result lines and the run id.
 */
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { commandLine, nextCommand } from '../../model/next-command.js';
import { importCancelled } from '../table-importer.js';
import { clearOwnedTables } from './clear-target.js';
import type { ImportRun } from './import-run.js';
import type { RunClaim } from './run-claim.js';

export function failRun(run: ImportRun<any>, claim: RunClaim, error: unknown): StrataError {
  const { current, results, signal } = run;
  const failure = asStrataError(error, current?.importer.id);
  const cancelled = failure.code === ErrorCode.IMPORT_CANCELLED || signal.aborted;
  if (current && current.result.status === 'pending') current.result.status = cancelled ? 'cancelled' : 'failed';
  if (current && !current.result.errors.length && !cancelled) current.result.errors.push(failure.message);
  if (current) run.finish(current.result);
  for (const r of results) if (r.status === 'pending') r.status = 'not-run';
  try {
    if (run.db.inTransaction) run.db.exec('ROLLBACK');
    clearOwnedTables(run);
  } catch (clearError) {
    // The failure is what the caller needs; a target left unclean is cleared by the next run.
    run.logger.error(`clearing the target after the failure failed: ${messageOf(clearError)}`);
  }
  const importer = current?.importer.id ?? null;
  if (cancelled) claim.recordCancelled(importer);
  else claim.recordFailed(importer, failure);
  const final = withBackup(run, cancelled && failure.code !== ErrorCode.IMPORT_CANCELLED ? importCancelled(current?.importer.id) : failure);
  Object.assign(final.details, { importers: results, runId: claim.runId });
  run.stage(cancelled ? 'cancelled' : 'failed');
  run.events.emit('import:failed', { error: final, cancelled, importers: results });
  return final;
}

/**
 * Errors from importers (which may come from another copy of Strata's modules, e.g. an importer
 * module loaded by the CLI) as StrataErrors of this copy, keeping their code, naming the importer.
 */
function asStrataError(error: unknown, importer: string | undefined): StrataError {
  const like = error as { name?: string; code?: unknown; hint?: string; details?: Record<string, unknown> } | undefined;
  const coded = like && typeof like === 'object' && like.name === 'StrataError' && typeof like.code === 'string';
  if (error instanceof StrataError && (!importer || error.code === ErrorCode.IMPORT_CANCELLED || error.code === ErrorCode.IMPORT_VALIDATION_FAILED))
    return error;
  const message = messageOf(error);
  const prefix = importer && !message.startsWith(`importer "${importer}"`) ? `importer "${importer}": ` : '';
  return new StrataError(coded ? (like.code as ErrorCode) : ErrorCode.IMPORT_FAILED, `${prefix}${message}`, {
    hint:
      coded && like.hint
        ? `${like.hint} (the target tables were cleared)`
        : 'the target tables were cleared and the status records the failure; fix the cause and run the import again',
    cause: error,
    details: { ...(coded ? like.details : {}), ...(importer ? { importer } : {}) },
  });
}

/** The tables were cleared: say which backup holds the previous data, and the command that puts it back. */
function withBackup(run: ImportRun<any>, error: StrataError): StrataError {
  const backup = run.backup;
  if (!backup) return error;
  const restore = nextCommand('backup restore', backup.id, '--db', run.target.path);
  return new StrataError(error.code, error.message, {
    hint: `${error.hint ?? 'fix the cause and run the import again'}; the data from before this run is in backup ${backup.id} (${backup.location}): '${commandLine(restore)}' puts it back`,
    next: [...error.next, restore],
    cause: error.cause ?? error,
    results: error.results,
    details: { ...error.details, backup: backup.id },
  });
}
