/**
 * The import run's status bookkeeping on its own (src/import/run/run-claim.ts), on real SQLite
 * files: the race the whole-run tests cannot reach (another process claiming between our check
 * and our claim), the take-over of an interrupted run's status, and a heartbeat that neither
 * writes inside an importer's open transaction nor overwrites the final status.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { StrataError } from '../src/model/errors.js';
import { ImportRun } from '../src/import/run/import-run.js';
import { activeRuns, claimRun } from '../src/import/run/run-claim.js';
import type { ImportStatus } from '../src/import/types.js';
import { tempDir } from './helpers.js';

function openRun(): ImportRun {
  return new ImportRun({ db: join(tempDir('strata-claim-'), 'app.db'), importers: [], sources: {}, backup: false });
}

/** What another process left: a running status under a run id not ours. */
function othersRunning(run: ImportRun): Extract<ImportStatus, { state: 'running' }> {
  const at = new Date().toISOString();
  const status = { state: 'running', runId: 'another-run', importer: 'chats', pid: 1, host: 'elsewhere', startedAt: at, heartbeatAt: at } as const;
  run.status.ensure();
  run.status.write(status);
  return status;
}

describe('import run claim', () => {
  test('refuses a status another process claimed after our check; the status is left as it was', () => {
    const run = openRun();
    try {
      const theirs = othersRunning(run);
      assert.throws(
        () => claimRun(run),
        (error: unknown) => error instanceof StrataError && error.code === 'IMPORT_IN_PROGRESS' && /started at the same time \(pid 1\)/.test(error.message),
      );
      assert.deepEqual(run.status.read(), theirs);
    } finally {
      run.close();
    }
  });

  test("takes over an interrupted run's status under a new run id, and is live until released", () => {
    const run = openRun();
    try {
      run.interrupted = othersRunning(run);
      const claim = claimRun(run);
      const status = run.status.read();
      assert.equal(status.state, 'running');
      assert.equal((status as { runId: string }).runId, claim.runId);
      assert.notEqual(claim.runId, 'another-run');
      assert.equal((status as { pid: number }).pid, process.pid);
      assert.ok(activeRuns.has(claim.runId));
      claim.release();
      assert.ok(!activeRuns.has(claim.runId));
    } finally {
      run.close();
    }
  });

  test('the heartbeat skips an open transaction, names the importer, and never overwrites the final status', () => {
    const run = openRun();
    try {
      const claim = claimRun(run);
      const claimed = run.status.read() as Extract<ImportStatus, { state: 'running' }>;
      // Committed, so a heartbeat written inside it would show.
      run.db.exec('BEGIN');
      claim.beat('authors', true);
      run.db.exec('COMMIT');
      assert.deepEqual(run.status.read(), claimed, 'nothing written while the transaction was open');
      claim.beat('authors', true);
      assert.equal((run.status.read() as { importer: string | null }).importer, 'authors');
      claim.recordCompleted([]);
      claim.beat('authors', true);
      const final = run.status.read();
      assert.equal(final.state, 'completed');
      assert.equal((final as { runId: string }).runId, claim.runId);
      claim.release();
    } finally {
      run.close();
    }
  });
});
