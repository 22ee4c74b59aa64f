/**
 * Many machines, one rollout: four runner processes share a fleet of 60 SQLite tenants through
 * the PostgreSQL state; two are killed with SIGKILL in the middle of a target, the other two
 * carry on, and one more run afterwards finds nothing left. Every target is migrated exactly
 * once: one applied ledger row per migration in every tenant, and the migration that counts its
 * own executions (a row in `runs`, in the same transaction as its work) ran exactly once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { describeOnDialect } from './conformance/describe-dialect.js';
import { DIALECTS } from './conformance/dialects.js';
import { ROOT, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, withPostgres } from './servers.js';

const TENANTS = 60;
const RUNNERS = 4;
const KILLED = 2;

const MIGRATIONS = {
  '0001_runs.sql': '-- migrate:up\nCREATE TABLE runs (id INTEGER PRIMARY KEY, migration TEXT NOT NULL);\n-- migrate:down\nDROP TABLE runs;\n',
  // Slow on purpose (the kill must land inside a target) and counting itself inside its own transaction.
  '0002_tag_notes.mjs': `export async function up(ctx) {
  await ctx.run("INSERT INTO runs (migration) VALUES ('0002')");
  await new Promise((resolve) => setTimeout(resolve, 150));
  await ctx.exec('ALTER TABLE notes ADD COLUMN tag TEXT');
}
`,
};

interface Runner {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** Resolves on the runner's next line matching `pattern`. */
  next(pattern: RegExp): Promise<string>;
}

function startRunner(args: string[]): Runner {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/fixtures/fleet/pg-runner.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.stdout!.on('data', (chunk) => {
    buffer += chunk;
    let at = buffer.indexOf('\n');
    for (; at >= 0; at = buffer.indexOf('\n')) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      lines.push(line);
      for (const wait of waiting.splice(0)) {
        if (wait.pattern.test(line)) wait.resolve(line);
        else waiting.push(wait);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { child, lines, exited, next: (pattern) => new Promise((resolve) => waiting.push({ pattern, resolve })) };
}

const finishedCount = (runners: Runner[]) => runners.reduce((n, r) => n + r.lines.filter((l) => l.startsWith('finished ')).length, 0);

await describeOnDialect('fleet runners', DIALECTS.find((d) => d.name === 'postgres')!, () => {
  let stateUrl = '';
  before(async () => {
    stateUrl = await freshDatabase('postgres', 'fleet_runners');
  });

  test(`${RUNNERS} runners, ${KILLED} killed mid-target, one more run: every tenant migrated exactly once`, { timeout: 180_000 }, async () => {
    const root = tempDir('strata-fleet-runners-');
    const tenants = join(root, 'tenants');
    const dir = join(root, 'migrations');
    writeFiles(dir, MIGRATIONS);
    mkdirSync(tenants);
    for (let k = 0; k < TENANTS; k++) {
      const db = new Database(join(tenants, `tenant-${String(k).padStart(2, '0')}.db`));
      db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello'), ('world');");
      db.close();
    }
    const args = [stateUrl, 'kill-test', tenants, dir];
    const runners = Array.from({ length: RUNNERS }, () => startRunner(args));

    // Once the rollout is under way, kill two runners each right after it claims a target: its
    // migration is then in its transaction (it sleeps there), the target is `running` in the state.
    while (finishedCount(runners) < 12) await new Promise((r) => setTimeout(r, 50));
    const inFlight: string[] = [];
    await Promise.all(
      runners.slice(0, KILLED).map(async (runner) => {
        const line = await runner.next(/^(claimed|recovered) /);
        runner.child.kill('SIGKILL');
        inFlight.push(line.split(' ')[1]!);
      }),
    );
    for (const runner of runners.slice(0, KILLED)) assert.equal(await runner.exited, null);
    for (const runner of runners.slice(KILLED)) assert.equal(await runner.exited, 0, runner.lines.join('\n'));

    // One more run after the rollout: nothing left to claim.
    const last = startRunner(args);
    assert.equal(await last.exited, 0);
    assert.deepEqual(last.lines, ['done']);

    const records = await withPostgres(
      async (client) =>
        (await client.query<{ id: string; state: string; attempts: number }>("SELECT id, state, attempts FROM strata_fleet.targets WHERE run_id = 'kill-test'"))
          .rows,
      stateUrl,
    );
    assert.equal(records.length, TENANTS);
    assert.deepEqual(
      records.filter((r) => r.state !== 'succeeded'),
      [],
    );
    // The targets the killed runners held were handed out again, as recovered, and finished by a
    // live runner (a killed runner may itself have been holding a recovered one: then twice).
    const recoveries = (list: Runner[]) =>
      list
        .flatMap((r) => r.lines)
        .filter((l) => l.startsWith('recovered '))
        .map((l) => l.split(' ')[1]!);
    const finishedBy = new Map(
      runners.slice(KILLED).flatMap((r) => r.lines.filter((l) => l.startsWith('finished ')).map((l) => [l.split(' ')[1]!, l] as const)),
    );
    for (const id of inFlight)
      assert.ok(recoveries(runners.slice(KILLED)).includes(id) && finishedBy.has(id), `${id} was recovered and finished by a live runner`);
    for (const record of records) {
      const times = recoveries(runners).filter((id) => id === record.id).length;
      assert.equal(record.attempts, 1 + times, `${record.id}: claimed once, plus once per recovery`);
    }
    assert.ok(records.some((r) => r.attempts > 1));

    for (const record of records) {
      const db = new Database(join(tenants, record.id), { readonly: true });
      try {
        const ledger = db.prepare('SELECT version, status FROM strata_migrations ORDER BY version').all();
        assert.deepEqual(
          ledger,
          [
            { version: '1', status: 'applied' },
            { version: '2', status: 'applied' },
          ],
          record.id,
        );
        assert.deepEqual(db.prepare('SELECT migration FROM runs').all(), [{ migration: '0002' }], record.id);
        assert.deepEqual(db.prepare("SELECT count(*) AS n FROM pragma_table_info('notes') WHERE name = 'tag'").get(), { n: 1 });
      } finally {
        db.close();
      }
    }
  });
});
