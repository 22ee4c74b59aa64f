/**
 * `strata` against the real PostgreSQL and MariaDB servers, as processes: eight of them racing
 * one database, a lock holder killed mid-run, a MariaDB step failing at its third statement
 * (status, repair, resume), CREATE INDEX CONCURRENTLY outside a transaction while the lock is
 * held, and graphile-worker's own 20 migrations through the placeholder pattern.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, ROOT, cli, cliAsync, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, skipUnlessServer, withMariadb, withPostgres, type ServerKind } from './servers.js';

const servers: { kind: ServerKind; skip: false | string; sleep: (s: number) => string }[] = [
  { kind: 'postgres', skip: await skipUnlessServer('postgres'), sleep: (s) => `SELECT pg_sleep(${s})` },
  { kind: 'mariadb', skip: await skipUnlessServer('mariadb'), sleep: (s) => `SELECT SLEEP(${s})` },
];

async function rows<T>(kind: ServerKind, db: string, sql: string): Promise<T[]> {
  return kind === 'postgres' ? withPostgres(async (c) => (await c.query(sql)).rows as T[], db) : withMariadb(async (c) => (await c.query(sql))[0] as T[], db);
}

function json(result: { stdout: string }): Record<string, any> {
  return JSON.parse(result.stdout) as Record<string, any>;
}

/** Migration 1 creates a log; every later one writes its number into it once. */
function loggingMigrations(count: number, sleep: (s: number) => string): Record<string, string> {
  const files: Record<string, string> = {
    '0001_log.sql': '-- migrate:up\nCREATE TABLE applied_log (v INTEGER NOT NULL);\n-- migrate:down\nDROP TABLE applied_log;\n',
  };
  for (let v = 2; v <= count; v++) {
    files[`${String(v).padStart(4, '0')}_step.sql`] =
      `-- migrate:up\n${sleep(0.02)};\nINSERT INTO applied_log (v) VALUES (${v});\nCREATE TABLE t${v} (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE t${v};\n`;
  }
  return files;
}

