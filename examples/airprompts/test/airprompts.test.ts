/**
 * AirPrompts' localStorage migrations (seed 003) on Strata's document migrator, in Node, over a
 * spec-like Web Storage: version order, legacy 1.x keys reaching 3.0.0 exactly, failures that
 * leave every key and value as it was, validation naming the failing paths, rollback to 2.0.0.
 * The same code runs on a real browser's localStorage in test/browser-e2e.test.ts.
 *
 * Run: node --import tsx --test examples/airprompts/test/*.test.ts   ('strata-migrate/document' is dist/)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareDocumentVersions, isStrataError, ErrorCode } from 'strata-migrate/document';
import { MemoryStorage } from './memory-storage.js';
import {
  AIRPROMPTS_MIGRATIONS,
  APP_STATE_KEY,
  LEGACY_SAMPLE,
  airPromptsMigrations,
  createAppStateMigrator,
  legacySampleItems,
  migrateAppState,
  readLegacyState,
  rollbackAppState,
  type AppState,
} from '../src/index.js';

const UNRELATED: [string, string] = ['other-app:session', '{"token":"keep-me"}'];
const NOW = new Date('2025-01-01T00:00:00.000Z');
const now = () => NOW;

function legacyStorage(): MemoryStorage {
  return new MemoryStorage([...legacySampleItems(), UNRELATED]);
}

function expectStrataError(code: string, check?: (error: { message: string; details?: unknown }) => void) {
  return (error: unknown) => {
    assert.ok(isStrataError(error), `expected a StrataError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    check?.(error);
    return true;
  };
}

/** A migration after 3.0.0 that always throws. */
const failing = {
  version: '3.1.0',
  description: 'a broken release',
  up: () => {
    throw new Error('boom at 3.1.0');
  },
  down: (s: unknown) => s,
};

const meta = (createdAt: string, updatedAt: string, lastUsed: string | null) => ({ createdAt, updatedAt, lastUsed, usageCount: 0 });

/** The sample's 3.0.0 state, written out by hand from the seed's transformations. */
const EXPECTED_V3: AppState = {
  templates: [
    {
      id: 't1',
      name: 'Code review',
      content: 'Review this code:\n{code}',
      category: 'coding',
      variables: ['code'],
      description: 'Review a diff for bugs',
      favorite: true,
      folderId: null,
      folderIds: [],
      tags: [],
      metadata: meta('2024-01-02T10:00:00.000Z', '2024-02-03T11:00:00.000Z', '2024-03-01T09:30:00.000Z'),
      context: { enabled: false, text: '' },
    },
    {
      id: 't2',
      name: 'Summarise',
      content: 'Summarise in 3 bullets: {text}',
      category: 'writing',
      description: '',
      favorite: false,
      folderId: 'f1',
      folderIds: ['f1'],
      tags: ['daily'],
      variables: [],
      metadata: meta('2024-01-05T08:00:00.000Z', '2024-01-05T08:00:00.000Z', null),
      context: { enabled: false, text: '' },
    },
  ],
  workflows: [
    {
      id: 'w1',
      name: 'Review, then summarise',
      category: 'coding',
      steps: [{ templateId: 't1' }, { templateId: 't2' }],
      description: '',
      favorite: false,
      folderId: null,
      folderIds: [],
      tags: [],
      metadata: meta('2024-01-06T12:00:00.000Z', '2024-01-07T12:00:00.000Z', null),
    },
  ],
  snippets: [
    {
      id: 's1',
      name: 'Signature',
      content: '-- sent with AirPrompts',
      category: 'general',
      description: '',
      favorite: false,
      folderId: 'f1',
      folderIds: ['f1'],
      tags: [],
      metadata: meta('2024-01-08T07:00:00.000Z', '2024-01-08T07:00:00.000Z', null),
    },
  ],
  folders: [{ id: 'f1', name: 'Writing', parentId: null, createdAt: '2024-01-04T00:00:00.000Z', updatedAt: '2024-01-04T00:00:00.000Z', itemCount: 2 }],
  uiPreferences: {
    viewMode: 'list',
    sidebarCollapsed: true,
    itemsPerPage: 50,
    sortBy: 'lastUsed',
    sortOrder: 'desc',
    defaultFolderId: null,
    expandedFolders: [],
  },
  userSettings: {
    displayName: 'Mila',
    preferences: { autoSave: false, confirmDelete: true, showTips: false },
    performance: { enableVirtualization: true, enableLazyLoading: true, cacheSize: 100 },
  },
};

