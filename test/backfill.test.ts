/**
 * Progressive (batched, resumable) data migrations. The central claim is exactly-once under
 * kill: every batch commits with its checkpoint, so a backfill SIGKILLed at random points and
 * resumed each time increments every row's counter exactly once. This file is also the child
 * process those tests kill (when STRATA_BACKFILL_CHILD is set it runs one backfill and exits).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { EventChannel } from '../src/events.js';
import { createMigrator } from '../src/create-migrator.js';
import { StrataError } from '../src/model/errors.js';
import { backfill, backfillInMigration, backfillStatus, bindBatchSql, type BackfillOptions } from '../src/progressive/backfill.js';
import type { BackfillProgress } from '../src/progressive/backfill-events.js';
import type { SqlDriver } from '../src/targets/sql/driver.js';
import { openDriver } from '../src/targets/sql/open-driver.js';

const SELF = fileURLToPath(import.meta.url);

interface ChildConfig {
  db: string;
  name: string;
  batchSize: number;
  /** Busy time inside each batch's transaction, after its UPDATE (0..2x this, random). */
  spinMs: number;
  /**
   * The child SIGKILLs itself just before its Nth SQL statement: a kill at an exact, random
   * statement boundary (between a batch's UPDATE and its checkpoint, between the checkpoint and
   * COMMIT, ...), where the parent's kills land wherever the clock says.
   */
  killBeforeStatement?: number;
}

/** The driver, counting statements; SIGKILLs this process before statement number `at`. */
function killingDriver(url: string, at: number | undefined): SqlDriver {
  const driver = openDriver(url);
  if (at === undefined) return driver;
  let count = 0;
  const tick = () => {
    if (++count >= at) process.kill(process.pid, 'SIGKILL');
  };
  const counted = {
    exec: (sql: string) => (tick(), driver.exec(sql)),
    query: (sql: string, params?: readonly unknown[]) => (tick(), driver.query(sql, params)),
    run: (sql: string, params?: readonly unknown[]) => (tick(), driver.run(sql, params)),
  };
  return new Proxy(driver, {
    get(target, key) {
      if (key in counted) return counted[key as keyof typeof counted];
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The child: one backfill that increments `n` of every row of `items`, printing `p DONE` after each batch. */
async function child(config: ChildConfig): Promise<void> {
  const driver = killingDriver(config.db, config.killBeforeStatement);
  const report = await backfill({
    driver,
    name: config.name,
    table: 'items',
    batchSize: config.batchSize,
    update: async (rows, ctx) => {
      const { text, params } = bindBatchSql(
        'UPDATE items SET n = n + 1 WHERE id IN (:keys)',
        ctx.dialect,
        rows.map((r) => r.id),
      );
      await ctx.run(text, params);
      // The widest window for a kill: the batch's UPDATE done, its checkpoint not yet committed.
      const until = performance.now() + Math.random() * 2 * config.spinMs;
      while (performance.now() < until);
    },
    onProgress: (p) => process.stdout.write(`p ${p.done}\n`),
  });
  await driver.close();
  process.stdout.write(`r ${JSON.stringify({ rowsThisRun: report.rowsThisRun, done: report.done, resumed: report.resumed })}\n`);
}

if (process.env.STRATA_BACKFILL_CHILD) {
  await child(JSON.parse(process.env.STRATA_BACKFILL_CHILD) as ChildConfig);
} else {
  await suites();
}

interface ChildOutcome {
  signal: NodeJS.Signals | null;
  code: number | null;
  /** The last `done` the child printed. */
  lastDone: number;
  report?: { rowsThisRun: number; done: number; resumed: boolean };
  stderr: string;
}

/** Runs the child; SIGKILLs it (after a random 0-3 ms) once it reports `killAt` rows done. */
function runChild(config: ChildConfig, killAt?: number): Promise<ChildOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, STRATA_BACKFILL_CHILD: JSON.stringify(config) };
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', SELF], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    let stderr = '';
    let lastDone = 0;
    let report: ChildOutcome['report'];
    let killing = false;
    proc.stderr.on('data', (chunk) => (stderr += chunk));
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('p ')) lastDone = Number(line.slice(2));
        if (line.startsWith('r ')) report = JSON.parse(line.slice(2)) as ChildOutcome['report'];
        if (killAt !== undefined && !killing && lastDone >= killAt) {
          killing = true;
          setTimeout(() => proc.kill('SIGKILL'), Math.random() * 3);
        }
      }
    });
    proc.on('close', (code, signal) => resolve({ code, signal, lastDone, report, stderr }));
  });
}

