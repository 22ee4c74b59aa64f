/**
 * A run's targets as one step: discovery, then `only` / `exclude`, then `--shard`, and the run's
 * fingerprint over what is left. Plain data in, plain data out, so that it can run on a thread of
 * its own (discovery-thread.ts) as well as on the caller's.
 */
import { discoverTargets, type FleetGroup } from './discover-targets.js';
import type { FleetTarget } from './fleet-state.js';
import { selectTargets } from './rollout-plan.js';
import { runFingerprint } from './run-fingerprint.js';
import { type Shard, targetsOfShard } from './shard.js';

export interface DiscoveryRequest {
  readonly groups: readonly FleetGroup[];
  /** Relative paths are relative to this folder (resolved by the caller: a thread has no other working directory to guess from). */
  readonly base?: string;
  readonly only?: readonly string[];
  readonly exclude?: readonly string[];
  readonly shard?: Shard;
  /** Also the run fingerprint of the targets found (fleet migrate; status needs none). */
  readonly fingerprint?: boolean;
}

export interface Discovered {
  readonly targets: FleetTarget[];
  readonly fingerprint?: string;
}

export async function discoverScope(request: DiscoveryRequest): Promise<Discovered> {
  const found = await discoverTargets(request.groups, { base: request.base });
  return selectScope(found, request);
}

/** `only` / `exclude`, `shard` and the fingerprint, over targets already found. */
export function selectScope(found: FleetTarget[], request: Omit<DiscoveryRequest, 'groups' | 'base'>): Discovered {
  const selected = selectTargets(found, request.only, request.exclude);
  const targets = request.shard ? targetsOfShard(selected, request.shard) : selected;
  return request.fingerprint ? { targets, fingerprint: runFingerprint(targets) } : { targets };
}