describe('AirPrompts migrations: order', () => {
  test('ups run ascending and downs descending, whatever the registration order', async () => {
    assert.deepEqual(
      AIRPROMPTS_MIGRATIONS.map((m) => m.version),
      ['3.0.0', '2.0.0'],
      'registered newest first on purpose',
    );
    assert.deepEqual(
      airPromptsMigrations()
        .list()
        .map((m) => m.version),
      ['2.0.0', '3.0.0'],
    );

    const storage = legacyStorage();
    const migrator = createAppStateMigrator(storage, { now });
    const ran: string[] = [];
    migrator.on('migrating', (e) => void ran.push(`up ${e.version}`));
    migrator.on('reverting', (e) => void ran.push(`down ${e.version}`));
    const up = await migrator.migrate();
    assert.deepEqual(
      up.results.map((r) => `${r.direction} ${r.version}`),
      ['up 2.0.0', 'up 3.0.0'],
    );
    const down = await migrator.rollback({ to: '1.0.0' });
    assert.deepEqual(
      down.results.map((r) => `${r.direction} ${r.version}`),
      ['down 3.0.0', 'down 2.0.0'],
    );
    assert.deepEqual(ran, ['up 2.0.0', 'up 3.0.0', 'down 3.0.0', 'down 2.0.0']);
    assert.equal(down.version, '1.0.0');
  });

  test('2.10.0 runs after 2.9.0 (semver order, not string order)', async () => {
    assert.ok(compareDocumentVersions('2.10.0', '2.9.0') > 0);
    const manager = airPromptsMigrations();
    const mark = (version: string) => ({
      version,
      description: `patch ${version}`,
      up: (s: { trail?: string[] }) => ({ ...s, trail: [...(s.trail ?? []), version] }),
      down: (s: { trail?: string[] }) => ({ ...s, trail: (s.trail ?? []).slice(0, -1) }),
    });
    manager.register(mark('2.10.0')).register(mark('2.9.0'));
    assert.deepEqual(
      manager.list().map((m) => m.version),
      ['2.0.0', '2.9.0', '2.10.0', '3.0.0'],
    );

    const storage = legacyStorage();
    const to210 = await migrateAppState(storage, { migrations: manager, to: '2.10.0' });
    assert.deepEqual(
      to210.report.results.map((r) => r.version),
      ['2.0.0', '2.9.0', '2.10.0'],
    );
    assert.deepEqual((to210.state as unknown as { trail: string[] }).trail, ['2.9.0', '2.10.0']);
    const latest = await migrateAppState(storage, { migrations: manager });
    assert.deepEqual(
      latest.report.results.map((r) => r.version),
      ['3.0.0'],
    );
    assert.deepEqual((latest.state as unknown as { trail: string[] }).trail, ['2.9.0', '2.10.0'], '3.0.0 keeps fields it does not know');
    const back = await rollbackAppState(storage, '2.0.0', { migrations: manager });
    assert.deepEqual(
      back.report.results.map((r) => r.version),
      ['3.0.0', '2.10.0', '2.9.0'],
    );
    assert.deepEqual((back.state as unknown as { trail: string[] }).trail, []);
  });
});

