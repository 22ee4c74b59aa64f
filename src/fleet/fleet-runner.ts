/**
 * A fleet rollout: every target migrated by the engine as it runs alone (its own lock, ledger,
 * backup and restore), `concurrency` at a time, stage by stage, with its state journalled so a
 * runner killed part-way resumes where it stopped.
 *
 * - Stages (canary first) end at positions in the rollout order: a stage's targets all finish
 *   before the next stage starts; a failed canary stops the rollout.
 * - Failures: the first one stops new targets unless `continueOnError`; `maxFailures` (N or N%)
 *   halts it when reached. Targets not started then are `skipped` with FLEET_HALTED.
 * - Memory: discovery runs on a short-lived thread (discovery-thread.ts); outcomes are counted and
 *   dropped, the state store counts the run's records (`tally`), and only failures are kept for
 *   the summary: what the runner's thread holds does not grow with the number of targets.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventChannel } from '../engine/events.js';
import { ErrorCode, StrataError } from '../model/errors.js';
import type { FleetGroup } from './discover-targets.js';
import { discoverOnThread } from './discovery-thread.js';
import { DEFAULT_FLEET_STATE_DIR, FileStateStore, journalPath, latestRunId, newRunId, thisRunner } from './file-state.js';
import type { FleetClaim, FleetStateStore, FleetTally, FleetTarget } from './fleet-state.js';
import { tallyStore, WHOLE_RUN } from './fleet-tally.js';
import { failureLimit, stageEnds } from './rollout-plan.js';
import { runFingerprint } from './run-fingerprint.js';
import { selectScope } from './scope-discovery.js';
import type { Shard } from './shard.js';
import type { FleetEngineSettings, TargetOutcome } from './target-task.js';
import { createTaskPool } from './worker-pool.js';

/** What a fleet command works on: its targets, where from, and how each is migrated. */
export interface FleetScope {
  /** How to find the targets: one group per migrations folder. */
  groups?: readonly FleetGroup[];
  /** Or the targets themselves (already found). */
  targets?: readonly FleetTarget[];
  /** Relative paths are relative to this folder; the journal goes in `<base>/.strata/fleet/` (default: the working directory). */
  base?: string;
  /** The engine settings every target gets. */
  settings?: FleetEngineSettings;
  /** Targets at once (default: the number of cores). */
  concurrency?: number;
  /** Ids or globs (matched against the id, the file name, the schema, `group:NAME`): only these. */
  only?: readonly string[];
  /** Ids or globs: not these. */
  exclude?: readonly string[];
  /** false: no worker threads (every target on the calling thread). Default: threads when concurrency > 1. */
  threads?: boolean;
  /** Only this part of the fleet (`--shard 2/4`): runners that share no state split it by a hash of each target's id. */
  shard?: Shard;
}

export interface RunFleetOptions extends FleetScope {
  /** Migrate this many targets first; stop unless all succeed. */
  canary?: number;
  /** Cumulative stage ends: `'1,10%,100%'` or `[1, '10%', '100%']`. A stage starts when the one before has finished. */
  stages?: string | readonly (number | string)[];
  /** Halt when this many (N) or this share (`'5%'`) of the targets failed. */
  maxFailures?: number | string;
  /** Keep starting targets after a failure (until maxFailures, if given). */
  continueOnError?: boolean;
  /** Plan each target (its pending steps); write nothing, journal nothing. */
  dryRun?: boolean;
  /** The journal folder (default `<base>/.strata/fleet`). */
  stateDir?: string;
  /** Another state store (PostgreSQL for many machines); stateDir, runId and resume then name its run. */
  state?: FleetStateStore;
  /** Resume a run: true for the latest in stateDir, or its id. */
  resume?: boolean | string;
  /** The new run's id (default: the start time and a random suffix). */
  runId?: string;
  /** Stops starting targets (those running finish; the run can be resumed). */
  signal?: AbortSignal;
  events?: EventChannel<FleetEvents>;
}

