/**
 * The document core (strata/document): MigrationManager's contract, layouts, key-value stores
 * and the DocumentMigrator's run (lock, plan, run, validate, back up, write once).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import {
  DocumentMigrator,
  MigrationManager,
  compareDocumentVersions,
  memoryStore,
  mementoStore,
  migrationManager,
  reduxPersist,
  StrataError,
  versionAt,
  versionKey,
  webStorageStore,
  type DocumentMigration,
  type MementoLike,
  type WebStorageLike,
} from '../src/document.js';

const addOne: DocumentMigration = { version: 1, description: 'one', up: (d) => ({ ...d, one: true }), down: ({ one: _, ...d }) => d };
const addTwo: DocumentMigration = { version: 2, description: 'two', up: (d) => ({ ...d, two: true }), down: ({ two: _, ...d }) => d };
const addThree: DocumentMigration = { version: 3, description: 'three', up: (d) => ({ ...d, three: true }), down: ({ three: _, ...d }) => d };

function manager(...migrations: DocumentMigration[]): MigrationManager {
  const m = new MigrationManager();
  for (const migration of migrations) m.register(migration);
  return m;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function strataError(code: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof StrataError, `expected a StrataError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

/** A spec-like Web Storage: strings only, with an optional quota in characters. */
class TestStorage implements WebStorageLike {
  readonly items = new Map<string, string>();
  constructor(private readonly quota = Infinity) {}
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    const used = [...this.items].reduce((n, [k, v]) => n + (k === key ? 0 : k.length + v.length), 0);
    if (used + key.length + value.length > this.quota) throw Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
    this.items.set(key, String(value));
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

describe('MigrationManager (seed 000)', () => {
  test('ups run ascending and downs descending, whatever the registration order', () => {
    const order: string[] = [];
    const m = new MigrationManager();
    for (const v of [3, 1, 2]) {
      m.register({ version: v, description: `v${v}`, up: (d) => (order.push(`up${v}`), d), down: (d) => (order.push(`down${v}`), d) });
    }
    m.applyMigrations(0, 3, {});
    m.applyMigrations(3, 1, {});
    assert.deepEqual(order, ['up1', 'up2', 'up3', 'down3', 'down2']);
    assert.equal(m.getLatestVersion(), 3);
  });

  test('the input is never mutated, even by steps that mutate their argument', () => {
    const m = manager({ version: 1, description: 'mutates', up: (d) => (d.list.push(1), (d.flag = true), d), down: (d) => d });
    const input = { list: [] as number[] };
    const output = m.applyMigrations(0, 1, input);
    assert.deepEqual(input, { list: [] });
    assert.deepEqual(output, { list: [1], flag: true });
    assert.deepEqual(manager(addOne).applyMigrations(0, 1, deepFreeze({ a: 1 })), { a: 1, one: true });
  });

  test('a failing step throws MIGRATION_FAILED naming the version and direction', () => {
    const m = manager(addOne, {
      version: 2,
      description: 'breaks',
      up: () => {
        throw new Error('boom');
      },
      down: () => {
        throw new Error('no way back');
      },
    });
    assert.throws(
      () => m.applyMigrations(0, 2, {}),
      (error: unknown) => {
        strataError('MIGRATION_FAILED', /migration 2 \("breaks"\) up\(\) threw: boom/)(error);
        const e = error as StrataError;
        assert.deepEqual(e.details, { version: 2, direction: 'up' });
        assert.deepEqual(
          e.results.map((r) => [r.version, r.status]),
          [
            ['1', 'applied'],
            ['2', 'failed'],
          ],
        );
        return true;
      },
    );
    assert.throws(() => m.applyMigrations(2, 1, {}), strataError('MIGRATION_FAILED', /down\(\) threw: no way back/));
  });

  test('a missing down, a duplicate version or an unknown target is an error before anything runs', () => {
    let ran = 0;
    const counting = (version: number, down = true): DocumentMigration => ({
      version,
      description: `v${version}`,
      up: (d) => (ran++, d),
      ...(down ? { down: (d: unknown) => (ran++, d) } : {}),
    });
    const m = manager(counting(1, false), counting(2), counting(3));
    assert.throws(() => m.applyMigrations(3, 0, {}), strataError('MIGRATION_DOWN_MISSING', /migration 1 \("v1"\)/));
    assert.throws(() => m.applyMigrations(0, 7, {}), strataError('VERSION_UNKNOWN', /no migration has version 7/));
    assert.throws(() => m.applyMigrations(9, 3, {}), strataError('DOCUMENT_NEWER', /version 9, newer than the latest migration this app knows \(3\)/));
    assert.throws(() => m.register(counting(2)), strataError('MIGRATION_VERSION_DUPLICATE', /version 2 is registered twice/));
    assert.throws(() => m.register({ version: '2', description: 'text two', up: (d) => d }), strataError('MIGRATION_VERSION_DUPLICATE'));
    assert.equal(ran, 0);
    assert.deepEqual(m.applyMigrations(3, 1, {}), {});
    assert.equal(ran, 2);
  });

  test('bad registrations are clear errors', () => {
    const m = new MigrationManager();
    assert.throws(() => m.register({ version: 1.5, description: 'x', up: (d) => d }), strataError('MIGRATION_INVALID', /1.5 is not a version/));
    assert.throws(() => m.register({ version: 'two', description: 'x', up: (d) => d }), strataError('MIGRATION_INVALID'));
    assert.throws(() => m.register({ version: 1, description: 'x' } as never), strataError('MIGRATION_INVALID', /no up\(\) function/));
    m.register({ version: 1, description: 'int', up: (d) => d });
    assert.throws(
      () => m.register({ version: '2.0.0', description: 'semver', up: (d) => d }),
      strataError('MIGRATION_INVALID', /one kind of version|integer versions/),
    );
  });

  test('semver versions order numerically: 2.10.0 after 2.9.0, pre-releases before releases', () => {
    const order: string[] = [];
    const m = new MigrationManager();
    for (const v of ['2.10.0', '1.0.0', '2.9.0', '2.10.0-beta.2', '2.10.0-beta.10']) m.register({ version: v, description: v, up: (d) => (order.push(v), d) });
    m.applyMigrations('0.0.0', '2.10.0', {});
    assert.deepEqual(order, ['1.0.0', '2.9.0', '2.10.0-beta.2', '2.10.0-beta.10', '2.10.0']);
    assert.equal(m.getLatestVersion(), '2.10.0');
    assert.ok(compareDocumentVersions('10.0.0', '9.99.99') > 0);
    assert.throws(() => m.applyMigrations(0, '2.9.0', {}), strataError('VERSION_UNKNOWN', /integer version but the migrations use semver/));
  });

  test('async steps: applyMigrations refuses them, applyMigrationsAsync runs them', async () => {
    const m = manager(addOne, {
      version: 2,
      description: 'async',
      up: async (d) => ({ ...d, two: await Promise.resolve(2) }),
      down: async ({ two: _, ...d }) => d,
    });
    assert.throws(() => m.applyMigrations(0, 2, {}), strataError('MIGRATION_ASYNC', /migration 2 \("async"\) up\(\) returned a promise/));
    assert.deepEqual(await m.applyMigrationsAsync(0, 2, {}), { one: true, two: 2 });
    assert.deepEqual(await m.applyMigrationsAsync(2, 0, { one: true, two: 2 }), {});
    await assert.rejects(m.applyMigrationsAsync(0, 2, { bad: () => 1 }), strataError('DOCUMENT_INVALID', /cannot be copied/));
  });

  test('a step that forgets to return its data is caught', () => {
    const m = manager({ version: 1, description: 'forgets', up: (d) => void (d.x = 1) as never });
    assert.throws(() => m.applyMigrations(0, 1, {}), strataError('MIGRATION_FAILED', /returned undefined/));
  });

  test('Standard Schema validation (zod) after each step lists the failing paths', async () => {
    const v1 = z.object({ sessions: z.record(z.string(), z.object({ title: z.string() })) });
    const v2 = z.object({ sessions: z.record(z.string(), z.object({ title: z.string(), createdAt: z.number() })) });
    const m = manager(
      { version: 1, description: 'sessions', up: (d) => ({ sessions: d.sessions ?? {} }), down: (d) => d, schema: v1 },
      { version: 2, description: 'timestamps', up: (d) => d /* forgets createdAt */, down: (d) => d, schema: v2 },
    );
    const data = { sessions: { a: { title: 'A' } } };
    assert.deepEqual(m.applyMigrations(0, 1, data), data);
    assert.throws(
      () => m.applyMigrations(0, 2, data),
      (error: unknown) => {
        strataError('VALIDATION_FAILED', /sessions\.a\.createdAt/)(error);
        const issues = (error as StrataError).details.issues as string[];
        assert.equal(issues.length, 1);
        assert.match(issues[0]!, /^sessions\.a\.createdAt: /);
        return true;
      },
    );
    await assert.rejects(m.applyMigrationsAsync(0, 2, data), strataError('VALIDATION_FAILED'));
    // Going down validates against the version reached.
    assert.throws(() => m.applyMigrations(2, 1, { sessions: { a: { createdAt: 1 } } }), strataError('VALIDATION_FAILED', /sessions\.a\.title/));
  });

  test('the ready migrationManager instance exists and starts empty', () => {
    assert.ok(migrationManager instanceof MigrationManager);
    assert.equal(migrationManager.getLatestVersion(), 0);
  });
});

describe('DocumentMigrator on a memory store', () => {
  test('migrate: runs pending steps, writes once with history and a backup; a second run does nothing', async () => {
    const store = memoryStore({ initial: { version: 1, data: { one: true }, history: [] } });
    const writes: unknown[] = [];
    const originalWrite = store.write.bind(store);
    store.write = async (document) => (writes.push(document), originalWrite(document));
    const migrator = new DocumentMigrator({ store, migrations: [addOne, addTwo, addThree], now: () => new Date('2026-01-02T03:04:05Z') });
    const events: string[] = [];
    for (const name of ['lock:acquired', 'plan', 'migrating', 'migrated', 'backup', 'done'] as const) migrator.on(name, () => events.push(name));
    const report = await migrator.migrate();
    assert.equal(writes.length, 1);
    assert.deepEqual([report.from, report.version, report.written], [1, 3, true]);
    assert.deepEqual(report.data, { one: true, two: true, three: true });
    assert.deepEqual(events, ['lock:acquired', 'plan', 'migrating', 'migrated', 'migrating', 'migrated', 'backup', 'done']);
    const stored = store.map.get('document') as { version: number; history: { version: number; direction: string; at: string; checksum: string }[] };
    assert.equal(stored.version, 3);
    assert.deepEqual(
      stored.history.map((h) => [h.version, h.direction, h.at]),
      [
        [2, 'up', '2026-01-02T03:04:05.000Z'],
        [3, 'up', '2026-01-02T03:04:05.000Z'],
      ],
    );
    assert.match(stored.history[0]!.checksum, /^cyrb53:[0-9a-f]{14}$/);
    assert.deepEqual(
      (await store.listBackups()).map((b) => b.version),
      [1],
    );
    const again = await migrator.migrate();
    assert.equal(again.written, false);
    assert.equal(writes.length, 1);
  });

  test('a failing step leaves the stored document exactly as it was, and no backup is taken', async () => {
    const initial = { version: 1, data: { one: true, nested: { list: [1, 2] } }, history: [] };
    const store = memoryStore({ initial });
    const failing = {
      version: 3,
      description: 'half',
      up: (d: any) => {
        d.nested.list.push(3);
        throw new Error('halfway');
      },
    };
    const migrator = new DocumentMigrator({ store, migrations: [addOne, addTwo, failing] });
    const failed: string[] = [];
    migrator.on('failed', (e) => failed.push(`${e.version} ${e.direction}`));
    await assert.rejects(migrator.migrate(), strataError('MIGRATION_FAILED', /migration 3 \("half"\) up\(\) threw: halfway/));
    assert.deepEqual(store.map.get('document'), initial);
    assert.deepEqual([...store.map.keys()], ['document']);
    assert.deepEqual(failed, ['3 up']);
  });

  test('rollback: one step by default, to a version, or to the base', async () => {
    const store = memoryStore({ initial: { a: 1 } });
    const migrator = new DocumentMigrator({ store, migrations: [addOne, addTwo, addThree] });
    assert.equal((await migrator.migrate()).version, 3);
    assert.equal((await migrator.rollback()).version, 2);
    assert.equal((await migrator.rollback({ to: 1 })).version, 1);
    const last = await migrator.rollback({ steps: 5 });
    assert.equal(last.version, 0);
    assert.deepEqual(last.data, { a: 1 });
    await assert.rejects(migrator.rollback({ to: 2 }), strataError('USAGE', /goes down/));
    await assert.rejects(migrator.rollback({ to: 1, steps: 1 }), strataError('USAGE'));
    const status = await migrator.status();
    assert.deepEqual(
      status.history.map((h) => `${h.direction}${h.version}`),
      ['up1', 'up2', 'up3', 'down3', 'down2', 'down1'],
    );
  });

  test('status: applied, pending, changed code, and data newer than the app', async () => {
    const store = memoryStore({ initial: { a: 1 } });
    await new DocumentMigrator({ store, migrations: [addOne, addTwo] }).migrate();
    const edited = { ...addTwo, up: (d: any) => ({ ...d, two: 'edited' }) };
    const status = await new DocumentMigrator({ store, migrations: [addOne, edited, addThree] }).status();
    assert.deepEqual(
      status.migrations.map((m) => `${m.version}:${m.state}`),
      ['1:applied', '2:changed', '3:pending'],
    );
    assert.equal(status.pending, 1);
    assert.deepEqual(
      status.problems.map((p) => p.code),
      ['CHECKSUM_MISMATCH'],
    );
    const older = new DocumentMigrator({ store, migrations: [addOne] });
    assert.deepEqual(
      (await older.status()).problems.map((p) => p.code),
      ['DOCUMENT_NEWER'],
    );
    await assert.rejects(older.migrate(), strataError('DOCUMENT_NEWER'));
  });

  test('an empty store stays empty unless initial data is given', async () => {
    const empty = memoryStore();
    const report = await new DocumentMigrator({ store: empty, migrations: [addOne] }).migrate();
    assert.deepEqual([report.written, report.version, report.data], [false, null, undefined]);
    assert.equal(empty.map.size, 0);
    const seeded = memoryStore();
    const fresh = await new DocumentMigrator({ store: seeded, migrations: [addOne, addTwo], initial: () => ({ fresh: true }) }).migrate();
    assert.deepEqual([fresh.version, fresh.backup, fresh.data], [2, null, { fresh: true, one: true, two: true }]);
  });

  test('migrations run one at a time per store (in-process lock)', async () => {
    const store = memoryStore({ initial: { n: 0 } });
    let inside = 0;
    let most = 0;
    const slow: DocumentMigration = {
      version: 1,
      description: 'slow',
      up: async (d) => {
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 20));
        inside--;
        return { n: d.n + 1 };
      },
    };
    const waited: string[] = [];
    const migrators = [0, 1, 2].map(() => new DocumentMigrator({ store, migrations: [slow] }));
    migrators.forEach((m) => m.on('lock:waiting', () => waited.push('waiting')));
    const reports = await Promise.all(migrators.map((m) => m.migrate()));
    assert.equal(most, 1);
    assert.deepEqual(reports.map((r) => r.written).sort(), [false, false, true]);
    assert.deepEqual((store.map.get('document') as { data: unknown }).data, { n: 1 });
    assert.equal(waited.length, 2);
  });

