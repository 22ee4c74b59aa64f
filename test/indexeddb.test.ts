/**
 * The IndexedDB code on fake-indexeddb in Node (a fresh IDBFactory per test): the definition
 * checks, every schema step, the copy step's transform and key errors leaving the old version,
 * DATABASE_NEWER, the blocked timeout with a late upgrade defused, versionchange closing Strata's
 * connections, and document migrations over the IndexedDB store. The real proof (Chromium, a
 * closed tab, 10,000 records) is test/browser-idb.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IDBFactory } from 'fake-indexeddb';
import {
  DocumentMigrator,
  IndexedDbMigrator,
  MigrationManager,
  defineIndexedDbMigrations,
  indexedDbStore,
  type IdbDatabase,
  type IdbFactory,
  type IndexedDbMigration,
} from '../src/document.js';
import { isStrataError } from '../src/model/errors.js';

const newFactory = () => new IDBFactory() as unknown as IdbFactory;

function request<T>(r: { onsuccess: unknown; onerror: unknown; result: T; error: unknown }): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function all(db: IdbDatabase, store: string): Promise<{ keys: unknown[]; values: any[] }> {
  const s = db.transaction(store, 'readonly').objectStore(store) as any;
  return { keys: await request<unknown[]>(s.getAllKeys()), values: await request<any[]>(s.getAll()) };
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isStrataError(error), `expected a StrataError, got ${String(error)}`);
    return { code: error.code, message: error.message, details: error.details };
  }
  assert.fail('expected a rejection');
}

const v1: IndexedDbMigration = {
  version: 1,
  name: 'todos',
  up: (s) => s.createStore('todos', { keyPath: 'id', indexes: { byDone: 'done' } }),
};
const v2: IndexedDbMigration = {
  version: 2,
  name: 'todos keyed by uuid',
  up: (s) => s.changeStore('todos', { keyPath: 'uuid', transform: (t) => ({ ...t, uuid: `todo-${t.id}` }) }),
};

async function seed(factory: IdbFactory, count: number): Promise<void> {
  const { db } = await new IndexedDbMigrator({ database: 'app', migrations: [v1], indexedDB: factory }).open();
  const tx = db.transaction('todos', 'readwrite');
  for (let i = 1; i <= count; i++) tx.objectStore('todos').put({ id: i, title: `t${i}`, done: i % 2 });
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
}

describe('defineIndexedDbMigrations', () => {
  test('orders by version and records each step', () => {
    const defined = defineIndexedDbMigrations([v2, v1]);
    assert.deepEqual(
      defined.migrations.map((m) => [m.version, m.steps.map((s) => `${s.kind} ${s.store}`)]),
      [
        [1, ['createStore todos']],
        [2, ['changeStore todos']],
      ],
    );
    assert.equal(defined.latestVersion, 2);
  });

  test('refuses bad versions, duplicates, async and empty ups', async () => {
    const fails = (list: IndexedDbMigration[]) => codeOf(Promise.resolve().then(() => defineIndexedDbMigrations(list)));
    assert.equal((await fails([{ ...v1, version: 0 }])).code, 'MIGRATION_INVALID');
    assert.equal((await fails([{ ...v1, version: 1.5 }])).code, 'MIGRATION_INVALID');
    assert.equal((await fails([v1, { ...v2, version: 1 }])).code, 'MIGRATION_VERSION_DUPLICATE');
    assert.equal((await fails([{ version: 1, name: 'x', up: async () => undefined }])).code, 'MIGRATION_ASYNC');
    assert.equal((await fails([{ version: 1, name: 'x', up: () => undefined }])).code, 'MIGRATION_INVALID');
    assert.equal((await fails([])).code, 'MIGRATION_INVALID');
  });
});

describe('IndexedDbMigrator', () => {
  test('a new database runs every migration; status before and after', async () => {
    const factory = newFactory();
    const migrator = new IndexedDbMigrator({ database: 'app', migrations: [v1, v2], indexedDB: factory });
    const before = await migrator.status();
    assert.equal(before.exists, false);
    assert.equal(before.pending, 2);
    assert.equal((await migrator.status()).exists, false, 'status creates nothing');
    const report = await migrator.open();
    assert.equal(report.from, 0);
    assert.equal(report.version, 2);
    assert.deepEqual(
      report.results.map((r) => `${r.version} ${r.status}`),
      ['1 applied', '2 applied'],
    );
    const store = report.db.transaction('todos').objectStore('todos');
    assert.equal(store.keyPath, 'uuid');
    assert.equal(store.index('byDone').keyPath, 'done', 'the copy kept the old indexes');
    report.db.close();
    const after = await migrator.status();
    assert.equal(after.currentVersion, 2);
    assert.equal(after.pending, 0);
  });

  test('a primary-key change copies every record through the transform, with progress events', async () => {
    const factory = newFactory();
    await seed(factory, 2500);
    const migrator = new IndexedDbMigrator({ database: 'app', migrations: [v1, v2], indexedDB: factory, progressEvery: 1000 });
    const progress: number[] = [];
    const events: string[] = [];
    migrator.on('copy:progress', (p) => progress.push(p.copied));
    for (const name of ['migrating', 'migrated', 'done'] as const) migrator.on(name, () => events.push(name));
    const report = await migrator.open();
    assert.equal(report.from, 1);
    assert.deepEqual(progress, [0, 1000, 2000, 2500]);
    assert.deepEqual(events, ['migrating', 'migrated', 'done']);
    const { keys, values } = await all(report.db, 'todos');
    assert.equal(values.length, 2500);
    assert.deepEqual(keys.slice(0, 3), ['todo-1', 'todo-10', 'todo-100']);
    const byId = new Map(values.map((v) => [v.id, v]));
    for (let i = 1; i <= 2500; i++) assert.deepEqual(byId.get(i), { id: i, title: `t${i}`, done: i % 2, uuid: `todo-${i}` });
    assert.deepEqual([...(report.db.objectStoreNames as any)], ['todos'], 'no copy store left behind');
    report.db.close();
  });

  test('out-of-line autoIncrement keys become an in-line key path; null drops a record; key() re-keys out-of-line stores', async () => {
    const factory = newFactory();
    const log: IndexedDbMigration = { version: 1, name: 'log', up: (s) => s.createStore('log', { autoIncrement: true }) };
    const { db } = await new IndexedDbMigrator({ database: 'app', migrations: [log], indexedDB: factory }).open();
    const tx = db.transaction('log', 'readwrite');
    for (const line of ['a', 'b', 'c', 'd']) tx.objectStore('log').add({ line });
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
    const migrator = new IndexedDbMigrator({
      database: 'app',
      indexedDB: factory,
      migrations: [
        log,
        {
          version: 2,
          name: 'in-line ids, without c',
          up: (s) => s.changeStore('log', { keyPath: 'id', autoIncrement: true, transform: (r, key) => (r.line === 'c' ? null : { ...r, id: key }) }),
        },
        { version: 3, name: 'out-of-line, keyed by line', up: (s) => s.changeStore('log', { keyPath: null, autoIncrement: false, key: (r) => r.line }) },
      ],
    });
    const report = await migrator.open();
    const { keys, values } = await all(report.db, 'log');
    assert.deepEqual(keys, ['a', 'b', 'd']);
    assert.deepEqual(values, [
      { line: 'a', id: 1 },
      { line: 'b', id: 2 },
      { line: 'd', id: 4 },
    ]);
    const store = report.db.transaction('log').objectStore('log');
    assert.equal(store.keyPath, null);
    assert.equal(store.autoIncrement, false);
    report.db.close();
  });

  test('updateRecords rewrites records in place and deletes those the transform drops; a changed key is refused', async () => {
    const factory = newFactory();
    await seed(factory, 6);
    const update: IndexedDbMigration = {
      version: 2,
      name: 'titles upper-case, odd ids gone',
      up: (s) => s.updateRecords('todos', (t) => (t.id % 2 ? null : { ...t, title: t.title.toUpperCase() })),
    };
    const migrator = new IndexedDbMigrator({ database: 'app', migrations: [v1, update], indexedDB: factory });
    const progress: string[] = [];
    migrator.on('copy:progress', (p) => progress.push(`${p.copied}/${p.total}`));
    const report = await migrator.open();
    assert.deepEqual(progress, ['0/6', '6/6']);
    const { keys, values } = await all(report.db, 'todos');
    assert.deepEqual(keys, [2, 4, 6]);
    assert.deepEqual(values[0], { id: 2, title: 'T2', done: 0 });
    report.db.close();

    const rekey: IndexedDbMigration = { version: 3, name: 'new ids', up: (s) => s.updateRecords('todos', (t) => ({ ...t, id: t.id * 10 })) };
    const error = await codeOf(new IndexedDbMigrator({ database: 'app', migrations: [v1, update, rekey], indexedDB: factory }).open());
    assert.equal(error.code, 'MIGRATION_FAILED');
    assert.match(error.message, /updateRecords\("todos"\): the record at key 2 cannot be written back/);
    assert.equal((await migrator.status()).currentVersion, 2);
  });

  test('a transform that throws, returns undefined, or makes two records share a key leaves version 1 and every record', async () => {
    const cases: [string, IndexedDbMigration['up'], RegExp][] = [
      ['throws', (s) => s.changeStore('todos', { transform: (t) => (t.id === 7 ? JSON.parse('{') : t) }), /threw on the record at key 7/],
      ['undefined', (s) => s.changeStore('todos', { transform: (t) => void Object.assign(t, { x: 1 }) }), /returned undefined for the record at key 1/],
      ['duplicate', (s) => s.changeStore('todos', { keyPath: 'done' }), /the record at key 3 lands on a key/],
      ['no key', (s) => s.changeStore('todos', { keyPath: 'missing' }), /the record at key 1 cannot be stored/],
    ];
    for (const [label, up, message] of cases) {
      const factory = newFactory();
      await seed(factory, 10);
      const migrator = new IndexedDbMigrator({ database: 'app', migrations: [v1, { version: 2, name: label, up }], indexedDB: factory });
      const failed: string[] = [];
      migrator.on('failed', (e) => failed.push(e.version));
      const error = await codeOf(migrator.open());
      assert.equal(error.code, 'MIGRATION_FAILED', label);
      assert.match(error.message, message, label);
      assert.deepEqual(failed, ['2'], label);
      const { db } = await new IndexedDbMigrator({ database: 'app', migrations: [v1], indexedDB: factory }).open();
      assert.equal(db.version, 1, label);
      const { values } = await all(db, 'todos');
      assert.equal(values.length, 10, label);
      assert.deepEqual(values[0], { id: 1, title: 't1', done: 1 }, label);
      db.close();
    }
  });

  test('an index change; a unique index the data breaks aborts with a coded error', async () => {
    const factory = newFactory();
    await seed(factory, 10);
    const byTitle: IndexedDbMigration = {
      version: 2,
      name: 'byDone on title',
      up: (s) => s.changeIndex('todos', 'byDone', { keyPath: 'title', unique: true }),
    };
    const changed = new IndexedDbMigrator({
      database: 'app',
      indexedDB: factory,
      migrations: [v1, byTitle],
    });
    const { db } = await changed.open();
    const index = db.transaction('todos').objectStore('todos').index('byDone');
    assert.equal(index.keyPath, 'title');
    assert.equal(index.unique, true);
    db.close();

    const broken = new IndexedDbMigrator({
      database: 'app',
      indexedDB: factory,
      // done holds 0 and 1 only: the index cannot be unique.
      migrations: [v1, byTitle, { version: 3, name: 'unique done', up: (s) => s.changeIndex('todos', 'byDone', { keyPath: 'done', unique: true }) }],
    });
    const error = await codeOf(broken.open());
    assert.equal(error.code, 'MIGRATION_FAILED');
    assert.match(error.message, /from version 2 to 3 was aborted: ConstraintError/);
    assert.equal((await broken.status()).currentVersion, 2);
  });

  test('an older build meets a newer database: DATABASE_NEWER naming both versions', async () => {
    const factory = newFactory();
    (await new IndexedDbMigrator({ database: 'app', migrations: [v1, v2], indexedDB: factory }).open()).db.close();
    const old = new IndexedDbMigrator({ database: 'app', migrations: [v1], indexedDB: factory });
    const error = await codeOf(old.open());
    assert.equal(error.code, 'DATABASE_NEWER');
    assert.match(error.message, /at version 2, newer than this build .* version 1/);
    assert.deepEqual(error.details, { database: 'app', version: 2, latestVersion: 1 });
    assert.deepEqual(
      (await old.status()).problems.map((p) => p.code),
      ['DATABASE_NEWER'],
    );
  });

  test('blocked by a connection that never closes: LOCKED_BY_OTHER_TAB within the timeout, and the late upgrade is defused', async () => {
    const factory = newFactory();
    await seed(factory, 3);
    // An old build's connection: no onversionchange handler, so it never closes.
    const other = await request<IdbDatabase>(factory.open('app', 1) as any);
    const migrator = new IndexedDbMigrator({ database: 'app', migrations: [v1, v2], indexedDB: factory, timeoutMs: 200 });
    const shown: string[] = [];
    migrator.on('tab:blocked', (b) => shown.push(`tab:blocked ${b.lock}`));
    migrator.on('upgrade:blocked', (b) => shown.push(`upgrade:blocked ${b.from}->${b.to}`));
    const started = Date.now();
    const error = await codeOf(migrator.open());
    assert.equal(error.code, 'LOCKED_BY_OTHER_TAB');
    assert.equal(error.details.retryable, true);
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(shown, ['tab:blocked strata:indexeddb:app', 'upgrade:blocked 1->2']);
    other.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await migrator.status()).currentVersion, 1, 'the abandoned request did not upgrade once the other closed');
    const retried = await migrator.open();
    assert.equal(retried.version, 2);
    retried.db.close();
  });

  test('two opens at once (two tabs of the new build): the upgrade runs once, the second waits its turn', async () => {
    const factory = newFactory();
    await seed(factory, 100);
    const make = () => new IndexedDbMigrator({ database: 'app', migrations: [v1, v2], indexedDB: factory });
    const second = make();
    const waited: string[] = [];
    second.on('tab:blocked', (b) => waited.push(b.lock));
    const [one, two] = await Promise.all([make().open(), second.open()]);
    assert.deepEqual([one.results.length, two.results.length], [1, 0]);
    assert.equal(two.from, 2);
    assert.deepEqual(waited, ['strata:indexeddb:app']);
    one.db.close();
    two.db.close();
  });

  test("Strata's own connection closes for another upgrade instead of blocking it", async () => {
    const factory = newFactory();
    const first = new IndexedDbMigrator({ database: 'app', migrations: [v1], indexedDB: factory });
    const changes: string[] = [];
    first.on('versionchange', (c) => changes.push(`${c.from}->${c.to}`));
    const held = await first.open();
    const second = await new IndexedDbMigrator({ database: 'app', migrations: [v1, v2], indexedDB: factory, timeoutMs: 500 }).open();
    assert.equal(second.version, 2);
    assert.deepEqual(changes, ['1->2']);
    second.db.close();
    held.db.close();
  });
});

describe('indexedDbStore', () => {
  const migrations = () =>
    new MigrationManager<{ todos: { id: number; done?: boolean }[] }>()
      .register({ version: 1, description: 'todos', up: (d) => ({ todos: d?.todos ?? [] }), down: (d) => d })
      .register({ version: 2, description: 'done flag', up: (d) => ({ todos: d.todos.map((t) => ({ ...t, done: t.done ?? false })) }), down: (d) => d });

  test('migrates, reopens, rolls back, and keeps backups in the same object store', async () => {
    const factory = newFactory();
    const store = indexedDbStore({ key: 'state', indexedDB: factory });
    await store.write({ version: null, data: { todos: [{ id: 1 }] }, history: [] });
    const migrator = new DocumentMigrator({ store, migrations: migrations() });
    const report = await migrator.migrate();
    assert.equal(report.version, 2);
    assert.deepEqual(report.data, { todos: [{ id: 1, done: false }] });

    const reopened = new DocumentMigrator({ store: indexedDbStore({ key: 'state', indexedDB: factory }), migrations: migrations() });
    const status = await reopened.status();
    assert.deepEqual(
      status.migrations.map((m) => `${m.version}:${m.state}`),
      ['1:applied', '2:applied'],
    );
    assert.equal((await reopened.migrate()).written, false);
    assert.equal((await reopened.rollback({ to: 1 })).version, 1);
    assert.equal((await store.listBackups()).length, 2);
    assert.equal(store.description, 'indexeddb:strata/documents:state');
  });

  test('a value IndexedDB cannot clone fails the write and leaves the stored document', async () => {
    const factory = newFactory();
    const store = indexedDbStore({ key: 'state', indexedDB: factory, backups: { keep: 0 } });
    await store.write({ version: 1, data: { a: 1 }, history: [] });
    const error = await codeOf(store.write({ version: 2, data: { a: () => 1 }, history: [] }));
    assert.equal(error.code, 'STORE_WRITE_FAILED');
    assert.deepEqual((await store.read())?.data, { a: 1 });
  });

  test('in a database IndexedDbMigrator manages, a documents store made by a migration is used as it is (no version bump)', async () => {
    const factory = newFactory();
    const withDocuments: IndexedDbMigration = { version: 2, name: 'documents', up: (s) => s.createStore('documents') };
    const migrator = new IndexedDbMigrator({ database: 'app', migrations: [v1, withDocuments], indexedDB: factory });
    (await migrator.open()).db.close();
    const store = indexedDbStore({ key: 'state', database: 'app', indexedDB: factory });
    await store.write({ version: 1, data: { ok: true }, history: [] });
    assert.deepEqual((await store.read())?.data, { ok: true });
    assert.equal((await migrator.status()).currentVersion, 2);
    const again = await migrator.open();
    assert.equal(again.version, 2);
    again.db.close();
  });

  test('an existing database without the object store gets it by a version bump', async () => {
    const factory = newFactory();
    const db = await new Promise<IdbDatabase>((resolve) => {
      const r = factory.open('strata', 3);
      r.onupgradeneeded = () => r.result.createObjectStore('other');
      r.onsuccess = () => resolve(r.result);
    });
    db.close();
    const store = indexedDbStore({ key: 'state', indexedDB: factory });
    await store.write({ version: 1, data: { ok: true }, history: [] });
    assert.deepEqual((await store.read())?.data, { ok: true });
    const version = await new Promise<number>((resolve) => {
      const r = factory.open('strata');
      r.onsuccess = () => {
        resolve(r.result.version);
        r.result.close();
      };
    });
    assert.equal(version, 4);
  });
});
