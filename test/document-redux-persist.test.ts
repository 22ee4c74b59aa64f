/**
 * Strata's reduxPersist() layout against the real redux 5 + redux-persist 6: redux-persist writes
 * `persist:root`, Strata migrates it in place, and a new redux-persist store at the new version
 * rehydrates exactly the migrated state without running createMigrate. The contrast: a
 * createMigrate step that throws loses the state (and redux-persist then overwrites the key),
 * while the same step under Strata is a StrataError and leaves the key byte-identical.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyMiddleware, combineReducers, legacy_createStore, type Middleware, type Reducer, type UnknownAction } from 'redux';
import { createMigrate, getStoredState, persistReducer, persistStore, REHYDRATE, type MigrationManifest, type PersistedState } from 'redux-persist';
import { DocumentMigrator, keyValueStore, reduxPersist, StrataError, webStorageStore, type DocumentMigration, type DocumentStore } from '../src/document.js';

/** redux-persist's storage interface (getItem / setItem / removeItem, all async), as AsyncStorage or localForage give it. */
class AsyncStorage {
  readonly items = new Map<string, string>();
  readonly writes: string[] = [];
  async getItem(key: string): Promise<string | null> {
    return this.items.get(key) ?? null;
  }
  async setItem(key: string, value: string): Promise<void> {
    if (typeof value !== 'string') throw new TypeError(`setItem(${key}) got a ${typeof value}, not a string`);
    this.writes.push(key);
    this.items.set(key, value);
  }
  async removeItem(key: string): Promise<void> {
    this.items.delete(key);
  }
  snapshot(): Map<string, string> {
    return new Map(this.items);
  }
}

// ---- the app, at versions 1 and 3 ------------------------------------------------------------

interface TodoV1 {
  id: number;
  text: string;
  completed: boolean;
}
interface SettingsV1 {
  theme: string;
  fontSize: number;
}
interface TodoV3 {
  id: number;
  title: string;
  done: boolean;
  slug: string;
}
interface SettingsV3 {
  appearance: { theme: string; fontSize: number };
  language: string;
}

const todosV1: Reducer<TodoV1[], UnknownAction> = (state = [], action) => (action.type === 'todos/add' ? [...state, action.payload as TodoV1] : state);
const settingsV1: Reducer<SettingsV1, UnknownAction> = (state = { theme: 'light', fontSize: 12 }, action) =>
  action.type === 'settings/set' ? { ...state, ...(action.payload as Partial<SettingsV1>) } : state;
const rootV1 = combineReducers({ todos: todosV1, settings: settingsV1 });

const INITIAL_SETTINGS_V3: SettingsV3 = { appearance: { theme: 'light', fontSize: 12 }, language: 'en' };
const todosV3: Reducer<TodoV3[], UnknownAction> = (state = [], action) => (action.type === 'todos/add' ? [...state, action.payload as TodoV3] : state);
const settingsV3: Reducer<SettingsV3, UnknownAction> = (state = INITIAL_SETTINGS_V3) => state;
const rootV3 = combineReducers({ todos: todosV3, settings: settingsV3 });

type AnyState = Record<string, any>;

/** The migrations, written once: Strata runs them as its steps, redux-persist as its manifest. */
const toV2 = (state: AnyState): AnyState => ({
  ...state,
  todos: (state.todos as TodoV1[]).map(({ text, completed, ...rest }) => ({ ...rest, title: text, done: completed })),
});
const toV3 = (state: AnyState): AnyState => ({
  ...state,
  todos: (state.todos as Omit<TodoV3, 'slug'>[]).map((t) => ({ ...t, slug: t.title.toLowerCase().replace(/[^a-z0-9]+/g, '-') })),
  settings: { appearance: { theme: state.settings.theme, fontSize: state.settings.fontSize }, language: 'en' },
});

const strataMigrations = (up2: (s: AnyState) => AnyState = toV2): DocumentMigration<AnyState>[] => [
  { version: 2, description: 'todos: text -> title, completed -> done', up: up2 },
  { version: 3, description: 'todos get a slug; settings.appearance', up: toV3 },
];

