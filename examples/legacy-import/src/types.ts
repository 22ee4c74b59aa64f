/** The legacy stores of seed 001's app, as the importers read them, and the legacy row shapes. */
import type { DexieExportReader, KeyValueSource, ReduxPersistSource } from 'strata-migrate/import';

export interface LegacySources {
  /** The Dexie (IndexedDB) export written by dexie-export-import. */
  dexie: DexieExportReader;
  /** The Redux Persist root (`persist:cherry-studio`), entries decoded. */
  redux: ReduxPersistSource;
  /** The electron-store config file. */
  config: KeyValueSource;
  [name: string]: unknown;
}

export interface LegacyAssistant {
  id: string;
  name: string;
  prompt?: string;
  emoji?: string;
  model?: { id: string; provider?: string };
  settings?: Record<string, unknown>;
  createdAt: Date;
  updatedAt?: Date;
}

export interface LegacyKnowledgeBase {
  id: string;
  name: string;
  model?: { id: string };
  dimensions?: number;
  created_at: Date;
  updated_at?: Date;
}

export interface LegacyKnowledgeItem {
  id: string;
  baseId: string;
  type: 'note' | 'file' | 'url';
  content?: string;
  file?: { name: string; data: Uint8Array };
  created_at: Date;
}

export interface LegacyTopic {
  id: string;
  assistantId?: string;
  name: string;
  pinned?: boolean;
  createdAt: Date;
  updatedAt?: Date;
}

export interface LegacyMessage {
  id: string;
  topicId: string;
  assistantId?: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  usage?: { promptTokens: number; completionTokens: number };
  createdAt: Date;
}

/** sharedData keys: ids imported by one importer and referenced by the next. */
export const SHARED = {
  assistantIds: 'assistant.ids',
  knowledgeBaseIds: 'knowledge.baseIds',
  topicIds: 'chat.topicIds',
} as const;

export function idSet(shared: Map<string, unknown>, key: string): Set<string> {
  let set = shared.get(key) as Set<string> | undefined;
  if (!set) shared.set(key, (set = new Set()));
  return set;
}
