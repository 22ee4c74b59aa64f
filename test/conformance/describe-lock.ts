/**
 * The migration lock: racing processes apply every step exactly once and all end at the latest
 * version; two migrators in one process take turns; a holder kept past the timeout makes the
 * other fail with LOCK_TIMEOUT, having applied nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { describeRun, rejectsWith, ROOT, type CliResult } from '../helpers.js';
import type { DialectEntry } from './dialects.js';
import { folder, MIGRATIONS } from './migrations.js';
import type { SqlMigrator } from './strata-access.js';
import { openMigrator } from './with-migrator.js';

const CHILD = fileURLToPath(new URL('./migrate-when-told.ts', import.meta.url));
/** Enough racers that some must wait while others find the work done. */
const RACERS = 3;
const STEPS = 6;

/** Migrations 2..STEPS; migration 1 (the log table) is the child's own, in code. */
function raceMigrations(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let v = 2; v <= STEPS; v++) {
    files[`000${v}_race_${v}.sql`] = `CREATE TABLE race_${v} (id INTEGER PRIMARY KEY);\nINSERT INTO race_log (version) VALUES (${v});\n`;
  }
  return files;
}

interface Racer {
  ready: Promise<void>;
  go(): void;
  done: Promise<CliResult>;
}

function racer(db: string, dir: string): Racer {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, dir], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // A racer that already died cannot be told to go; its exit code says why.
  child.stdin.on('error', () => undefined);
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.startsWith('ready\n')) resolve();
    });
    void done.then((result) => reject(new Error(`a racer exited before it was ready\n${describeRun(result)}`)));
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}

/** Version 10 waits for `gate` while its migrator holds the lock; `entered` resolves when it does. */
function holdAt10<C>(migrator: SqlMigrator<C>, gate: Promise<void>, entered: () => void): SqlMigrator<C> {
  return migrator.register({
    version: 10,
    name: 'held',
    up: async (ctx) => {
      entered();
      await gate;
      await ctx.exec('CREATE TABLE held (id INTEGER PRIMARY KEY)');
    },
    down: (ctx) => ctx.exec('DROP TABLE held'),
  });
}

export function describeLock(entry: DialectEntry): void {
  test(`lock: ${RACERS} processes race migrate: every step applied exactly once, all end at the latest version`, async () => {
    const db = await entry.freshDb();
    const dir = folder(raceMigrations());
    const racers = Array.from({ length: RACERS }, () => racer(db, dir));
    try {
      await Promise.all(racers.map((r) => r.ready));
    } finally {
      // Also when one failed to start: the others must not wait for a word that never comes.
      for (const r of racers) r.go();
    }
    const results = await Promise.all(racers.map((r) => r.done));
    for (const result of results) assert.equal(result.code, 0, describeRun(result));
    const reports = results.map(
      (result) => JSON.parse(result.stdout.slice('ready\n'.length)) as { versions: string[]; currentVersion: string; waited: boolean },
    );
    assert.deepEqual(
      reports.map((r) => r.currentVersion),
      Array(RACERS).fill(String(STEPS)),
    );
    const applied = reports.flatMap((r) => r.versions).sort((a, b) => Number(a) - Number(b));
    assert.deepEqual(
      applied,
      Array.from({ length: STEPS }, (_, k) => String(k + 1)),
      'between them the racers applied each step once',
    );
    assert.ok(
      reports.some((r) => r.waited),
      'a racer waited for the lock: they did race',
    );

    await entry.read(db, async (r) => {
      const log = await r.query<{ version: number; n: number | string }>('SELECT version, count(*) AS n FROM race_log GROUP BY version');
      assert.deepEqual(
        log.map((row) => [Number(row.version), Number(row.n)]).sort((a, b) => a[0]! - b[0]!),
        Array.from({ length: STEPS }, (_, k) => [k + 1, 1]),
      );
      const ledger = await r.query<{ status: string; n: number | string }>('SELECT status, count(*) AS n FROM strata_migrations GROUP BY status');
      assert.deepEqual(
        ledger.map((row) => [row.status, Number(row.n)]),
        [['applied', STEPS]],
      );
    });
  });

  test('lock: two migrators in one process take turns, each migration is applied exactly once', async () => {
    const db = await entry.freshDb();
    const dir = folder(MIGRATIONS);
    const slow = <C>(m: SqlMigrator<C>) =>
      m.register({
        version: 10,
        name: 'slow',
        up: async (ctx) => {
          await new Promise((r) => setTimeout(r, 300));
          await ctx.exec('CREATE TABLE slow_marker (id INTEGER PRIMARY KEY)');
        },
        down: (ctx) => ctx.exec('DROP TABLE slow_marker'),
      });
    const [a, b] = [slow(openMigrator(db, dir)), slow(openMigrator(db, dir))];
    let waited = 0;
    for (const m of [a, b]) m.on('lock:waiting', () => waited++);
    try {
      // Each closes as soon as its run ends, as an app would: a database only one session may have
      // open at a time (a PGlite folder) is held until its connection closes, not just its lock.
      const runThenClose = async (m: SqlMigrator<unknown>) => {
        const report = await m.migrate();
        await m.close();
        return report;
      };
      const reports = await Promise.all([runThenClose(a), runThenClose(b)]);
      const applied = reports.flatMap((r) => r.results.map((x) => x.version)).sort();
      assert.deepEqual(applied, ['1', '10', '2', '3']);
      assert.equal(waited, 1, 'the second migrator waited for the lock');
      assert.deepEqual(
        reports.map((r) => r.currentVersion),
        ['10', '10'],
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('lock: a holder kept past the timeout makes the other fail with LOCK_TIMEOUT, having applied nothing', async () => {
    const db = await entry.freshDb();
    const dir = folder(MIGRATIONS);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => (entered = resolve));
    const holder = holdAt10(openMigrator(db, dir), gate, entered);
    const waiter = holdAt10(openMigrator(db, dir, { lockTimeoutMs: 300 }), gate, () => assert.fail('the waiter ran the held step'));
    let waits = 0;
    waiter.on('lock:waiting', () => waits++);
    const held = holder.migrate();
    try {
      await holding;
      const started = Date.now();
      const error = await rejectsWith(waiter.migrate(), 'LOCK_TIMEOUT', /300 ms/);
      assert.ok(Date.now() - started >= 290, `gave up after ${Date.now() - started} ms`);
      assert.equal(waits, 1);
      assert.ok(error.hint, 'LOCK_TIMEOUT has a hint');
    } finally {
      release();
      await held.finally(async () => {
        await holder.close();
        await waiter.close();
      });
    }
    assert.deepEqual(
      (await held).results.map((r) => r.version),
      ['1', '2', '3', '10'],
    );
    const versions = await entry.read(db, (r) => r.query<{ version: string; status: string }>('SELECT version, status FROM strata_migrations'));
    assert.deepEqual(versions.map((r) => `${r.version} ${r.status}`).sort(), ['1 applied', '10 applied', '2 applied', '3 applied']);
  });
}
