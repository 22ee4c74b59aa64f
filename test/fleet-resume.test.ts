/**
 * A fleet runner killed with SIGKILL part-way (the built CLI, a real process), then
 * `strata fleet migrate --resume`: finished targets are not run again, those the dead runner
 * held are checked against their own ledgers (`recovered`), and every target ends migrated
 * exactly once: one ledger row per step, its data written once.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, abortedAttempts, cli, ledger, parseJson, query, tempDir, writeFiles } from './helpers.js';

const ROWS = 200_000;
const TARGETS = 16;

test('SIGKILL mid-run, then --resume: each target migrated exactly once, checked with its ledger', { timeout: 180_000 }, async () => {
  const dir = tempDir('strata-fleet-resume-');
  writeFiles(dir, {
    'migrations/0001_big.sql': `-- migrate:up\nCREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT ${ROWS}) SELECT x FROM c;\n`,
    'migrations/0002_index.sql': '-- migrate:up\nCREATE INDEX big_x ON big (x);\n',
  });
  writeFiles(dir, { 'tenants/.keep': '' });
  const names = Array.from({ length: TARGETS }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
  for (const name of names) new Database(join(dir, 'tenants', `${name}.db`)).exec('CREATE TABLE owner (name TEXT)').close();

  const args = ['fleet', 'migrate', '--targets', 'tenants/*.db', '--dir', 'migrations', '--concurrency', '2', '--no-backup'];
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, DATABASE_URL: '' }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const journalDir = join(dir, '.strata', 'fleet');
  // Kill it once a few targets are done and others are in flight.
  let states: Record<string, number> = {};
  for (let i = 0; i < 600; i++) {
    await sleep(50);
    const journal = readdirSafe(journalDir).find((name) => name.endsWith('.db'));
    if (!journal) continue;
    states = countStates(join(journalDir, journal));
    if ((states.succeeded ?? 0) >= 3) break;
  }
  child.kill('SIGKILL');
  await exited;
  const [journal] = readdirSafe(journalDir).filter((name) => name.endsWith('.db'));
  assert.ok(journal, 'the run was journalled');
  states = countStates(join(journalDir, journal!));
  assert.ok((states.succeeded ?? 0) >= 3 && (states.succeeded ?? 0) < TARGETS, `killed part-way: ${JSON.stringify(states)}`);
  const runningAtKill = states.running ?? 0;
  // Two at a time and each target takes a while: the kill lands with targets in flight.
  assert.ok(runningAtKill >= 1, `targets in flight at the kill: ${JSON.stringify(states)}`);

  const resumed = cli([...args, '--resume', '--json'], { cwd: dir });
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  const summary = parseJson(resumed);
  assert.equal(summary.runId, journal!.slice(0, -3));
  assert.equal(summary.succeeded, TARGETS);
  assert.equal(summary.resumedPast, states.succeeded);
  assert.equal(summary.recovered, runningAtKill);
  assert.equal(summary.pending, 0);

  const after = countStates(join(journalDir, journal!));
  assert.deepEqual(after, { succeeded: TARGETS }, 'no target left in an unknown state');
  for (const name of names) {
    const path = join(dir, 'tenants', `${name}.db`);
    assert.deepEqual(
      ledger(path).map((row) => [row.version, row.status]),
      [
        ['1', 'applied'],
        ['2', 'applied'],
      ],
      name,
    );
    assert.deepEqual(abortedAttempts(path), [], `${name}: no failed attempt left in its ledger`);
    assert.equal(query<{ n: number }>(path, 'SELECT count(*) AS n FROM big')[0]!.n, ROWS, `${name}: its data written once`);
  }
  // A claim is counted per target: those the dead runner held were claimed twice, the rest once.
  const attempts = query<{ attempts: number; n: number }>(
    join(journalDir, journal!),
    'SELECT attempts, count(*) AS n FROM fleet_target GROUP BY attempts ORDER BY attempts',
  );
  assert.deepEqual(
    attempts,
    runningAtKill
      ? [
          { attempts: 1, n: TARGETS - runningAtKill },
          { attempts: 2, n: runningAtKill },
        ]
      : [{ attempts: 1, n: TARGETS }],
  );
  // Resuming a finished run changes nothing.
  const again = parseJson(cli([...args, '--resume', '--json'], { cwd: dir }));
  assert.equal(again.resumedPast, TARGETS);
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function countStates(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT state, count(*) AS n FROM fleet_target GROUP BY state').all() as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } catch {
    return {};
  } finally {
    db.close();
  }
}
