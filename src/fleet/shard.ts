/**
 * `--shard i/n`: a fleet split between runners that share no state (CI matrix jobs), each
 * migrating its own part. A target's shard is a hash of its id modulo n, never its position in
 * the list: a target added (or removed) moves no other target to another shard, and every job
 * computes the same split without talking to the others. The ids must be the same in every job
 * (discovery makes them relative to the config's folder, not absolute paths).
 */
import { createHash } from 'node:crypto';
import { ErrorCode, StrataError } from '../model/errors.js';
import type { FleetTarget } from './fleet-state.js';

/** One part of a fleet: `index` from 1 to `count`, as in `--shard 2/4`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** `"2/4"` as a Shard; USAGE for anything else (`0/4`, `5/4`, `2of4`). */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new StrataError(ErrorCode.USAGE, `--shard ${JSON.stringify(text)} is not i/n with 1 <= i <= n`, {
      hint: 'e.g. --shard 1/4 in the first of four CI jobs, --shard 4/4 in the last',
      details: { shard: text },
    });
  }
  return { index, count };
}

/** The shard (1..count) a target id belongs to: the first 48 bits of its sha256, modulo count. */
export function shardOf(id: string, count: number): number {
  const digest = createHash('sha256').update(id).digest();
  return (digest.readUIntBE(0, 6) % count) + 1;
}

/** The targets of `shard`, in their order. Over i = 1..n, every target is in exactly one. */
export function targetsOfShard<T extends Pick<FleetTarget, 'id'>>(targets: readonly T[], shard: Shard): T[] {
  return targets.filter((target) => shardOf(target.id, shard.count) === shard.index);
}
