/**
 * What the last run left in the status. A live run refuses this one; a run whose process died
 * (its pid gone, or its heartbeat stale) is noted on this run, which starts clean and reports it.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import { DEFAULT_STALE_AFTER_MS, isLive } from '../status.js';
import type { ImportStatus } from '../types.js';
import type { ImportRun } from './import-run.js';
import { activeRuns } from './run-claim.js';

/** The completed status when this run has nothing to do (completed before; neither a rerun nor a dry run). */
export function checkPreviousRun(run: ImportRun<any>): Extract<ImportStatus, { state: 'completed' }> | undefined {
  const previous = run.status.read();
  if (previous.state === 'running') {
    if (isLive(previous, run.options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS, activeRuns)) {
      throw new StrataError(
        ErrorCode.IMPORT_IN_PROGRESS,
        `an import into ${run.target.path} is already running (pid ${previous.pid} on ${previous.host}, importer ${previous.importer ?? '-'}, started ${previous.startedAt})`,
        {
          hint: 'wait for it to finish; if that process is hung, stop it and run the import again',
          details: { status: previous },
        },
      );
    }
    run.interrupted = previous;
    run.logger.warn(
      `the previous import (started ${previous.startedAt}, pid ${previous.pid}) was interrupted during ${previous.importer ?? 'start-up'}; starting over from a clean target`,
    );
    run.events.emit('import:interrupted', { previous });
    return undefined;
  }
  return previous.state === 'completed' && !run.options.rerun && !run.dryRun ? previous : undefined;
}
