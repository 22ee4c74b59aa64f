/**
 * Typed events: the one progress channel. The CLI's live lines, an app's migration window and
 * the Migrator's plugins (the journal among them) all listen here. A tiny emitter of our own
 * because the engine must not import node:events (it runs in browsers and extension hosts too).
 *
 * The channel is generic over its event map, so the engine names only its own events: imports
 * and backfills add theirs, and `src/events.ts` assembles the full map (StrataEvents).
 */
import type { StepResult, StrataError } from '../model/errors.js';
import type { Direction } from '../model/run-report.js';
import type { PlanFinding } from './plugin.js';
import { anchorShape } from './shape-anchors.js';

export interface StepEvent {
  version: string;
  name: string;
  direction: Direction;
  /** 1-based position of the step in this run, and the run's step count. */
  index: number;
  total: number;
  /** A SQL step: how many statements its body runs (0: an empty up or down). Absent for code. */
  statements?: number;
}

/** What a migration run (SQL or document) and the backups around it report. */
export interface EngineEvents {
  'lock:waiting': { target: string };
  'lock:acquired': { target: string; waitedMs: number };
  plan: { direction: Direction; steps: { version: string; name: string }[]; dryRun: boolean };
  /** The warnings plugins found when they inspected the plan (an error finding stops the run instead). */
  'plan:warnings': { direction: Direction; dryRun: boolean; warnings: PlanFinding[] };
  /** One statement of a SQL migration, emitted in dry runs (for printing) and before execution. */
  statement: { version: string; name: string; direction: Direction; index: number; line: number; sql: string };
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
  done: { direction: Direction; results: StepResult[]; durationMs: number };
  /** The ledger was upgraded in place to this Strata's layout (once; under the lock). */
  'ledger:upgraded': { target: string; from: number; to: number };
  /** `baseline`: these steps were recorded as applied without running them (none in a dry run). */
  baseline: { target: string; version: string; steps: { version: string; name: string }[]; dryRun: boolean };
  /** Before a run: the schema's fingerprint differs from the one stored with the last applied step (drift: "warn"). */
  drift: { target: string; lastApplied: { version: string; name: string }; storedFingerprint: string; liveFingerprint: string; message: string };
}

export type EngineEventName = keyof EngineEvents;

/** A listener of one event of an event map. */
export type Listener<Events, K extends keyof Events> = (payload: Events[K]) => void;

/**
 * A listener of every event on a channel, those of other layers included (plugins, recorders).
 * Untyped on purpose: a channel also carries events its own map does not name.
 */
export type AnyListener = (event: string, payload: unknown) => void;

/**
 * Channels of different maps stay assignable to each other where their events overlap (a
 * migrator's channel can be handed to a backfill), so nothing private names the map.
 */
type Stored = (...args: never[]) => void;

export class EventChannel<Events extends object = EngineEvents> {
  private readonly listeners = new Map<PropertyKey, Set<Stored>>();
  private readonly anyListeners = new Set<AnyListener>();

  on<K extends keyof Events>(event: K, listener: Listener<Events, K>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Stored);
    return () => set.delete(listener as Stored);
  }

  /** Hears every event emitted on this channel, those of other layers included. */
  onAny(listener: AnyListener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  /** Whether anyone listens: lets hot paths skip building payloads nobody reads. */
  has(event: keyof Events): boolean {
    return this.anyListeners.size > 0 || (this.listeners.get(event)?.size ?? 0) > 0;
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (set) for (const listener of set) (listener as Listener<Events, K>)(payload);
    for (const listener of this.anyListeners) listener(event as string, payload);
  }
}

// One channel per migrator: its hidden class would die with the migrator (shape-anchors.ts).
anchorShape('EventChannel', new EventChannel());
