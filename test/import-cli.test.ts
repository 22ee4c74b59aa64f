/**
 * `strata import <config>` end to end: the built CLI as a child process, seed 001's example
 * importers and schema, legacy stores made by the real libraries in a temp folder. And the
 * progress bar on a (fake) terminal.
 *
 * The CLI runs from its sources (`node --import tsx src/cli/main.ts`), as `strata` does once built:
 * these tests do not depend on a fresh dist/.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { showImportProgress } from '../src/cli/commands/import.js';
import { Output } from '../src/cli/output.js';
import { EventChannel } from '../src/events.js';
import { REDUX_KEY, makeLegacyStores } from '../examples/legacy-import/test/fixtures.js';
import { ROOT, assertFailure, assertOk, describeRun, parseJson, query, tempDir, type CliResult } from './helpers.js';

/** `strata ARGS` from the sources. */
function cli(args: string[], options: { cwd: string }): CliResult {
  const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
    cwd: options.cwd,
    env: { ...process.env, DATABASE_URL: '' },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const EXAMPLE = join(ROOT, 'examples', 'legacy-import');

async function workspace(config: Record<string, unknown> = {}) {
  const dir = tempDir('strata-import-cli-');
  const stores = await makeLegacyStores(dir);
  writeFileSync(join(dir, 'local-storage.json'), JSON.stringify({ [REDUX_KEY]: stores.reduxPersist }));
  const file = join(dir, 'import.json');
  writeFileSync(
    file,
    JSON.stringify({
      db: './app.db',
      migrations: join(EXAMPLE, 'migrations'),
      importers: join(EXAMPLE, 'src', 'importers', 'index.ts'),
      sources: {
        dexie: { type: 'dexie-export', path: './dexie-export.json' },
        redux: { type: 'redux-persist', path: './local-storage.json', key: REDUX_KEY },
        config: { type: 'json-config', path: stores.configFile },
      },
      ...config,
    }),
  );
  return { dir, file, db: join(dir, 'app.db'), stores, run: (...args: string[]) => cli(['import', file, ...args], { cwd: dir }) };
}

const count = (db: string, table: string) => query<{ n: number }>(db, `SELECT count(*) AS n FROM ${table}`)[0]!.n;

describe('strata import', () => {
  test('--dry-run prints every importer with its source count and creates nothing', async () => {
    const w = await workspace();
    const result = w.run('--dry-run');
    assertOk(result);
    assert.match(result.stdout, /schema {4}5 migration\(s\) would be applied/);
    assert.match(result.stdout, /^IMPORTER\s+FROM\s+SOURCE\s+TARGET\s+SKIPPED\s+STATUS$/m);
    assert.match(result.stdout, /^chat\s+dexie:topics, messages\s+37\s+-\s+-\s+dry-run$/m);
    assert.match(result.stdout, /dry run: 4 importer\(s\) prepared, 64 source rows; nothing was changed/);
    assert.equal(existsSync(w.db), false);
  });

  test('imports with a line per importer and a summary table; a second run has nothing to do; --force reruns', async () => {
    const w = await workspace();
    const result = w.run('--no-backup');
    assertOk(result);
    assert.match(result.stdout, /^imported {2}preferences\s+11 \/ 14 rows, 3 skipped/m);
    assert.match(result.stdout, /^chat\s+dexie:topics, messages\s+37\s+36\s+1\s+imported$/m, describeRun(result));
    assert.match(result.stdout, /^import completed: 4 importer\(s\), 59 rows in /m);
    assert.equal(count(w.db, 'message'), 30);
    const again = w.run();
    assertOk(again);
    assert.match(again.stdout, /already completed/);
    const forced = w.run('--force', '--json');
    assertOk(forced);
    const report = parseJson(forced);
    assert.equal(report.status, 'completed');
    assert.ok(report.backup?.id, 'a backup of the existing database');
    assert.deepEqual(
      report.importers.map((r: { id: string; targetCount: number }) => [r.id, r.targetCount]),
      [
        ['preferences', 11],
        ['assistants', 4],
        ['knowledge', 8],
        ['chat', 36],
      ],
    );
    assert.equal(count(w.db, 'message'), 30);
  });

  test('a truncated export: found before any importer runs (a coded error naming the file, no stack trace, exit 1, tables empty); --json carries the same', async () => {
    const w = await workspace();
    const text = readFileSync(w.stores.dexieExport, 'utf8');
    writeFileSync(w.stores.dexieExport, text.slice(0, text.indexOf('"msg-2-1"') + 10));
    const result = w.run('--no-backup');
    assertFailure(result, 'IMPORT_SOURCE_INVALID');
    assert.match(result.stderr, /^error IMPORT_SOURCE_INVALID: .*dexie-export\.json: the file ends \(truncated\?\)/m);
    assert.match(result.stderr, /nothing was changed/);
    for (const table of ['preference', 'assistant', 'topic', 'message']) assert.equal(count(w.db, table), 0, table);
    const json = w.run('--no-backup', '--json');
    assert.equal(json.code, 1);
    const body = parseJson(json);
    assert.equal(body.error.code, 'IMPORT_SOURCE_INVALID');
    assert.equal(body.error.details.source, 'dexie');
    assert.equal(body.error.details.table, 'messages');
  });

  test('a run killed mid-way (status running, its pid gone) is reported and the next run starts clean', async () => {
    const w = await workspace();
    assertOk(w.run('--no-backup'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const conn = new Database(w.db);
    const now = new Date().toISOString();
    conn
      .prepare("UPDATE app_state SET value = ? WHERE key = 'migration_v2_status'")
      .run(JSON.stringify({ state: 'running', runId: 'x', importer: 'chat', pid: dead, host: hostname(), startedAt: now, heartbeatAt: now }));
    conn.prepare('DELETE FROM message WHERE rowid % 2 = 0').run();
    conn.close();
    const result = w.run('--no-backup');
    assertOk(result);
    assert.match(result.stderr, new RegExp(`warning the previous import \\(started .*, pid ${dead}\\) was interrupted during chat`));
    assert.match(result.stdout, new RegExp(`note: the previous run was interrupted \\(pid ${dead}\\)`));
    assert.equal(count(w.db, 'message'), 30);
  });

  test('config errors are coded: a missing file, an unknown key, an unknown source type, a bad workers', async () => {
    const w = await workspace();
    assertFailure(cli(['import'], { cwd: w.dir }), 'USAGE', 2);
    assertFailure(cli(['import', 'nope.json'], { cwd: w.dir }), 'CONFIG_INVALID');
    writeFileSync(w.file, JSON.stringify({ importers: './x.ts', sources: {}, dbb: 'x' }));
    assertFailure(w.run(), 'CONFIG_INVALID');
    writeFileSync(
      w.file,
      JSON.stringify({ db: './app.db', importers: join(EXAMPLE, 'src', 'importers', 'index.ts'), sources: { dexie: { type: 'dexie', path: 'x' } } }),
    );
    const unknown = w.run();
    assertFailure(unknown, 'CONFIG_INVALID');
    assert.match(unknown.stderr, /unknown type "dexie"/);
    writeFileSync(
      w.file,
      JSON.stringify({
        db: './app.db',
        importers: join(EXAMPLE, 'src', 'importers', 'index.ts'),
        sources: { dexie: { type: 'dexie-export', path: 'x', workers: 2 } },
      }),
    );
    const workers = w.run();
    assertFailure(workers, 'CONFIG_INVALID');
    assert.match(workers.stderr, /source "dexie": workers must be 0 or 1, got 2/);
  });
});

describe('import progress on a terminal', () => {
  test('a bar per importer with rows done / total, rate and ETA, then its line', () => {
    let written = '';
    const stdout = { isTTY: true, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    const output = new Output({ json: false, verbose: false, stdout, stderr: stdout });
    const events = new EventChannel();
    showImportProgress(events, output);
    events.emit('import:start', { id: 'chat', name: 'Chats', index: 1, total: 1, sourceCount: 4000 });
    const t0 = performance.now();
    while (performance.now() - t0 < 20);
    events.emit('import:progress', { id: 'chat', name: 'Chats', done: 1000, total: 4000 });
    assert.match(written, /\r\x1b\[2Kchat {9}\[######\.{18}\] 1,000 \/ 4,000 rows {2}[\d,]+ rows\/s {2}ETA \d+s$/);
    events.emit('import:done', {
      result: {
        id: 'chat',
        name: 'Chats',
        source: 'dexie:topics',
        order: 1,
        status: 'imported',
        prepare: undefined,
        sourceCount: 4000,
        targetCount: 3990,
        skippedCount: 10,
        errors: [],
        warnings: [],
        durationMs: 1234,
      },
    });
    assert.match(written, /\r\x1b\[2Kimported {2}chat {9}3990 \/ 4000 rows, 10 skipped \(1234 ms\)\n$/);
  });
});

describe('strata import --force with a damaged export (issue 18)', () => {
  test('a truncated Dexie export is found before anything is cleared: the previous import stays whole', async () => {
    const w = await workspace();
    assertOk(w.run('--json'));
    const tables = query<{ name: string }>(
      w.db,
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'strata_%' ORDER BY name",
    ).map((t) => t.name);
    const before = Object.fromEntries(tables.map((t) => [t, count(w.db, t)]));
    assert.ok(
      Object.values(before).some((n) => n > 0),
      JSON.stringify(before),
    );
    const exportFile = join(w.dir, 'dexie-export.json');
    const text = readFileSync(exportFile, 'utf8');
    writeFileSync(exportFile, text.slice(0, Math.floor(text.length * 0.7)));

    const forced = w.run('--force', '--json');
    assert.equal(forced.code, 1, describeRun(forced));
    const error = parseJson(forced).error;
    assert.equal(error.code, 'IMPORT_SOURCE_INVALID');
    assert.match(error.message, /dexie-export\.json.*truncated/);
    assert.match(error.hint, /nothing was changed/);
    assert.deepEqual(Object.fromEntries(tables.map((t) => [t, count(w.db, t)])), before, 'the previous import must not be cleared');
  });
});
