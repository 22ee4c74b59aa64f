/**
 * Shared by fault-injection.test.ts (SQLite, PostgreSQL) and fault-injection-mariadb.test.ts
 * (two files, so each stays under a minute and the runner can run them side by side).
 *
 * The fault-injection trials that stay (issue 18): `strata migrate` SIGKILLed at random moments
 * on SQLite, PostgreSQL and MariaDB, each trial on a fresh database, checked afterwards by an
 * independent reader (a connection of the test's own): the ledger agrees with the schema. On a
 * database with transactional DDL a step is applied with its ledger row or not at all; on
 * MariaDB (DDL commits by itself) a step the kill cut off may be done without an `applied` row,
 * but then its row says `running`, which status reports and `repair` settles: never a step
 * recorded as applied that is not all there. After the kills, one more run finishes the work.
 *
 * STRATA_KILL_TRIALS sets the trials per dialect (default 8). The diagnostic line of each suite
 * gives trials, kills mid-way and failures: the closing note's table.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOk, CLI, cli, describeRun, tempDir, writeFiles } from './helpers.js';
import { describeOnDialect } from './conformance/describe-dialect.js';
import { DIALECTS, type DialectEntry } from './conformance/dialects.js';

const TRIALS = Number(process.env.STRATA_KILL_TRIALS ?? 8);
const STEPS = 24;
const ROWS = 3;

/** STEPS migrations, each a table and its rows: two statements, so a kill can fall between them. */
function migrations(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 1; n <= STEPS; n++) {
    const values = Array.from({ length: ROWS }, (_, k) => `(${k + 1})`).join(', ');
    files[`${String(n).padStart(4, '0')}_t${n}.sql`] = `CREATE TABLE t_${n} (id INTEGER);\nINSERT INTO t_${n} (id) VALUES ${values};\n`;
  }
  return files;
}

/** Runs migrate and SIGKILLs it after `ms` if it is still running: whether it was killed. */
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

interface Observed {
  /** version -> ledger status (aborted attempts left out: nothing of them applied). */
  ledger: Map<number, string>;
  /** t_N tables present -> their row count. */
  tables: Map<number, number>;
}

/**
 * Waits until the server runs nothing more for the killed process. A client's death does not stop
 * the statement its connection was running: MariaDB finishes a CREATE TABLE a killed run had
 * sent (and commits it, DDL commits by itself) after the process is gone. Observed before that, a
 * step looked not begun, was settled as rolled back, and then its table appeared.
 */
async function quiesce(entry: DialectEntry, db: string): Promise<void> {
  if (entry.family !== 'mysql') return;
  const started = Date.now();
  for (;;) {
    const [row] = await entry.read(db, (reader) =>
      reader.query<{ n: number | string }>('SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()'),
    );
    if (Number(row!.n) === 0) return;
    if (Date.now() - started > 30_000) assert.fail(`the killed run's statements were still running on ${db} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function observe(entry: DialectEntry, db: string): Promise<Observed> {
  await quiesce(entry, db);
  return entry.read(db, async (reader) => {
    const names = await reader.tables();
    const ledger = new Map<number, string>();
    if (names.includes('strata_migrations')) {
      for (const row of await reader.query<{ version: string; status: string }>("SELECT version, status FROM strata_migrations WHERE status <> 'aborted'")) {
        ledger.set(Number(row.version), row.status);
      }
    }
    const tables = new Map<number, number>();
    for (const name of names.filter((n) => /^t_\d+$/.test(n))) {
      const [row] = await reader.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${name}`);
      tables.set(Number(name.slice(2)), Number(row!.n));
    }
    return { ledger, tables };
  });
}

