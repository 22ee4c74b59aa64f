/**
 * The status bookkeeping of a run that writes: it claims the status (`running`, with its pid,
 * host and a heartbeat), keeps the heartbeat fresh while importers run, and records how the run
 * ended (`completed`, `failed` or `cancelled`). The claim is atomic, so two processes cannot both
 * start an import into the same target.
 */
import type { BetterSqlite3Database } from '../../targets/sql/sqlite/better-sqlite3-database.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ErrorCode, StrataError } from '../../model/errors.js';
import { HEARTBEAT_MS, type StatusStore } from '../status.js';
import type { ImportStatus, ImporterResult } from '../types.js';
import type { ImportRun } from './import-run.js';

type RunningStatus = Extract<ImportStatus, { state: 'running' }>;

const claimed = new Set<string>();
/** Runs of this process, by run id: a status naming our own pid is live only if it is one of these. */
export const activeRuns: ReadonlySet<string> = claimed;

/**
 * Writes `running` for a new run id, unless another process claimed the status since it was
 * read (only the interrupted run's own `running` may be taken over). Starts the heartbeat timer:
 * `release()` must follow.
 */
export function claimRun(run: ImportRun<any>): RunClaim {
  const startedAt = new Date().toISOString();
  const running: RunningStatus = {
    state: 'running',
    runId: randomUUID(),
    importer: null,
    pid: process.pid,
    host: hostname(),
    startedAt,
    heartbeatAt: startedAt,
  };
  const interruptedRunId = run.interrupted?.state === 'running' ? run.interrupted.runId : undefined;
  run.status.ensure();
  run.db
    .transaction(() => {
      const now = run.status.read();
      if (now.state === 'running' && now.runId !== interruptedRunId) {
        throw new StrataError(ErrorCode.IMPORT_IN_PROGRESS, `another import into ${run.target.path} started at the same time (pid ${now.pid})`, {
          hint: 'let that one finish',
        });
      }
      run.status.write(running);
    })
    .immediate();
  return new RunClaim(run.db, run.status, running, () => run.current?.importer.id ?? null);
}

export class RunClaim {
  readonly runId: string;
  readonly startedAt: string;
  /** Undefined once the run has ended: no heartbeat may overwrite the final status. */
  private running: RunningStatus | undefined;
  private lastBeat = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly db: BetterSqlite3Database,
    private readonly store: StatusStore,
    running: RunningStatus,
    currentImporter: () => string | null,
  ) {
    this.running = running;
    this.runId = running.runId;
    this.startedAt = running.startedAt;
    claimed.add(this.runId);
    // Between progress reports too: an importer that reports rarely must not look dead.
    this.timer = setInterval(() => this.beat(currentImporter(), true), HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * Writes the heartbeat naming the running importer, at most every half period unless forced.
   * Never inside an importer's open transaction: the write would join (and wait for) its batch.
   */
  beat(importer: string | null, force = false): void {
    if (!this.running || this.db.inTransaction) return;
    const now = Date.now();
    if (!force && now - this.lastBeat < HEARTBEAT_MS / 2) return;
    this.lastBeat = now;
    this.running = { ...this.running, importer, heartbeatAt: new Date(now).toISOString() };
    this.store.write(this.running);
  }

  recordCompleted(results: readonly ImporterResult[]): void {
    this.end({
      state: 'completed',
      runId: this.runId,
      startedAt: this.startedAt,
      completedAt: new Date().toISOString(),
      importers: results.map((r) => ({ id: r.id, sourceCount: r.sourceCount, targetCount: r.targetCount ?? 0, skippedCount: r.skippedCount ?? 0 })),
    });
  }

  recordFailed(importer: string | null, failure: StrataError): void {
    this.end({
      state: 'failed',
      runId: this.runId,
      startedAt: this.startedAt,
      failedAt: new Date().toISOString(),
      importer,
      code: failure.code,
      message: failure.message,
    });
  }

  recordCancelled(importer: string | null): void {
    this.end({ state: 'cancelled', runId: this.runId, startedAt: this.startedAt, cancelledAt: new Date().toISOString(), importer });
  }

  /** Stops the heartbeat timer and forgets the run (a status naming it is no longer ours). */
  release(): void {
    clearInterval(this.timer);
    claimed.delete(this.runId);
  }

  private end(status: ImportStatus): void {
    this.running = undefined;
    this.store.write(status);
  }
}
