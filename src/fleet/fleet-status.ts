/**
 * A fleet seen without migrating it: each target's version from its own ledger (a lazy fleet
 * whose apps migrate each database when they open it included), a histogram of versions, how
 * long ago each was migrated, the targets that cannot be read, the failures of the last run
 * (from its journal), and, as `validate` or `drift`, the targets that fail those checks.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareVersions } from '../model/version.js';
import { DEFAULT_FLEET_STATE_DIR, FileStateStore, journalPath, latestRunId } from './file-state.js';
import { DEFAULT_FLEET_CONCURRENCY, scopeTargets, type FleetFailure, type FleetScope } from './fleet-runner.js';
import type { TargetOutcome, TargetTaskKind } from './target-task.js';
import type { TargetRecord } from './fleet-state.js';
import { readPostgresFleetRun } from './postgres-state.js';
import { createTaskPool } from './worker-pool.js';

export interface FleetStatusOptions extends FleetScope {
  /** status (default): versions only; validate: each target's `validate`; drift: each target's `drift`. */
  check?: Exclude<TargetTaskKind, 'migrate'>;
  /** Where the runs' journals are (default `<base>/.strata/fleet`): the last run's failures come from there. */
  stateDir?: string;
  /** Which run's failures to show (default: the latest). */
  runId?: string;
  /** A PostgreSQL state shared by many runners (`postgres://...`, as `runFleet`'s `state`): the last run is read from there instead of stateDir. */
  state?: string;
  /** The time `sinceMs` is counted to (default: now). */
  now?: Date;
}

export interface FleetTargetStatus {
  readonly id: string;
  readonly group?: string;
  /** Its ledger's version; null when nothing is applied (or the database does not exist yet). */
  readonly version: string | null;
  readonly exists: boolean;
  readonly pending: number;
  /** When its last step was applied, and how long ago (status). */
  readonly lastAppliedAt: string | null;
  readonly sinceMs: number | null;
  readonly ok: boolean;
  readonly drift?: boolean;
  readonly problems?: readonly string[];
  /** It could not be read: the coded error. */
  readonly error?: { readonly code: string; readonly message: string; readonly hint?: string };
}

export interface FleetStatusReport {
  /** Every target readable and without problems (and, for drift, none drifting; for validate, all valid). */
  readonly ok: boolean;
  readonly check: Exclude<TargetTaskKind, 'migrate'>;
  readonly total: number;
  /** Targets per version, oldest version first (null: nothing applied). */
  readonly versions: readonly { readonly version: string | null; readonly count: number }[];
  /** Targets with migrations not yet applied. */
  readonly behind: number;
  /** Targets that could not be read, with their errors. */
  readonly unreadable: readonly FleetFailure[];
  /** Targets with problems: failed or changed steps (status), failed checks (validate), schema changes (drift). */
  readonly problems: readonly { readonly id: string; readonly problems: readonly string[] }[];
  /** drift: the targets whose schema drifted. */
  readonly drifting: readonly string[];
  /** The last fleet run's failures, from its journal (none when no run was journalled here). */
  readonly lastRun?: { readonly runId: string; readonly journal: string; readonly failed: readonly FleetFailure[]; readonly skipped: number };
  readonly targets: readonly FleetTargetStatus[];
  readonly durationMs: number;
}

export async function fleetStatus(options: FleetStatusOptions): Promise<FleetStatusReport> {
  const started = performance.now();
  const check = options.check ?? 'status';
  const targets = await scopeTargets(options);
  const concurrency = options.concurrency ?? DEFAULT_FLEET_CONCURRENCY();
  const pool = createTaskPool({ concurrency, threads: options.threads });
  const outcomes: TargetOutcome[] = new Array(targets.length);
  try {
    let next = 0;
    const lane = async () => {
      while (next < targets.length) {
        const index = next++;
        outcomes[index] = await pool.run({ kind: check, target: targets[index]!, settings: options.settings ?? {} });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, lane));
  } finally {
    await pool.close();
  }
  const now = (options.now ?? new Date()).getTime();
  const rows: FleetTargetStatus[] = targets.map((target, index) => {
    const o = outcomes[index]!;
    const version = o.toVersion ?? o.fromVersion ?? null;
    const lastAppliedAt = o.lastAppliedAt ?? null;
    return {
      id: target.id,
      ...(target.group ? { group: target.group } : {}),
      version,
      exists: o.exists ?? !o.error,
      pending: o.pending,
      lastAppliedAt,
      sinceMs: lastAppliedAt ? Math.max(0, now - Date.parse(lastAppliedAt)) : null,
      ok: o.ok,
      ...(o.drift !== undefined ? { drift: o.drift } : {}),
      ...(o.problems?.length ? { problems: o.problems } : {}),
      ...(o.error ? { error: o.error } : {}),
    };
  });
  const histogram = new Map<string | null, number>();
  for (const row of rows) if (!row.error) histogram.set(row.version, (histogram.get(row.version) ?? 0) + 1);
  const versions = [...histogram.entries()]
    .map(([version, count]) => ({ version, count }))
    .sort((a, b) => (a.version === null ? -1 : b.version === null ? 1 : compareVersions(a.version, b.version)));
  const unreadable = rows.filter((r) => r.error).map((r) => ({ id: r.id, ...r.error! }));
  const problems = rows.filter((r) => r.problems?.length).map((r) => ({ id: r.id, problems: r.problems! }));
  const drifting = rows.filter((r) => r.drift).map((r) => r.id);
  const lastRun = await lastRunOf(options);
  return {
    ok: rows.every((r) => r.ok) && !lastRun?.failed.length,
    check,
    total: rows.length,
    versions,
    behind: rows.filter((r) => !r.error && r.pending > 0).length,
    unreadable,
    problems,
    drifting,
    ...(lastRun ? { lastRun } : {}),
    targets: rows,
    durationMs: performance.now() - started,
  };
}

async function lastRunOf(options: FleetStatusOptions): Promise<FleetStatusReport['lastRun']> {
  if (options.state !== undefined) {
    const run = await readPostgresFleetRun(options.state, options.runId);
    return run && lastRunSummary(run.runId, run.journal, run.records);
  }
  const dir = resolve(options.base ?? process.cwd(), options.stateDir ?? DEFAULT_FLEET_STATE_DIR);
  const runId = options.runId ?? latestRunId(dir);
  if (!runId || !existsSync(journalPath(dir, runId))) return undefined;
  const store = new FileStateStore(journalPath(dir, runId));
  try {
    return lastRunSummary(runId, store.description, await store.records());
  } finally {
    await store.close();
  }
}

function lastRunSummary(runId: string, journal: string, records: readonly TargetRecord[]): NonNullable<FleetStatusReport['lastRun']> {
  return {
    runId,
    journal,
    failed: records.filter((r) => r.state === 'failed').map((r) => ({ id: r.id, code: r.error?.code ?? 'INTERNAL', message: r.error?.message ?? '' })),
    skipped: records.filter((r) => r.state === 'skipped').length,
  };
}
