/**
 * Seed 001's one-shot migration end to end: legacy stores made by the real libraries (Dexie +
 * dexie-export-import on fake-indexeddb, redux-persist, conf), the schema applied by Strata
 * migrations, then the preference, assistant, knowledge and chat importers into SQLite.
 *
 * node --import tsx --test examples/legacy-import/test/*.test.ts
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EventChannel } from 'strata-migrate';
import { StrataError } from 'strata-migrate';
import { migrateLegacyData, migrationStatus } from '../src/migrate-legacy-data.js';
import { CONFIG_VALUES, REDUX_SETTINGS, makeLegacyStores, type LegacySize } from './fixtures.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'legacy-import-'));
  dirs.push(dir);
  return dir;
}

const TABLES = ['preference', 'assistant', 'knowledge_base', 'knowledge_item', 'topic', 'message'];

function counts(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]));
  } finally {
    db.close();
  }
}

function rows<T>(path: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

async function setup(size?: LegacySize) {
  const dir = temp();
  const stores = await makeLegacyStores(dir, size);
  return { dir, db: join(dir, 'app.db'), ...stores };
}

describe('legacy import (seed 001)', () => {
  test('imports preferences, assistants, knowledge and chats with exact counts and references', async () => {
    const s = await setup();
    const report = await migrateLegacyData({ db: s.db, dexieExport: s.dexieExport, reduxPersist: s.reduxPersist, configFile: s.configFile });
    assert.equal(report.status, 'completed');
    const { size } = s.facts;
    assert.deepEqual(counts(s.db), {
      // 7 config + 7 redux mappings; TrayOnClose, ClickTrayToShowQuickAssistant and proxyUrl have no value and no default.
      preference: 11,
      assistant: size.assistants,
      knowledge_base: size.knowledgeBases,
      knowledge_item: size.knowledgeBases * size.itemsPerBase,
      topic: size.topics,
      message: size.topics * size.messagesPerTopic,
    });
    const byId = Object.fromEntries(report.importers.map((r) => [r.id, r]));
    assert.deepEqual(
      report.importers.map((r) => r.id),
      ['preferences', 'assistants', 'knowledge', 'chat'],
    );
    assert.equal(byId.preferences!.skippedCount, 3);
    assert.equal(byId.knowledge!.skippedCount, s.facts.orphanItems);
    assert.equal(byId.chat!.skippedCount, s.facts.orphanMessages);
    assert.equal(byId.chat!.sourceCount, size.topics + size.topics * size.messagesPerTopic + s.facts.orphanMessages);

    // Preferences through the mapping file, from both stores.
    const prefs = Object.fromEntries(rows<{ key: string; value: string }>(s.db, 'SELECT key, value FROM preference').map((p) => [p.key, JSON.parse(p.value)]));
    assert.equal(prefs['app.language'], CONFIG_VALUES.Language);
    assert.equal(prefs['app.zoom_factor'], 1.25);
    assert.deepEqual(prefs['shortcut.bindings'], CONFIG_VALUES.Shortcuts);
    assert.equal(prefs['ui.theme_mode'], 'system', "redux 'auto' transformed");
    assert.equal(prefs['chat.message.font_size'], REDUX_SETTINGS.fontSize);
    assert.equal(prefs['chat.code.theme'], 'github-dark', 'a nested redux path');
    assert.equal(prefs['assistant.tab.show'], true, 'a default for a value the store lacks');
    assert.equal('app.proxy.url' in prefs, false);

    // Dexie values revived: dates as ISO strings, binary data as blobs, nested objects as JSON.
    const [assistant] = rows<Record<string, unknown>>(s.db, "SELECT * FROM assistant WHERE id = 'asst-1'");
    assert.equal(assistant!.created_at, '2024-01-01T12:00:01.000Z');
    assert.equal(assistant!.model_id, 'gpt-1');
    assert.equal(JSON.parse(assistant!.settings as string).contextCount, 10);
    const [file] = rows<{ file_name: string; file_data: Buffer }>(s.db, "SELECT file_name, file_data FROM knowledge_item WHERE id = 'kb-1-item-1'");
    assert.equal(file!.file_name, 'doc-1.pdf');
    assert.deepEqual([...file!.file_data], [1, 1, 0, 255]);

    // Ids passed through sharedData: topics keep known assistants, lose a deleted one.
    const topics = rows<{ id: string; assistant_id: string | null }>(s.db, 'SELECT id, assistant_id FROM topic ORDER BY id');
    assert.equal(topics.filter((t) => t.assistant_id === null).length, s.facts.topicsWithUnknownAssistant);
    assert.equal(topics.find((t) => t.id === 'topic-1')!.assistant_id, 'asst-1');
    assert.equal(rows(s.db, 'SELECT 1 FROM message WHERE assistant_id IS NOT NULL AND assistant_id NOT IN (SELECT id FROM assistant)').length, 0);
    assert.equal(rows(s.db, 'PRAGMA foreign_key_check').length, 0);

    const status = migrationStatus(s.db);
    assert.equal(status.state, 'completed');
    // The app's start-up check: done once, not again.
    const again = await migrateLegacyData({ db: s.db, dexieExport: s.dexieExport, reduxPersist: s.reduxPersist, configFile: s.configFile });
    assert.equal(again.status, 'already-completed');
  });

  test('the migration window sees stages and done / total per importer', async () => {
    const s = await setup({ assistants: 30, knowledgeBases: 3, itemsPerBase: 40, topics: 60, messagesPerTopic: 20 });
    const events = new EventChannel();
    const stages: string[] = [];
    const last = new Map<string, [number, number]>();
    const started: string[] = [];
    events.on('import:stage', (e) => stages.at(-1) !== e.stage && stages.push(e.stage));
    events.on('import:start', (e) => started.push(`${e.index}/${e.total} ${e.id}`));
    events.on('import:progress', (e) => {
      const previous = last.get(e.id);
      assert.ok(!previous || e.done > previous[0], 'done only grows');
      last.set(e.id, [e.done, e.total]);
    });
    await migrateLegacyData({ db: s.db, dexieExport: s.dexieExport, reduxPersist: s.reduxPersist, configFile: s.configFile, events, backup: false });
    assert.deepEqual(started, ['1/4 preferences', '2/4 assistants', '3/4 knowledge', '4/4 chat']);
    assert.deepEqual(last.get('chat'), [60 + 60 * 20 + 1, 60 + 60 * 20 + 1]);
    assert.deepEqual(last.get('knowledge'), [3 + 120 + 1, 3 + 120 + 1]);
    assert.deepEqual(stages.slice(0, 2), ['preparing', 'clearing']);
    assert.equal(stages.at(-1), 'completed');
  });

  test('a truncated Dexie export fails with a coded error, leaves every table empty, and a retry with a sound file completes', async () => {
    const s = await setup();
    const good = readFileSync(s.dexieExport);
    // Cut inside the messages table's rows.
    const cut = good.indexOf('"msg-3-2"');
    assert.ok(cut > 0);
    writeFileSync(s.dexieExport, good.subarray(0, cut + 20));
    await assert.rejects(
      migrateLegacyData({ db: s.db, dexieExport: s.dexieExport, reduxPersist: s.reduxPersist, configFile: s.configFile, backup: false }),
      (error: unknown) => {
        assert.ok(error instanceof StrataError);
        assert.notEqual(error.code, 'IMPORT_VALIDATION_FAILED', 'the reader reports it, not a count');
        // The sources are read through before anything is cleared: the Dexie source is where it
        // stopped, at a byte position, and the previous import is untouched.
        assert.match(error.message, /^source "dexie": .*dexie-export\.json.*(byte|offset|position) \d+/);
        assert.equal(error.details.source, 'dexie');
        assert.match(error.hint ?? '', /nothing was changed/);
        return true;
      },
    );
    assert.deepEqual(Object.values(counts(s.db)), [0, 0, 0, 0, 0, 0]);
    // Stopped before anything was written: the app's status still says the move has not started.
    const status = migrationStatus(s.db);
    assert.equal(status.state, 'not-started');
    writeFileSync(s.dexieExport, good);
    const report = await migrateLegacyData({ db: s.db, dexieExport: s.dexieExport, reduxPersist: s.reduxPersist, configFile: s.configFile, backup: false });
    assert.equal(report.status, 'completed');
    assert.equal(counts(s.db).message, s.facts.size.topics * s.facts.size.messagesPerTopic);
  });

  test('cancel during the chat importer leaves every table empty; the retry completes', async () => {
    const s = await setup({ assistants: 5, knowledgeBases: 1, itemsPerBase: 5, topics: 40, messagesPerTopic: 60 });
    const controller = new AbortController();
    const events = new EventChannel();
    events.on('import:progress', (e) => e.id === 'chat' && e.done > 600 && controller.abort());
    await assert.rejects(
      migrateLegacyData({
        db: s.db,
        dexieExport: s.dexieExport,
        reduxPersist: s.reduxPersist,
        configFile: s.configFile,
        events,
        signal: controller.signal,
        backup: false,
      }),
      (error: unknown) => error instanceof StrataError && error.code === 'IMPORT_CANCELLED',
    );
    assert.deepEqual(Object.values(counts(s.db)), [0, 0, 0, 0, 0, 0]);
    assert.equal(migrationStatus(s.db).state, 'cancelled');
    await migrateLegacyData({ db: s.db, dexieExport: s.dexieExport, reduxPersist: s.reduxPersist, configFile: s.configFile, backup: false });
    assert.equal(counts(s.db).message, 40 * 60);
  });

  test('a dry run prepares every importer and creates nothing', async () => {
    const s = await setup();
    const report = await migrateLegacyData({ db: s.db, dexieExport: s.dexieExport, reduxPersist: s.reduxPersist, configFile: s.configFile, dryRun: true });
    assert.equal(report.status, 'dry-run');
    assert.deepEqual(
      report.importers.map((r) => [r.id, r.sourceCount]),
      [
        ['preferences', 14],
        ['assistants', 4],
        ['knowledge', 2 + 6 + 1],
        ['chat', 6 + 30 + 1],
      ],
    );
    assert.match(report.importers[0]!.warnings.join(), /TrayOnClose/);
    assert.equal(existsSync(s.db), false);
  });

  test('an existing database is backed up before the import', async () => {
    const s = await setup();
    const report = await migrateLegacyData({ db: s.db, dexieExport: s.dexieExport, reduxPersist: s.reduxPersist, configFile: s.configFile });
    assert.ok(report.backup, 'the schema was applied, so there was a database to back up');
    assert.ok(existsSync(report.backup.location));
  });
});
