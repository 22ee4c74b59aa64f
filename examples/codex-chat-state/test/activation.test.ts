/**
 * The extension side: activate() over a VS Code Memento-like globalState (VS Code itself cannot
 * run here: see in-memory-memento.ts), migrating with Strata's mementoStore + DocumentMigrator.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DocumentMigrator, MigrationManager, mementoStore, type DocumentMigration, type HistoryEntry } from 'strata-migrate/document';
import { activate } from '../src/extension.js';
import { createMigrationManager } from '../src/state/migrations.js';
import { CHAT_STATE_KEY, ChatStateStore } from '../src/state/session-store.js';
import type { AnyPersistedState, PersistedStateV2 } from '../src/types/chat.js';
import type { Window } from '../src/vscode.js';
import { InMemoryMemento } from './in-memory-memento.js';
import { HISTORY_AT, MIGRATED_AT, corruptLegacyState, legacyState, migratedState, strataError } from './fixtures.js';

const BACKUPS = `${CHAT_STATE_KEY}:backups`;
const OTHER = { 'codex.apiKeyHint': 'sk-…1234', 'codex.welcomeShown': true };

/** What a test activation uses: fixed clocks, and a window that records error messages. */
function setup(globalState: InMemoryMemento, manager = createMigrationManager({ now: () => MIGRATED_AT })) {
  const shown: string[] = [];
  const window: Window = { showErrorMessage: async (message) => (shown.push(message), undefined) };
  const context = { globalState, subscriptions: [] };
  return { shown, manager, activate: () => activate(context, { window, migrations: manager, now: () => HISTORY_AT }) };
}

function history(manager: ReturnType<typeof createMigrationManager>, ...steps: [number, 'up' | 'down'][]): HistoryEntry[] {
  return steps.map(([version, direction]) => {
    const m = manager.list().find((r) => r.version === version)!;
    return { version, name: m.name, direction, at: HISTORY_AT.toISOString(), checksum: m.checksum };
  });
}

/** Version 3, as a newer build of the extension would have it (async, like a real one may be). */
const streamingFlag: DocumentMigration<AnyPersistedState> = {
  version: 3,
  description: 'Add new feature flag',
  up: async (data) => ({ ...(data as object), features: await Promise.resolve({ streaming: true }) }) as never,
  down: async ({ features: _, ...data }: any) => data,
};

