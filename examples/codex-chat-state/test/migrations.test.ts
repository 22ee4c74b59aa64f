/**
 * The migrations module on its own: Strata's MigrationManager with the seed's API
 * (register / applyMigrations / getLatestVersion) and the two implemented migrations.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MigrationManager, type StrataError, type DocumentMigration } from 'strata-migrate/document';
import { chatStateMigrations, createMigrationManager, initialSchema, migrationManager, type Migration } from '../src/state/migrations.js';
import type { AnyPersistedState, PersistedStateV2 } from '../src/types/chat.js';
import { MIGRATED_AT, corruptLegacyState, deepFreeze, legacyState, migratedState, strataError } from './fixtures.js';

const now = () => MIGRATED_AT;

/** The app's migrations with every up/down call recorded in `calls`. */
function traced(calls: string[], migrations: Migration[] = chatStateMigrations({ now })): Migration[] {
  return migrations.map((m) => ({
    ...m,
    up: (data) => (calls.push(`up${m.version}`), m.up(data)),
    down: (data) => (calls.push(`down${m.version}`), m.down(data)),
  }));
}

describe('the implemented migrations', () => {
  test('migrationManager has versions 1 and 2, named as in the seed', () => {
    assert.equal(migrationManager.getLatestVersion(), 2);
    assert.deepEqual(
      migrationManager.list().map((m) => [m.version, m.name, m.description]),
      [
        [1, 'Initial Schema', 'Ensures data has the basic session structure'],
        [2, 'Add Timestamp Fields', 'Adds timestamp fields to sessions and messages for better tracking'],
      ],
    );
  });

  test('version 1 fills in a missing sessions object and currentSessionId, and keeps what is there', () => {
    const m = createMigrationManager({ now });
    assert.deepEqual(m.applyMigrations(0, 1, {}), { sessions: {}, currentSessionId: null });
    assert.deepEqual(m.applyMigrations(0, 1, { sessions: null, currentSessionId: undefined } as never), { sessions: {}, currentSessionId: null });
    assert.deepEqual(m.applyMigrations(0, 1, { currentSessionId: 'x' }), { sessions: {}, currentSessionId: 'x' });
    assert.deepEqual(m.applyMigrations(0, 1, legacyState()), legacyState());
    // A field the app added without a migration survives.
    assert.deepEqual(m.applyMigrations(0, 1, { draft: 'hi' } as never), { draft: 'hi', sessions: {}, currentSessionId: null });
  });

  test('version 2 stamps sessions and messages; timestamps already there are kept', () => {
    const m = createMigrationManager({ now });
    assert.deepEqual(m.applyMigrations(1, 2, legacyState()), migratedState());
    const partly = {
      sessions: {
        a: {
          id: 'a',
          title: 'A',
          messages: [
            { id: 'm1', role: 'user', content: 'old', timestamp: 100 },
            { id: 'm2', role: 'assistant', content: 'new' },
          ],
        },
        b: { id: 'b', title: 'B', messages: [{ id: 'm3', role: 'user', content: 'x', timestamp: 50 }], createdAt: 40 },
      },
      currentSessionId: null,
    };
    assert.deepEqual(m.applyMigrations(1, 2, partly as never), {
      sessions: {
        a: {
          id: 'a',
          title: 'A',
          messages: [
            { id: 'm1', role: 'user', content: 'old', timestamp: 100 },
            { id: 'm2', role: 'assistant', content: 'new', timestamp: MIGRATED_AT },
          ],
          createdAt: 100,
          updatedAt: MIGRATED_AT,
        },
        b: { id: 'b', title: 'B', messages: [{ id: 'm3', role: 'user', content: 'x', timestamp: 50 }], createdAt: 40, updatedAt: 50 },
      },
      currentSessionId: null,
    });
  });

  test('a session id "__proto__" stays a session through both directions', () => {
    const m = createMigrationManager({ now });
    const state = JSON.parse('{"sessions":{"__proto__":{"id":"__proto__","title":"odd","messages":[]}},"currentSessionId":null}');
    const up = m.applyMigrations(0, 2, state) as PersistedStateV2;
    assert.deepEqual(Object.keys(up.sessions), ['__proto__']);
    assert.equal(Object.getPrototypeOf(up.sessions), Object.prototype);
    assert.deepEqual(m.applyMigrations(2, 0, up), state);
  });
});

