/**
 * The fault-injection trials that stay: SIGKILL at random moments of `strata backup create` and
 * `strata backup restore` on SQLite, each checked afterwards by an independent reader. A killed
 * create never lists a backup that does not verify and never touches the database; a killed
 * restore leaves the database as it was or as the backup, whole, and the next command removes
 * what the killed one left in the backups folder. Bounded: a few seconds per trial.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, assertOk, cli, parseJson, tempDir } from './helpers.js';

const TRIALS = Number(process.env.STRATA_KILL_TRIALS ?? 6);

/** A WAL database of ~10 MB whose rows say which state it is in. */
function database(): { dir: string; db: string } {
  const dir = tempDir('strata-kill-');
  const db = join(dir, 'app.db');
  const connection = new Database(db);
  connection.pragma('journal_mode = WAL');
  connection.exec(
    "CREATE TABLE t (state TEXT, pad BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO t SELECT 'backed-up', randomblob(500) FROM n;",
  );
  connection.close();
  return { dir, db };
}

/** The independent reader: integrity_check, and the states the rows are in. */
function read(db: string): { integrity: string; states: Record<string, number> } {
  const connection = new Database(db);
  try {
    const integrity = String(connection.pragma('integrity_check', { simple: true }));
    const rows = connection.prepare('SELECT state, count(*) AS n FROM t GROUP BY state').all() as { state: string; n: number }[];
    return { integrity, states: Object.fromEntries(rows.map((r) => [r.state, r.n])) };
  } finally {
    connection.close();
  }
}

/** Runs the CLI and SIGKILLs it after `ms` (if it is still running): whether it was killed. */
function killAfter(args: string[], cwd: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: 'ignore', env: { ...process.env, DATABASE_URL: '' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL');
    });
  });
}

function elapsed(run: () => void): number {
  const started = Date.now();
  run();
  return Date.now() - started;
}

describe(`SIGKILL during backup create and restore (${TRIALS} trials each)`, () => {
  test('create: the database is untouched, and every listed backup verifies', async (t) => {
    const { dir, db } = database();
    const before = read(db);
    const duration = elapsed(() => assertOk(cli(['backup', 'create', '--db', db], { cwd: dir })));
    let killed = 0;
    const failures: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      if (await killAfter(['backup', 'create', '--db', db], dir, Math.floor(Math.random() * duration))) killed++;
      const after = read(db);
      if (after.integrity !== 'ok' || JSON.stringify(after.states) !== JSON.stringify(before.states))
        failures.push(`trial ${trial}: database ${JSON.stringify(after)}`);
      const listing = cli(['backup', 'list', '--json', '--db', db], { cwd: dir });
      for (const backup of parseJson(listing).backups as { id: string }[]) {
        const verified = cli(['backup', 'verify', backup.id, '--db', db], { cwd: dir });
        if (verified.code !== 0) failures.push(`trial ${trial}: listed backup ${backup.id} does not verify: ${verified.stderr}`);
      }
    }
    t.diagnostic(`backup create: ${TRIALS} trials, ${killed} killed mid-way, ${failures.length} failures`);
    assert.deepEqual(failures, []);
    // The next command sweeps what the killed ones left: only backups and their records remain.
    assertOk(cli(['backup', 'list', '--db', db], { cwd: dir }));
    assertOk(
      cli(['backup', 'verify', (parseJson(cli(['backup', 'list', '--json', '--db', db], { cwd: dir })).backups as { id: string }[])[0]!.id, '--db', db], {
        cwd: dir,
      }),
    );
    assert.deepEqual(
      readdirSync(join(dir, 'backups')).filter((name) => name.startsWith('.')),
      [],
    );
  });

  test('restore: the database is as it was or as the backup, whole; the next restore succeeds and leaves no temp file', async (t) => {
    const { dir, db } = database();
    const made = cli(['backup', 'create', '--json', '--db', db], { cwd: dir });
    assertOk(made);
    const id = parseJson(made).backup.id as string;
    const backedUp = read(db).states;
    const connection = new Database(db);
    connection.exec("UPDATE t SET state = 'changed' WHERE rowid % 2 = 0");
    connection.close();
    const changed = read(db).states;
    const duration = elapsed(() => assertOk(cli(['backup', 'restore', id, '--db', db, '--keep-count', '1000'], { cwd: dir })));
    let killed = 0;
    const failures: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      // Back to the changed state, then a restore killed at a random moment.
      const reset = new Database(db);
      reset.exec("UPDATE t SET state = 'changed' WHERE rowid % 2 = 0");
      reset.close();
      if (await killAfter(['backup', 'restore', id, '--db', db], dir, Math.floor(Math.random() * duration))) killed++;
      const after = read(db);
      const whole = [JSON.stringify(backedUp), JSON.stringify(changed)].includes(JSON.stringify(after.states));
      if (after.integrity !== 'ok' || !whole) failures.push(`trial ${trial}: ${JSON.stringify(after)}`);
    }
    t.diagnostic(`backup restore: ${TRIALS} trials, ${killed} killed mid-way, ${failures.length} failures`);
    assert.deepEqual(failures, []);
    assertOk(cli(['backup', 'restore', id, '--db', db], { cwd: dir }));
    assert.deepEqual(read(db).states, backedUp);
    assert.deepEqual(
      readdirSync(join(dir, 'backups')).filter((name) => name.startsWith('.')),
      [],
      'the temp files of the killed restores are gone',
    );
  });
});
