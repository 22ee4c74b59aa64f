/**
 * Where a fleet run keeps its state: which targets are pending, running, finished. The runner
 * (fleet-runner.ts) only talks to this interface, so one machine (a journal file beside the
 * config, `file-state.ts`) and many machines sharing a PostgreSQL table (`postgres-state.ts`)
 * run the same rollout code. The contract every store keeps:
 * - a target is claimed by at most one live runner at a time, and a claim whose runner died
 *   (SIGKILL, lost connection) becomes claimable again without anyone's help;
 * - a target claimed again after its runner died is marked `recovered`, so the runner checks it
 *   against its own ledger before anything else (its migration may have committed before the
 *   runner died: migrating again is then a no-op, never a second apply);
 * - a finished target (succeeded, failed, skipped) is never handed out again in the same run.
 */

/** One database of a fleet, as discovery found it. */
export interface FleetTarget {
  /** Stable key within the fleet: the file path, the URL without its password, or `url#schema`. */
  readonly id: string;
  /** What `--db` would be for this target (a path or a URL, password included). */
  readonly db: string;
  /** PostgreSQL schema-per-tenant: the schema that holds this tenant's tables, lock and ledger. */
  readonly schema?: string;
  /** The group it belongs to, when the fleet has a folder per group. */
  readonly group?: string;
  /** The migrations folder for this target (the fleet's, or its group's). */
  readonly dir: string;
}

export type TargetState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** What happened to one target, as the state store keeps it. */
export interface TargetRecord {
  readonly id: string;
  readonly state: TargetState;
  /** Order in the rollout (canary and stages take the lowest first). */
  readonly position: number;
  /** The runner that holds or held it (`host:pid`). */
  readonly runner?: string;
  /** How many times it was claimed (more than one: a runner died holding it). */
  readonly attempts: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** The target's version before and after (ledger), when known. */
  readonly fromVersion?: string | null;
  readonly toVersion?: string | null;
  /** Failed: the coded error; skipped: why. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** A claimed target: finish it exactly once. */
export interface FleetClaim {
  readonly target: FleetTarget;
  readonly record: TargetRecord;
  /** The previous holder died while running it: check its ledger before migrating. */
  readonly recovered: boolean;
  /** Records the outcome and releases the claim. */
  finish(outcome: {
    state: 'succeeded' | 'failed' | 'skipped';
    fromVersion?: string | null;
    toVersion?: string | null;
    error?: { code: string; message: string };
  }): Promise<void>;
}

export interface FleetRunInfo {
  /** Names the rollout; runners that share a store and a run id share the rollout. */
  readonly runId: string;
  /** Hash of the sorted target ids and the migrations (names and checksums): a resumed run must match it. */
  readonly fingerprint: string;
  readonly command: 'migrate';
}

/** What the runner needs to know of a run's records, counted by the store instead of read one by one. */
export interface FleetTally {
  /** Targets in each state, over the whole run. */
  readonly states: Readonly<Record<TargetState, number>>;
  /** Failed targets with position < `before` (a canary's failures). */
  readonly failedBefore: number;
  /** Targets with position < `before` that another runner holds (`running`, another runner): the stage is not over. */
  readonly runningElsewhere: number;
}

export interface FleetStateStore {
  /** Human name for messages: the journal path, or the state URL without its password. */
  readonly description: string;
  /**
   * Opens the run (creating it with every target pending, in order), or joins it when it
   * exists: targets not yet known are added as pending. Throws FLEET_RUN_MISMATCH when an
   * existing run of that id has another fingerprint (a new migration since: start a new run).
   */
  open(run: FleetRunInfo, targets: readonly FleetTarget[]): Promise<void>;
  /**
   * Claims the next pending (or abandoned) target with position < `before` (the end of the
   * current stage), or null when none is left for this stage. `runner`: `host:pid`.
   */
  claim(runner: string, before: number): Promise<FleetClaim | null>;
  /** Every target's record, in position order. */
  records(): Promise<TargetRecord[]>;
  /**
   * The run's records counted for `runner` and the stage ending at `before`, without building a
   * record per target (thousands of objects in the runner's thread at each stage's end). Optional:
   * a store without it is counted from `records()` (tallyOf in fleet-tally.ts).
   */
  tally?(runner: string, before: number): Promise<FleetTally>;
  /** Marks every still-pending target `skipped` with the reason (the rollout halted). */
  halt(reason: { code: string; message: string }): Promise<void>;
  close(): Promise<void>;
}
