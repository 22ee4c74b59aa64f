/** What the benchmarks share: the median of a sample, a timed median, a rotated order, and the commit measured. */
import { execFileSync } from 'node:child_process';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median time of `runs` calls of `fn` in ms, after one warm-up call (the first read loads pages and caches). */
export async function medianTime(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const samples: number[] = [];
  await fn();
  for (let k = 0; k < runs; k++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

/** `items` starting from index `by` (modulo its length): each round runs the tools in another order. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** HEAD's short hash, plus a note when `path` (below `root`) has uncommitted changes; '?' outside a git checkout. */
export function commitLabel(root: string, path: string): string {
  try {
    let commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', path], { cwd: root, encoding: 'utf8' }).trim();
    if (dirty) commit += ` + uncommitted changes in ${path}/`;
    return commit;
  } catch {
    return '?';
  }
}
