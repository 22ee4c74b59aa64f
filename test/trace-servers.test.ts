/**
 * `strata trace` on the real servers. PostgreSQL: the scratch copy (a template, or pg_dump /
 * pg_restore while another session is connected to the live database), each statement's locks
 * read inside its transaction and held until the commit, the sampler's locks of a statement run
 * outside a transaction (CREATE INDEX CONCURRENTLY), rewrites by relfilenode. MariaDB: how each
 * DDL statement ran (INSTANT, INPLACE, COPY) and whether it blocked writes. Both: the live
 * database unchanged and the scratch database dropped, also after a failure.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { traceMigrations, type TracedStatement, type TraceReport } from 'strata-migrate/tooling';
import { DIALECTS } from './conformance/dialects.js';
import { describeOnDialect } from './conformance/describe-dialect.js';
import { cli, parseJson, rejectsWith, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, withMariadb, withPostgres } from './servers.js';

function folder(files: Record<string, string>): string {
  const dir = tempDir('strata-trace-servers-');
  mkdirSync(join(dir, 'migrations'));
  writeFiles(dir, files);
  return join(dir, 'migrations');
}

const scratchName = (report: TraceReport) => /strata_trace_[0-9a-f]+/.exec(report.copy)?.[0] ?? assert.fail(`no scratch name in ${report.copy}`);
const statement = (report: TraceReport, start: string): TracedStatement =>
  report.statements.find((s) => s.sql.startsWith(start)) ?? assert.fail(`no statement ${start} in ${JSON.stringify(report.statements)}`);
const locksOf = (s: TracedStatement) => (s.locks ?? []).map((l) => `${l.mode} ${l.relation}`);

const PG_MIGRATIONS = {
  '0001_reshape.sql': `-- migrate:up
CREATE INDEX users_email ON users (email);
ALTER TABLE users ALTER COLUMN age TYPE bigint;
ALTER TABLE users ADD COLUMN note text DEFAULT 'x';
`,
  '0002_concurrently.sql': `-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY users_age ON users (age);
`,
};

async function pgLive(): Promise<string> {
  const url = await freshDatabase('postgres', 'strata_trace');
  await withPostgres(
    (client) =>
      client.query(
        "CREATE TABLE users (id serial PRIMARY KEY, email text, age int); INSERT INTO users (email, age) SELECT 'u' || g, g FROM generate_series(1, 50000) g",
      ),
    url,
  );
  return url;
}

async function pgDatabaseExists(name: string): Promise<boolean> {
  return withPostgres(async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

async function pgLiveShape(url: string): Promise<unknown> {
  return withPostgres(async (client) => {
    const indexes = await client.query("SELECT indexname FROM pg_indexes WHERE tablename = 'users' ORDER BY 1");
    const columns = await client.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1");
    const ledger = await client.query("SELECT to_regclass('strata_migrations') AS t");
    return { indexes: indexes.rows, columns: columns.rows, ledger: ledger.rows };
  }, url);
}

function assertPgTrace(report: TraceReport): void {
  assert.equal(report.failure, undefined, JSON.stringify(report.failure));
  assert.deepEqual(report.steps, [
    { version: '1', name: 'reshape' },
    { version: '2', name: 'concurrently' },
  ]);
  const index = statement(report, 'CREATE INDEX users_email');
  assert.ok(locksOf(index).includes('ShareLock users'), locksOf(index).join(', '));
  assert.deepEqual(index.rewrote, []);
  const retype = statement(report, 'ALTER TABLE users ALTER COLUMN age');
  assert.ok(locksOf(retype).includes('AccessExclusiveLock users'), locksOf(retype).join(', '));
  assert.deepEqual(retype.rewrote, ['users']);
  // A constant default is stored in the catalog since PostgreSQL 11: no rewrite; the lock was taken by the statement before.
  const addColumn = statement(report, 'ALTER TABLE users ADD COLUMN note');
  assert.deepEqual([addColumn.rewrote, addColumn.locks], [[], []]);
  // Held until the step's commit: longer than the statements after it took.
  const share = index.locks!.find((l) => l.mode === 'ShareLock')!;
  assert.ok(share.heldMs >= index.durationMs + retype.durationMs, `${share.heldMs} < ${index.durationMs} + ${retype.durationMs}`);
  // Outside a transaction: gone before the reading after it, seen by the sampler.
  const concurrently = statement(report, 'CREATE INDEX CONCURRENTLY');
  assert.ok(locksOf(concurrently).includes('ShareUpdateExclusiveLock users'), locksOf(concurrently).join(', '));
}

const postgres = DIALECTS.find((d) => d.name === 'postgres')!;
await describeOnDialect('trace', postgres, () => {
  test('a template copy: the locks each statement took and how long they were held, the rewrite, the sampler; the live database unchanged, the copy dropped', async () => {
    const url = await pgLive();
    const dir = folder(Object.fromEntries(Object.entries(PG_MIGRATIONS).map(([f, t]) => [`migrations/${f}`, t])));
    const before = await pgLiveShape(url);
    const report = await traceMigrations({ db: url, dir });
    assert.match(report.copy, /^template database strata_trace_/);
    assertPgTrace(report);
    assert.deepEqual(await pgLiveShape(url), before);
    assert.equal(await pgDatabaseExists(scratchName(report)), false);
  });

  test('another session on the live database: copied by pg_dump / pg_restore instead, the same trace', async () => {
    const url = await pgLive();
    const dir = folder(Object.fromEntries(Object.entries(PG_MIGRATIONS).map(([f, t]) => [`migrations/${f}`, t])));
    const report = await withPostgres(() => traceMigrations({ db: url, dir }), url);
    assert.match(report.copy, /^pg_dump\/pg_restore/);
    assertPgTrace(report);
    assert.equal(await pgDatabaseExists(scratchName(report)), false);
  });

  test('no scratch copy possible (the live database does not exist): TRACE_UNSUPPORTED, nothing left behind', async () => {
    const url = Object.assign(new URL(await pgLive()), { pathname: `/strata_trace_missing_${process.pid}` }).toString();
    const dir = folder({ 'migrations/0001_a.sql': '-- migrate:up\nCREATE TABLE a (id int);\n' });
    const before = await withPostgres(
      async (client) =>
        (await client.query("SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'strata\\_trace\\_%' AND datname NOT LIKE 'strata\\_trace\\_%\\_%'"))
          .rows[0].n,
    );
    await rejectsWith(traceMigrations({ db: url, dir }), 'TRACE_UNSUPPORTED', /scratch copy/);
    const after = await withPostgres(
      async (client) =>
        (await client.query("SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'strata\\_trace\\_%' AND datname NOT LIKE 'strata\\_trace\\_%\\_%'"))
          .rows[0].n,
    );
    assert.ok(after <= before, `${after} scratch databases now, ${before} before`);
  });

  test('a failing step: reported, the copy dropped; the CLI prints each lock and exits 1', async () => {
    const url = await pgLive();
    const dir = folder({ 'migrations/0001_bad.sql': '-- migrate:up\nALTER TABLE users ADD COLUMN x int;\nALTER TABLE nowhere ADD COLUMN y int;\n' });
    const report = await traceMigrations({ db: url, dir });
    assert.equal(report.failure?.code, 'MIGRATION_FAILED');
    assert.equal(await pgDatabaseExists(scratchName(report)), false);
    assert.deepEqual(locksOf(statement(report, 'ALTER TABLE users')), ['AccessExclusiveLock users']);

    const cwd = join(dir, '..');
    const human = cli(['trace', '--db', url, '--dir', dir], { cwd });
    assert.equal(human.code, 1, human.stderr);
    assert.match(human.stdout, /AccessExclusiveLock on users, held /);
    assert.match(human.stderr, /^error TRACE_RUN_FAILED: /m);
    const json = cli(['trace', '--db', url, '--dir', dir, '--json'], { cwd });
    assert.equal(parseJson<TraceReport>(json).failure?.code, 'MIGRATION_FAILED');
  });
});

async function mariadbLive(): Promise<string> {
  const url = await freshDatabase('mariadb', 'strata_trace');
  await withMariadb(async (conn) => {
    await conn.query('CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100), age INT) ENGINE=InnoDB');
    await conn.query("INSERT INTO users (email, age) VALUES ('a', 1), ('b', 2), ('c', 3)");
  }, url);
  return url;
}

async function mariadbDatabaseExists(name: string): Promise<boolean> {
  return withMariadb(async (conn) => ((await conn.query('SHOW DATABASES LIKE ?', [name]))[0] as unknown[]).length === 1);
}

const mariadb = DIALECTS.find((d) => d.name === 'mariadb')!;
await describeOnDialect('trace', mariadb, () => {
  test('each DDL statement: INSTANT, INPLACE without a lock, or a COPY that blocks writes; the live database unchanged, the copy dropped', async () => {
    const url = await mariadbLive();
    const dir = folder({
      'migrations/0001_reshape.sql': `-- migrate:up
ALTER TABLE users ADD COLUMN note VARCHAR(20);
CREATE INDEX users_email ON users (email);
ALTER TABLE users MODIFY age BIGINT;
INSERT INTO users (email) VALUES ('d');
`,
    });
    const report = await traceMigrations({ db: url, dir });
    assert.equal(report.failure, undefined, JSON.stringify(report.failure));
    assert.match(report.copy, /^mysqldump into strata_trace_/);
    const how = (start: string) => {
      const s = statement(report, start);
      return [s.algorithm, s.blocksWrites];
    };
    assert.deepEqual(how('ALTER TABLE users ADD COLUMN'), ['INSTANT', false]);
    assert.deepEqual(how('CREATE INDEX'), ['INPLACE', false]);
    assert.deepEqual(how('ALTER TABLE users MODIFY'), ['COPY', true]);
    assert.deepEqual(how('INSERT INTO'), [undefined, undefined]);
    const columns = await withMariadb(async (conn) => ((await conn.query('SHOW COLUMNS FROM users'))[0] as { Field: string }[]).map((c) => c.Field), url);
    assert.deepEqual(columns, ['id', 'email', 'age']);
    assert.equal(await mariadbDatabaseExists(scratchName(report)), false);
  });

  test('a statement naming the live database is refused on the copy (it would change the live one)', async () => {
    const url = await mariadbLive();
    const live = new URL(url).pathname.slice(1);
    const dir = folder({ 'migrations/0001_qualified.sql': `-- migrate:up\nDELETE FROM ${live}.users;\n` });
    const report = await traceMigrations({ db: url, dir });
    assert.equal(report.failure?.code, 'MIGRATION_FAILED', JSON.stringify(report.failure));
    assert.match(String(report.failure?.message), /names the live database/);
    const rows = await withMariadb(async (conn) => (await conn.query('SELECT count(*) AS n FROM users'))[0] as { n: number }[], url);
    assert.equal(Number(rows[0]!.n), 3);
    assert.equal(await mariadbDatabaseExists(scratchName(report)), false);
  });
});
