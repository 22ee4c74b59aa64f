/**
 * The chat state the Codex extension keeps in `context.globalState`, at each schema version.
 * `PersistedState` (the seed's name) is the current shape; the migrations in
 * `../state/migrations.ts` move stored data between the versions below.
 */

export type ChatRole = 'user' | 'assistant' | 'system';

// ---- version 1 (and the unversioned data written before migrations existed) --------------

export interface PersistedChatMessageV1 {
  id: string;
  role: ChatRole;
  content: string;
}

export interface PersistedChatSessionV1 {
  id: string;
  title: string;
  messages: PersistedChatMessageV1[];
}

export interface PersistedStateV1 {
  sessions: Record<string, PersistedChatSessionV1>;
  currentSessionId: string | null;
}

/**
 * Unversioned state, from builds before the migrations module: the same shape as version 1,
 * except that either field may be missing (version 1 is the migration that fills them in).
 */
export type PersistedStateV0 = Partial<PersistedStateV1>;

// ---- version 2: timestamps (milliseconds since the epoch) --------------------------------

export interface PersistedChatMessageV2 extends PersistedChatMessageV1 {
  timestamp: number;
}

export interface PersistedChatSessionV2 extends Omit<PersistedChatSessionV1, 'messages'> {
  messages: PersistedChatMessageV2[];
  createdAt: number;
  updatedAt: number;
}

export interface PersistedStateV2 {
  sessions: Record<string, PersistedChatSessionV2>;
  currentSessionId: string | null;
}

// ---- the current version -----------------------------------------------------------------

export type PersistedChatMessage = PersistedChatMessageV2;
export type PersistedChatSession = PersistedChatSessionV2;
export type PersistedState = PersistedStateV2;

/** What a migration step may be handed: the state at any version. */
export type AnyPersistedState = PersistedStateV0 | PersistedStateV1 | PersistedStateV2;
