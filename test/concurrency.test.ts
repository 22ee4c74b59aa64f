/**
 * Several `strata migrate` processes on one database, and the migration lock: each migration runs
 * exactly once, a crashed holder never blocks anyone, a live holder makes others wait or time out.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assertFailure, assertOk, cli, cliAsync, describeRun, ledger, parseJson, query, ROOT, tempDir, userTables, writeFiles } from './helpers.js';

const COUNT = 30;
const RACERS = 6;

function migrations(count: number, from = 1): Record<string, string> {
  const files: Record<string, string> = {};
  if (from === 1) {
    files['0001_counter.sql'] = `-- migrate:up
CREATE TABLE counter (version TEXT NOT NULL);
INSERT INTO counter (version) VALUES ('1');
-- migrate:down
DROP TABLE counter;
`;
  }
  for (let v = Math.max(from, 2); v <= count; v++) {
    // Every tenth one runs outside a transaction (its ledger row says 'running' meanwhile).
    files[`${String(v).padStart(4, '0')}_step_${v}.sql`] =
      `${v % 10 === 5 ? '-- strata:no-transaction\n' : ''}CREATE TABLE t${v} (id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO t${v} (v) VALUES ('x');
INSERT INTO counter (version) VALUES ('${v}');
`;
  }
  return files;
}

const children: ChildProcess[] = [];

/** Resolves when the child has exited (at once if it already has). */
async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * A separate process holding the migration lock the way Strata takes it: BEGIN EXCLUSIVE on
 * `<db>.strata-lock`. Resolves once it printed 'locked'. `releaseAfterMs` makes it let go by itself.
 */
async function lockHolder(db: string, releaseAfterMs?: number): Promise<ChildProcess> {
  const script = `
const Database = require(${JSON.stringify(join(ROOT, 'node_modules', 'better-sqlite3'))});
const lock = new Database(${JSON.stringify(`${db}.strata-lock`)});
lock.exec('BEGIN EXCLUSIVE');
console.log('locked');
${releaseAfterMs === undefined ? 'setInterval(() => {}, 1000);' : `setTimeout(() => { lock.exec('ROLLBACK'); lock.close(); }, ${releaseAfterMs});`}
`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk) => (err += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('locked')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the lock holder exited (${code}) before locking: ${err}`)));
  });
  return child;
}

describe('racing processes', () => {
  test(`${RACERS} processes migrating ${COUNT} migrations at once: each applied exactly once`, async () => {
    const dir = tempDir('strata-race-');
    writeFiles(join(dir, 'migrations'), migrations(COUNT));
    const db = join(dir, 'strata.db');

    const results = await Promise.all(Array.from({ length: RACERS }, () => cliAsync(['migrate', '--json'], { cwd: dir })));
    for (const result of results) assert.equal(result.code, 0, describeRun(result));
    const reports = results.map((r) => parseJson(r));
    for (const report of reports) assert.equal(report.currentVersion, String(COUNT));
    // Between them the processes applied every migration once.
    const appliedBy = reports.flatMap((r) => r.results.map((s: { version: string }) => s.version));
    assert.equal(appliedBy.length, COUNT, `applied ${appliedBy.length} times in all: ${appliedBy.join(', ')}`);
    assert.equal(new Set(appliedBy).size, COUNT);

    const rows = ledger(db);
    assert.deepEqual(
      rows.map((r) => r.version),
      Array.from({ length: COUNT }, (_, k) => String(k + 1)),
    );
    assert.ok(rows.every((r) => r.status === 'applied'));
    const counted = query<{ version: string; n: number }>(db, 'SELECT version, count(*) AS n FROM counter GROUP BY version ORDER BY CAST(version AS INTEGER)');
    assert.equal(counted.length, COUNT);
    assert.deepEqual(
      counted.filter((r) => r.n !== 1),
      [],
      'a migration ran more than once',
    );
    assert.equal(userTables(db).length, COUNT);

    const status = parseJson(cli(['status', '--json'], { cwd: dir }));
    assert.equal(status.currentVersion, String(COUNT));
    assert.equal(status.pending, 0);
    assertOk(cli(['validate'], { cwd: dir }));

    // Again on the existing database, with new migrations: some racers find work, others none.
    const MORE = COUNT + 10;
    writeFiles(join(dir, 'migrations'), migrations(MORE, COUNT + 1));
    const second = await Promise.all(Array.from({ length: RACERS }, () => cliAsync(['migrate', '--json'], { cwd: dir })));
    for (const result of second) assert.equal(result.code, 0, describeRun(result));
    const secondReports = second.map((r) => parseJson(r));
    for (const report of secondReports) assert.equal(report.currentVersion, String(MORE));
    assert.equal(secondReports.flatMap((r) => r.results).length, 10);
    assert.equal(ledger(db).length, MORE);
    const counts = query<{ n: number; distinct_n: number }>(db, 'SELECT count(*) AS n, count(DISTINCT version) AS distinct_n FROM counter');
    assert.deepEqual(counts, [{ n: MORE, distinct_n: MORE }]);
  });
});

describe('the migration lock', () => {
  test('a holder that crashed (SIGKILL) does not block the next migrate', async () => {
    const dir = tempDir('strata-lock-');
    writeFiles(join(dir, 'migrations'), migrations(3));
    const db = join(dir, 'strata.db');
    const holder = await lockHolder(db);
    holder.kill('SIGKILL');
    await exited(holder);
    const started = Date.now();
    const result = await cliAsync(['migrate', '--lock-timeout', '5000'], { cwd: dir });
    assertOk(result);
    assert.ok(Date.now() - started < 4000, 'it did not wait for the dead holder');
    assert.doesNotMatch(result.stderr, /waiting for another migration/);
    assert.equal(ledger(db).length, 3);
  });

  test('while a live process holds the lock, --lock-timeout 300 fails with LOCK_TIMEOUT and applies nothing', async () => {
    const dir = tempDir('strata-lock-');
    writeFiles(join(dir, 'migrations'), migrations(3));
    const db = join(dir, 'strata.db');
    const holder = await lockHolder(db);
    try {
      const started = Date.now();
      const result = await cliAsync(['migrate', '--lock-timeout', '300'], { cwd: dir });
      const waited = Date.now() - started;
      assertFailure(result, 'LOCK_TIMEOUT');
      assert.match(result.stderr, /another process held the migration lock on .*strata\.db for longer than 300 ms/);
      assert.match(result.stderr, /waiting for another migration/);
      assert.ok(waited >= 300, `gave up after ${waited} ms`);
      assert.deepEqual(ledger(db), []);
      assert.deepEqual(userTables(db), []);
      const json = parseJson(await cliAsync(['migrate', '--lock-timeout', '300', '--json'], { cwd: dir }));
      assert.equal(json.error.code, 'LOCK_TIMEOUT');
    } finally {
      holder.kill('SIGKILL');
      await exited(holder);
    }
    assertOk(cli(['migrate'], { cwd: dir }));
    assert.equal(ledger(db).length, 3);
  });

  test('a waiting migrate proceeds as soon as the holder lets go', async () => {
    const dir = tempDir('strata-lock-');
    writeFiles(join(dir, 'migrations'), migrations(3));
    const db = join(dir, 'strata.db');
    // Held long enough that a CLI starting on a loaded machine still finds it held.
    const holder = await lockHolder(db, 2500);
    const result = await cliAsync(['migrate', '--lock-timeout', '10000'], { cwd: dir });
    assertOk(result);
    assert.match(result.stderr, /waiting for another migration on sqlite:strata\.db to finish/);
    assert.equal(ledger(db).length, 3);
    await exited(holder);
  });
});
