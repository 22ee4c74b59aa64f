/**
 * The migration journal: entries of successful and failing runs in strata_journal (SQLite,
 * PostgreSQL, MariaDB), written outside the migration's transaction; levels; since / until /
 * runId / migration / limit; JSON and CSV exports that parse back; a document store's JSON-lines
 * journal that survives a torn last line; metrics in status(); `strata log`.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createMigrator, type SqlMigrator } from '../src/create-migrator.js';
import { journalOf } from '../src/journal/attach-sql.js';
import { parseJournalCsv, parseJournalJson, parseCsv } from '../src/journal/export.js';
import { Journal } from '../src/journal/journal.js';
import { jsonlJournalSink } from '../src/journal/jsonl-sink.js';
import { memoryJournalSink, parseJsonLines } from '../src/journal/memory-sink.js';
import { ErrorCode, isStrataError } from '../src/model/errors.js';
import { DocumentMigrator } from '../src/targets/document/document-migrator.js';
import { memoryStore } from '../src/targets/document/key-value-store.js';
import { CLI, cli, query, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, skipUnlessServer } from './servers.js';

type Row = { run_id: string; seq: number; level: string; event: string; migration: string | null; message: string; data: string };

function sqliteMigrator(
  db: string,
  options: { journal?: Parameters<typeof createMigrator>[0]['journal']; backup?: boolean; dir?: string; now?: () => Date } = {},
): SqlMigrator {
  return createMigrator({
    db,
    journal: options.journal ?? true,
    backup: options.backup ? { dir: join(db, '..', 'backups') } : false,
    ...(options.dir ? { dir: options.dir } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}

function addUsers(m: SqlMigrator): void {
  m.register({ version: 1, name: 'create_users', up: (ctx) => ctx.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)') });
  m.register({
    version: 2,
    name: 'seed_users',
    up: async (ctx) => {
      const { changes } = await ctx.run("INSERT INTO users (name) VALUES ('a'), ('b'), ('c')");
      journalOf(m)?.countRows(changes);
    },
  });
}

function journalRows(db: string): Row[] {
  return query<Row>(db, 'SELECT run_id, seq, level, event, migration, message, data FROM strata_journal ORDER BY time, run_id, seq');
}

describe('journal: SQL targets (SQLite)', () => {
  it('records every event of a successful run, with per-step and per-run metrics', async () => {
    const db = join(tempDir(), 'app.db');
    const m = sqliteMigrator(db);
    addUsers(m);
    const report = await m.migrate();
    assert.equal(report.results.length, 2);
    await m.close();
    const rows = journalRows(db);
    assert.deepEqual(
      rows.map((r) => r.event),
      ['plan', 'migrating', 'migrated', 'migrating', 'migrated', 'done', 'run:metrics'],
    );
    assert.equal(new Set(rows.map((r) => r.run_id)).size, 1, 'one run id');
    assert.deepEqual(
      rows.filter((r) => r.event === 'migrated').map((r) => r.migration),
      ['1', '2'],
    );
    const seeded = JSON.parse(rows.find((r) => r.event === 'migrated' && r.migration === '2')!.data);
    assert.equal(seeded.metrics.rows, 3);
    assert.ok(seeded.metrics.rowsPerSecond > 0);
    assert.ok(seeded.metrics.rssBytes > 1_000_000);
    const metrics = JSON.parse(rows.at(-1)!.data);
    assert.equal(metrics.status, 'done');
    assert.equal(metrics.steps.length, 2);
    assert.equal(metrics.rows, 3);
    assert.ok(metrics.peakRssBytes >= seeded.metrics.rssBytes);
    assert.ok(metrics.durationMs >= 0);
  });

  it('records a failing step although its transaction rolled back, at ERROR with the error code', async () => {
    const db = join(tempDir(), 'app.db');
    const m = sqliteMigrator(db);
    addUsers(m);
    m.register({ version: 3, name: 'broken', up: (ctx) => ctx.exec('CREATE TABLE t3 (x); INSERT INTO nowhere VALUES (1)') });
    await assert.rejects(m.migrate(), (e: unknown) => isStrataError(e) && e.code === ErrorCode.MIGRATION_FAILED);
    await m.close();
    // The step rolled back (t3 is gone), its journal entries did not.
    assert.equal(query(db, "SELECT name FROM sqlite_master WHERE name = 't3'").length, 0);
    const rows = journalRows(db);
    const failed = rows.find((r) => r.event === 'failed')!;
    assert.equal(failed.level, 'ERROR');
    assert.equal(failed.migration, '3');
    assert.match(failed.message, /3_broken failed/);
    assert.equal(JSON.parse(failed.data).error.code, ErrorCode.MIGRATION_FAILED);
    const metrics = JSON.parse(rows.at(-1)!.data);
    assert.equal(rows.at(-1)!.event, 'run:metrics');
    assert.equal(metrics.status, 'failed');
    assert.deepEqual(
      metrics.steps.map((s: { status: string }) => s.status),
      ['applied', 'applied', 'failed'],
    );
  });

  it('keeps the entries of a --single-transaction run that rolled back as a whole', async () => {
    const db = join(tempDir(), 'app.db');
    const m = sqliteMigrator(db);
    addUsers(m);
    m.register({
      version: 3,
      name: 'broken',
      up: () => {
        throw new Error('boom, "quoted", with, commas');
      },
    });
    await assert.rejects(m.migrate({ singleTransaction: true }));
    await m.close();
    assert.equal(query(db, "SELECT name FROM sqlite_master WHERE name = 'users'").length, 0, 'the run rolled back');
    const events = journalRows(db).map((r) => `${r.event}${r.migration ? `:${r.migration}` : ''}`);
    assert.deepEqual(events, ['plan', 'migrating:1', 'migrated:1', 'migrating:2', 'migrated:2', 'migrating:3', 'failed:3', 'run:metrics']);
  });

  it('keeps the entries of a run whose failure was undone by restoring the pre-run backup', async () => {
    const dir = tempDir();
    const db = join(dir, 'app.db');
    const first = sqliteMigrator(db, { backup: true });
    addUsers(first);
    await first.migrate();
    await first.close();
    const m = sqliteMigrator(db, { backup: true });
    addUsers(m);
    m.register({
      version: 3,
      name: 'outside_tx',
      transaction: false,
      up: async (ctx) => {
        await ctx.exec('CREATE TABLE half (x)');
        throw new Error('failed half-way');
      },
    });
    await assert.rejects(m.migrate(), (e: unknown) => isStrataError(e) && e.details.restored === true);
    await m.close();
    assert.equal(query(db, "SELECT name FROM sqlite_master WHERE name = 'half'").length, 0, 'restored');
    const rows = journalRows(db);
    const runs = [...new Set(rows.map((r) => r.run_id))];
    assert.equal(runs.length, 2);
    const second = rows.filter((r) => r.run_id === runs[1]).map((r) => r.event);
    for (const event of ['plan', 'backup', 'migrating', 'failed', 'run:metrics', 'restore']) assert.ok(second.includes(event), `${event} in ${second}`);
    assert.equal(rows.filter((r) => r.run_id === runs[1]).length, new Set(rows.filter((r) => r.run_id === runs[1]).map((r) => r.seq)).size, 'no duplicates');
  });

  it('adds the last run to status() (what status --json prints)', async () => {
    const db = join(tempDir(), 'app.db');
    const m = sqliteMigrator(db);
    addUsers(m);
    await m.migrate();
    const status = (await m.status()) as Awaited<ReturnType<SqlMigrator['status']>> & {
      journal: { table: string; lastRun: { status: string; steps: unknown[] } };
    };
    assert.equal(status.journal.table, 'strata_journal');
    assert.equal(status.journal.lastRun.status, 'done');
    assert.equal(status.journal.lastRun.steps.length, 2);
    await m.close();
  });

  it('a no-op run writes nothing', async () => {
    const db = join(tempDir(), 'app.db');
    const m = sqliteMigrator(db);
    addUsers(m);
    await m.migrate();
    const before = journalRows(db).length;
    await m.migrate();
    assert.equal(journalRows(db).length, before);
    await m.close();
  });
});

describe('journal: levels, filters, exports', () => {
  /** Three runs at known times: ok at 10:00, a failure at 11:00, ok at 12:00. */
  async function threeRuns(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'INFO') {
    const db = join(tempDir(), 'app.db');
    let clock = new Date('2025-03-01T10:00:00.000Z');
    const m = sqliteMigrator(db, { journal: { level, now: () => clock } });
    m.register({ version: 1, name: 'one', up: (ctx) => ctx.exec('CREATE TABLE one (x)'), down: (ctx) => ctx.exec('DROP TABLE one') });
    await m.migrate();
    clock = new Date('2025-03-01T11:00:00.000Z');
    m.register({
      version: 2,
      name: 'two',
      up: () => {
        throw new Error('two fails');
      },
    });
    await assert.rejects(m.migrate());
    clock = new Date('2025-03-01T12:00:00.000Z');
    await m.rollback();
    const journal = journalOf(m)!;
    return { db, m, journal };
  }

  it('filters by level; setLevel changes what is recorded', async () => {
    const { m, journal } = await threeRuns();
    const all = await journal.queryLogs();
    assert.ok(all.some((e) => e.level === 'INFO'));
    assert.ok(!all.some((e) => e.level === 'DEBUG'), 'INFO by default');
    const errors = await journal.queryLogs({ level: 'ERROR' });
    assert.deepEqual([...new Set(errors.map((e) => e.event))].sort(), ['failed', 'run:metrics']);
    assert.ok(errors.every((e) => e.level === 'ERROR'));
    assert.deepEqual(await journal.queryLogs({ level: 'error' }), errors);
    assert.ok((await journal.queryLogs({ level: 'WARN' })).every((e) => e.level === 'WARN' || e.level === 'ERROR'));

    journal.setLevel('DEBUG');
    await m.migrate({ to: '1' });
    const debug = await journal.queryLogs({ level: 'DEBUG', event: 'lock:acquired' });
    assert.equal(debug.length, 1, 'DEBUG entries are recorded once the level is DEBUG');
    journal.setLevel('ERROR');
    const before = (await journal.queryLogs()).length;
    await m.rollback({ to: '0' });
    assert.equal((await journal.queryLogs()).length, before, 'an ERROR-level journal records nothing of a successful run');
    assert.throws(
      () => journal.setLevel('LOUD' as 'INFO'),
      (e: unknown) => isStrataError(e) && e.code === ErrorCode.USAGE,
    );
    await m.close();
  });

  it('filters by since / until, runId, migration and limit', async () => {
    const { m, journal } = await threeRuns();
    const all = await journal.queryLogs();
    const runs = [...new Set(all.map((e) => e.runId))];
    assert.equal(runs.length, 3);
    assert.ok(
      all.every((e, k) => k === 0 || all[k - 1]!.time <= e.time),
      'oldest first',
    );
    const second = await journal.queryLogs({ since: '2025-03-01T10:30:00Z', until: new Date('2025-03-01T11:30:00Z') });
    assert.ok(second.length > 0);
    assert.deepEqual([...new Set(second.map((e) => e.runId))], [runs[1]]);
    assert.deepEqual(
      await journal.queryLogs({ since: Date.parse('2025-03-01T11:59:00Z') }),
      all.filter((e) => e.runId === runs[2]),
    );
    const byRun = await journal.queryLogs({ runId: runs[0] });
    assert.deepEqual(
      byRun,
      all.filter((e) => e.runId === runs[0]),
    );
    assert.ok((await journal.queryLogs({ migration: '2' })).every((e) => e.migration === '2'));
    assert.equal((await journal.queryLogs({ migration: '2' })).length, 2, 'migrating and failed');
    const last3 = await journal.queryLogs({ limit: 3 });
    assert.deepEqual(last3, all.slice(-3), 'limit keeps the newest, oldest first');
    assert.deepEqual(await journal.queryLogs({ limit: 0 }), []);
    await assert.rejects(journal.queryLogs({ since: 'yesterday-ish' }), (e: unknown) => isStrataError(e) && e.code === ErrorCode.USAGE);
    await m.close();
  });

  it('exports JSON and CSV that parse back to the same entries (commas, quotes, line breaks)', async () => {
    const { m, journal } = await threeRuns();
    journal.log('WARN', 'note', 'a message with, a comma, "quotes"\nand a second line\r\nand CRLF', { nested: { list: [1, 'two, "2"'] } });
    journal.log('INFO', 'note', '  leading and trailing spaces  ');
    const entries = await journal.queryLogs();
    const json = await journal.exportLogs('json');
    assert.deepEqual(parseJournalJson(json), entries);
    const csv = await journal.exportLogs('csv');
    assert.deepEqual(parseJournalCsv(csv), entries);
    const records = parseCsv(csv);
    assert.deepEqual(records[0], ['runId', 'seq', 'time', 'level', 'target', 'migration', 'event', 'message', 'data']);
    assert.equal(records.length, entries.length + 1, 'one record per entry although messages hold line breaks');
    assert.ok(records.every((r) => r.length === 9));
    const errorsOnly = parseJournalCsv(await journal.exportLogs('csv', { level: 'ERROR' }));
    assert.ok(errorsOnly.length > 0 && errorsOnly.every((e) => e.level === 'ERROR'));
    await assert.rejects(journal.exportLogs('xml' as 'csv'), (e: unknown) => isStrataError(e) && e.code === ErrorCode.USAGE);
    await m.close();
  });
});