  test('lock timeout is a LOCK_TIMEOUT error and the queue moves on', async () => {
    const store = memoryStore({ initial: { n: 0 } });
    let finish!: () => void;
    const blocker: DocumentMigration = { version: 1, description: 'blocks', up: (d) => new Promise((r) => (finish = () => r(d))) };
    const first = new DocumentMigrator({ store, migrations: [blocker] }).migrate();
    await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(new DocumentMigrator({ store, migrations: [blocker], lockTimeoutMs: 30 }).migrate(), strataError('LOCK_TIMEOUT'));
    finish();
    assert.equal((await first).version, 1);
    assert.equal((await new DocumentMigrator({ store, migrations: [blocker] }).migrate()).written, false);
  });

  test('backups keep the newest N and restore the exact stored value', async () => {
    const store = memoryStore({ initial: { a: 0 }, backups: { keep: 2 } });
    const migrator = new DocumentMigrator({ store, migrations: [addOne, addTwo, addThree] });
    const before = structuredClone(store.map.get('document'));
    await migrator.migrate({ to: 1 });
    await migrator.migrate({ to: 2 });
    await migrator.migrate({ to: 3 });
    const backups = await store.listBackups();
    assert.deepEqual(
      backups.map((b) => b.version),
      [1, 2],
    );
    assert.equal([...store.map.keys()].filter((k) => k.startsWith('document:backup:')).length, 2);
    await assert.rejects(store.restoreBackup('nope'), strataError('BACKUP_NOT_FOUND'));
    await store.restoreBackup(backups[0]!.id);
    assert.equal((store.map.get('document') as { version: number }).version, 1);
    const first = memoryStore({ initial: before });
    assert.deepEqual((await first.read())!.data, { a: 0 });
  });
});