interface Counts {
  ones: number;
  zeros: number;
  others: number;
  /** Rows at or below the checkpoint's key that are not at 1 (should be none). */
  behindNotDone: number;
  rowsDone: number;
  status: string | undefined;
  lastKey: unknown;
}

type Reader = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

async function counts(read: Reader, name: string, p: (i: number) => string): Promise<Counts> {
  const [c] = await read(
    'SELECT SUM(CASE WHEN n = 1 THEN 1 ELSE 0 END) AS ones, SUM(CASE WHEN n = 0 THEN 1 ELSE 0 END) AS zeros, SUM(CASE WHEN n NOT IN (0, 1) THEN 1 ELSE 0 END) AS others FROM items',
  );
  // Before the first run there is no state table yet.
  const [s] = await read(`SELECT rows_done, status, last_key FROM strata_backfills WHERE name = ${p(1)}`, [name]).catch(() => []);
  const lastKey = s?.last_key == null ? null : JSON.parse(String(s.last_key));
  const [b] = lastKey === null ? [{ n: 0 }] : await read(`SELECT count(*) AS n FROM items WHERE id <= ${p(1)} AND n <> 1`, [lastKey]);
  return {
    ones: Number(c!.ones ?? 0),
    zeros: Number(c!.zeros ?? 0),
    others: Number(c!.others ?? 0),
    behindNotDone: Number(b!.n),
    rowsDone: Number(s?.rows_done ?? 0),
    status: s?.status as string | undefined,
    lastKey,
  };
}

/**
 * Kills the child `kills` times at random points, checking after each kill that the data and the
 * checkpoint agree exactly; then lets it finish: every counter must be exactly 1.
 */
async function killAndResume(config: ChildConfig, rows: number, kills: number, read: Reader, p: (i: number) => string): Promise<void> {
  const history: string[] = [];
  let killed = 0;
  for (let round = 0; killed < kills && round < kills * 3; round++) {
    const before = (await counts(read, config.name, p)).rowsDone;
    const share = (rows - before) / (kills - killed + 1);
    const killAt = before + Math.max(config.batchSize, Math.floor(share * (0.3 + 0.7 * Math.random())));
    // Every other round the child kills itself at a random statement (about 6 per batch);
    // otherwise the parent kills it at a random time once it has done `killAt` rows.
    const selfKill = round % 2 === 1;
    const statement = Math.max(2, Math.floor(((killAt - before) / config.batchSize) * 6 * Math.random()));
    const outcome = selfKill ? await runChild({ ...config, killBeforeStatement: statement }) : await runChild(config, killAt);
    if (outcome.signal !== 'SIGKILL') {
      assert.equal(outcome.code, 0, outcome.stderr);
      history.push(`round ${round}: finished before the kill`);
      break;
    }
    killed++;
    const c = await counts(read, config.name, p);
    history.push(
      `kill ${killed}: ${selfKill ? `self, before statement ${statement}` : `at ${killAt} rows`}, child said ${outcome.lastDone}, checkpoint ${c.rowsDone} (key ${String(c.lastKey)})`,
    );
    const where = history.join('\n');
    assert.equal(c.others, 0, `a row was updated twice:\n${where}`);
    assert.equal(c.ones, c.rowsDone, `rows updated (${c.ones}) differ from the checkpoint's rows_done (${c.rowsDone}):\n${where}`);
    assert.equal(c.zeros, rows - c.rowsDone, where);
    assert.equal(c.behindNotDone, 0, `rows at or below the checkpoint key are not done:\n${where}`);
    assert.ok(c.rowsDone >= outcome.lastDone, `the checkpoint went back: the child reported ${outcome.lastDone} committed:\n${where}`);
    assert.ok(c.rowsDone < rows, `killed after the end:\n${where}`);
  }
  assert.ok(killed >= kills, `only ${killed} of ${kills} kills landed mid-run:\n${history.join('\n')}`);
  const last = await runChild(config);
  assert.equal(last.code, 0, last.stderr);
  assert.equal(last.report?.resumed, true);
  const c = await counts(read, config.name, p);
  const where = history.join('\n');
  assert.deepEqual(
    { ones: c.ones, zeros: c.zeros, others: c.others, rowsDone: c.rowsDone, status: c.status },
    { ones: rows, zeros: 0, others: 0, rowsDone: rows, status: 'done' },
    where,
  );
}