describe('journal: document stores (JSON lines)', () => {
  function documentMigrator(store = memoryStore({ key: 'state', initial: { version: 1, data: { n: 1 }, history: [] } })) {
    return new DocumentMigrator<{ n: number }>({
      store,
      migrations: [
        { version: 2, name: 'double', up: (d: { n: number }) => ({ n: d.n * 2 }), down: (d: { n: number }) => ({ n: d.n / 2 }) },
        { version: 3, name: 'add_one', up: (d: { n: number }) => ({ n: d.n + 1 }), down: (d: { n: number }) => ({ n: d.n - 1 }) },
      ],
    });
  }

  it('appends every event of a successful and a failing run, one JSON object per line', async () => {
    const file = join(tempDir(), 'journal.jsonl');
    const journal = new Journal(jsonlJournalSink(file));
    const ok = documentMigrator();
    journal.attach(ok, { target: 'memory:state' });
    await ok.migrate();
    const failing = new DocumentMigrator<{ n: number }>({
      store: memoryStore({ key: 'other', initial: { version: 1, data: { n: 1 }, history: [] } }),
      migrations: [
        {
          version: 2,
          name: 'explode',
          up: () => {
            throw new Error('no');
          },
        },
      ],
    });
    journal.attach(failing.events);
    await assert.rejects(failing.migrate());
    // Synchronous sink: on disk before migrate() returned, without a flush.
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const parsed = lines.map((line) => JSON.parse(line));
    assert.deepEqual(
      parsed.map((e) => e.event),
      ['plan', 'migrating', 'migrated', 'migrating', 'migrated', 'backup', 'done', 'run:metrics', 'plan', 'migrating', 'failed', 'run:metrics'],
    );
    assert.equal(parsed[0].target, 'memory:state');
    assert.equal(parsed.at(-2).level, 'ERROR');
    assert.equal(parsed.at(-2).data.error.code, ErrorCode.MIGRATION_FAILED);
    assert.deepEqual(await journal.queryLogs(), parsed);
    assert.deepEqual(
      (await journal.queryLogs({ level: 'ERROR' })).map((e) => e.event),
      ['failed', 'run:metrics'],
    );
    // A second journal over the same file (another process) reads the same.
    assert.deepEqual(await new Journal(jsonlJournalSink(file)).queryLogs(), parsed);
  });

  it('a crash mid-write leaves a parseable journal: the torn last line is ignored, later appends are whole', async () => {
    const file = join(tempDir(), 'journal.jsonl');
    const journal = new Journal(jsonlJournalSink(file));
    const m = documentMigrator();
    journal.attach(m);
    await m.migrate();
    const whole = await journal.queryLogs();
    const text = readFileSync(file, 'utf8');
    const lastLineStart = text.lastIndexOf('\n', text.length - 2) + 1;
    // Cut the last line at every byte it has: each time, the entries before it read back intact.
    for (let cut = lastLineStart + 1; cut < text.length - 1; cut += 7) {
      writeFileSync(file, text.slice(0, cut));
      const { entries, skipped } = parseJsonLines(readFileSync(file, 'utf8'));
      assert.equal(skipped, 1);
      assert.deepEqual(entries, whole.slice(0, -1));
      assert.deepEqual(await new Journal(jsonlJournalSink(file)).queryLogs(), whole.slice(0, -1));
    }
    // The next process appends after the torn bytes: its entries are whole lines.
    truncateSync(file, lastLineStart + 10);
    const next = new Journal(jsonlJournalSink(file));
    const again = documentMigrator();
    next.attach(again);
    await again.migrate();
    const after = await next.queryLogs();
    assert.deepEqual(after.slice(0, whole.length - 1), whole.slice(0, -1));
    assert.deepEqual(
      after.slice(whole.length - 1).map((e) => e.event),
      whole.map((e) => e.event),
    );
    assert.equal(parseJsonLines(readFileSync(file, 'utf8')).skipped, 1, 'only the torn line');
    assert.ok(statSync(file).size > text.length - 100);
  });

  it('a memory journal and app entries: log() joins the running run, setLevel filters them', async () => {
    const sink = memoryJournalSink();
    const journal = new Journal(sink, { level: 'WARN' });
    assert.equal(journal.log('INFO', 'note', 'dropped'), null);
    const kept = journal.log('ERROR', 'note', 'kept', { a: 1 });
    assert.equal(kept?.level, 'ERROR');
    assert.equal(sink.entries.length, 1);
    journal.setLevel('DEBUG');
    const m = documentMigrator();
    journal.attach(m);
    await m.migrate();
    assert.ok((await journal.queryLogs({ event: 'lock:acquired' })).length === 1);
  });
});

