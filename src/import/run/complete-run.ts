/** The completed stage: the status says so, and the report goes out. */
import type { ImportReport } from '../types.js';
import type { ImportRun } from './import-run.js';
import type { RunClaim } from './run-claim.js';

export function completeRun(run: ImportRun<any>, claim: RunClaim, backup: ImportReport['backup']): ImportReport {
  run.current = undefined;
  claim.recordCompleted(run.results);
  const report = run.report('completed', claim.runId, backup);
  run.stage('completed');
  run.events.emit('import:completed', { report });
  return report;
}

/** A dry run ends after the prepares: nothing was written, the report holds their counts. */
export function completeDryRun(run: ImportRun<any>): ImportReport {
  run.stage('completed');
  return run.report('dry-run', null);
}
