/**
 * The guide's services on Strata: DataMigrationService (status, pending migrations with a backup
 * and the journal, the progressive 2.0.0 -> 3.0.0 item move behind the dual-read layer),
 * BackupService (create / list / verify / restore / delete, 7 days and at most 5) and
 * migrationLogger (levels, queries, exports).
 *
 * Run: node --import tsx --test examples/airprompts/test/*.test.ts   ('strata-migrate' is dist/: npm run build)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ErrorCode, MigrationManager, isStrataError, memoryJournalSink, parseJournalCsv, parseJournalJson } from 'strata-migrate/document';
import { MemoryStorage } from './memory-storage.js';
import { APP_STATE_KEY, AIRPROMPTS_MIGRATIONS, legacySampleItems, type ItemV2 } from '../src/index.js';
import {
  BackupService,
  DataMigrationService,
  ITEMS_INDEX_KEY,
  ITEMS_V2_PREFIX,
  ITEMS_V3_PREFIX,
  createMigrationLogger,
  itemToV3,
  migrationLogger,
  type ItemV3Any,
} from '../src/services/index.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'airprompts-services-'));
  dirs.push(dir);
  return dir;
}

const UNRELATED: [string, string] = ['other-app:session', '{"token":"keep-me"}'];

/** A 2.0.0 item library of `count` items, one key each, plus its index. */
function itemLibrary(storage: MemoryStorage, count: number): Map<string, ItemV2> {
  const items = new Map<string, ItemV2>();
  const kinds = ['template', 'workflow', 'snippet'] as const;
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % 3]!;
    const base: ItemV2 = {
      id: `${kind[0]}${i}`,
      name: `${kind} ${i}`,
      description: i % 5 ? '' : 'with, "quotes"',
      category: 'general',
      favorite: i % 2 === 0,
      folderId: null,
      folderIds: [],
      tags: i % 4 ? [] : ['x'],
      createdAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      updatedAt: new Date(1_700_000_100_000 + i * 1000).toISOString(),
      lastUsed: i % 3 ? null : new Date(1_700_000_200_000).toISOString(),
    };
    const item = (
      kind === 'workflow' ? { ...base, steps: [{ templateId: 't0' }] } : { ...base, content: `content ${i}`, ...(kind === 'template' ? { variables: [] } : {}) }
    ) as ItemV2;
    const key = `${kind}:${item.id}`;
    items.set(key, item);
    storage.setItem(ITEMS_V2_PREFIX + key, JSON.stringify(item));
  }
  storage.setItem(ITEMS_INDEX_KEY, JSON.stringify([...items.keys()]));
  return items;
}