describe('journal: backfill events', () => {
  it('inside a step they add rows to it; on their own they form a run with its rows and rate', async () => {
    const { EventChannel } = await import('../src/events.js');
    const events = new EventChannel();
    const journal = new Journal(memoryJournalSink(), { level: 'DEBUG' });
    journal.attach(events, { target: 'sqlite:x.db' });
    const step = { version: '7', name: 'fill', direction: 'up' as const, index: 1, total: 1 };
    events.emit('plan', { direction: 'up', steps: [{ version: '7', name: 'fill' }], dryRun: false });
    events.emit('migrating', step);
    events.emit('backfill:start', { name: 'fill', table: 't', done: 0, total: 500, resumed: false, lastKey: null });
    events.emit('backfill:done', { name: 'fill', table: 't', done: 500, total: 500, durationMs: 100, rowsPerSecond: 5000, alreadyDone: false });
    events.emit('migrated', { ...step, durationMs: 125 });
    events.emit('done', { direction: 'up', results: [{ version: '7', name: 'fill', direction: 'up', status: 'applied', durationMs: 125 }], durationMs: 130 });
    const inStep = (await journal.queryLogs({ event: 'migrated' }))[0]!.data.metrics as { rows: number; rowsPerSecond: number };
    assert.equal(inStep.rows, 500);
    assert.equal(inStep.rowsPerSecond, 4000);
    // On its own (strata backfill): its own run, closed by backfill:done.
    events.emit('backfill:start', { name: 'other', table: 'u', done: 100, total: 300, resumed: true, lastKey: 100 });
    events.emit('backfill:progress', {
      name: 'other',
      table: 'u',
      done: 200,
      total: 300,
      batches: 1,
      lastKey: 200,
      rowsPerSecond: 900,
      etaMs: 100,
      rssBytes: 1,
      elapsedMs: 100,
    });
    events.emit('backfill:done', { name: 'other', table: 'u', done: 300, total: 300, durationMs: 200, rowsPerSecond: 1000, alreadyDone: false });
    const runs = await journal.queryLogs({ event: 'run:metrics' });
    assert.equal(runs.length, 2);
    const standalone = runs[1]!;
    assert.deepEqual(
      (await journal.queryLogs({ runId: standalone.runId })).map((e) => e.event),
      ['backfill:start', 'backfill:progress', 'backfill:done', 'run:metrics'],
    );
    assert.equal((standalone.data as { rows: number }).rows, 300);
    assert.equal((standalone.data as { steps: { rowsPerSecond: number }[] }).steps[0]!.rowsPerSecond, 1000);
  });
});

