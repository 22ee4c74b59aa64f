/**
 * Progress for logs (CI, `docker logs`), where no line is redrawn: while long work runs (a slow
 * step, a backup, a backfill, an import), a line saying where it stands at least every 10 s, so
 * a silent log never looks like a hung process.
 */
import type { Output } from './output.js';

/** The longest a log goes without a progress line while work runs. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;

/** STRATA_PROGRESS_INTERVAL_MS overrides the interval (tests, or chattier logs). */
export function progressIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const setting = Number(env.STRATA_PROGRESS_INTERVAL_MS);
  return Number.isInteger(setting) && setting > 0 ? setting : DEFAULT_PROGRESS_INTERVAL_MS;
}

export class ProgressTicker {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly output: Output,
    private readonly intervalMs = progressIntervalMs(),
  ) {}

  /** Only where lines are not redrawn: a terminal has its live line, --json and --quiet want none. */
  get active(): boolean {
    return !this.output.live && !this.output.json && !this.output.quiet;
  }

  /** Starts (or replaces) the current work; `describe` is asked for its line at each tick. */
  start(describe: (elapsedMs: number) => string): void {
    this.stop();
    if (!this.active) return;
    const started = performance.now();
    this.timer = setInterval(() => this.output.line(describe(performance.now() - started)), this.intervalMs);
    // The work keeps the process alive, never the ticker.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
