/**
 * The import run, as its stages: check what the last run left, prepare every importer, claim the
 * status, back the target up, clear the tables the importers own, run them in order (each one
 * validated before the next starts), and mark the status completed. Any failure, a cancel or a
 * count that does not add up clears the owned tables again and records why, so a retry always
 * starts from a clean target. Each stage lives in ./run/; the run object carries the state.
 */
import Database from 'better-sqlite3';
import type { BetterSqlite3Database } from '../targets/sql/sqlite/better-sqlite3-database.js';
import { existsSync } from 'node:fs';
import { backUpTarget } from './run/back-up-target.js';
import { checkImporters } from './run/check-importers.js';
import { checkPreviousRun } from './run/check-previous-run.js';
import { checkSources } from './run/check-sources.js';
import { clearTarget } from './run/clear-target.js';
import { completeDryRun, completeRun } from './run/complete-run.js';
import { executeImporter } from './run/execute-importer.js';
import { failRun } from './run/fail-run.js';
import { ImportRun } from './run/import-run.js';
import { importTargetPath } from './run/open-import-target.js';
import { prepareImporters, refuseNotReady } from './run/prepare-importers.js';
import { activeRuns, claimRun } from './run/run-claim.js';
import { validateImporter } from './run/validate-importer.js';
import type { RunImportOptions } from './run-import-options.js';
import { DEFAULT_STALE_AFTER_MS, DEFAULT_STATUS_KEY, DEFAULT_STATUS_TABLE, StatusStore, isLive } from './status.js';
import type { ImportReport, ImportSources, ImportStatus } from './types.js';

export type { RunImportOptions } from './run-import-options.js';

export async function runImport<Sources extends ImportSources = ImportSources>(options: RunImportOptions<Sources>): Promise<ImportReport> {
  const run = new ImportRun(options);
  try {
    checkImporters(run.importers);
    const completed = checkPreviousRun(run);
    if (completed) return run.report('already-completed', completed.runId);
    const notReady = await prepareImporters(run);
    if (run.dryRun) return completeDryRun(run);
    refuseNotReady(notReady);
    // Read through before anything is cleared: a truncated export must not cost the last import.
    await checkSources(run);

    const claim = claimRun(run);
    run.heartbeat = claim;
    try {
      const backup = await backUpTarget(run);
      run.backup = backup;
      clearTarget(run);
      run.stage('importing');
      for (const index of run.importers.keys()) {
        const step = await executeImporter(run, index);
        await validateImporter(run, step);
        run.stage('importing');
      }
      return completeRun(run, claim, backup);
    } catch (error) {
      throw failRun(run, claim, error);
    } finally {
      claim.release();
    }
  } finally {
    run.close();
  }
}

/**
 * The status of the import into `db` without running anything (for an app's start-up: whether
 * to open its migration window, and whether a previous run was killed mid-way).
 */
export function importStatus(options: { db: string | BetterSqlite3Database; statusTable?: string; statusKey?: string; staleAfterMs?: number }): {
  status: ImportStatus;
  interrupted: boolean;
  live: boolean;
} {
  const path = typeof options.db === 'string' ? importTargetPath(options.db) : undefined;
  if (path !== undefined && !existsSync(path)) return { status: { state: 'not-started' }, interrupted: false, live: false };
  const db = typeof options.db === 'string' ? new Database(path!, { readonly: true, fileMustExist: true }) : options.db;
  try {
    const status = new StatusStore(db, options.statusTable ?? DEFAULT_STATUS_TABLE, options.statusKey ?? DEFAULT_STATUS_KEY).read();
    const live = status.state === 'running' && isLive(status, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS, activeRuns);
    return { status, interrupted: status.state === 'running' && !live, live };
  } finally {
    if (typeof options.db === 'string') db.close();
  }
}
