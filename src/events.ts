/**
 * Every event Strata emits, assembled at the top so no layer below names the events of the
 * layers above it: the engine's own (runs, locks, backups), the import run's and the backfill's.
 * `EventChannel` from here listens to all of them by default.
 *
 * @example
 * import { EventChannel } from 'strata-migrate';
 * const events = new EventChannel();
 * events.on('import:progress', (e) => console.log(`${e.name}: ${e.done}/${e.total}`));
 * events.on('migrated', (e) => console.log(`applied ${e.version}_${e.name}`));
 */
import { EventChannel as Channel, type EngineEvents, type Listener as ChannelListener } from './engine/events.js';
import type { BackfillEvents } from './progressive/backfill-events.js';
import type { ImportEvents } from './import/import-events.js';
import type { AdoptEvents } from './adopt/adopt-events.js';

export interface StrataEvents extends EngineEvents, ImportEvents, BackfillEvents, AdoptEvents {}

export type StrataEventName = keyof StrataEvents;
export type Listener<K extends StrataEventName> = ChannelListener<StrataEvents, K>;

/** The engine's channel, defaulting to the full event map (the same class at run time). */
export const EventChannel: new <Events extends object = StrataEvents>() => Channel<Events> = Channel;
export type EventChannel<Events extends object = StrataEvents> = Channel<Events>;

export type { EngineEvents, EngineEventName, StepEvent, AnyListener } from './engine/events.js';