describe('AirPrompts migrations: legacy 1.x data', () => {
  test('the 1.x keys (under any of their names) reach 3.0.0 exactly; the legacy keys go, others stay', async () => {
    const storage = legacyStorage();
    const result = await migrateAppState(storage, { now });
    assert.equal(result.from, null, '1.x data carries no version');
    assert.equal(result.version, '3.0.0');
    assert.equal(result.migrated, true);
    assert.equal(result.report.backup, null, 'there was no document to back up');
    assert.deepEqual(result.state, EXPECTED_V3);

    assert.deepEqual(
      storage.snapshot().map(([key]) => key),
      [APP_STATE_KEY, UNRELATED[0]],
    );
    assert.equal(storage.getItem(UNRELATED[0]), UNRELATED[1]);
    const checksums = airPromptsMigrations()
      .list()
      .map((m) => m.checksum);
    const stored = JSON.parse(storage.getItem(APP_STATE_KEY)!);
    assert.deepEqual(stored, {
      version: '3.0.0',
      data: EXPECTED_V3,
      history: [
        { version: '2.0.0', name: 'folders, tags, camelCase', direction: 'up', at: NOW.toISOString(), checksum: checksums[0] },
        { version: '3.0.0', name: 'template context, performance settings, metadata', direction: 'up', at: NOW.toISOString(), checksum: checksums[1] },
      ],
    });
    // Key order too: the stored text is exactly the migrated state.
    assert.equal(JSON.stringify(stored.data), JSON.stringify(result.state));
  });

  test('a second run is a no-op: nothing written, every key and value unchanged', async () => {
    const storage = legacyStorage();
    await migrateAppState(storage, { now });
    const before = storage.snapshot();
    const again = await migrateAppState(storage, { now: () => new Date('2030-01-01T00:00:00.000Z') });
    assert.equal(again.migrated, false);
    assert.equal(again.from, '3.0.0');
    assert.deepEqual(again.report.results, []);
    assert.deepEqual(again.state, EXPECTED_V3);
    assert.deepEqual(storage.snapshot(), before);
    const status = await createAppStateMigrator(storage).status();
    assert.deepEqual(
      status.migrations.map((m) => `${m.version}:${m.state}`),
      ['2.0.0:applied', '3.0.0:applied'],
    );
    assert.equal(status.pending, 0);
    assert.deepEqual(status.problems, []);
  });

  test('detection: the newest key name wins, an older duplicate is left alone; keepLegacyKeys keeps them all', async () => {
    const storage = legacyStorage();
    storage.setItem('templates', JSON.stringify([{ id: 'old', name: 'from an older build', content: '', category: 'x', created_at: 'a', updated_at: 'b' }]));
    const legacy = await readLegacyState(storage);
    assert.deepEqual(legacy?.keys, ['airprompts-templates', 'airprompts_workflows', 'ap_snippets', 'folders', 'ui-prefs', 'user_settings']);
    assert.deepEqual(legacy?.state.templates, LEGACY_SAMPLE['airprompts-templates']);
    await migrateAppState(storage, { now });
    assert.deepEqual(
      storage.snapshot().map(([key]) => key),
      [APP_STATE_KEY, UNRELATED[0], 'templates'],
    );

    const kept = legacyStorage();
    const before = new Map(kept.snapshot());
    await migrateAppState(kept, { now, keepLegacyKeys: true });
    for (const [key, value] of before) assert.equal(kept.getItem(key), value, key);
    assert.equal(JSON.parse(kept.getItem(APP_STATE_KEY)!).version, '3.0.0');
  });

  test('a fresh install gets an empty 3.0.0 state', async () => {
    const storage = new MemoryStorage();
    const result = await migrateAppState(storage, { now });
    assert.equal(result.version, '3.0.0');
    assert.deepEqual(result.state.templates, []);
    assert.deepEqual(result.state.userSettings.performance, EXPECTED_V3.userSettings.performance);
    assert.equal(storage.length, 1);
  });
});