for (const server of servers) {
  describe(`strata CLI on ${server.kind}`, { skip: server.skip }, () => {
    test('eight processes race migrate: each migration is applied exactly once and all end at the latest version', async () => {
      const db = await freshDatabase(server.kind, 'strata_race');
      const dir = tempDir();
      writeFiles(join(dir, 'migrations'), loggingMigrations(12, server.sleep));
      const results = await Promise.all(Array.from({ length: 8 }, () => cliAsync(['migrate', '--db', db, '--no-backup', '--json'], { cwd: dir })));
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const reports = results.map(json);
      assert.deepEqual(
        reports.map((r) => r.currentVersion),
        Array(8).fill('12'),
      );
      const applied = reports.flatMap((r) => r.results.map((x: { version: string }) => x.version));
      assert.equal(applied.length, 12, `applied in total: ${applied.join(',')}`);
      assert.equal(new Set(applied).size, 12);
      const log = await rows<{ v: number; n: number | string }>(server.kind, db, 'SELECT v, count(*) AS n FROM applied_log GROUP BY v ORDER BY v');
      assert.deepEqual(
        log.map((r) => [Number(r.v), Number(r.n)]),
        Array.from({ length: 11 }, (_, k) => [k + 2, 1]),
      );
      const ledger = await rows<{ n: number | string }>(server.kind, db, "SELECT count(*) AS n FROM strata_migrations WHERE status = 'applied'");
      assert.equal(Number(ledger[0]!.n), 12);
    });

    test('migrate backs the database up first (pg_dump / mysqldump); backup list and verify see it', async () => {
      const db = await freshDatabase(server.kind, 'strata_bk');
      const dir = tempDir();
      writeFiles(join(dir, 'migrations'), loggingMigrations(2, server.sleep));
      assert.equal(cli(['migrate', '--db', db, '--to', '1'], { cwd: dir }).code, 0, 'an empty database needs no backup');
      const second = cli(['migrate', '--db', db, '--json'], { cwd: dir });
      assert.equal(second.code, 0, second.stderr);
      const listed = json(cli(['backup', 'list', '--db', db, '--json'], { cwd: dir }));
      assert.equal(listed.backups.length, 1, JSON.stringify(listed));
      const [backup] = listed.backups;
      assert.equal(backup.schemaVersion, '1');
      assert.equal(backup.verified, true);
      assert.equal(backup.kind, server.kind === 'postgres' ? 'postgres' : 'mysql');
      assert.equal(cli(['backup', 'verify', backup.id, '--db', db], { cwd: dir }).code, 0);
    });

    test('a process killed while it holds the lock does not block the next run', async () => {
      const db = await freshDatabase(server.kind, 'strata_kill');
      const dir = tempDir();
      writeFiles(join(dir, 'migrations'), {
        '0001_a.sql': '-- migrate:up\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE a;\n',
        // Slow only in the first process: it is killed during the sleep, holding the lock.
        '0002_slow.ts': `export async function up(ctx) {\n  if (process.env.STRATA_TEST_SLOW) await new Promise((r) => setTimeout(r, 60_000));\n  await ctx.exec('CREATE TABLE b (id INTEGER PRIMARY KEY)');\n}\nexport async function down(ctx) {\n  await ctx.exec('DROP TABLE b');\n}\n`,
      });
      const child = spawn(process.execPath, [CLI, 'migrate', '--db', db, '--no-backup'], {
        cwd: dir,
        env: { ...process.env, DATABASE_URL: '', STRATA_TEST_SLOW: '1' },
      });
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (out += chunk));
      // Wait until it is inside step 2 (step 1 applied), i.e. holding the lock.
      const deadline = Date.now() + 20_000;
      while (!/applied\s+1_a/.test(out)) {
        assert.ok(Date.now() < deadline, `the first process never reached step 2: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      const started = Date.now();
      const next = cli(['migrate', '--db', db, '--no-backup', '--lock-timeout', '15000'], { cwd: dir });
      const waited = Date.now() - started;
      assert.ok(waited < 10_000, `the next run waited ${waited} ms for the lock`);
      assert.doesNotMatch(next.stderr, /LOCK_TIMEOUT/);
      if (server.kind === 'postgres') {
        // Step 2's transaction died with the process: it simply runs again.
        assert.equal(next.code, 0, next.stderr);
        assert.match(next.stdout, /applied\s+2_slow/);
      } else {
        // MariaDB runs steps outside a transaction: the ledger says step 2 was running when its
        // process died. The lock is free; the step waits for a person to say what happened.
        assert.equal(next.code, 1);
        assert.match(next.stderr, /MIGRATION_INCOMPLETE: 2_slow was started outside a transaction and never finished/);
        // A killed client's statement can go on on the server: the advice says to wait for it.
        assert.match(next.stderr, /may still be running on the server: wait until SHOW PROCESSLIST shows nothing more of it/);
        assert.equal(cli(['repair', '2', '--rolled-back', '--db', db], { cwd: dir }).code, 0);
        const again = cli(['migrate', '--db', db, '--no-backup'], { cwd: dir });
        assert.equal(again.code, 0, again.stderr);
      }
      const tables = await rows<{ n: number | string }>(
        server.kind,
        db,
        server.kind === 'postgres'
          ? "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('a', 'b')"
          : "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('a', 'b')",
      );
      assert.equal(Number(tables[0]!.n), 2);
    });
  });
}

const mariadb = servers.find((s) => s.kind === 'mariadb')!;
describe('MariaDB: a migration failing at its third statement', { skip: mariadb.skip }, () => {
  const FAILING = `-- migrate:up
CREATE TABLE accounts (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL);
INSERT INTO accounts (id, email) VALUES (1, 'a@example.com');
ALTER TABLE acounts ADD COLUMN name VARCHAR(100);
CREATE INDEX accounts_email ON accounts (email);
-- migrate:down
DROP TABLE accounts;
`;
  const setUp = async () => {
    const db = await freshDatabase('mariadb', 'strata_third');
    const dir = tempDir();
    writeFiles(join(dir, 'migrations'), {
      '0001_base.sql': '-- migrate:up\nCREATE TABLE base (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE base;\n',
      '0002_accounts.sql': FAILING,
      '0003_after.sql': '-- migrate:up\nCREATE TABLE after_accounts (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE after_accounts;\n',
    });
    const failed = cli(['migrate', '--db', db, '--no-backup'], { cwd: dir });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /error MIGRATION_FAILED: migrations\/0002_accounts\.sql: statement 3 \(line 4\) failed: Table '.*acounts' doesn't exist/);
    assert.match(failed.stderr, /stopped after 2 statement\(s\)/);
    assert.doesNotMatch(failed.stderr, /\n\s+at /, 'no stack trace');
    return { db, dir };
  };
  const columns = (db: string) =>
    rows<{ c: string }>(
      'mariadb',
      db,
      "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'accounts' ORDER BY ordinal_position",
    );

  test('with backups on (the default), the half-applied step is undone by restoring the pre-run backup', async () => {
    const db = await freshDatabase('mariadb', 'strata_third_bk');
    const dir = tempDir();
    writeFiles(join(dir, 'migrations'), {
      '0001_base.sql': '-- migrate:up\nCREATE TABLE base (id INTEGER PRIMARY KEY);\nINSERT INTO base VALUES (1);\n-- migrate:down\nDROP TABLE base;\n',
      '0002_accounts.sql': FAILING,
    });
    assert.equal(cli(['migrate', '--db', db, '--to', '1'], { cwd: dir }).code, 0);
    const failed = cli(['migrate', '--db', db], { cwd: dir });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /hint: Strata restored backup \S+, taken before this run/);
    const tables = await rows<{ t: string }>('mariadb', db, 'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1');
    assert.deepEqual(
      tables.map((r) => r.t),
      ['base', 'strata_migrations'],
      'accounts, created by the failed step, is gone',
    );
    assert.deepEqual(await rows('mariadb', db, 'SELECT id FROM base'), [{ id: 1 }]);
    // Nothing of step 2 is applied; status reports this run's failure on it (issue 18, item 7),
    // and the next migrate tries it again.
    const status = json(cli(['status', '--db', db, '--json'], { cwd: dir }));
    assert.deepEqual(
      status.migrations.map((m: { version: string; state: string }) => `${m.version} ${m.state}`),
      ['1 applied', '2 failed'],
    );
    assert.equal(status.currentVersion, '1');
    assert.match(status.migrations[1].error, /acounts/, "this run's error: the misspelt table of the third statement");
  });

  test('status shows the failed step, how far it got and why; migrate refuses to go past it', async () => {
    const { db, dir } = await setUp();
    const status = json(cli(['status', '--db', db, '--json'], { cwd: dir }));
    assert.deepEqual(
      status.migrations.map((m: { version: string; state: string }) => `${m.version} ${m.state}`),
      ['1 applied', '2 failed', '3 pending'],
    );
    assert.match(status.migrations[1].error, /statement 3 \(line 4\) failed/);
    const ledger = await rows<{ statements_applied: number; status: string }>(
      'mariadb',
      db,
      "SELECT status, statements_applied FROM strata_migrations WHERE version = '2'",
    );
    assert.deepEqual(
      ledger.map((r) => [r.status, Number(r.statements_applied)]),
      [['failed', 2]],
    );
    const blocked = cli(['migrate', '--db', db, '--no-backup'], { cwd: dir });
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /MIGRATION_INCOMPLETE/);
    assert.match(blocked.stderr, /--resume/);
  });

  test('fix the statement, migrate --resume: statements 1-2 are not run again, 3 and 4 are, then the rest', async () => {
    const { db, dir } = await setUp();
    writeFiles(join(dir, 'migrations'), { '0002_accounts.sql': FAILING.replace('ALTER TABLE acounts', 'ALTER TABLE accounts') });
    const resumed = cli(['migrate', '--resume', '--db', db, '--no-backup'], { cwd: dir });
    // Had statement 1 run again, CREATE TABLE accounts would fail: it exists.
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /applied\s+2_accounts[\s\S]*applied\s+3_after/);
    assert.deepEqual(
      (await columns(db)).map((r) => r.c),
      ['id', 'email', 'name'],
    );
    assert.deepEqual(await rows('mariadb', db, 'SELECT id, email FROM accounts'), [{ id: 1, email: 'a@example.com' }]);
    const ledger = await rows<{ version: string; status: string; statements_applied: number }>(
      'mariadb',
      db,
      'SELECT version, status, statements_applied FROM strata_migrations ORDER BY version',
    );
    assert.deepEqual(
      ledger.map((r) => [r.version, r.status, Number(r.statements_applied)]),
      [
        ['1', 'applied', 1],
        ['2', 'applied', 4],
        ['3', 'applied', 1],
      ],
    );
    const status = json(cli(['status', '--db', db, '--json'], { cwd: dir }));
    assert.deepEqual(status.problems, [], 'the fixed file is recorded with its new checksum');
    const again = cli(['migrate', '--resume', '--db', db, '--no-backup'], { cwd: dir });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /NOTHING_TO_REPAIR: there is no failed step to resume/);
  });

  test('repair --rolled-back after undoing by hand: the whole step runs again', async () => {
    const { db, dir } = await setUp();
    await withMariadb(async (c) => void (await c.query('DROP TABLE accounts')), db);
    assert.equal(cli(['repair', '2', '--rolled-back', '--db', db], { cwd: dir }).code, 0);
    writeFiles(join(dir, 'migrations'), { '0002_accounts.sql': FAILING.replace('ALTER TABLE acounts', 'ALTER TABLE accounts') });
    const result = cli(['migrate', '--db', db, '--no-backup'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      (await columns(db)).map((r) => r.c),
      ['id', 'email', 'name'],
    );
  });

  test('repair --applied after finishing by hand: recorded as applied, the rest runs', async () => {
    const { db, dir } = await setUp();
    await withMariadb(async (c) => {
      await c.query('ALTER TABLE accounts ADD COLUMN name VARCHAR(100)');
      await c.query('CREATE INDEX accounts_email ON accounts (email)');
    }, db);
    writeFiles(join(dir, 'migrations'), { '0002_accounts.sql': FAILING.replace('ALTER TABLE acounts', 'ALTER TABLE accounts') });
    assert.equal(cli(['repair', '2', '--applied', '--db', db], { cwd: dir }).code, 0);
    const result = cli(['migrate', '--db', db, '--no-backup', '--json'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      json(result).results.map((r: { version: string }) => r.version),
      ['3'],
    );
  });
});

const postgres = servers.find((s) => s.kind === 'postgres')!;
describe('PostgreSQL specifics', { skip: postgres.skip }, () => {
  test('CREATE INDEX CONCURRENTLY in a -- strata:no-transaction file runs while the lock is held; errors carry the column', async () => {
    const db = await freshDatabase('postgres', 'strata_cic');
    const dir = tempDir();
    writeFiles(join(dir, 'migrations'), {
      '0001_items.sql':
        "-- migrate:up\nCREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 5000) g;\n-- migrate:down\nDROP TABLE items;\n",
      '0002_index.sql':
        '-- strata:no-transaction\n-- migrate:up\nCREATE INDEX CONCURRENTLY items_name ON items (name);\n-- migrate:down\nDROP INDEX CONCURRENTLY items_name;\n',
      '0003_bad.sql': '-- migrate:up\nSELECT id,\n       nam\n  FROM items;\n-- migrate:down\n',
    });
    const result = cli(['migrate', '--db', db, '--no-backup', '--to', '2', '--lock-timeout', '20000'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const valid = await rows<{ valid: boolean }>('postgres', db, "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'items_name'::regclass");
    assert.deepEqual(valid, [{ valid: true }]);
    const bad = cli(['migrate', '--db', db, '--no-backup'], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /0003_bad\.sql: statement 1 \(line 3, column 8\) failed: column "nam" does not exist/);
    assert.equal(json(cli(['validate', '--db', db, '--json'], { cwd: dir })).integrity.length, 0);
  });

  test('--schema: migrations, search_path and the ledger live in that schema', async () => {
    const db = await freshDatabase('postgres', 'strata_schema');
    const dir = tempDir();
    writeFiles(join(dir, 'migrations'), { '0001_t.sql': '-- migrate:up\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE t;\n' });
    const result = cli(['migrate', '--db', db, '--schema', 'app', '--no-backup', '--statement-timeout', '30s', '--db-lock-timeout', '5000'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const tables = await rows<{ s: string; t: string }>(
      'postgres',
      db,
      "SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_schema IN ('app', 'public') ORDER BY 1, 2",
    );
    assert.deepEqual(tables, [
      { s: 'app', t: 'strata_migrations' },
      { s: 'app', t: 't' },
    ]);
    const status = json(cli(['status', '--db', db, '--schema', 'app', '--json'], { cwd: dir }));
    assert.equal(status.currentVersion, '1');
    const other = json(cli(['status', '--db', db, '--schema', 'other', '--json'], { cwd: dir }));
    assert.equal(other.exists, false, 'status creates nothing, not even the schema');
    assert.equal(other.pending, 1);
  });

  test("graphile-worker@0.18.0's 20 migrations apply through strata migrate with the :NAME placeholder pattern", async () => {
    const db = await freshDatabase('postgres', 'strata_graphile');
    const dir = tempDir();
    const sqlDir = join(ROOT, 'node_modules', 'graphile-worker', 'sql');
    const files = readdirSync(sqlDir)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    assert.equal(files.length, 20);
    writeFiles(dir, {
      'strata.config.json': JSON.stringify({
        dir: './sql',
        schema: 'graphile_worker',
        placeholderPattern: ':NAME',
        placeholders: { GRAPHILE_WORKER_SCHEMA: 'graphile_worker' },
        backup: false,
      }),
    });
    writeFiles(dir, { 'sql/.keep': '' });
    for (const file of files) copyFileSync(join(sqlDir, file), join(dir, 'sql', file));
    const result = cli(['migrate', '--db', db, '--json'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const report = json(result);
    assert.equal(report.results.length, 20);
    assert.equal(report.currentVersion, '20');
    // The schema works as graphile-worker uses it: add a job through its own function.
    await withPostgres(async (c) => void (await c.query("SELECT graphile_worker.add_job('hello', json_build_object('name', 'strata'))")), db);
    const jobs = await rows<{ task: string; payload: { name: string } }>(
      'postgres',
      db,
      'SELECT t.identifier AS task, j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id',
    );
    assert.deepEqual(jobs, [{ task: 'hello', payload: { name: 'strata' } }]);
    assert.equal(json(cli(['migrate', '--db', db, '--json'], { cwd: dir })).results.length, 0);
    assert.equal(json(cli(['validate', '--db', db, '--json'], { cwd: dir })).ok, true);
  });
});