describe('MigrationManager with the seed API', () => {
  test('ups run in ascending order and downs in descending order, whatever the registration order', () => {
    const calls: string[] = [];
    const m = new MigrationManager<AnyPersistedState>();
    for (const migration of traced(calls).reverse()) m.register(migration); // 2 first, then 1
    assert.equal(m.getLatestVersion(), 2);
    // v2's up needs v1's output: run first on {}, it would throw.
    assert.deepEqual(m.applyMigrations(0, 2, {}), { sessions: {}, currentSessionId: null });
    assert.deepEqual(calls, ['up1', 'up2']);
    calls.length = 0;
    assert.deepEqual(m.applyMigrations(2, 0, migratedState()), legacyState());
    assert.deepEqual(calls, ['down2', 'down1']);
    calls.length = 0;
    assert.deepEqual(m.applyMigrations(2, 1, migratedState()), legacyState());
    assert.deepEqual(calls, ['down2']);
    calls.length = 0;
    assert.deepEqual(m.applyMigrations(2, 2, migratedState()), migratedState());
    assert.deepEqual(calls, []);
  });

  test('round trip: up then down gives back the original, at every pair of versions', () => {
    const m = createMigrationManager({ now });
    const v2 = m.applyMigrations(0, 2, legacyState());
    assert.deepEqual(v2, migratedState());
    assert.deepEqual(m.applyMigrations(2, 0, v2), legacyState());
    assert.deepEqual(m.applyMigrations(2, 1, m.applyMigrations(1, 2, legacyState())), legacyState());
    assert.deepEqual(m.applyMigrations(1, 0, m.applyMigrations(0, 1, legacyState())), legacyState());
  });

  test('the input is never mutated: deep-frozen inputs, and the steps themselves are pure', () => {
    const m = createMigrationManager({ now });
    const legacy = deepFreeze(legacyState());
    const v2 = deepFreeze(migratedState());
    assert.deepEqual(m.applyMigrations(0, 2, legacy), migratedState());
    assert.deepEqual(m.applyMigrations(2, 0, v2), legacyState());
    assert.deepEqual(legacy, legacyState());
    assert.deepEqual(v2, migratedState());
    // Without Strata's copy in between: strict-mode code that wrote to a frozen object would throw.
    const [one, two] = chatStateMigrations({ now });
    assert.deepEqual(one!.up(deepFreeze({ currentSessionId: 'x' })), { sessions: {}, currentSessionId: 'x' });
    assert.deepEqual(two!.up(legacy), migratedState());
    assert.deepEqual(two!.down(v2), legacyState());
    assert.deepEqual(one!.down(legacy), legacyState());
  });

  test('a failing step throws MIGRATION_FAILED naming the version and direction, with the steps done so far', () => {
    const m = createMigrationManager({ now });
    assert.throws(
      () => m.applyMigrations(0, 2, corruptLegacyState()),
      (error: unknown) => {
        strataError('MIGRATION_FAILED', 'migration 2 ("Add Timestamp Fields") up() threw: session "s9" has no messages list (got string "oops")', {
          version: 2,
          direction: 'up',
        })(error);
        const e = error as StrataError;
        assert.deepEqual(
          e.results.map((r) => [r.version, r.direction, r.status]),
          [
            ['1', 'up', 'applied'],
            ['2', 'up', 'failed'],
          ],
        );
        assert.equal((e.cause as Error).message, 'session "s9" has no messages list (got string "oops")');
        return true;
      },
    );
    assert.throws(
      () => m.applyMigrations(0, 2, { sessions: [] } as never),
      strataError('MIGRATION_FAILED', 'migration 1 ("Initial Schema") up() threw: "sessions" is an array, expected an object keyed by session id', {
        version: 1,
        direction: 'up',
      }),
    );
    assert.throws(
      () => m.applyMigrations(0, 1, 'not state' as never),
      strataError('MIGRATION_FAILED', 'migration 1 ("Initial Schema") up() threw: the stored chat state is string "not state", not an object', {
        version: 1,
        direction: 'up',
      }),
    );
    assert.throws(
      () => m.applyMigrations(2, 0, { sessions: { s9: { id: 's9', title: 'Broken', createdAt: 1, updatedAt: 1 } }, currentSessionId: null } as never),
      strataError('MIGRATION_FAILED', 'migration 2 ("Add Timestamp Fields") down() threw: session "s9" has no messages list (got undefined)', {
        version: 2,
        direction: 'down',
      }),
    );
  });

  test('a missing down, a duplicate version or an unknown target is an error before any step runs', () => {
    const calls: string[] = [];
    const [one, two] = traced(calls);
    const { down: _down, ...oneWithoutDown } = one!;
    const m = new MigrationManager<AnyPersistedState>();
    m.register(two!);
    m.register(oneWithoutDown as DocumentMigration<AnyPersistedState>);
    assert.throws(
      () => m.applyMigrations(2, 0, migratedState()),
      strataError('MIGRATION_DOWN_MISSING', 'cannot go down from 2 to 0: migration 1 ("Initial Schema") has no down()', { versions: [1] }),
    );
    assert.deepEqual(calls, []); // version 2's down, which comes first, did not run either
    assert.throws(
      () => m.applyMigrations(0, 5, legacyState()),
      strataError('VERSION_UNKNOWN', 'no migration has version 5 (the target version)', { version: 5 }),
    );
    assert.throws(() => m.applyMigrations(2, 3, migratedState()), strataError('VERSION_UNKNOWN', 'no migration has version 3 (the target version)'));
    assert.deepEqual(calls, []);
    assert.throws(
      () => m.register({ ...initialSchema, version: 2, name: 'Second two' }),
      strataError('MIGRATION_VERSION_DUPLICATE', 'version 2 is registered twice ("Add Timestamp Fields" and "Second two")', { version: 2 }),
    );
    assert.throws(() => createMigrationManager().register(initialSchema), strataError('MIGRATION_VERSION_DUPLICATE', /version 1 is registered twice/));
    // The failed registration changed nothing.
    assert.equal(m.getLatestVersion(), 2);
    assert.deepEqual(
      m.list().map((r) => r.name),
      ['Initial Schema', 'Add Timestamp Fields'],
    );
    assert.deepEqual(m.applyMigrations(0, 2, legacyState()), migratedState());
    assert.deepEqual(calls, ['up1', 'up2']);
  });

  test('async migrations (the seed\'s "Add new feature flag" as version 3): applyMigrations refuses them, applyMigrationsAsync runs them', async () => {
    const calls: string[] = [];
    const featureFlags: DocumentMigration<AnyPersistedState> = {
      version: 3,
      description: 'Add new feature flag',
      up: async (data) => {
        const streaming = await Promise.resolve(true); // e.g. a default fetched at activation
        calls.push('up3');
        const state = data as PersistedStateV2;
        return { ...state, sessions: Object.fromEntries(Object.entries(state.sessions).map(([id, s]) => [id, { ...s, streaming }])) };
      },
      down: async (data) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        calls.push('down3');
        const state = data as PersistedStateV2;
        return { ...state, sessions: Object.fromEntries(Object.entries(state.sessions).map(([id, { streaming: _, ...s }]: [string, any]) => [id, s])) };
      },
    };
    const m = createMigrationManager({ now });
    m.register(featureFlags);
    assert.equal(m.getLatestVersion(), 3);
    assert.throws(
      () => m.applyMigrations(0, 3, legacyState()),
      strataError('MIGRATION_ASYNC', 'migration 3 ("Add new feature flag") up() returned a promise, but applyMigrations() is synchronous', {
        version: 3,
        direction: 'up',
      }),
    );
    const v3 = (await m.applyMigrationsAsync(0, 3, deepFreeze(legacyState()))) as any;
    const expected = migratedState() as any;
    expected.sessions.s1.streaming = true;
    expected.sessions.s2.streaming = true;
    assert.deepEqual(v3, expected);
    assert.deepEqual(await m.applyMigrationsAsync(3, 0, deepFreeze(v3)), legacyState());
    assert.deepEqual(calls, ['up3', 'up3', 'down3']); // the refused call had started its step
  });
});
