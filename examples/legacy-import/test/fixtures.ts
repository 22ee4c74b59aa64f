/**
 * The legacy stores of seed 001's app, made by the real libraries in a temp folder:
 * - a Dexie database on fake-indexeddb, exported by dexie-export-import (`exportDB`) to a file
 *   (Node needs `globalThis.self` and a small FileReader for that package);
 * - the Redux Persist root written by redux-persist into an in-memory storage;
 * - the electron-store config written by `conf` (electron-store is conf with Electron paths).
 */
import 'fake-indexeddb/auto';
import Conf from 'conf';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { combineReducers, legacy_createStore, type UnknownAction } from 'redux';
import { persistReducer, persistStore } from 'redux-persist';

const g = globalThis as Record<string, unknown>;
g.self ??= globalThis;
if (g.FileReader === undefined) {
  /** Enough of the DOM FileReader for dexie-export-import: readAsText / readAsArrayBuffer with onload / onerror. */
  class FileReaderPolyfill {
    result: unknown = null;
    error: unknown = null;
    onload: ((event: { target: FileReaderPolyfill }) => void) | null = null;
    onerror: ((event: { target: FileReaderPolyfill }) => void) | null = null;
    private read(blob: Blob, convert: (bytes: ArrayBuffer) => unknown): void {
      blob.arrayBuffer().then(
        (bytes) => {
          this.result = convert(bytes);
          this.onload?.({ target: this });
        },
        (error: unknown) => {
          this.error = error;
          this.onerror?.({ target: this });
        },
      );
    }
    readAsText(blob: Blob): void {
      this.read(blob, (bytes) => Buffer.from(bytes).toString('utf8'));
    }
    readAsArrayBuffer(blob: Blob): void {
      this.read(blob, (bytes) => bytes);
    }
    readAsBinaryString(blob: Blob): void {
      this.read(blob, (bytes) => Buffer.from(bytes).toString('latin1'));
    }
  }
  g.FileReader = FileReaderPolyfill;
}

const { Dexie } = await import('dexie');
const { exportDB } = await import('dexie-export-import');

export interface LegacySize {
  assistants: number;
  knowledgeBases: number;
  /** Per base. */
  itemsPerBase: number;
  topics: number;
  /** Per topic. */
  messagesPerTopic: number;
}

export const SMALL: LegacySize = { assistants: 4, knowledgeBases: 2, itemsPerBase: 3, topics: 6, messagesPerTopic: 5 };

/** What the fixture holds that the importers must skip or unlink (so the expected counts are exact). */
export interface LegacyFacts {
  size: LegacySize;
  /** Items pointing at a base that is not in the export. */
  orphanItems: number;
  /** Messages of a topic that is not in the export. */
  orphanMessages: number;
  /** Topics whose assistant is not in the export (imported with no assistant). */
  topicsWithUnknownAssistant: number;
}

let counter = 0;
const at = (k: number) => new Date(Date.UTC(2024, 0, 1, 12, 0, k));

