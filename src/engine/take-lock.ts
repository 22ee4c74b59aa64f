/**
 * Taking a store's migration lock the same way for SQL databases and documents: `lock:waiting`
 * once if another run holds it, `lock:acquired` with the wait; the store throws LOCK_TIMEOUT
 * past the timeout.
 */
import { clock, elapsedSince } from '../model/clock.js';
import type { EngineEvents, EventChannel } from './events.js';
import type { Release } from './target.js';

export async function takeLock(
  lock: (timeoutMs: number, onWaiting: () => void) => Promise<Release>,
  target: string,
  timeoutMs: number,
  events: EventChannel<EngineEvents>,
): Promise<Release> {
  const started = clock();
  const release = await lock(timeoutMs, () => events.emit('lock:waiting', { target }));
  events.emit('lock:acquired', { target, waitedMs: elapsedSince(started) });
  return release;
}
