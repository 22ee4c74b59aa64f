/**
 * Many machines, one rollout: four `strata fleet migrate --state postgres://... --run ID`
 * processes (the built CLI) share a fleet of 60 SQLite tenants through the PostgreSQL state; two
 * are killed with SIGKILL while they hold a target, the other two carry on, and one more run
 * afterwards finds nothing left. Every target is migrated exactly once: one applied ledger row
 * per migration in every tenant, and the migration that counts its own executions (a row in
 * `runs`, in the same transaction as its work) ran exactly once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { runFleet } from '../src/fleet/fleet-runner.js';
import { createPostgresFleetState } from '../src/fleet/postgres-state.js';
import { describeOnDialect } from './conformance/describe-dialect.js';
import { DIALECTS } from './conformance/dialects.js';
import { CLI, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, withPostgres } from './servers.js';

const TENANTS = 60;
const RUNNERS = 4;
const KILLED = 2;
const RUN = 'kill-test';

const MIGRATIONS = {
  '0001_runs.sql': '-- migrate:up\nCREATE TABLE runs (id INTEGER PRIMARY KEY, migration TEXT NOT NULL);\n-- migrate:down\nDROP TABLE runs;\n',
  // Slow on purpose (a kill must land inside a target) and counting itself inside its own transaction.
  '0002_tag_notes.mjs': `export async function up(ctx) {
  await ctx.run("INSERT INTO runs (migration) VALUES ('0002')");
  await new Promise((resolve) => setTimeout(resolve, 300));
  await ctx.exec('ALTER TABLE notes ADD COLUMN tag TEXT');
}
`,
};

interface Runner {
  child: ChildProcess;
  /** How the runner names itself in the state: `host:pid`. */
  name: string;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startRunner(cwd: string, stateUrl: string): Runner {
  const args = [
    'fleet',
    'migrate',
    '--targets',
    'tenants/*.db',
    '--dir',
    'migrations',
    '--concurrency',
    '1',
    '--no-backup',
    '--state',
    stateUrl,
    '--run',
    RUN,
    '--json',
  ];
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, name: `${hostname()}:${child.pid}`, exited };
}

interface Row {
  id: string;
  state: string;
  runner: string | null;
  attempts: number;
}

const targetRows = (stateUrl: string) =>
  withPostgres(
    async (client) => (await client.query<Row>('SELECT id, state, runner, attempts FROM strata_fleet.targets WHERE run_id = $1', [RUN])).rows,
    stateUrl,
  ).catch(() => [] as Row[]);