for (const kind of ['postgres', 'mariadb'] as const) {
  describe(`journal: ${kind} (a connection of its own)`, { skip: await skipUnlessServer(kind) }, () => {
    it('records a successful run and a failing step that rolled back', async () => {
      const url = await freshDatabase(kind, 'journal');
      const m = createMigrator({ db: url, journal: true, backup: false });
      m.register({ version: 1, name: 'create_t', up: (ctx) => ctx.exec('CREATE TABLE t (x INTEGER)') });
      m.register({ version: 2, name: 'fill', up: (ctx) => ctx.exec('INSERT INTO t (x) VALUES (1)') });
      await m.migrate();
      m.register({ version: 3, name: 'broken', up: (ctx) => ctx.exec('INSERT INTO nowhere VALUES (1)') });
      await assert.rejects(m.migrate());
      const journal = journalOf(m)!;
      const all = await journal.queryLogs();
      assert.deepEqual(
        all.filter((e) => e.runId === all[0]!.runId).map((e) => e.event),
        ['plan', 'migrating', 'migrated', 'migrating', 'migrated', 'done', 'run:metrics'],
      );
      const failed = await journal.queryLogs({ level: 'ERROR', event: 'failed' });
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.migration, '3');
      assert.deepEqual(parseJournalCsv(await journal.exportLogs('csv')), all);
      await m.close();
      // Read back through a new migrator (a new connection): the entries are committed.
      const reader = createMigrator({ db: url, journal: true, backup: false });
      assert.equal((await journalOf(reader)!.queryLogs()).length, all.length);
      await reader.close();
    });
  });
}

