/**
 * Keeps the heap of a thread that migrates target after target at what is live. Each target
 * leaves a few KB in V8's old generation (objects alive across two young collections), freed
 * only by a full collection, and V8 lets the old generation grow to a few times what is live
 * before it runs one: over a long fleet the thread's heap, and the run's peak RSS, kept rising
 * with the number of targets (measured on one thread: old space 9 MB with ~7 MB live, 22 MB
 * after 3,000 targets). A full collection every TARGETS_PER_COLLECTION targets bounds it at what
 * is live plus that many targets' leftovers; it takes a few ms (a ~10 MB heap) every ~1 s.
 *
 * Nothing in Node asks for a full collection without `--expose-gc`, which an app or the CLI
 * cannot be asked to pass: the flag is set for as long as it takes to take `gc` from a fresh
 * context, then unset, so no other context gets a `gc` global. Where that is refused, nothing
 * is collected early and memory grows as it did.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const TARGETS_PER_COLLECTION = 256;

let collect: (() => void) | null | undefined;
let sinceLast = 0;

/** Called once a target is finished on this thread. */
export function targetFinished(): void {
  sinceLast += 1;
  if (sinceLast < TARGETS_PER_COLLECTION) return;
  sinceLast = 0;
  collect ??= fullCollection();
  collect?.();
}

function fullCollection(): (() => void) | null {
  // A process started with --expose-gc already has it, and must keep the flag it was given.
  const own: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as () => void;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
