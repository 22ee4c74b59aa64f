/**
 * The one clock for durations (`durationMs`, `waitedMs`), in milliseconds rounded to the
 * microsecond: Node's process.hrtime where there is one, else performance.now() (browsers),
 * else Date.now(). All three are read only as differences of this clock's own values. Not
 * performance.now() on Node: the global's first read loads perf_hooks, ~1.5 ms of a
 * whole-process no-op `strata migrate` that reads the clock a few times.
 */
const hrtime = typeof process === 'undefined' ? undefined : process.hrtime;

export function clock(): number {
  if (hrtime) {
    const [seconds, nanoseconds] = hrtime();
    return seconds * 1000 + nanoseconds / 1e6;
  }
  return typeof performance === 'undefined' ? Date.now() : performance.now();
}

export function elapsedSince(started: number): number {
  return Math.round((clock() - started) * 1000) / 1000;
}
