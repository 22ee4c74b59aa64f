/**
 * Typed events: the one progress channel. The CLI's live lines, an app's migration window and
 * (later) the journal all listen here. A tiny emitter of our own because the engine must not
 * import node:events (it runs in browsers and extension hosts too).
 */
import type { StepResult, StrataError } from '../model/errors.js';
import type { ImportEvents } from '../import/import-events.js';
import type { BackfillEvents } from '../progressive/backfill-events.js';

export interface StepEvent {
  version: string;
  name: string;
  direction: 'up' | 'down';
  /** 1-based position of the step in this run, and the run's step count. */
  index: number;
  total: number;
  /** A SQL step: how many statements its body runs (0: an empty up or down). Absent for code. */
  statements?: number;
}

export interface StrataEvents extends ImportEvents, BackfillEvents {
  'lock:waiting': { target: string };
  'lock:acquired': { target: string; waitedMs: number };
  plan: { direction: 'up' | 'down'; steps: { version: string; name: string }[]; dryRun: boolean };
  /** One statement of a SQL migration, emitted in dry runs (for printing) and before execution. */
  statement: { version: string; name: string; direction: 'up' | 'down'; index: number; line: number; sql: string };
  migrating: StepEvent;
  migrated: StepEvent & { durationMs: number };
  reverting: StepEvent;
  reverted: StepEvent & { durationMs: number };
  failed: StepEvent & { error: StrataError; durationMs: number };
  /** A copy of the store taken before a run changed it. */
  backup: { target: string; id: string; location: string };
  /** Bytes through a backup phase; `totalBytes` is 0 while unknown. */
  'backup:progress': { id: string; phase: 'snapshot' | 'write' | 'verify' | 'restore'; bytes: number; totalBytes: number };
  /** A backup was written back into the store (automatic: after a run the store could not undo). */
  restore: { target: string; id: string; automatic: boolean };
  done: { direction: 'up' | 'down'; results: StepResult[]; durationMs: number };
}

export type StrataEventName = keyof StrataEvents;
export type Listener<K extends StrataEventName> = (payload: StrataEvents[K]) => void;

export class EventChannel {
  private readonly listeners = new Map<StrataEventName, Set<Listener<never>>>();

  on<K extends StrataEventName>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Whether anyone listens: lets hot paths skip building payloads nobody reads. */
  has(event: StrataEventName): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  emit<K extends StrataEventName>(event: K, payload: StrataEvents[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) (listener as Listener<K>)(payload);
  }
}