/** The Dexie database of the legacy app, exported to `path`. */
export async function makeDexieExport(path: string, size: LegacySize = SMALL): Promise<LegacyFacts> {
  const db = new Dexie(`cherry-legacy-${process.pid}-${++counter}`);
  db.version(7).stores({
    assistants: '&id, name',
    knowledge_bases: '&id, name',
    knowledge_items: '&id, baseId, type',
    topics: '&id, assistantId, updatedAt',
    messages: '&id, topicId, createdAt',
    // Outbound keys: written as [key, value] tuples by the export; no importer reads it.
    settings: '',
  });
  await db.open();
  try {
    await db.table('assistants').bulkAdd(
      Array.from({ length: size.assistants }, (_, k) => ({
        id: `asst-${k}`,
        name: `Assistant ${k}`,
        prompt: k % 2 ? `You are helper ${k}.` : undefined,
        emoji: '🤖',
        model: { id: `gpt-${k}`, provider: 'openai' },
        settings: { temperature: 0.5 + k / 10, contextCount: 10 },
        createdAt: at(k),
      })),
    );
    await db.table('knowledge_bases').bulkAdd(
      Array.from({ length: size.knowledgeBases }, (_, k) => ({
        id: `kb-${k}`,
        name: `Base ${k}`,
        model: { id: 'embed-3' },
        dimensions: 1536,
        created_at: at(k),
      })),
    );
    const items = [];
    for (let b = 0; b < size.knowledgeBases; b++) {
      for (let k = 0; k < size.itemsPerBase; k++) {
        const id = `kb-${b}-item-${k}`;
        items.push(
          k % 3 === 1
            ? { id, baseId: `kb-${b}`, type: 'file', file: { name: `doc-${k}.pdf`, data: new Uint8Array([b, k, 0, 255]) }, created_at: at(k) }
            : { id, baseId: `kb-${b}`, type: k % 3 === 0 ? 'note' : 'url', content: `content ${b}/${k}`, created_at: at(k) },
        );
      }
    }
    // One item of a base that was deleted: skipped by the importer.
    items.push({ id: 'kb-gone-item', baseId: 'kb-gone', type: 'note', content: 'lost', created_at: at(0) });
    await db.table('knowledge_items').bulkAdd(items);
    const topics = Array.from({ length: size.topics }, (_, k) => ({
      id: `topic-${k}`,
      // The last topic's assistant was deleted: the topic stays, unlinked.
      assistantId: k === size.topics - 1 ? 'asst-deleted' : `asst-${k % size.assistants}`,
      name: `Topic ${k}`,
      pinned: k === 0,
      createdAt: at(k),
      updatedAt: at(k + 1),
    }));
    await db.table('topics').bulkAdd(topics);
    const messages = [];
    for (let t = 0; t < size.topics; t++) {
      for (let k = 0; k < size.messagesPerTopic; k++) {
        const assistant = k % 2 === 1;
        messages.push({
          id: `msg-${t}-${k}`,
          topicId: `topic-${t}`,
          assistantId: assistant ? topics[t]!.assistantId : undefined,
          role: assistant ? 'assistant' : 'user',
          content: `message ${k} of topic ${t}`,
          usage: assistant ? { promptTokens: 10 * k, completionTokens: k } : undefined,
          createdAt: at(t * 100 + k),
        });
      }
    }
    messages.push({ id: 'msg-orphan', topicId: 'topic-deleted', role: 'user', content: 'lost', createdAt: at(0) });
    await db.table('messages').bulkAdd(messages);
    await db.table('settings').put({ theme: 'dark' }, 'ui');
    const blob = await exportDB(db, { numRowsPerChunk: 50 });
    await writeFile(path, Buffer.from(await blob.arrayBuffer()));
  } finally {
    db.close();
    await db.delete();
  }
  return { size, orphanItems: 1, orphanMessages: 1, topicsWithUnknownAssistant: 1 };
}

export const REDUX_KEY = 'persist:cherry-studio';
export const REDUX_VERSION = 97;

/** The Redux Persist root as redux-persist writes it, through an in-memory storage. Returns the stored text. */
export async function makeReduxPersist(settings: Record<string, unknown>): Promise<string> {
  const items = new Map<string, string>();
  const storage = {
    getItem: async (key: string) => items.get(key) ?? null,
    setItem: async (key: string, value: string) => void items.set(key, value),
    removeItem: async (key: string) => void items.delete(key),
  };
  const settingsReducer = (state: Record<string, unknown> = { theme: 'light', fontSize: 14 }, action: UnknownAction) =>
    action.type === 'settings/update' ? { ...state, ...(action.payload as Record<string, unknown>) } : state;
  const runtimeReducer = (state = { loading: false }) => state;
  const root = combineReducers({ settings: settingsReducer, runtime: runtimeReducer });
  const store = legacy_createStore(persistReducer({ key: 'cherry-studio', storage, version: REDUX_VERSION, blacklist: ['runtime'] }, root));
  let persistor!: ReturnType<typeof persistStore>;
  await new Promise<void>((resolve) => (persistor = persistStore(store, null, resolve)));
  store.dispatch({ type: 'settings/update', payload: settings });
  await persistor.flush();
  persistor.pause();
  const text = items.get(REDUX_KEY);
  if (!text) throw new Error('redux-persist wrote nothing');
  return text;
}

/** electron-store's config.json, written by conf into `dir`. Returns its path. */
export function makeConfigFile(dir: string, values: Record<string, unknown>): string {
  const conf = new Conf<Record<string, unknown>>({ projectName: 'cherry-legacy', cwd: dir, configName: 'config' });
  for (const [key, value] of Object.entries(values)) conf.set(key, value);
  return conf.path;
}

export const CONFIG_VALUES = {
  Language: 'de-DE',
  ZoomFactor: 1.25,
  LaunchToTray: true,
  Shortcuts: [{ key: 'show_app', shortcut: ['CommandOrControl', 'Shift', 'A'], enabled: true }],
  EnableDataCollection: false,
};

export const REDUX_SETTINGS = { theme: 'auto', fontSize: 16, sendMessageShortcut: 'Shift+Enter', messageStyle: 'bubble', codeStyle: { theme: 'github-dark' } };

/** All three stores in `dir`: the paths and text the app hands to the migration. */
export async function makeLegacyStores(dir: string, size: LegacySize = SMALL) {
  const dexieExport = join(dir, 'dexie-export.json');
  const facts = await makeDexieExport(dexieExport, size);
  const reduxPersist = await makeReduxPersist(REDUX_SETTINGS);
  const configFile = makeConfigFile(dir, CONFIG_VALUES);
  return { dexieExport, reduxPersist, configFile, facts };
}