await describeOnDialect('fleet runners', DIALECTS.find((d) => d.name === 'postgres')!, () => {
  let stateUrl = '';
  before(async () => {
    stateUrl = await freshDatabase('postgres', 'fleet_runners');
  });

  test(`${RUNNERS} runners, ${KILLED} killed holding a target, one more run: every tenant migrated exactly once`, { timeout: 240_000 }, async () => {
    const root = tempDir('strata-fleet-runners-');
    writeFiles(join(root, 'migrations'), MIGRATIONS);
    mkdirSync(join(root, 'tenants'));
    for (let k = 0; k < TENANTS; k++) {
      const db = new Database(join(root, 'tenants', `tenant-${String(k).padStart(2, '0')}.db`));
      db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello'), ('world');");
      db.close();
    }
    const runners = Array.from({ length: RUNNERS }, () => startRunner(root, stateUrl));

    // Once the rollout is under way, kill two runners each while the state shows it holding a
    // target (its migration then sleeps inside its transaction).
    const killed = new Map<string, string>();
    for (;;) {
      const rows = await targetRows(stateUrl);
      if (rows.filter((r) => r.state === 'succeeded').length >= 12) {
        for (const runner of runners.slice(0, KILLED)) {
          const holding = rows.find((r) => r.state === 'running' && r.runner === runner.name);
          if (holding && !killed.has(runner.name)) {
            runner.child.kill('SIGKILL');
            killed.set(runner.name, holding.id);
          }
        }
        if (killed.size === KILLED) break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const runner of runners.slice(0, KILLED)) assert.equal((await runner.exited).code, null);
    const survivors = await Promise.all(runners.slice(KILLED).map((r) => r.exited));
    for (const { code, stderr } of survivors) assert.equal(code, 0, stderr);

    // One more run after the rollout: nothing left to do.
    const last = await startRunner(root, stateUrl).exited;
    assert.equal(last.code, 0, last.stderr);
    const lastSummary = JSON.parse(last.stdout) as { total: number; succeeded: number; migrated: number; recovered: number };
    assert.deepEqual([lastSummary.total, lastSummary.succeeded, lastSummary.migrated, lastSummary.recovered], [TENANTS, TENANTS, 0, 0]);

    const rows = await targetRows(stateUrl);
    assert.equal(rows.length, TENANTS);
    assert.deepEqual(
      rows.filter((r) => r.state !== 'succeeded'),
      [],
    );
    // What the killed runners held was handed out again, as recovered, and finished by a
    // survivor (a killed runner may itself have been holding a recovered one). Between the poll
    // and the kill a runner may have finished the target it was seen holding: then the state
    // names it as the one that finished it, and that target was not stranded.
    for (const [name, id] of killed) {
      const row = rows.find((r) => r.id === id)!;
      if (row.runner === name) continue;
      assert.ok(row.attempts >= 2, `${id} claimed again after its runner was killed`);
      assert.ok(!killed.has(row.runner!), `${id} finished by a live runner`);
    }
    const recoveredBySurvivors = survivors.reduce((n, s) => n + (JSON.parse(s.stdout) as { recovered: number }).recovered, 0);
    assert.ok(recoveredBySurvivors >= 1 && recoveredBySurvivors <= rows.reduce((n, r) => n + r.attempts - 1, 0));

    for (const row of rows) {
      const db = new Database(join(root, row.id), { readonly: true });
      try {
        assert.deepEqual(
          db.prepare('SELECT version, status FROM strata_migrations ORDER BY version').all(),
          [
            { version: '1', status: 'applied' },
            { version: '2', status: 'applied' },
          ],
          row.id,
        );
        assert.deepEqual(db.prepare('SELECT migration FROM runs').all(), [{ migration: '0002' }], row.id);
        assert.deepEqual(db.prepare("SELECT count(*) AS n FROM pragma_table_info('notes') WHERE name = 'tag'").get(), { n: 1 }, row.id);
      } finally {
        db.close();
      }
    }
  });

  test('a canary that fails on one runner stops the others too: they wait for the stage, then see its failure', async () => {
    const root = tempDir('strata-fleet-canary-');
    writeFiles(root, {
      'migrations/0001_notes.sql': '-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY);\n',
      // Sorted first: the canary.
      'tenants/a-broken.db': 'not a database',
    });
    for (const name of ['b', 'c', 'd', 'e']) new Database(join(root, 'tenants', `${name}.db`)).close();
    const runner = () =>
      runFleet({
        base: root,
        groups: [{ targets: { glob: 'tenants/*.db' }, dir: 'migrations' }],
        canary: 1,
        continueOnError: true,
        concurrency: 1,
        threads: false,
        settings: { backup: false },
        state: createPostgresFleetState(stateUrl),
        runId: 'canary-test',
      });
    const summaries = await Promise.all([runner(), runner()]);
    for (const summary of summaries) {
      assert.equal(summary.halted?.code, 'FLEET_HALTED');
      assert.deepEqual([summary.failed, summary.succeeded, summary.skipped], [1, 0, 4]);
    }
    for (const name of ['b', 'c', 'd', 'e']) {
      const db = new Database(join(root, 'tenants', `${name}.db`), { readonly: true });
      assert.deepEqual(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'notes'").get(), { n: 0 }, name);
      db.close();
    }
  });
});