describe('AirPrompts migrations: failures write nothing', () => {
  test('a step that throws leaves every key and value byte-identical (legacy keys and a stored 3.0.0 state)', async () => {
    const storage = legacyStorage();
    const before = storage.snapshot();
    const manager = airPromptsMigrations().register(failing);
    await assert.rejects(
      migrateAppState(storage, { migrations: manager, now }),
      expectStrataError(ErrorCode.MIGRATION_FAILED, (e) => assert.match(e.message, /3\.1\.0.*up\(\) threw: boom at 3\.1\.0/)),
    );
    assert.deepEqual(storage.snapshot(), before);

    await migrateAppState(storage, { now });
    await rollbackAppState(storage, '2.0.0', { now }); // also leaves a backup key behind
    const stored = storage.snapshot();
    assert.ok(stored.some(([key]) => key.startsWith(`${APP_STATE_KEY}:backup:`)));
    await assert.rejects(
      migrateAppState(storage, { migrations: airPromptsMigrations().register(failing), now }),
      expectStrataError(ErrorCode.MIGRATION_FAILED),
    );
    assert.deepEqual(storage.snapshot(), stored, 'no backup and no write when a step fails');
  });

  test('a 1.x key that is not JSON is named, and nothing is touched', async () => {
    const storage = legacyStorage();
    storage.setItem('ui-prefs', '{"view_mode": "grid"');
    const before = storage.snapshot();
    await assert.rejects(
      migrateAppState(storage),
      expectStrataError(ErrorCode.DOCUMENT_INVALID, (e) => assert.match(e.message, /"ui-prefs" does not hold JSON/)),
    );
    assert.deepEqual(storage.snapshot(), before);
  });

  test('validation failure lists the failing paths and writes nothing', async () => {
    const items = new Map(legacySampleItems());
    const templates = structuredClone(LEGACY_SAMPLE['airprompts-templates']) as Record<string, unknown>[];
    templates[1]!.name = ''; // 1.x allowed untitled templates; 2.0.0 requires a name
    templates[0]!.variables = ['code', 42];
    items.set('airprompts-templates', JSON.stringify(templates));
    items.set('ui-prefs', JSON.stringify({ view_mode: 'tiles', items_per_page: 0 }));
    const storage = new MemoryStorage([...items, UNRELATED]);
    const before = storage.snapshot();

    await assert.rejects(
      migrateAppState(storage, { now }),
      expectStrataError(ErrorCode.VALIDATION_FAILED, (e) => {
        const issues = (e.details as { issues: string[] }).issues;
        const paths = issues.map((issue) => issue.slice(0, issue.indexOf(':')));
        assert.deepEqual(paths.sort(), ['templates.0.variables.1', 'templates.1.name', 'uiPreferences.itemsPerPage', 'uiPreferences.viewMode']);
        assert.match(e.message, /version 2\.0\.0's schema: .*templates\.1\.name/);
      }),
    );
    assert.deepEqual(storage.snapshot(), before);

    // The schemas are what refused it: without validation the same data migrates.
    const unchecked = await migrateAppState(new MemoryStorage(items), { validate: false });
    assert.equal(unchecked.version, '3.0.0');
  });
});

describe('AirPrompts migrations: rollback', () => {
  test('rollback to 2.0.0 gives exactly the 2.0.0 state, backed up; migrating again gives the same 3.0.0 state', async () => {
    const reference = legacyStorage();
    const at2 = await migrateAppState(reference, { to: '2.0.0' });
    assert.equal(at2.version, '2.0.0');
    assert.ok(!('metadata' in at2.state.templates[0]!));

    const storage = legacyStorage();
    await migrateAppState(storage, { now });
    const back = await rollbackAppState(storage, '2.0.0', { now });
    assert.equal(back.from, '3.0.0');
    assert.equal(back.version, '2.0.0');
    assert.deepEqual(
      back.report.results.map((r) => `${r.direction} ${r.version}`),
      ['down 3.0.0'],
    );
    assert.deepEqual(back.state, at2.state);
    assert.deepEqual(back.state.templates[1], {
      id: 't2',
      name: 'Summarise',
      content: 'Summarise in 3 bullets: {text}',
      category: 'writing',
      description: '',
      favorite: false,
      folderId: 'f1',
      folderIds: ['f1'],
      tags: ['daily'],
      variables: [],
      createdAt: '2024-01-05T08:00:00.000Z',
      updatedAt: '2024-01-05T08:00:00.000Z',
      lastUsed: null,
    });
    assert.ok(!('performance' in back.state.userSettings));
    const stored = JSON.parse(storage.getItem(APP_STATE_KEY)!);
    assert.equal(stored.version, '2.0.0');
    assert.deepEqual(
      stored.history.map((h: { version: string; direction: string }) => `${h.direction} ${h.version}`),
      ['up 2.0.0', 'up 3.0.0', 'down 3.0.0'],
    );
    assert.ok(back.report.backup, 'the 3.0.0 state was backed up before the rollback');
    assert.equal(JSON.parse(storage.getItem(back.report.backup.location)!).main.version, '3.0.0');

    const upAgain = await migrateAppState(storage, { now });
    assert.deepEqual(upAgain.state, EXPECTED_V3);
  });

  test('a template context the user filled in survives a rollback to 2.0.0 and back', async () => {
    const storage = legacyStorage();
    await migrateAppState(storage);
    const envelope = JSON.parse(storage.getItem(APP_STATE_KEY)!);
    envelope.data.templates[0].context = { enabled: true, text: 'You are a strict reviewer.' };
    storage.setItem(APP_STATE_KEY, JSON.stringify(envelope));
    const back = await rollbackAppState(storage, '2.0.0');
    assert.deepEqual((back.state.templates[0] as Record<string, unknown>).context, { enabled: true, text: 'You are a strict reviewer.' });
    assert.ok(!('context' in back.state.templates[1]!), 'an empty context is not carried down');
    const up = await migrateAppState(storage);
    assert.deepEqual(up.state.templates[0]!.context, { enabled: true, text: 'You are a strict reviewer.' });
  });

  test('rollback to 1.0.0 gives snake_case back; migrate() downwards is refused before anything runs', async () => {
    const storage = legacyStorage();
    await migrateAppState(storage);
    const v1 = await rollbackAppState(storage, '1.0.0');
    assert.equal(v1.version, '1.0.0');
    const state = v1.state as unknown as { templates: Record<string, unknown>[]; workflows: Record<string, unknown>[]; ui_prefs: Record<string, unknown> };
    assert.equal(state.templates[0]!.created_at, '2024-01-02T10:00:00.000Z');
    assert.equal(state.templates[0]!.is_favorite, true);
    assert.deepEqual(state.workflows[0]!.steps, ['t1', 't2']);
    assert.equal(state.ui_prefs.sort_by, 'last_used');

    await migrateAppState(storage, { to: '2.0.0' });
    const before = storage.snapshot();
    await assert.rejects(
      migrateAppState(storage, { to: '1.0.0' }),
      expectStrataError(ErrorCode.USAGE, (e) => assert.match(e.message, /migrate\(\) goes up/)),
    );
    assert.deepEqual(storage.snapshot(), before);
  });
});