/** What version 3 must look like for the two todos and the settings that version 1 wrote. */
const EXPECTED_V3 = {
  todos: [
    { id: 1, title: 'Write the docs', done: false, slug: 'write-the-docs' },
    { id: 2, title: 'Ship v2.0', done: true, slug: 'ship-v2-0' },
  ],
  settings: { appearance: { theme: 'dark', fontSize: 16 }, language: 'en' },
};

// ---- redux-persist harness ---------------------------------------------------------------------

interface Started {
  store: { getState(): AnyState; dispatch(action: UnknownAction): unknown };
  persistor: { flush(): Promise<unknown> };
  /** The REHYDRATE action redux-persist dispatched for this store. */
  rehydrate: { payload: unknown; err: unknown };
}

/** A store over `storage` at `version`, resolved once redux-persist has rehydrated it. */
async function startStore(storage: AsyncStorage, version: number, reducer: Reducer<any, UnknownAction>, migrate?: MigrationManifest): Promise<Started> {
  const config = {
    key: 'root',
    storage,
    version,
    timeout: 0, // no 5 s rehydrate timer left behind in the test process
    ...(migrate ? { migrate: createMigrate(migrate, { debug: false }) } : {}),
  };
  const rehydrates: { payload: unknown; err: unknown }[] = [];
  const record: Middleware = () => (next) => (action) => {
    const a = action as UnknownAction & { payload?: unknown; err?: unknown; key?: string };
    if (a.type === REHYDRATE && a.key === 'root') rehydrates.push({ payload: a.payload, err: a.err });
    return next(action);
  };
  const store = legacy_createStore(persistReducer(config, reducer), applyMiddleware(record));
  let persistor!: ReturnType<typeof persistStore>;
  await new Promise<void>((resolve) => {
    persistor = persistStore(store, null, resolve);
  });
  await persistor.flush();
  assert.equal(rehydrates.length, 1, 'redux-persist rehydrates the key once');
  return { store: store as unknown as Started['store'], persistor, rehydrate: rehydrates[0]! };
}

/** redux-persist, at version 1, writes `persist:root` with two todos and changed settings. */
async function writtenAtVersion1(): Promise<AsyncStorage> {
  const storage = new AsyncStorage();
  const { store, persistor } = await startStore(storage, 1, rootV1);
  store.dispatch({ type: 'todos/add', payload: { id: 1, text: 'Write the docs', completed: false } });
  store.dispatch({ type: 'todos/add', payload: { id: 2, text: 'Ship v2.0', completed: true } });
  store.dispatch({ type: 'settings/set', payload: { theme: 'dark', fontSize: 16 } });
  await persistor.flush();
  return storage;
}

/** `persist:root` decoded the way redux-persist encodes it: an object of JSON strings. */
function decodePersisted(storage: AsyncStorage): AnyState {
  const text = storage.items.get('persist:root');
  assert.equal(typeof text, 'string', 'persist:root is stored');
  const outer = JSON.parse(text!) as Record<string, unknown>;
  const state: AnyState = {};
  for (const [key, value] of Object.entries(outer)) {
    assert.equal(typeof value, 'string', `persist:root's "${key}" is double-encoded (a JSON string)`);
    state[key] = JSON.parse(value as string);
  }
  return state;
}

/** A manifest whose steps only record that they ran. */
function spyManifest(calls: number[]): MigrationManifest {
  return {
    2: (state: PersistedState) => (calls.push(2), toV2(state as AnyState) as PersistedState),
    3: (state: PersistedState) => (calls.push(3), toV3(state as AnyState) as PersistedState),
  };
}

/** The two ways to put Strata over redux-persist's storage: the Web Storage adapter, and a hand-made KeyValueBackend. */
const stores: Record<string, (storage: AsyncStorage) => DocumentStore> = {
  webStorageStore: (storage) => webStorageStore(storage, { key: 'persist:root', layout: reduxPersist(), name: 'async-storage' }),
  keyValueStore: (storage) =>
    keyValueStore(
      {
        description: 'async-storage',
        async get(key) {
          const text = await storage.getItem(key);
          return text === null ? undefined : JSON.parse(text);
        },
        async set(entries) {
          for (const [key, value] of entries) await storage.setItem(key, JSON.stringify(value));
        },
        remove: (key) => storage.removeItem(key),
      },
      { key: 'persist:root', layout: reduxPersist() },
    ),
};

// ---- the tests -----------------------------------------------------------------------------------