describe('activation over globalState', () => {
  test('state from an older build is migrated once; a second activation is a no-op', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: legacyState(), ...OTHER });
    const { manager, activate, shown } = setup(memento);

    const first = await activate();
    assert.deepEqual(first.sessions.state, migratedState());
    const [backup, ...more] = memento.get<{ id: string; at: string; version: null; location: string }[]>(BACKUPS)!;
    assert.equal(more.length, 0);
    assert.match(backup!.id, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const backupKey = `${CHAT_STATE_KEY}:backup:${backup!.id}`;
    assert.deepEqual(backup, { id: backup!.id, at: backup!.id, version: null, location: backupKey });
    assert.deepEqual(memento.snapshot(), {
      [CHAT_STATE_KEY]: { version: 2, data: migratedState(), history: history(manager, [1, 'up'], [2, 'up']) },
      ...OTHER,
      [backupKey]: { main: legacyState(), siblings: {} }, // the exact value from before
      [BACKUPS]: [backup],
    });
    // One write of the state, after the backup.
    assert.deepEqual(
      memento.updates.map(([key]) => key),
      [backupKey, BACKUPS, CHAT_STATE_KEY],
    );

    const before = memento.snapshot();
    const second = await activate();
    assert.deepEqual(second.sessions.state, migratedState());
    assert.equal(memento.updates.length, 3);
    assert.deepEqual(memento.snapshot(), before);
    assert.deepEqual(shown, []);
  });

  test('the migration report: from unversioned to 2, written, with a backup; then nothing to do', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: legacyState() });
    const manager = createMigrationManager({ now: () => MIGRATED_AT });
    const store = new ChatStateStore(memento, { migrations: manager, now: () => HISTORY_AT });
    assert.equal(await store.getCurrentDataVersion(), 0);
    const report = await store.initialize();
    assert.deepEqual(
      [report.direction, report.from, report.version, report.written, report.backup?.version, report.data],
      ['up', null, 2, true, null, migratedState()],
    );
    assert.deepEqual(
      report.results.map((r) => [r.version, r.name, r.direction, r.status]),
      [
        ['1', 'Initial Schema', 'up', 'applied'],
        ['2', 'Add Timestamp Fields', 'up', 'applied'],
      ],
    );
    assert.equal(await store.getCurrentDataVersion(), 2);
    const again = await new ChatStateStore(memento, { migrations: manager }).initialize();
    assert.deepEqual([again.from, again.version, again.written, again.backup, again.results], [2, 2, false, null, []]);
  });

  test('a new install stores nothing on activation; the first save writes version 2', async () => {
    const memento = new InMemoryMemento(OTHER);
    const { activate } = setup(memento);
    const { sessions } = await activate();
    assert.deepEqual(sessions.state, { sessions: {}, currentSessionId: null });
    assert.deepEqual(memento.updates, []);
    assert.deepEqual(await sessions.status().then((s) => [s.exists, s.currentVersion, s.pending]), [false, null, 2]);

    const state: PersistedStateV2 = {
      sessions: { n1: { id: 'n1', title: 'First', messages: [{ id: 'a', role: 'user', content: 'hello', timestamp: 7 }], createdAt: 7, updatedAt: 7 } },
      currentSessionId: 'n1',
    };
    await sessions.save(state);
    assert.deepEqual(memento.snapshot(), { ...OTHER, [CHAT_STATE_KEY]: { version: 2, data: state, history: [] } });
    assert.equal(memento.updates.length, 1);
    const again = await activate();
    assert.deepEqual(again.sessions.state, state);
    assert.equal(memento.updates.length, 1);
  });

  test('save after migrating keeps the version and the history, and changes only the state', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: legacyState() });
    const { manager, activate } = setup(memento);
    const { sessions } = await activate();
    const next = structuredClone(sessions.state);
    next.sessions.s2!.messages.push({ id: 'm3', role: 'user', content: 'Any tests?', timestamp: MIGRATED_AT + 1 });
    next.sessions.s2!.updatedAt = MIGRATED_AT + 1;
    next.currentSessionId = 's2';
    await sessions.save(next);
    assert.deepEqual(memento.get(CHAT_STATE_KEY), { version: 2, data: next, history: history(manager, [1, 'up'], [2, 'up']) });
    assert.deepEqual(sessions.state, next);
    next.currentSessionId = 'changed after save';
    assert.equal(sessions.state.currentSessionId, 's2'); // save kept a copy
    assert.equal(memento.updates.length, 4); // backup, index, migrated state, saved state
  });

  test('a failing step is MIGRATION_FAILED naming version and direction, and nothing is written to globalState', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: corruptLegacyState(), ...OTHER });
    const before = memento.snapshot();
    const { activate, shown } = setup(memento);
    const failed = 'migration 2 ("Add Timestamp Fields") up() threw: session "s9" has no messages list (got string "oops")';
    await assert.rejects(activate(), strataError('MIGRATION_FAILED', failed, { version: 2, direction: 'up' }));
    assert.deepEqual(memento.updates, []);
    assert.deepEqual(memento.snapshot(), before);
    assert.deepEqual(shown, [`Codex: the chat history could not be loaded: ${failed} (nothing was written; fix up() of migration 2 and run again)`]);
  });

  test('a failing down (rollback) is MIGRATION_FAILED for version 2 down, and nothing is written', async () => {
    const stored = { version: 2, data: { sessions: { s9: { id: 's9', title: 'Broken', createdAt: 1, updatedAt: 1 } }, currentSessionId: null }, history: [] };
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: stored });
    const { activate } = setup(memento);
    const { sessions } = await activate(); // already at 2: nothing runs
    await assert.rejects(
      sessions.migrator.rollback({ to: 0 }),
      strataError('MIGRATION_FAILED', 'migration 2 ("Add Timestamp Fields") down() threw: session "s9" has no messages list (got undefined)', {
        version: 2,
        direction: 'down',
      }),
    );
    assert.deepEqual(memento.updates, []);
    assert.deepEqual(memento.snapshot(), { [CHAT_STATE_KEY]: stored });
  });

  test('state newer than this build is DOCUMENT_NEWER, and the stored state is untouched', async () => {
    const newer = {
      version: 3,
      data: { ...migratedState(), features: { streaming: true } },
      history: [{ version: 3, name: 'Add new feature flag', direction: 'up', at: '2025-02-01T00:00:00.000Z' }],
    };
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: newer, ...OTHER });
    const before = memento.snapshot();
    const { activate, shown } = setup(memento);
    const message = 'the data is at version 3, newer than the latest migration this app knows (2)';
    await assert.rejects(activate(), strataError('DOCUMENT_NEWER', message, { version: 3, latest: 2 }));
    assert.deepEqual(memento.updates, []);
    assert.deepEqual(memento.snapshot(), before);
    assert.equal(shown.length, 1);
    assert.match(
      shown[0]!,
      /^Codex: the chat history could not be loaded: the data is at version 3, newer than the latest migration this app knows \(2\) \(an older build/,
    );
    const store = new ChatStateStore(memento);
    assert.deepEqual((await store.status()).problems, [{ code: 'DOCUMENT_NEWER', message: 'the data is at version 3, newer than the latest migration (2)' }]);
    assert.throws(() => store.state, /call initialize\(\) before reading/);
    await assert.rejects(store.save(migratedState()), /call initialize\(\) before saving/);
    assert.deepEqual(memento.snapshot(), before);
  });

  test('save refuses (DOCUMENT_NEWER) when a newer build migrated the state in the meantime', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: legacyState() });
    const older = await setup(memento).activate();
    const newerManager = createMigrationManager({ now: () => MIGRATED_AT });
    newerManager.register(streamingFlag);
    const newer = await setup(memento, newerManager).activate(); // another window, updated build
    assert.deepEqual(newer.sessions.state, { ...migratedState(), features: { streaming: true } });
    const before = memento.snapshot();
    const updates = memento.updates.length;
    await assert.rejects(
      older.sessions.save(migratedState()),
      strataError('DOCUMENT_NEWER', 'globalState:codex.chatState is at version 3, but this build saves version 2; nothing was written'),
    );
    assert.equal(memento.updates.length, updates);
    assert.deepEqual(memento.snapshot(), before);
  });

  test('an unknown target version is VERSION_UNKNOWN before anything runs or is written', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: legacyState() });
    const store = new ChatStateStore(memento, { migrations: createMigrationManager({ now: () => MIGRATED_AT }) });
    await assert.rejects(store.migrator.migrate({ to: 5 }), strataError('VERSION_UNKNOWN', 'no migration has version 5 (the target version)'));
    assert.deepEqual(memento.updates, []);
    assert.deepEqual(memento.snapshot(), { [CHAT_STATE_KEY]: legacyState() });
  });

  test('async migrations run on activation: version 3 is written once', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: legacyState() });
    const manager = createMigrationManager({ now: () => MIGRATED_AT });
    manager.register(streamingFlag);
    const { sessions } = await setup(memento, manager).activate();
    const expected = { ...migratedState(), features: { streaming: true } };
    assert.deepEqual(sessions.state, expected);
    assert.deepEqual(memento.get(CHAT_STATE_KEY), { version: 3, data: expected, history: history(manager, [1, 'up'], [2, 'up'], [3, 'up']) });
    assert.equal(memento.updates.filter(([key]) => key === CHAT_STATE_KEY).length, 1);
  });

  test('status and history after migrating, rolling back and migrating again', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: legacyState() });
    const { manager, activate } = setup(memento);
    const fresh = new ChatStateStore(memento, { migrations: manager });
    const pending = await fresh.status();
    assert.deepEqual(pending, {
      target: 'globalState:codex.chatState',
      exists: true,
      currentVersion: null,
      latestVersion: 2,
      pending: 2,
      migrations: [
        { version: 1, name: 'Initial Schema', state: 'pending' },
        { version: 2, name: 'Add Timestamp Fields', state: 'pending' },
      ],
      history: [],
      problems: [],
    });

    const { sessions } = await activate();
    assert.deepEqual(await sessions.status(), {
      ...pending,
      currentVersion: 2,
      pending: 0,
      migrations: [
        { version: 1, name: 'Initial Schema', state: 'applied' },
        { version: 2, name: 'Add Timestamp Fields', state: 'applied' },
      ],
      history: history(manager, [1, 'up'], [2, 'up']),
    });

    const back = await sessions.migrator.rollback();
    assert.deepEqual([back.from, back.version, back.data], [2, 1, legacyState()]);
    assert.deepEqual(memento.get(CHAT_STATE_KEY), { version: 1, data: legacyState(), history: history(manager, [1, 'up'], [2, 'up'], [2, 'down']) });
    const after = await sessions.status();
    assert.deepEqual([after.currentVersion, after.pending, after.migrations.map((m) => m.state)], [1, 1, ['applied', 'pending']]);
    assert.equal(await sessions.getCurrentDataVersion(), 1);

    await activate(); // the next activation brings it back up
    assert.deepEqual((await sessions.status()).history, history(manager, [1, 'up'], [2, 'up'], [2, 'down'], [2, 'up']));
    assert.equal((await sessions.status()).currentVersion, 2);
  });

  test('status reports a migration whose code changed since it ran', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: legacyState() });
    await setup(memento).activate();
    const edited = createMigrationManager({ now: () => MIGRATED_AT });
    const [one, two] = edited.list();
    const changed = new MigrationManager<AnyPersistedState>();
    changed.register(one!);
    changed.register({ ...two!, up: (data) => two!.up(data) });
    const status = await new ChatStateStore(memento, { migrations: changed }).status();
    assert.deepEqual(
      status.migrations.map((m) => m.state),
      ['applied', 'changed'],
    );
    assert.deepEqual(status.problems, [{ code: 'CHECKSUM_MISMATCH', message: 'migration 2 ("Add Timestamp Fields") changed since it was applied' }]);
  });
});

