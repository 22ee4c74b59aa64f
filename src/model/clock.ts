/**
 * The one clock for durations (`durationMs`, `waitedMs`), in milliseconds rounded to the
 * microsecond: performance.now() where there is one (browsers, Node), Date.now() elsewhere.
 */
export function clock(): number {
  return typeof performance === 'undefined' ? Date.now() : performance.now();
}

export function elapsedSince(started: number): number {
  return Math.round((clock() - started) * 1000) / 1000;
}
