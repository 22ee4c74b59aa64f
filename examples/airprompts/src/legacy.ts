/**
 * AirPrompts 1.x kept each collection under its own localStorage key, and not always under the
 * same name (`airprompts-templates`, `airprompts_templates`, `ap_templates`, plain `templates`).
 * `appStateStore` is webStorageStore (one envelope under one key) plus this: while that key holds
 * nothing, the legacy keys are read as one unversioned (1.0.0) document; the write that stores the
 * migrated document removes the legacy keys it was made from, in the same synchronous turn.
 */
import {
  ErrorCode,
  StrataError,
  webStorageStore,
  type DocumentStore,
  type KeyValueStoreOptions,
  type StoredDocument,
  type WebStorageLike,
} from 'strata-migrate/document';
import type { AppStateV1 } from './types.js';

/** Where the state lives from 2.0.0 on. */
export const APP_STATE_KEY = 'airprompts';

/** Each 1.0.0 section and the keys 1.x builds stored it under, the most recent name first. */
export const LEGACY_KEYS: Readonly<Record<keyof AppStateV1, readonly string[]>> = {
  templates: ['airprompts-templates', 'airprompts_templates', 'ap_templates', 'templates'],
  workflows: ['airprompts-workflows', 'airprompts_workflows', 'ap_workflows', 'workflows'],
  snippets: ['airprompts-snippets', 'airprompts_snippets', 'ap_snippets', 'snippets'],
  folders: ['airprompts-folders', 'airprompts_folders', 'ap_folders', 'folders'],
  ui_prefs: ['ui-prefs', 'ui_preferences', 'airprompts-ui-prefs'],
  user_settings: ['user_settings', 'airprompts-user-settings'],
};

const EMPTY_SECTIONS: AppStateV1 = { templates: [], workflows: [], snippets: [], folders: [], ui_prefs: {}, user_settings: {} };

/** What a fresh install starts from (1.0.0, migrated up like any other state). */
export function emptyLegacyState(): AppStateV1 {
  return structuredClone(EMPTY_SECTIONS);
}

export interface LegacyState {
  state: AppStateV1;
  /** The keys the state was read from (the first one found per section). */
  keys: string[];
}

/** The 1.x keys gathered into one 1.0.0 state; null when none is stored. */
export async function readLegacyState(storage: WebStorageLike): Promise<LegacyState | null> {
  const state = emptyLegacyState() as unknown as Record<string, unknown>;
  const keys: string[] = [];
  for (const [section, candidates] of Object.entries(LEGACY_KEYS)) {
    for (const key of candidates) {
      const text = await storage.getItem(key);
      if (text === null || text === undefined) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new StrataError(ErrorCode.DOCUMENT_INVALID, `the AirPrompts 1.x key ${JSON.stringify(key)} does not hold JSON: ${(error as Error).message}`, {
          hint: 'nothing was migrated; fix or remove that key and start the app again',
        });
      }
      const wantsList = !['ui_prefs', 'user_settings'].includes(section);
      if (wantsList ? !Array.isArray(value) : typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new StrataError(
          ErrorCode.DOCUMENT_INVALID,
          `the AirPrompts 1.x key ${JSON.stringify(key)} holds ${Array.isArray(value) ? 'a list' : typeof value}, expected ${wantsList ? 'a list' : 'an object'}`,
          {
            hint: 'nothing was migrated; fix or remove that key and start the app again',
          },
        );
      }
      state[section] = value;
      keys.push(key);
      break;
    }
  }
  return keys.length ? { state: state as unknown as AppStateV1, keys } : null;
}

export interface AppStateStoreOptions extends Partial<Pick<KeyValueStoreOptions, 'backups'>> {
  /** Default APP_STATE_KEY. */
  key?: string;
  /** Keep the 1.x keys after the migrated state is written (default: remove them). */
  keepLegacyKeys?: boolean;
  /** For messages; default 'localStorage'. */
  name?: string;
}

/** The state's DocumentStore: the envelope under one key, with 1.x keys read as unversioned data. */
export function appStateStore(storage: WebStorageLike, options: AppStateStoreOptions = {}): DocumentStore {
  const inner = webStorageStore(storage, {
    key: options.key ?? APP_STATE_KEY,
    name: options.name ?? 'localStorage',
    ...(options.backups ? { backups: options.backups } : {}),
  });
  // The legacy keys the last read() adopted: only those are removed, and only by the write that
  // follows it (both happen inside the migration's lock).
  let adopted: string[] = [];
  return {
    ...inner,
    async read(): Promise<StoredDocument | null> {
      adopted = [];
      const stored = await inner.read();
      if (stored) return stored;
      const legacy = await readLegacyState(storage);
      if (!legacy) return null;
      adopted = legacy.keys;
      return { version: null, data: legacy.state, history: [] };
    },
    async write(document: StoredDocument): Promise<void> {
      await inner.write(document);
      const legacyKeys = adopted;
      adopted = [];
      if (options.keepLegacyKeys) return;
      for (const key of legacyKeys) await storage.removeItem(key);
    },
  };
}