describe('strata log (CLI)', { skip: existsSync(CLI) ? false : 'run npm run build first' }, () => {
  it('shows, filters and exports the journal that STRATA_JOURNAL=1 runs record; status --json has the metrics', () => {
    const ws = tempDir();
    writeFiles(ws, {
      'migrations/001_create.sql': '-- migrate:up\nCREATE TABLE a (x);\n-- migrate:down\nDROP TABLE a;\n',
      'migrations/002_broken.sql': '-- migrate:up\nINSERT INTO missing VALUES (1);\n-- migrate:down\nSELECT 1;\n',
    });
    const env = { STRATA_JOURNAL: '1' };
    const migrate = cli(['migrate', '--no-backup'], { cwd: ws, env });
    assert.equal(migrate.code, 1, migrate.stderr);
    const json = cli(['log', '--json'], { cwd: ws });
    assert.equal(json.code, 0, json.stderr);
    const entries = JSON.parse(json.stdout).entries as { event: string; level: string }[];
    assert.deepEqual(
      entries.map((e) => e.event),
      ['plan', 'migrating', 'migrated', 'migrating', 'failed', 'run:metrics'],
    );
    const errors = JSON.parse(cli(['log', '--level', 'error', '--json'], { cwd: ws }).stdout).entries as { level: string }[];
    assert.equal(errors.length, 2);
    const csv = cli(['log', '--export', 'csv', '--limit', '2'], { cwd: ws });
    assert.equal(csv.code, 0, csv.stderr);
    assert.deepEqual(
      parseJournalCsv(csv.stdout).map((e) => e.event),
      ['failed', 'run:metrics'],
    );
    const exported = parseJournalJson(cli(['log', '--export', 'json'], { cwd: ws }).stdout);
    assert.equal(exported.length, entries.length);
    const table = cli(['log', '--since', '1h'], { cwd: ws });
    assert.match(table.stdout, /ERROR\s+\S+\s+2\s+failed/);
    assert.equal(cli(['log', '--since', '2999-01-01', '--json'], { cwd: ws }).stdout.includes('"entries": []'), true);
    const bad = cli(['log', '--level', 'loud'], { cwd: ws });
    assert.equal(bad.code, 2);
    const status = JSON.parse(cli(['status', '--json'], { cwd: ws, env }).stdout);
    assert.equal(status.journal.lastRun.status, 'failed');
    assert.equal(status.journal.lastRun.steps.length, 2);
    // Without STRATA_JOURNAL nothing is recorded.
    const quiet = tempDir();
    writeFiles(quiet, { 'migrations/001_create.sql': '-- migrate:up\nCREATE TABLE a (x);\n' });
    assert.equal(cli(['migrate', '--no-backup'], { cwd: quiet }).code, 0);
    assert.equal(query(join(quiet, 'strata.db'), "SELECT name FROM sqlite_master WHERE name = 'strata_journal'").length, 0);
  });

  it('reads a document store journal file with --journal-file', async () => {
    const dir = tempDir();
    const file = join(dir, 'j.jsonl');
    const journal = new Journal(memoryJournalSink());
    journal.log('ERROR', 'note', 'x');
    appendFileSync(file, `${JSON.stringify((await journal.queryLogs())[0])}\n{"torn`);
    const run = cli(['log', '--journal-file', file, '--json'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).entries.length, 1);
  });
});