export interface FleetFailure {
  readonly id: string;
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

export interface FleetSummary {
  readonly ok: boolean;
  readonly runId: string;
  /** Where the run's state is (the journal file; `:memory:` for a dry run). */
  readonly journal: string;
  readonly dryRun: boolean;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  /** Not started (the run was cancelled): `--resume` goes on with them. */
  readonly pending: number;
  /** Succeeded targets that had steps applied by this run (the rest were up to date). */
  readonly migrated: number;
  /** Targets a dead runner held, checked again against their own ledger. */
  readonly recovered: number;
  /** Finished before this resume (not run again). */
  readonly resumedPast: number;
  readonly stages: readonly number[];
  /** Why targets were skipped (the canary failed, maxFailures reached), when the rollout halted. */
  readonly halted?: { readonly code: string; readonly message: string };
  readonly cancelled: boolean;
  readonly failures: readonly FleetFailure[];
  /** Dry run: each target's pending versions. */
  readonly plans?: readonly { readonly id: string; readonly versions: readonly string[] }[];
  readonly concurrency: number;
  /** Worker threads used (0: on the calling thread). */
  readonly threads: number;
  readonly durationMs: number;
}

/** Events of a fleet run, for an embedding app's progress and logs. */
export interface FleetEvents {
  'fleet:start': {
    runId: string;
    journal: string;
    total: number;
    toRun: number;
    stages: readonly number[];
    concurrency: number;
    resumed: boolean;
    dryRun: boolean;
  };
  'fleet:target': {
    id: string;
    state: 'succeeded' | 'failed';
    recovered: boolean;
    applied: number;
    fromVersion?: string | null;
    toVersion?: string | null;
    durationMs: number;
    error?: FleetFailure;
  };
  'fleet:progress': { done: number; toRun: number; failed: number; elapsedMs: number; ratePerSecond: number; etaMs: number | null };
  'fleet:done': FleetSummary;
}

/** How often a runner that finished its part of a stage looks whether other runners finished theirs. */
const STAGE_POLL_MS = 250;

export const DEFAULT_FLEET_CONCURRENCY = (): number => availableParallelism();

/** The targets of a scope: discovered (or given), then `only` / `exclude`, then `shard`. */
export async function scopeTargets(scope: FleetScope): Promise<FleetTarget[]> {
  return (await scopeRun(scope, false)).targets;
}

/**
 * The targets of a scope and, for a run, their fingerprint. Discovery runs on a thread of its
 * own (discovery-thread.ts); targets given by the caller are only selected, on this thread.
 */
async function scopeRun(scope: FleetScope, fingerprint: boolean): Promise<{ targets: FleetTarget[]; fingerprint?: string }> {
  const request = { only: scope.only, exclude: scope.exclude, shard: scope.shard, fingerprint };
  if (scope.targets) return selectScope([...scope.targets], request);
  return discoverOnThread({ ...request, groups: scope.groups ?? [], base: resolve(scope.base ?? process.cwd()) }, { threads: scope.threads });
}

export async function runFleet(options: RunFleetOptions): Promise<FleetSummary> {
  const started = performance.now();
  const events = options.events ?? new EventChannel<FleetEvents>();
  const scoped = await scopeRun(options, true);
  const targets = scoped.targets;
  const concurrency = checkConcurrency(options.concurrency);
  const stages = stageEnds(targets.length, options);
  const maxFailures = failureLimit(targets.length, options);
  const stateDir = resolve(options.base ?? process.cwd(), options.stateDir ?? DEFAULT_FLEET_STATE_DIR);
  const dryRun = options.dryRun === true;
  const runId = dryRun ? (options.runId ?? newRunId()) : resolveRunId(options, stateDir);
  const resumed = !dryRun && Boolean(options.resume);
  const store = options.state ?? new FileStateStore(dryRun ? ':memory:' : journalPath(stateDir, runId));
  const runner = thisRunner();
  const pool = createTaskPool({ concurrency, threads: options.threads });
  const failures: FleetFailure[] = [];
  const plans: { id: string; versions: readonly string[] }[] = [];
  let migrated = 0;
  let recovered = 0;
  let halted: { code: string; message: string } | undefined;
  try {
    await store.open({ runId, fingerprint: scoped.fingerprint ?? runFingerprint(targets), command: 'migrate' }, targets);
    const { resumedPast, toRun, failedBefore } = await startingPoint(store, runner, failures);
    let failed = failedBefore;
    events.emit('fleet:start', { runId, journal: store.description, total: targets.length, toRun, stages, concurrency, resumed, dryRun });
    let done = 0;
    const runStarted = performance.now();

    const handle = async (claim: FleetClaim): Promise<void> => {
      const outcome = await pool.run({ kind: 'migrate', target: claim.target, settings: options.settings ?? {}, dryRun });
      await claim.finish({
        state: outcome.ok ? 'succeeded' : 'failed',
        fromVersion: outcome.fromVersion,
        toVersion: outcome.toVersion,
        ...(outcome.error ? { error: { code: outcome.error.code, message: outcome.error.message } } : {}),
      });
      done += 1;
      if (claim.recovered) recovered += 1;
      if (outcome.ok && outcome.applied > 0 && !dryRun) migrated += 1;
      if (dryRun && outcome.plan) plans.push({ id: claim.target.id, versions: outcome.plan });
      const failure = outcome.error ? { id: claim.target.id, ...outcome.error } : undefined;
      if (failure) {
        failed += 1;
        failures.push(failure);
      }
      emitTarget(events, claim, outcome, failure);
      const elapsedMs = performance.now() - runStarted;
      const ratePerSecond = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
      events.emit('fleet:progress', {
        done,
        toRun,
        failed,
        elapsedMs,
        ratePerSecond,
        etaMs: ratePerSecond > 0 ? ((toRun - done) * 1000) / ratePerSecond : null,
      });
      if (!halted && failed >= maxFailures) {
        halted = {
          code: ErrorCode.FLEET_HALTED,
          message:
            maxFailures === 1
              ? `not started: ${claim.target.id} failed and the rollout stops at the first failure (--continue-on-error goes on)`
              : `not started: ${failed} targets failed, the limit (--max-failures) is ${maxFailures}`,
        };
      }
    };

    for (const [index, end] of stages.entries()) {
      const inFlight = new Set<Promise<void>>();
      let exhausted = false;
      let stageTally: FleetTally | undefined;
      while (true) {
        while (!exhausted && !halted && !options.signal?.aborted && inFlight.size < concurrency) {
          const claim = await store.claim(runner, end);
          if (!claim) {
            exhausted = true;
            break;
          }
          const running: Promise<void> = handle(claim).finally(() => inFlight.delete(running));
          inFlight.add(running);
        }
        if (inFlight.size > 0) {
          await Promise.race(inFlight);
          continue;
        }
        if (halted || options.signal?.aborted) break;
        // Runners sharing the state (many machines) may still hold targets of this stage: it
        // ends when they finish them, or die (their targets then come back to be claimed).
        stageTally = await tallyStore(store, runner, end);
        if (stageTally.runningElsewhere === 0) break;
        await sleep(STAGE_POLL_MS);
        exhausted = false;
      }
      if (halted || options.signal?.aborted) break;
      // Every runner sharing the state has finished this stage: its failures (theirs too) count
      // toward --max-failures.
      const failedNow = stageTally?.states.failed ?? 0;
      if (failedNow > failed) failed = failedNow;
      if (failed >= maxFailures && index < stages.length - 1) {
        halted = {
          code: ErrorCode.FLEET_HALTED,
          message: `not started: ${failed} targets failed (on every runner of the run), the limit (--max-failures) is ${maxFailures}`,
        };
        break;
      }
      const isCanary = options.canary !== undefined && index === 0 && stages.length > 1;
      const canaryFailed = isCanary ? (stageTally?.failedBefore ?? 0) : 0;
      if (canaryFailed > 0) {
        halted = {
          code: ErrorCode.FLEET_HALTED,
          message: `not started: ${canaryFailed} of the ${end} canary target(s) failed; the rollout stops unless every canary succeeds`,
        };
        break;
      }
    }
    if (halted) await store.halt(halted);
    const { states } = await tallyStore(store, runner, WHOLE_RUN);
    const summary: FleetSummary = {
      ok: states.failed === 0 && !halted && states.pending === 0 && states.running === 0,
      runId,
      journal: store.description,
      dryRun,
      total: states.pending + states.running + states.succeeded + states.failed + states.skipped,
      succeeded: states.succeeded,
      failed: states.failed,
      skipped: states.skipped,
      pending: states.pending + states.running,
      migrated,
      recovered,
      resumedPast,
      stages,
      ...(halted ? { halted } : {}),
      cancelled: options.signal?.aborted === true,
      failures,
      ...(dryRun ? { plans } : {}),
      concurrency,
      threads: pool.threads,
      durationMs: performance.now() - started,
    };
    events.emit('fleet:done', summary);
    return summary;
  } finally {
    await pool.close();
    await store.close();
  }
}

/** What a (resumed) run starts from: targets finished before it, those left to run, and the failures before it (pushed to `failures`). */
async function startingPoint(
  store: FleetStateStore,
  runner: string,
  failures: FleetFailure[],
): Promise<{ resumedPast: number; toRun: number; failedBefore: number }> {
  const { states } = await tallyStore(store, runner, WHOLE_RUN);
  const toRun = states.pending + states.running;
  const resumedPast = states.succeeded + states.failed + states.skipped;
  // Only a resumed run that had failures reads records: its summary lists those failures.
  if (states.failed > 0) {
    for (const r of await store.records()) if (r.state === 'failed' && r.error) failures.push({ id: r.id, ...r.error });
  }
  return { resumedPast, toRun, failedBefore: states.failed };
}

function emitTarget(events: EventChannel<FleetEvents>, claim: FleetClaim, outcome: TargetOutcome, failure: FleetFailure | undefined): void {
  if (!events.has('fleet:target')) return;
  events.emit('fleet:target', {
    id: claim.target.id,
    state: outcome.ok ? 'succeeded' : 'failed',
    recovered: claim.recovered,
    applied: outcome.applied,
    fromVersion: outcome.fromVersion,
    toVersion: outcome.toVersion,
    durationMs: outcome.durationMs,
    ...(failure ? { error: failure } : {}),
  });
}

function checkConcurrency(value: number | undefined): number {
  if (value === undefined) return DEFAULT_FLEET_CONCURRENCY();
  if (!Number.isInteger(value) || value < 1) {
    throw new StrataError(ErrorCode.USAGE, `concurrency must be a positive whole number, got ${value}`, { hint: 'e.g. --concurrency 2' });
  }
  return value;
}

/** A new run's id, or the one to resume (the latest in stateDir, or the one named). */
function resolveRunId(options: RunFleetOptions, stateDir: string): string {
  if (!options.resume) return options.runId ?? newRunId();
  if (options.state) {
    if (typeof options.resume === 'string') return options.resume;
    if (options.runId) return options.runId;
    throw new StrataError(ErrorCode.USAGE, `resuming a run in ${options.state.description} needs its id`, { hint: 'e.g. --resume --run 20261203T093100Z-abc' });
  }
  const id = typeof options.resume === 'string' ? options.resume : latestRunId(stateDir);
  if (!id || (typeof options.resume === 'string' && !existsJournal(stateDir, id))) {
    throw new StrataError(ErrorCode.FLEET_RUN_NOT_FOUND, id ? `no fleet run ${id} in ${stateDir}` : `no fleet run to resume: ${stateDir} holds no journal`, {
      hint: "start one with 'strata fleet migrate' (without --resume)",
      details: { stateDir, ...(id ? { runId: id } : {}) },
    });
  }
  return id;
}

function existsJournal(stateDir: string, id: string): boolean {
  return existsSync(journalPath(stateDir, id));
}