describe('redux-persist writes version 1, Strata migrates, redux-persist reads version 3', () => {
  test('redux-persist 6 stores persist:root double-encoded with _persist.version 1 (the layout Strata assumes)', async () => {
    const storage = await writtenAtVersion1();
    const outer = JSON.parse(storage.items.get('persist:root')!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(outer).sort(), ['_persist', 'settings', 'todos']);
    assert.equal(outer._persist, '{"version":1,"rehydrated":true}');
    assert.deepEqual(decodePersisted(storage), {
      todos: [
        { id: 1, text: 'Write the docs', completed: false },
        { id: 2, text: 'Ship v2.0', completed: true },
      ],
      settings: { theme: 'dark', fontSize: 16 },
      _persist: { version: 1, rehydrated: true },
    });
  });

  for (const [name, makeStore] of Object.entries(stores)) {
    test(`${name} + reduxPersist(): migrated to 3, rehydrated by a version-3 store without createMigrate running`, async () => {
      const storage = await writtenAtVersion1();
      const before = storage.items.get('persist:root')!;
      const migrator = new DocumentMigrator<AnyState>({ store: makeStore(storage), migrations: strataMigrations() });

      const report = await migrator.migrate();
      assert.equal(report.from, 1);
      assert.equal(report.version, 3);
      assert.equal(report.written, true);
      assert.deepEqual(
        report.results.map((r) => `${r.version}:${r.status}`),
        ['2:applied', '3:applied'],
      );

      // What Strata stored is redux-persist's format at version 3, with the migrated slices.
      const stored = decodePersisted(storage);
      assert.deepEqual(stored, { ...EXPECTED_V3, _persist: { version: 3, rehydrated: true } });
      const { _persist: _, ...reportedSlices } = report.data as AnyState;
      assert.deepEqual(reportedSlices, EXPECTED_V3);
      // The backup is the exact version-1 value.
      assert.ok(report.backup, 'a backup was taken');
      const backup = JSON.parse(storage.items.get(report.backup.location)!) as { main: unknown };
      assert.equal(JSON.stringify(backup.main), before);

      // A new redux-persist store at version 3 over the same storage.
      const calls: number[] = [];
      const { store, rehydrate, persistor } = await startStore(storage, 3, rootV3, spyManifest(calls));
      assert.deepEqual(calls, [], 'createMigrate ran no step: the stored version was already 3');
      assert.equal(rehydrate.err, undefined);
      assert.deepEqual(rehydrate.payload, stored, 'redux-persist read back exactly what Strata stored');
      assert.deepEqual(store.getState(), { ...EXPECTED_V3, _persist: { version: 3, rehydrated: true } });

      // The app keeps working on the migrated state, and redux-persist writes it on as usual.
      store.dispatch({ type: 'todos/add', payload: { id: 3, title: 'Celebrate', done: false, slug: 'celebrate' } });
      await persistor.flush();
      assert.deepEqual(
        decodePersisted(storage).todos.map((t: TodoV3) => t.slug),
        ['write-the-docs', 'ship-v2-0', 'celebrate'],
      );
    });
  }

  test("Strata's history and backups live beside persist:root and never reach redux-persist's state", async () => {
    const storage = await writtenAtVersion1();
    const migrator = new DocumentMigrator<AnyState>({ store: stores.webStorageStore!(storage), migrations: strataMigrations() });
    await migrator.migrate();

    const keys = [...storage.items.keys()].sort();
    assert.deepEqual(
      keys.filter((k) => !k.startsWith('persist:root:backup:')),
      ['persist:root', 'persist:root:backups', 'persist:root:strata-history'],
    );
    assert.equal(keys.filter((k) => k.startsWith('persist:root:backup:')).length, 1);
    const history = JSON.parse(storage.items.get('persist:root:strata-history')!) as { version: number; direction: string }[];
    assert.deepEqual(
      history.map((h) => `${h.version}:${h.direction}`),
      ['2:up', '3:up'],
    );

    // redux-persist's own reader sees the app's slices and _persist, nothing of Strata's.
    const read = (await getStoredState({ key: 'root', storage })) as AnyState;
    assert.deepEqual(Object.keys(read).sort(), ['_persist', 'settings', 'todos']);
    assert.deepEqual(read, { ...EXPECTED_V3, _persist: { version: 3, rehydrated: true } });

    // A version-3 store rehydrates no extra slice (autoMergeLevel1 would copy any top-level key in).
    const { store } = await startStore(storage, 3, rootV3, spyManifest([]));
    assert.deepEqual(Object.keys(store.getState()).sort(), ['_persist', 'settings', 'todos']);

    // After redux-persist has rewritten persist:root (it does on rehydrate), Strata still reads it.
    assert.deepEqual(decodePersisted(storage), { ...EXPECTED_V3, _persist: { version: 3, rehydrated: true } });
    const status = await migrator.status();
    assert.equal(status.currentVersion, 3);
    assert.deepEqual(
      status.migrations.map((m) => `${m.version}:${m.state}`),
      ['2:applied', '3:applied'],
    );
    assert.deepEqual(status.problems, []);
    assert.equal(status.history.length, 2);
    const settled = storage.items.get('persist:root');
    const again = await migrator.migrate();
    assert.equal(again.written, false);
    assert.equal(storage.items.get('persist:root'), settled);
  });
});