// ---- the suites --------------------------------------------------------------------------------

async function suites(): Promise<void> {
  const { tempDir, cli, CLI, writeFiles } = await import('./helpers.js');
  const { freshDatabase, skipUnlessServer, withPostgres, withMariadb } = await import('./servers.js');
  const { join } = await import('node:path');
  const { existsSync } = await import('node:fs');

  function sqliteTable(rows: number): string {
    const path = join(tempDir('strata-backfill-'), 'app.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, email TEXT)');
    const insert = db.prepare('INSERT INTO items (id, email) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= rows; i++) insert.run(i, `User${i}@Example.COM`);
    })();
    db.close();
    return path;
  }

  function sqliteReader(path: string): Reader {
    return async (sql, params = []) => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare(sql).all(...params) as Record<string, unknown>[];
      } finally {
        db.close();
      }
    };
  }
  const q = () => '?';

  function itemsOf(path: string): { n: number; c: number }[] {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT n, count(*) AS c FROM items GROUP BY n ORDER BY n').all() as { n: number; c: number }[];
    } finally {
      db.close();
    }
  }

  const increment = (path: string, extra: Partial<BackfillOptions> = {}): BackfillOptions => ({
    db: path,
    name: 'inc',
    table: 'items',
    set: 'n = n + 1',
    ...extra,
  });

  describe('backfill on SQLite', () => {
    it('exactly once under kill: 100,000 rows, SIGKILLed at random points 8 times, resumed each time', { timeout: 240_000 }, async () => {
      const path = sqliteTable(100_000);
      await killAndResume({ db: path, name: 'kill', batchSize: 100, spinMs: 0.5 }, 100_000, 8, sqliteReader(path), q);
    });

    it('two processes running the same backfill at once share the work, each row once', { timeout: 60_000 }, async () => {
      const path = sqliteTable(20_000);
      const config = { db: path, name: 'pair', batchSize: 100, spinMs: 0.3 };
      const [a, b] = await Promise.all([runChild(config), runChild(config)]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.equal(a.report!.rowsThisRun + b.report!.rowsThisRun, 20_000);
      assert.deepEqual(itemsOf(path), [{ n: 1, c: 20_000 }]);
    });

    it('walks in batches, reports progress, and a second call does nothing', async () => {
      const path = sqliteTable(1_005);
      const events = new EventChannel();
      const seen: BackfillProgress[] = [];
      events.on('backfill:progress', (p) => seen.push(p));
      const first = await backfill(increment(path, { events }));
      assert.equal(first.done, 1_005);
      assert.equal(first.total, 1_005);
      assert.equal(first.batches, 11);
      assert.deepEqual(
        seen.map((p) => p.done),
        [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1005],
      );
      const lastSeen = seen.at(-1)!;
      assert.equal(lastSeen.total, 1_005);
      assert.equal(lastSeen.etaMs, 0);
      assert.ok(lastSeen.rowsPerSecond > 0 && lastSeen.rssBytes > 10_000_000, JSON.stringify(lastSeen));
      assert.ok(seen[0]!.etaMs! > 0, 'ETA after the first batch');
      const again = await backfill(increment(path));
      assert.equal(again.alreadyDone, true);
      assert.equal(again.rowsThisRun, 0);
      assert.deepEqual(itemsOf(path), [{ n: 1, c: 1_005 }]);
      const [state] = await backfillStatus(path);
      assert.equal(state!.status, 'done');
      assert.equal(state!.rowsDone, 1_005);
      assert.equal(state!.lastKey, 1_005);
      assert.equal(state!.pid, process.pid);
      assert.ok(state!.finishedAt);
    });

    it('cancel stops between batches with a consistent checkpoint; the next run resumes', async () => {
      const path = sqliteTable(1_000);
      const controller = new AbortController();
      let calls = 0;
      const cancelled = await backfill(
        increment(path, {
          signal: controller.signal,
          onProgress: () => {
            if (++calls === 3) controller.abort();
          },
        }),
      ).catch((e: unknown) => e);
      assert.ok(cancelled instanceof StrataError, String(cancelled));
      assert.equal(cancelled.code, 'BACKFILL_CANCELLED');
      const [state] = await backfillStatus(path);
      assert.deepEqual({ status: state!.status, rowsDone: state!.rowsDone, lastKey: state!.lastKey }, { status: 'cancelled', rowsDone: 300, lastKey: 300 });
      assert.deepEqual(itemsOf(path), [
        { n: 0, c: 700 },
        { n: 1, c: 300 },
      ]);
      const resumed = await backfill(increment(path));
      assert.equal(resumed.resumed, true);
      assert.equal(resumed.rowsThisRun, 700);
      assert.deepEqual(itemsOf(path), [{ n: 1, c: 1_000 }]);
    });

    it('cancel interrupts the delay between batches', async () => {
      const path = sqliteTable(500);
      const controller = new AbortController();
      const started = performance.now();
      const outcome = await backfill(
        increment(path, { delayMs: 60_000, signal: controller.signal, onProgress: () => setTimeout(() => controller.abort(), 20) }),
      ).catch((e: unknown) => e);
      assert.equal((outcome as StrataError).code, 'BACKFILL_CANCELLED');
      assert.ok(performance.now() - started < 5_000, 'did not wait out the delay');
      assert.deepEqual(itemsOf(path), [
        { n: 0, c: 400 },
        { n: 1, c: 100 },
      ]);
    });

    it('delayMs waits between batches', async () => {
      const path = sqliteTable(300);
      const started = performance.now();
      await backfill(increment(path, { delayMs: 150 }));
      // Three batches (the last one is short and ends the walk): two delays between them.
      assert.ok(performance.now() - started >= 290, `took ${performance.now() - started} ms`);
    });

    it('a batch that throws rolls back alone; the checkpoint stays at the last good batch and the next run resumes', async () => {
      const path = sqliteTable(1_000);
      let failing = true;
      const options = (): BackfillOptions => ({
        db: path,
        name: 'flaky',
        table: 'items',
        update: async (rows, ctx) => {
          await ctx.run('UPDATE items SET n = n + 1 WHERE id >= ? AND id <= ?', [rows[0]!.id, rows.at(-1)!.id]);
          if (failing && rows.some((r) => r.id === 450)) throw new Error('bad row 450');
        },
      });
      const error = await backfill(options()).catch((e: unknown) => e);
      assert.ok(error instanceof StrataError);
      assert.equal(error.code, 'BACKFILL_FAILED');
      assert.match(error.message, /after key 400 failed: bad row 450/);
      const [state] = await backfillStatus(path);
      assert.deepEqual({ status: state!.status, rowsDone: state!.rowsDone, error: state!.error }, { status: 'failed', rowsDone: 400, error: 'bad row 450' });
      assert.deepEqual(itemsOf(path), [
        { n: 0, c: 600 },
        { n: 1, c: 400 },
      ]);
      failing = false;
      const report = await backfill(options());
      assert.equal(report.rowsThisRun, 600);
      assert.equal(report.state.error, null);
      assert.deepEqual(itemsOf(path), [{ n: 1, c: 1_000 }]);
    });

    it('where, select and sql with :keys; a text key', async () => {
      const dir = tempDir('strata-backfill-');
      const db = new Database(join(dir, 'app.db'));
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE users (email TEXT PRIMARY KEY, lower_email TEXT, active INTEGER NOT NULL)');
      const insert = db.prepare('INSERT INTO users (email, active) VALUES (?, ?)');
      for (let i = 0; i < 250; i++) insert.run(`User${String(i).padStart(3, '0')}@X.ORG`, i % 5 === 0 ? 0 : 1);
      const seen: unknown[][] = [];
      const report = await backfill({
        db,
        name: 'emails',
        table: 'users',
        key: 'email',
        batchSize: 30,
        where: 'active = 1',
        select: ['email'],
        update: async (rows, ctx) => {
          seen.push(rows.map((r) => Object.keys(r).join()));
          for (const r of rows) await ctx.run('UPDATE users SET lower_email = ? WHERE email = ?', [String(r.email).toLowerCase(), r.email]);
        },
      });
      assert.equal(report.done, 200);
      assert.equal(report.total, 200);
      assert.deepEqual([...new Set(seen.flat())], ['email']);
      assert.deepEqual(db.prepare('SELECT active, count(lower_email) AS c FROM users GROUP BY active').all(), [
        { active: 0, c: 0 },
        { active: 1, c: 200 },
      ]);
      const viaSql = await backfill({
        db,
        name: 'reset',
        table: 'users',
        key: 'email',
        batchSize: 64,
        sql: 'UPDATE users SET lower_email = NULL WHERE email IN (:keys) AND email BETWEEN :first AND :last',
      });
      assert.equal(viaSql.done, 250);
      assert.equal((db.prepare('SELECT count(lower_email) AS c FROM users').get() as { c: number }).c, 0);
      db.close();
    });

    it('rejects what cannot work, before touching anything', async () => {
      const path = sqliteTable(10);
      const codeOf = (p: Promise<unknown>) =>
        p.then(
          () => 'resolved',
          (e: StrataError) => `${e.code}: ${e.message}`,
        );
      assert.match(await codeOf(backfill({ db: path, name: 'x', table: 'items' })), /BACKFILL_INVALID: .*exactly one of set, sql, update/);
      assert.match(
        await codeOf(backfill({ db: path, name: 'x', table: 'items', set: 'n = 1', sql: 'UPDATE items SET n = 2 WHERE id IN (:keys)' })),
        /BACKFILL_INVALID/,
      );
      assert.match(await codeOf(backfill({ db: path, name: 'x', table: 'items', sql: 'UPDATE items SET n = 2' })), /BACKFILL_INVALID: .*names no batch/);
      assert.match(await codeOf(backfill({ db: path, name: 'x', table: 'items; DROP TABLE items', set: 'n = 1' })), /BACKFILL_INVALID: table/);
      assert.match(await codeOf(backfill({ db: path, name: 'x', table: 'items', set: 'n = 1', batchSize: 0 })), /BACKFILL_INVALID: .*batchSize/);
      assert.match(await codeOf(backfill({ db: path, name: 'x', table: 'nope', set: 'n = 1' })), /BACKFILL_FAILED: .*could not start on nope: no such table/);
      await backfill({ db: path, name: 'x', table: 'items', set: 'n = n + 1' });
      assert.match(
        await codeOf(backfill({ db: path, name: 'x', table: 'items', key: 'rowid', set: 'n = n + 1' })),
        /BACKFILL_INVALID: backfill x walks items.id, not items.rowid/,
      );
      assert.deepEqual(itemsOf(path), [{ n: 1, c: 10 }]);
    });

    it('restart walks everything again', async () => {
      const path = sqliteTable(250);
      await backfill(increment(path));
      const again = await backfill(increment(path, { restart: true }));
      assert.equal(again.rowsThisRun, 250);
      assert.deepEqual(itemsOf(path), [{ n: 2, c: 250 }]);
    });
  });

  describe('backfill in a code migration', () => {
    it("inside a transactional migration: the batches run in the migration's transaction and roll back with it", async () => {
      const path = sqliteTable(500);
      const migrator = createMigrator({ db: path, backup: false });
      let fail = true;
      migrator.register({
        version: 1,
        name: 'count_items',
        up: async (ctx) => {
          const report = await backfillInMigration(ctx, { name: 'count', table: 'items', set: 'n = n + 1', batchSize: 64 });
          assert.equal(report.committedPerBatch, false);
          if (fail) throw new Error('after the backfill');
        },
      });
      await assert.rejects(migrator.migrate(), /after the backfill/);
      assert.deepEqual(itemsOf(path), [{ n: 0, c: 500 }]);
      assert.deepEqual(await backfillStatus(path), []);
      fail = false;
      await migrator.migrate();
      await migrator.close();
      assert.deepEqual(itemsOf(path), [{ n: 1, c: 500 }]);
      const [state] = await backfillStatus(path);
      assert.equal(state!.status, 'done');
    });

    it('in a migration outside a transaction: batches commit, and migrate --resume continues from the checkpoint', async () => {
      const path = sqliteTable(1_000);
      let failAt: number | undefined = 650;
      const migrator = createMigrator({ db: path, backup: false });
      migrator.register({
        version: 1,
        name: 'count_items',
        transaction: false,
        up: (ctx) =>
          backfillInMigration(ctx, {
            name: 'count',
            table: 'items',
            update: async (rows, batch) => {
              await batch.run('UPDATE items SET n = n + 1 WHERE id >= ? AND id <= ?', [rows[0]!.id, rows.at(-1)!.id]);
              if (failAt !== undefined && rows.some((r) => r.id === failAt)) throw new Error('disk full');
            },
          }),
      });
      await assert.rejects(migrator.migrate(), /disk full/);
      assert.deepEqual(itemsOf(path), [
        { n: 0, c: 400 },
        { n: 1, c: 600 },
      ]);
      failAt = undefined;
      await migrator.migrate({ resume: true });
      assert.equal((await migrator.status()).currentVersion, '1');
      await migrator.close();
      assert.deepEqual(itemsOf(path), [{ n: 1, c: 1_000 }]);
    });
  });

  describe('strata backfill (CLI)', { skip: existsSync(CLI) ? false : 'dist/ is not built: run npm run build' }, () => {
    it('runs by flags, resumes after a kill, reports --status; JSON and usage errors', { timeout: 60_000 }, async () => {
      const path = sqliteTable(30_000);
      const dir = join(path, '..');
      const args = [
        'backfill',
        'lower_emails',
        '--db',
        path,
        '--on',
        'items',
        '--set',
        'email = lower(email), n = n + 1',
        '--where',
        "email <> ''",
        '--batch-size',
        '50',
      ];
      // Kill it once mid-way (the CLI as users run it).
      const proc = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, DATABASE_URL: '' } });
      const exit = new Promise<NodeJS.Signals | null>((resolve) => proc.on('close', (_code, signal) => resolve(signal)));
      for (;;) {
        await new Promise((r) => setTimeout(r, 20));
        const [row] = await sqliteReader(path)("SELECT rows_done FROM strata_backfills WHERE name = 'lower_emails'").catch(() => []);
        if (row && Number(row.rows_done) > 3_000) break;
        if (proc.exitCode !== null) break;
      }
      proc.kill('SIGKILL');
      assert.equal(await exit, 'SIGKILL', 'the CLI finished before it could be killed');
      const mid = await counts(sqliteReader(path), 'lower_emails', q);
      assert.equal(mid.ones, mid.rowsDone);
      assert.ok(mid.rowsDone > 0 && mid.rowsDone < 30_000);

      const status = cli(['backfill', '--status', '--db', path], { cwd: dir });
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /lower_emails\s+items\.id\s+running\s+\d+\s+30000/);
      assert.match(status.stdout, /1 unfinished/);

      const resumed = cli([...args, '--json'], { cwd: dir });
      assert.equal(resumed.code, 0, resumed.stderr);
      const report = JSON.parse(resumed.stdout) as { done: number; resumed: boolean; rowsThisRun: number };
      assert.deepEqual(
        { done: report.done, resumed: report.resumed, rowsThisRun: report.rowsThisRun },
        { done: 30_000, resumed: true, rowsThisRun: 30_000 - mid.rowsDone },
      );
      assert.deepEqual(itemsOf(path), [{ n: 1, c: 30_000 }]);
      assert.equal((await sqliteReader(path)('SELECT count(*) AS c FROM items WHERE email <> lower(email)'))[0]!.c, 0);

      const again = cli(args, { cwd: dir });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /already completed \(30,000 rows/);
      const json = cli(['backfill', '--status', '--db', path, '--json'], { cwd: dir });
      assert.equal((JSON.parse(json.stdout) as { backfills: { status: string }[] }).backfills[0]!.status, 'done');

      const missing = cli(['backfill', 'x', '--db', path, '--set', 'n = 1'], { cwd: dir });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /needs --on TABLE/);
    });

    it('runs a module file exporting the definition', { timeout: 30_000 }, async () => {
      const path = sqliteTable(400);
      const dir = join(path, '..');
      writeFiles(dir, {
        'backfills/double.ts': `export default {\n  name: 'double',\n  table: 'items',\n  batchSize: 70,\n  update: async (rows: { id: number }[], ctx: { run(sql: string, p: unknown[]): Promise<unknown> }) => {\n    for (const r of rows) await ctx.run('UPDATE items SET n = n + 2 WHERE id = ?', [r.id]);\n  },\n};\n`,
      });
      const run = cli(['backfill', 'backfills/double.ts', '--db', path, '--batch-size', '100'], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /backfilled double: 400 rows in 4 batches/);
      assert.deepEqual(itemsOf(path), [{ n: 2, c: 400 }]);
    });
  });

  // ---- servers -----------------------------------------------------------------------------------

  const servers = [
    {
      kind: 'postgres' as const,
      p: (i: number) => `$${i}`,
      reader:
        (url: string): Reader =>
        (sql, params = []) =>
          withPostgres(async (c) => (await c.query(sql, params)).rows as Record<string, unknown>[], url),
      setup: (url: string, rows: number) =>
        withPostgres(async (c) => {
          await c.query('CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, email TEXT)');
          await c.query('INSERT INTO items (id) SELECT g FROM generate_series(1, $1::int) g', [rows]);
        }, url),
    },
    {
      kind: 'mariadb' as const,
      p: () => '?',
      reader:
        (url: string): Reader =>
        (sql, params = []) =>
          withMariadb(async (c) => (await c.query(sql, params))[0] as Record<string, unknown>[], url),
      setup: (url: string, rows: number) =>
        withMariadb(async (c) => {
          await c.query('CREATE TABLE items (id INT PRIMARY KEY, n INT NOT NULL DEFAULT 0, email TEXT) ENGINE=InnoDB');
          for (let from = 1; from <= rows; from += 1000) {
            const ids = Array.from({ length: Math.min(1000, rows - from + 1) }, (_, k) => `(${from + k})`);
            await c.query(`INSERT INTO items (id) VALUES ${ids.join(',')}`);
          }
        }, url),
    },
  ];

  for (const server of servers) {
    describe(`backfill on ${server.kind}`, { skip: await skipUnlessServer(server.kind) }, () => {
      it('exactly once under kill: 10,000 rows, SIGKILLed at random points 6 times', { timeout: 180_000 }, async () => {
        const url = await freshDatabase(server.kind, 'backfill');
        await server.setup(url, 10_000);
        await killAndResume({ db: url, name: 'kill', batchSize: 100, spinMs: 1 }, 10_000, 6, server.reader(url), server.p);
      });

      it('two connections at once share the work; cancel and resume after failure', { timeout: 60_000 }, async () => {
        const url = await freshDatabase(server.kind, 'backfill');
        await server.setup(url, 3_000);
        const read = server.reader(url);
        const [a, b] = await Promise.all([
          backfill({ db: url, name: 'pair', table: 'items', set: 'n = n + 1', batchSize: 50 }),
          backfill({ db: url, name: 'pair', table: 'items', set: 'n = n + 1', batchSize: 50 }),
        ]);
        assert.equal(a.rowsThisRun + b.rowsThisRun, 3_000);
        assert.deepEqual((await counts(read, 'pair', server.p)).ones, 3_000);

        await read('UPDATE items SET n = 0');
        const controller = new AbortController();
        let batches = 0;
        const cancelled = await backfill({
          db: url,
          name: 'c',
          table: 'items',
          set: 'n = n + 1',
          batchSize: 100,
          signal: controller.signal,
          onProgress: () => ++batches === 4 && controller.abort(),
        }).catch((e: unknown) => e);
        assert.equal((cancelled as StrataError).code, 'BACKFILL_CANCELLED');
        let c = await counts(read, 'c', server.p);
        assert.deepEqual({ ones: c.ones, rowsDone: c.rowsDone, status: c.status }, { ones: 400, rowsDone: 400, status: 'cancelled' });

        const driver = openDriver(url);
        const flaky = (fail: boolean): BackfillOptions => ({
          driver,
          name: 'c',
          table: 'items',
          batchSize: 100,
          update: async (rows, ctx) => {
            const { text, params } = bindBatchSql(
              'UPDATE items SET n = n + 1 WHERE id IN (:keys)',
              ctx.dialect,
              rows.map((r) => r.id),
            );
            await ctx.run(text, params);
            if (fail && rows.some((r) => Number(r.id) === 1_234)) throw new Error('bad row 1234');
          },
        });
        const failed = await backfill(flaky(true)).catch((e: unknown) => e);
        assert.equal((failed as StrataError).code, 'BACKFILL_FAILED');
        c = await counts(read, 'c', server.p);
        assert.deepEqual({ ones: c.ones, rowsDone: c.rowsDone, status: c.status }, { ones: 1_200, rowsDone: 1_200, status: 'failed' });
        const done = await backfill(flaky(false));
        await driver.close();
        assert.equal(done.rowsThisRun, 1_800);
        c = await counts(read, 'c', server.p);
        assert.deepEqual(
          { ones: c.ones, others: c.others, rowsDone: c.rowsDone, status: c.status },
          { ones: 3_000, others: 0, rowsDone: 3_000, status: 'done' },
        );
        const states = await backfillStatus(url);
        assert.deepEqual(
          states.map((s) => [s.name, s.status, s.rowsDone]),
          [
            ['c', 'done', 3_000],
            ['pair', 'done', 3_000],
          ],
        );
      });
    });
  }
}