/** What is wrong with `seen` for a dialect with (or without) transactional DDL; [] when the ledger agrees with the schema. */
function disagreements(seen: Observed, transactionalDdl: boolean): string[] {
  const problems: string[] = [];
  for (let n = 1; n <= STEPS; n++) {
    const status = seen.ledger.get(n);
    const rows = seen.tables.get(n);
    if (status === 'applied' && rows !== ROWS) problems.push(`step ${n} is recorded as applied but t_${n} has ${rows ?? 'no table and no'} rows`);
    if (status !== 'applied' && rows !== undefined) {
      if (transactionalDdl) problems.push(`t_${n} exists (${rows} rows) but step ${n} is ${status ?? 'not in the ledger'}: half-applied`);
      else if (status !== 'running' && status !== 'failed')
        problems.push(`t_${n} exists (${rows} rows) but step ${n} is ${status ?? 'not in the ledger'}, not reported as incomplete`);
    }
  }
  return problems;
}

/** Settles a step MariaDB's kill left `running`, as a user would: applied when whole, else dropped and rolled back. */
async function settle(entry: DialectEntry, db: string, dir: string, seen: Observed): Promise<void> {
  for (const [version, status] of seen.ledger) {
    if (status === 'applied') continue;
    const whole = seen.tables.get(version) === ROWS;
    if (!whole && seen.tables.has(version)) await entry.read(db, (reader) => reader.query(`DROP TABLE t_${version}`));
    assertOk(cli(['repair', String(version), whole ? '--applied' : '--rolled-back', '--db', db], { cwd: dir }));
  }
}

/** The kill trials on each dialect named (a suite per dialect, skipped with one line when its server is down). */
export async function describeKillTrials(names: readonly string[]): Promise<void> {
  for (const entry of DIALECTS.filter((d) => names.includes(d.name))) {
    await describeOnDialect('SIGKILL at random moments of migrate', entry, () => {
      test(`${TRIALS} trials: the ledger always agrees with the schema; a last run finishes`, async (t) => {
        const dir = tempDir('strata-fault-');
        writeFiles(join(dir, 'migrations'), migrations());
        const args = (db: string) => ['migrate', '--no-backup', '--db', db, '--lock-timeout', '20000'];
        // How long a whole run takes here (process start included): kills fall within it.
        const timed = await entry.freshDb();
        const started = Date.now();
        assertOk(cli(args(timed), { cwd: dir }));
        const duration = Date.now() - started;

        let killed = 0;
        let reportedIncomplete = 0;
        const failures: string[] = [];
        t.after(() =>
          t.diagnostic(
            `migrate on ${entry.name}: ${TRIALS} trials, ${killed} killed mid-way, ${reportedIncomplete} left a step reported incomplete, ${failures.length} failures`,
          ),
        );
        for (let trial = 0; trial < TRIALS; trial++) {
          const db = await entry.freshDb();
          const at = Math.floor(duration * (0.2 + 0.8 * Math.random()));
          if (await killAfter(args(db), dir, at)) killed++;
          // A reader that cannot read what the kill left is a finding too: recorded with the trial, not thrown.
          const seen = await observe(entry, db).catch((error: unknown) => {
            failures.push(`trial ${trial} (killed at ${at} ms): the independent reader failed: ${(error as Error).stack ?? String(error)}`);
            return undefined;
          });
          if (!seen) continue;
          const problems = disagreements(seen, entry.transactionalDdl);
          failures.push(...problems.map((p) => `trial ${trial} (killed at ${at} ms): ${p}`));
          if ([...seen.ledger.values()].some((s) => s !== 'applied')) {
            reportedIncomplete++;
            await settle(entry, db, dir, seen);
          }
          // The next run (no kill) applies what is left, exactly once.
          const finished = cli(args(db), { cwd: dir });
          if (finished.code !== 0) failures.push(`trial ${trial}: the run after the kill failed: ${describeRun(finished)}`);
          const after = await observe(entry, db);
          const complete = [...Array(STEPS).keys()].every((k) => after.ledger.get(k + 1) === 'applied' && after.tables.get(k + 1) === ROWS);
          if (!complete) failures.push(`trial ${trial}: after the last run: ${disagreements(after, entry.transactionalDdl).join('; ') || 'steps missing'}`);
        }
        assert.deepEqual(failures, []);
      });
    });
  }
}