describe('a migration step that throws', () => {
  const boom = () => {
    throw new Error('boom: todos have no text');
  };

  test('redux-persist createMigrate: rehydrates undefined, the app starts from its initial state, and persist:root is overwritten', async () => {
    const storage = await writtenAtVersion1();
    const before = storage.items.get('persist:root')!;
    const logged: unknown[][] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    let started: Started;
    try {
      started = await startStore(storage, 3, rootV3, { 2: boom as never, 3: (s: PersistedState) => s });
    } finally {
      console.error = consoleError;
    }
    const { store, rehydrate } = started;

    // The REHYDRATE carries no state, only the error; redux-persist logs it and goes on.
    assert.equal(rehydrate.payload, undefined);
    assert.ok(rehydrate.err instanceof Error);
    assert.match((rehydrate.err as Error).message, /boom/);
    assert.ok(
      logged.some((args) => args[0] === 'redux-persist: migration error'),
      'redux-persist logged the migration error',
    );
    // The stored todos and settings are gone from the app: it runs on the reducers' initial state.
    assert.deepEqual(store.getState(), { todos: [], settings: INITIAL_SETTINGS_V3, _persist: { version: 3, rehydrated: true } });
    // And redux-persist persists that initial state over the version-1 data: the data is lost in storage too.
    assert.notEqual(storage.items.get('persist:root'), before);
    assert.deepEqual(decodePersisted(storage), { todos: [], settings: INITIAL_SETTINGS_V3, _persist: { version: 3, rehydrated: true } });
  });

  test('Strata: MIGRATION_FAILED, and persist:root (and every other key) is byte-identical', async () => {
    const storage = await writtenAtVersion1();
    const before = storage.snapshot();
    const writesBefore = storage.writes.length;
    const migrator = new DocumentMigrator<AnyState>({ store: stores.webStorageStore!(storage), migrations: strataMigrations(boom) });

    await assert.rejects(migrator.migrate(), (error: unknown) => {
      assert.ok(error instanceof StrataError, `expected a StrataError, got ${String(error)}`);
      assert.equal(error.code, 'MIGRATION_FAILED');
      assert.match(error.message, /migration 2 .*up\(\) threw: boom/);
      assert.deepEqual(error.details, { version: 2, direction: 'up' });
      assert.deepEqual(
        error.results.map((r) => `${r.version}:${r.status}`),
        ['2:failed'],
      );
      return true;
    });
    assert.equal(storage.writes.length, writesBefore, 'nothing was written, not even a backup');
    assert.deepEqual(storage.snapshot(), before);
    assert.equal(storage.items.get('persist:root'), before.get('persist:root'));

    // The version-1 app still rehydrates its data; a fixed migration then succeeds.
    const { store } = await startStore(storage, 1, rootV1);
    assert.equal((store.getState().todos as TodoV1[]).length, 2);
    const fixed = new DocumentMigrator<AnyState>({ store: stores.webStorageStore!(storage), migrations: strataMigrations() });
    assert.equal((await fixed.migrate()).version, 3);
    assert.deepEqual(decodePersisted(storage), { ...EXPECTED_V3, _persist: { version: 3, rehydrated: true } });
  });
});
