/**
 * The migrations module: versioned up/down steps for the chat state, registered on Strata's
 * MigrationManager (`register`, `applyMigrations(currentVersion, targetVersion, data)`,
 * `getLatestVersion()`). Steps are pure: they return new objects and never modify their
 * argument (Strata copies the input too, but see ChatStateStore for why purity matters here).
 */
import { MigrationManager } from 'strata-migrate/document';
import type {
  AnyPersistedState,
  PersistedChatMessageV2,
  PersistedChatSessionV1,
  PersistedChatSessionV2,
  PersistedStateV1,
  PersistedStateV2,
} from '../types/chat.js';

/** The seed's Migration: a version, a description, and both directions. */
export interface Migration {
  version: number;
  description: string;
  /** Short label for status lines and error messages. */
  name?: string;
  up: (data: AnyPersistedState) => AnyPersistedState;
  down: (data: AnyPersistedState) => AnyPersistedState;
}

export interface MigrationOptions {
  /** The clock for timestamps that old data lacks (ms since the epoch). Default Date.now. */
  now?: () => number;
}

/** Version 1: Initial Schema. Ensures data has the basic session structure. */
export const initialSchema: Migration = {
  version: 1,
  name: 'Initial Schema',
  description: 'Ensures data has the basic session structure',
  up: (data) => {
    if (!isRecord(data)) throw new Error(`the stored chat state is ${describe(data)}, not an object`);
    const sessions = data.sessions ?? {};
    if (!isRecord(sessions)) throw new Error(`"sessions" is ${describe(sessions)}, expected an object keyed by session id`);
    const currentSessionId = data.currentSessionId ?? null;
    if (currentSessionId !== null && typeof currentSessionId !== 'string') {
      throw new Error(`"currentSessionId" is ${describe(currentSessionId)}, expected a string or null`);
    }
    return { ...data, sessions, currentSessionId } as PersistedStateV1;
  },
  // Builds before version 1 read `{ sessions: {}, currentSessionId: null }` as they read a
  // missing field, so going down keeps the two fields: nothing else changed.
  down: (data) => data,
};

/** Version 2: Add Timestamp Fields, to sessions (createdAt, updatedAt) and messages (timestamp). */
export function addTimestampFields(options: MigrationOptions = {}): Migration {
  const now = options.now ?? Date.now;
  return {
    version: 2,
    name: 'Add Timestamp Fields',
    description: 'Adds timestamp fields to sessions and messages for better tracking',
    up: (data) => addTimestamps(data as PersistedStateV1, now()),
    down: (data) => removeTimestamps(data as PersistedStateV2),
  };
}

/** The implemented migrations, oldest first. */
export function chatStateMigrations(options: MigrationOptions = {}): Migration[] {
  return [initialSchema, addTimestampFields(options)];
}

/** A manager with the implemented migrations registered (a fresh one: tests register more). */
export function createMigrationManager(options: MigrationOptions = {}): MigrationManager<AnyPersistedState> {
  const manager = new MigrationManager<AnyPersistedState>();
  for (const migration of chatStateMigrations(options)) manager.register(migration);
  return manager;
}

/** The seed's `migrationManager`: the extension's migrations, ready to use. */
export const migrationManager = createMigrationManager();

// ---- version 2's steps -------------------------------------------------------------------

/**
 * Messages without a timestamp get the migration time (when they were written is not known);
 * a session's createdAt / updatedAt are its earliest / latest message (or the migration time
 * for an empty session). Values already present are kept.
 */
function addTimestamps(state: PersistedStateV1, stamp: number): PersistedStateV2 {
  const sessions = Object.entries(state.sessions).map(([id, session]): [string, PersistedChatSessionV2] => {
    const messages = messagesOf<unknown>(id, session).map((message, k): PersistedChatMessageV2 => {
      if (!isRecord(message)) throw new Error(`session ${JSON.stringify(id)}: message ${k} is ${describe(message)}, not an object`);
      return { ...(message as unknown as PersistedChatMessageV2), timestamp: timestampOf(message, 'timestamp') ?? stamp };
    });
    let earliest: number | undefined;
    let latest: number | undefined;
    for (const { timestamp } of messages) {
      if (earliest === undefined || timestamp < earliest) earliest = timestamp;
      if (latest === undefined || timestamp > latest) latest = timestamp;
    }
    const createdAt = timestampOf(session, 'createdAt') ?? earliest ?? stamp;
    const updatedAt = timestampOf(session, 'updatedAt') ?? latest ?? createdAt;
    return [id, { ...session, messages, createdAt, updatedAt }];
  });
  // fromEntries defines keys as data properties: a session id "__proto__" stays a session.
  return { ...state, sessions: Object.fromEntries(sessions) };
}

function removeTimestamps(state: PersistedStateV2): PersistedStateV1 {
  const sessions = Object.entries(state.sessions).map(([id, session]): [string, PersistedChatSessionV1] => {
    const { createdAt: _created, updatedAt: _updated, ...rest } = session;
    const messages = messagesOf<PersistedChatMessageV2>(id, session).map(({ timestamp: _timestamp, ...message }) => message);
    return [id, { ...rest, messages }];
  });
  return { ...state, sessions: Object.fromEntries(sessions) };
}

function messagesOf<M>(id: string, session: unknown): M[] {
  const messages = isRecord(session) ? session.messages : undefined;
  if (!Array.isArray(messages)) throw new Error(`session ${JSON.stringify(id)} has no messages list (got ${describe(messages)})`);
  return messages as M[];
}

function timestampOf(value: object, field: string): number | undefined {
  const found = (value as Record<string, unknown>)[field];
  return typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
