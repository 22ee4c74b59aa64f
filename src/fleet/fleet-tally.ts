/**
 * A run's records counted for the runner (fleet-runner.ts): from the store's own `tally` when it
 * has one (a GROUP BY where the records are), else from its records, which every store has.
 */
import type { FleetStateStore, FleetTally, TargetRecord, TargetState } from './fleet-state.js';

/** `before` for a count over the whole run: every position is below it. */
export const WHOLE_RUN = 2 ** 31 - 1;

export function tallyStore(store: FleetStateStore, runner: string, before: number): Promise<FleetTally> {
  return store.tally ? store.tally(runner, before) : store.records().then((records) => tallyOf(records, runner, before));
}

/** What `tally` returns, counted from the records (the contract's reference: the stores' tests compare against it). */
export function tallyOf(records: readonly TargetRecord[], runner: string, before: number): FleetTally {
  const states = emptyStates();
  let failedBefore = 0;
  let runningElsewhere = 0;
  for (const record of records) {
    states[record.state] += 1;
    if (record.position >= before) continue;
    if (record.state === 'failed') failedBefore += 1;
    if (record.state === 'running' && record.runner !== runner) runningElsewhere += 1;
  }
  return { states, failedBefore, runningElsewhere };
}

/** One state's row of a store's GROUP BY state: its count, and those of the stage's counts it holds. */
export interface TallyGroup {
  readonly state: TargetState;
  readonly n: number;
  readonly failed_before: number;
  readonly running_elsewhere: number;
}

export function tallyOfGroups(groups: readonly TallyGroup[]): FleetTally {
  const states = emptyStates();
  let failedBefore = 0;
  let runningElsewhere = 0;
  for (const group of groups) {
    states[group.state] = group.n;
    failedBefore += group.failed_before;
    runningElsewhere += group.running_elsewhere;
  }
  return { states, failedBefore, runningElsewhere };
}

function emptyStates(): Record<TargetState, number> {
  return { pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0 };
}