describe('DataMigrationService', () => {
  test('checkMigrationStatus and runPendingMigrations: 1.x keys to 3.0.0, a full backup first, the run in the journal', async () => {
    const storage = new MemoryStorage([...legacySampleItems(), UNRELATED]);
    const logger = createMigrationLogger();
    const dir = tempDir();
    const backupService = new BackupService({ storage, exportPath: join(dir, 'airprompts-export.json') });
    const service = new DataMigrationService({ storage, logger, backupService });
    const before = await service.checkMigrationStatus();
    assert.equal(before.needsMigration, true);
    assert.equal(before.currentVersion, null);
    assert.deepEqual(before.pending, ['2.0.0', '3.0.0']);
    assert.equal(before.legacyKeys, true);

    const result = await service.runPendingMigrations();
    assert.equal(result.version, '3.0.0');
    assert.equal(result.migrated, true);
    assert.ok(result.backupId);
    const [backup] = await backupService.listBackups();
    assert.equal(backup!.id, result.backupId);
    const exported = JSON.parse(readFileSync(join(dir, 'airprompts-export.json'), 'utf8'));
    assert.ok('airprompts-templates' in exported.items, 'the backup holds the 1.x keys it was taken of');
    assert.ok(!(UNRELATED[0] in exported.items));

    const afterStatus = await service.checkMigrationStatus();
    assert.equal(afterStatus.needsMigration, false);
    assert.equal(afterStatus.currentVersion, '3.0.0');
    const events = (await logger.queryLogs()).map((e) => `${e.event}${e.migration ? `:${e.migration}` : ''}`);
    for (const expected of ['app', 'plan', 'migrated:2.0.0', 'migrated:3.0.0', 'done', 'run:metrics'])
      assert.ok(events.includes(expected), `${expected} in ${events}`);
    // Current now: a second run migrates nothing and takes no backup.
    const again = await service.runPendingMigrations();
    assert.equal(again.migrated, false);
    assert.equal(again.backupId, null);
    assert.equal((await backupService.listBackups()).length, 1);
  });

  test('a failing migration is logged at ERROR and leaves storage as it was', async () => {
    const storage = new MemoryStorage([...legacySampleItems(), UNRELATED]);
    const before = storage.snapshot();
    const logger = createMigrationLogger();
    const migrations = new MigrationManager<any>();
    for (const m of AIRPROMPTS_MIGRATIONS)
      migrations.register(
        m.version === '3.0.0'
          ? {
              ...m,
              up: () => {
                throw new Error('3.0.0 broke');
              },
            }
          : m,
      );
    const service = new DataMigrationService({ storage, logger, migrations });
    await assert.rejects(service.runPendingMigrations(), (e: unknown) => isStrataError(e) && e.code === ErrorCode.MIGRATION_FAILED);
    assert.deepEqual(storage.snapshot(), before);
    const errors = await logger.queryLogs({ level: 'ERROR' });
    assert.deepEqual(
      errors.map((e) => e.event),
      ['failed', 'run:metrics', 'app'],
    );
    assert.equal(errors[0]!.migration, '3.0.0');
    assert.match(errors[2]!.message, /3\.0\.0 broke/);
  });

  test('startProgressiveMigration: batches of 100 through the dual-read layer; every read identical before, during and after', async () => {
    const storage = new MemoryStorage([UNRELATED]);
    const library = itemLibrary(storage, 250);
    const expected = new Map([...library].map(([key, item]) => [key, itemToV3(key, item)]));
    const logger = createMigrationLogger({ level: 'DEBUG' });
    const service = new DataMigrationService({ storage, logger, delayMs: 5 });
    const items = await service.items();
    const readAll = async (phase: string) => {
      for (const [key, value] of expected) assert.deepEqual(await items.get(key), value, `${phase}: ${key}`);
    };
    await readAll('before');
    assert.equal((await service.checkMigrationStatus()).items.pending, 250);
    assert.equal(service.getMigrationProgress().state, 'idle');

    const seen: number[] = [];
    const running = service.startProgressiveMigration();
    assert.equal(service.startProgressiveMigration(), running, 'one run at a time');
    while (service.getMigrationProgress().state !== 'completed') {
      const progress = service.getMigrationProgress();
      if (progress.state === 'running') {
        seen.push(progress.migrated);
        await readAll(`during (${progress.migrated})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const final = await running;
    assert.equal(final.state, 'completed');
    assert.equal(final.batches, 3);
    assert.equal(final.batchSize, 100);
    assert.equal(final.migrated, 250);
    assert.equal(final.percent, 100);
    assert.ok(
      seen.some((n) => n > 0 && n < 250),
      `progress was seen mid-way: ${[...new Set(seen)]}`,
    );
    await readAll('after');
    for (const key of library.keys()) assert.deepEqual(JSON.parse(storage.getItem(ITEMS_V3_PREFIX + key)!), expected.get(key));
    const stats = (await service.checkMigrationStatus()).items;
    assert.equal(stats.migrated, 250);
    assert.equal(stats.dualRead.active, true, 'the window stays open after the move (7 days by default)');
    const batches = await logger.queryLogs({ level: 'DEBUG', event: 'app' });
    assert.equal(batches.filter((e) => /^batch \d/.test(e.message)).length, 3);
  });

  test('cancel stops between batches; a second start resumes and migrates each item once; app writes meanwhile win', async () => {
    const storage = new MemoryStorage();
    const library = itemLibrary(storage, 230);
    const service = new DataMigrationService({ storage, batchSize: 50, delayMs: 20 });
    const items = await service.items();
    let writes = 0;
    const originalSet = storage.setItem.bind(storage);
    storage.setItem = (key, value) => {
      if (key.startsWith(ITEMS_V3_PREFIX)) writes++;
      originalSet(key, value);
    };
    const first = service.startProgressiveMigration();
    while (service.getMigrationProgress().batches < 1) await new Promise((resolve) => setTimeout(resolve, 1));
    service.cancelProgressiveMigration();
    const stopped = await first;
    assert.equal(stopped.state, 'cancelled');
    assert.ok(stopped.migrated >= 50 && stopped.migrated < 230, String(stopped.migrated));
    // The app edits an item not migrated yet, during the window.
    const pendingKey = [...library.keys()].find((k) => !items.isMigrated(k))!;
    const edited = { ...itemToV3(pendingKey, library.get(pendingKey)!), name: 'edited by the user' } as ItemV3Any;
    await items.set(pendingKey, edited);
    const resumed = await service.startProgressiveMigration();
    assert.equal(resumed.state, 'completed');
    assert.equal(resumed.migrated, 230);
    assert.equal(writes, 230, 'every item written once in 3.0.0 (the edit included, the migration skipped it)');
    assert.deepEqual(await items.get(pendingKey), edited);
  });

  test('legacy cleanup: refused without a backup, done with one', async () => {
    const storage = new MemoryStorage();
    itemLibrary(storage, 20);
    const plain = new DataMigrationService({ storage });
    await plain.startProgressiveMigration();
    const items = await plain.items();
    await items.setDualReadMode(false);
    await assert.rejects(items.cleanupLegacy(), (e: unknown) => isStrataError(e) && e.code === ErrorCode.COMPAT_BACKUP_MISSING);
    assert.ok(storage.snapshot().some(([k]) => k.startsWith(ITEMS_V2_PREFIX)));

    const backupService = new BackupService({ storage, exportPath: join(tempDir(), 'export.json') });
    const withBackups = new DataMigrationService({ storage, backupService });
    await backupService.createFullBackup('before cleanup');
    const layer = await withBackups.items();
    const { removed } = await layer.cleanupLegacy();
    assert.equal(removed.length, 20);
    assert.ok(!storage.snapshot().some(([k]) => k.startsWith(ITEMS_V2_PREFIX)));
    assert.equal((await layer.get('template:t0'))?.name, 'template 0');
  });
});

describe('BackupService', () => {
  function setup(now?: () => Date) {
    const storage = new MemoryStorage([
      [APP_STATE_KEY, JSON.stringify({ version: '3.0.0', data: { n: 1 }, history: [] })],
      ['airprompts:items:index', '["a"]'],
      UNRELATED,
    ]);
    const dir = tempDir();
    const service = new BackupService({ storage, exportPath: join(dir, 'airprompts-export.json'), ...(now ? { now } : {}) });
    return { storage, dir, service };
  }

  test('createFullBackup, listBackups, verifyBackup, restoreBackup put the app keys back exactly', async () => {
    const { storage, service } = setup();
    const original = storage.snapshot();
    const backup = await service.createFullBackup('before the update');
    assert.equal(backup.description, 'before the update');
    assert.equal(backup.schemaVersion, '3.0.0');
    assert.equal(backup.verified, true);
    assert.deepEqual(
      (await service.listBackups()).map((b) => b.id),
      [backup.id],
    );
    assert.deepEqual(await service.verifyBackup(backup.id), { id: backup.id, valid: true, entry: backup, error: null, code: null });

    storage.setItem(APP_STATE_KEY, '{"version":"4.0.0","data":{},"history":[]}');
    storage.setItem('airprompts:new-key', '1');
    storage.removeItem('airprompts:items:index');
    storage.setItem(UNRELATED[0], 'changed by the other app');
    const { keys } = await service.restoreBackup(backup.id);
    assert.equal(keys, 2);
    assert.deepEqual(
      storage.snapshot(),
      original.map(([k, v]) => [k, k === UNRELATED[0] ? 'changed by the other app' : v]),
      "app keys exactly as backed up; other apps' keys untouched",
    );
    // The restore kept a safety copy of what it replaced.
    assert.equal((await service.listBackups()).length, 2);
  });

  test('verifyBackup finds a damaged backup; deleteBackup removes one', async () => {
    const { dir, service } = setup();
    const backup = await service.createFullBackup();
    const file = join(dir, 'backups', backup.file);
    const bytes = readFileSync(file);
    bytes[5] = bytes[5]! ^ 0xff;
    writeFileSync(file, bytes);
    const verdict = await service.verifyBackup(backup.id);
    assert.equal(verdict.valid, false);
    assert.equal(verdict.code, ErrorCode.BACKUP_CORRUPT);
    await assert.rejects(service.restoreBackup(backup.id), (e: unknown) => isStrataError(e) && e.code === ErrorCode.BACKUP_CORRUPT);
    const deleted = await service.deleteBackup(backup.id);
    assert.equal(deleted.id, backup.id);
    assert.deepEqual(await service.listBackups(), []);
    await assert.rejects(service.deleteBackup(backup.id), (e: unknown) => isStrataError(e) && e.code === ErrorCode.BACKUP_NOT_FOUND);
    assert.equal((await service.verifyBackup(backup.id)).code, ErrorCode.BACKUP_NOT_FOUND);
  });

  test('keeps at most 5 backups, none older than 7 days', async () => {
    let clock = new Date('2025-01-01T00:00:00.000Z');
    const { service } = setup(() => clock);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      clock = new Date(clock.getTime() + 3_600_000);
      ids.push((await service.createFullBackup(`#${i}`)).id);
    }
    assert.deepEqual(
      (await service.listBackups()).map((b) => b.id),
      ids.slice(2).reverse(),
      'the newest 5, newest first',
    );
    clock = new Date(clock.getTime() + 8 * 24 * 3_600_000);
    const latest = await service.createFullBackup('after a week away');
    assert.deepEqual(
      (await service.listBackups()).map((b) => b.id),
      [latest.id],
    );
  });
});

describe('migrationLogger', () => {
  test('setLogLevel decides what is recorded; queryLogs filters by level, time, limit', async () => {
    let clock = new Date('2025-05-01T08:00:00.000Z');
    const logger = createMigrationLogger({ now: () => clock });
    logger.debug('not recorded at INFO');
    logger.info('one');
    clock = new Date('2025-05-01T09:00:00.000Z');
    logger.warn('two');
    logger.setLogLevel('DEBUG');
    assert.equal(logger.getLogLevel(), 'DEBUG');
    logger.debug('three');
    clock = new Date('2025-05-01T10:00:00.000Z');
    logger.error('four', { code: 'X' });
    assert.deepEqual(
      (await logger.queryLogs()).map((e) => e.message),
      ['one', 'two', 'three', 'four'],
    );
    assert.deepEqual(
      (await logger.queryLogs({ level: 'WARN' })).map((e) => e.message),
      ['two', 'four'],
    );
    assert.deepEqual(
      (await logger.queryLogs({ level: 'ERROR', limit: 100 })).map((e) => e.data),
      [{ code: 'X' }],
    );
    assert.deepEqual(
      (await logger.queryLogs({ since: '2025-05-01T08:30:00Z', until: '2025-05-01T09:30:00Z' })).map((e) => e.message),
      ['two', 'three'],
    );
    assert.deepEqual(
      (await logger.queryLogs({ limit: 2 })).map((e) => e.message),
      ['three', 'four'],
    );
    logger.setLogLevel('error');
    logger.warn('dropped');
    assert.equal((await logger.queryLogs()).length, 4);
  });

  test('exportLogs (json, csv) round-trips; a localStorage journal survives a reload', async () => {
    const storage = new MemoryStorage();
    const logger = createMigrationLogger({ storage });
    logger.info('migrating, "carefully"\nline two', { batch: 1 });
    logger.error('failed');
    const entries = await logger.queryLogs();
    assert.deepEqual(parseJournalJson(await logger.exportLogs('json')), entries);
    assert.deepEqual(parseJournalCsv(await logger.exportLogs('csv')), entries);
    assert.deepEqual(
      parseJournalCsv(await logger.exportLogs('csv', { level: 'ERROR' })).map((e) => e.message),
      ['failed'],
    );
    const reloaded = createMigrationLogger({ storage });
    assert.deepEqual(await reloaded.queryLogs(), entries);
    assert.ok(storage.getItem('airprompts:journal')!.endsWith('\n'));
  });

  test('the shared migrationLogger records an attached migrator (in memory under Node)', async () => {
    const storage = new MemoryStorage(legacySampleItems());
    const { createAppStateMigrator } = await import('../src/index.js');
    const migrator = createAppStateMigrator(storage);
    const detach = migrationLogger.attach(migrator);
    await migrator.migrate();
    detach();
    await migrator.rollback({ to: '2.0.0' });
    const logs = await migrationLogger.queryLogs();
    assert.deepEqual(
      logs.filter((e) => e.event === 'migrated').map((e) => e.migration),
      ['2.0.0', '3.0.0'],
    );
    assert.ok(!logs.some((e) => e.event === 'reverted'), 'detached');
    assert.equal(memoryJournalSink().description, migrationLogger.journal.sink.description);
  });
});
