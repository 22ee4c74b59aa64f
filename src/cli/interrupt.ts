/**
 * Ctrl-C during long work (an import, a backfill): the first one asks the work to stop after
 * its current batch, which leaves a clean state; a second one exits at once.
 */
import type { Output } from './output.js';

export function cancelOnInterrupt(output: Output): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const cancel = () => {
    output.warn('\ncancelling after the current batch (Ctrl-C again to stop at once)...');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', cancel);
  return { signal: controller.signal, dispose: () => void process.removeListener('SIGINT', cancel) };
}