describe('layouts and key-value stores', () => {
  test('Web Storage with the envelope layout: JSON text, legacy unversioned data, corrupt JSON named', async () => {
    const storage = new TestStorage();
    storage.setItem('app', JSON.stringify({ legacy: true }));
    const store = webStorageStore(storage, { key: 'app', name: 'localStorage', backups: { keep: 1 } });
    const report = await new DocumentMigrator({ store, migrations: [addOne] }).migrate();
    assert.equal(report.from, null);
    const stored = JSON.parse(storage.getItem('app')!);
    assert.deepEqual([stored.version, stored.data], [1, { legacy: true, one: true }]);
    assert.deepEqual(JSON.parse(storage.getItem(report.backup!.location)!).main, { legacy: true });
    storage.setItem('broken', '{"version": 1,');
    await assert.rejects(
      webStorageStore(storage, { key: 'broken', name: 'localStorage' }).read(),
      strataError('DOCUMENT_INVALID', /localStorage:broken does not hold JSON/),
    );
  });

  test('a full Web Storage fails the backup, and nothing is migrated', async () => {
    const storage = new TestStorage(400);
    storage.setItem('app', JSON.stringify({ version: 0, data: { text: 'x'.repeat(150) }, history: [] }));
    const before = new Map(storage.items);
    const store = webStorageStore(storage, { key: 'app' });
    await assert.rejects(new DocumentMigrator({ store, migrations: [addOne] }).migrate(), strataError('BACKUP_FAILED', /quota/));
    assert.deepEqual(storage.items, before);
    const noBackup = webStorageStore(storage, { key: 'app', backups: { keep: 0 } });
    assert.equal((await new DocumentMigrator({ store: noBackup, migrations: [addOne] }).migrate()).version, 1);
  });

  test('versionKey keeps the data as it is and the version beside it', async () => {
    const storage = new TestStorage();
    storage.setItem('settings', JSON.stringify({ theme: 'dark' }));
    const store = webStorageStore(storage, { key: 'settings', layout: versionKey(), backups: { keep: 0 } });
    await new DocumentMigrator({ store, migrations: [addOne, addTwo] }).migrate();
    assert.deepEqual(JSON.parse(storage.getItem('settings')!), { theme: 'dark', one: true, two: true });
    assert.equal(JSON.parse(storage.getItem('settings:version')!).version, 2);
  });

  test('versionAt reads and writes a version inside the data, history in a sibling key', async () => {
    const memento = new Map<string, unknown>();
    const like: MementoLike = {
      get: <T>(k: string) => memento.get(k) as T,
      update: async (k, v) => void (v === undefined ? memento.delete(k) : memento.set(k, structuredClone(v))),
    };
    memento.set('state', { meta: { schema: 1 }, one: true });
    const store = mementoStore(like, { key: 'state', layout: versionAt('meta.schema'), backups: { keep: 0 } });
    await new DocumentMigrator({ store, migrations: [addOne, addTwo, addThree] }).migrate();
    assert.deepEqual(memento.get('state'), { meta: { schema: 3 }, one: true, two: true, three: true });
    assert.deepEqual(
      (memento.get('state:strata-history') as { version: number }[]).map((h) => h.version),
      [2, 3],
    );
  });

  test('reduxPersist decodes and re-encodes the double-encoded state', async () => {
    const storage = new TestStorage();
    storage.setItem('persist:root', JSON.stringify({ todos: JSON.stringify([{ text: 'a' }]), _persist: JSON.stringify({ version: -1, rehydrated: true }) }));
    const store = webStorageStore(storage, { key: 'persist:root', layout: reduxPersist(), backups: { keep: 0 } });
    const renameTodos: DocumentMigration = {
      version: 1,
      description: 'todos -> items',
      up: ({ todos, ...rest }) => ({ ...rest, items: todos }),
      down: ({ items, ...rest }) => ({ ...rest, todos: items }),
    };
    await new DocumentMigrator({ store, migrations: [renameTodos] }).migrate();
    const outer = JSON.parse(storage.getItem('persist:root')!);
    assert.deepEqual(Object.keys(outer).sort(), ['_persist', 'items']);
    assert.deepEqual(JSON.parse(outer.items), [{ text: 'a' }]);
    assert.deepEqual(JSON.parse(outer._persist), { version: 1, rehydrated: true });
  });

  test('a stored version that is not a version is DOCUMENT_INVALID', async () => {
    const store = memoryStore({ initial: { version: 'next', data: {}, history: [] } });
    await assert.rejects(store.read(), strataError('DOCUMENT_INVALID', /"next" is not a version/));
  });
});