describe('steps that modify their argument, over a VS Code Memento', () => {
  /** A step written the mutating way, then a step that fails. */
  function mutatingThenFailing(): DocumentMigration<any>[] {
    return [
      {
        version: 1,
        description: 'stamp in place',
        up: (data) => {
          data.sessions.s1.createdAt = 1;
          return data;
        },
        down: (data) => data,
      },
      {
        version: 2,
        description: 'fails',
        up: () => {
          throw new Error('boom');
        },
        down: (data) => data,
      },
    ];
  }

  test('through ChatStateStore, a failed run leaves globalState exactly as it was', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: legacyState() });
    const mutating = new MigrationManager<any>();
    for (const m of mutatingThenFailing()) mutating.register(m);
    await assert.rejects(new ChatStateStore(memento, { migrations: mutating }).initialize(), strataError('MIGRATION_FAILED', /boom/));
    assert.deepEqual(memento.get(CHAT_STATE_KEY), legacyState());
    assert.deepEqual(memento.updates, []);
  });

  test('mementoStore used directly: a failed run leaves the live Memento value as it was', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: legacyState() });
    const migrator = new DocumentMigrator({ store: mementoStore(memento, { key: CHAT_STATE_KEY }), migrations: mutatingThenFailing() });
    await assert.rejects(migrator.migrate(), strataError('MIGRATION_FAILED', /boom/));
    assert.deepEqual(memento.updates, []);
    assert.deepEqual(memento.get(CHAT_STATE_KEY), legacyState());
  });

  test('mementoStore used directly: the backup taken before the write holds the state as it was', async () => {
    const memento = new InMemoryMemento({ [CHAT_STATE_KEY]: legacyState() });
    const [stamp] = mutatingThenFailing();
    const migrator = new DocumentMigrator({ store: mementoStore(memento, { key: CHAT_STATE_KEY }), migrations: [stamp!] });
    const report = await migrator.migrate();
    assert.equal(report.written, true);
    assert.deepEqual(memento.get(`${CHAT_STATE_KEY}:backup:${report.backup!.id}`), { main: legacyState(), siblings: {} });
  });
});
