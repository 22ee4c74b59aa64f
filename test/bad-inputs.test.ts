/**
 * Issue 18, items 10, 11 and 15: inputs that printed `INTERNAL ... this is a bug in Strata`, hung,
 * or wrote into the server's own schemas. Each gets its own code and a hint, through the built
 * CLI as users meet them; none leaves a stack trace.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { assertFailure, assertOk, CLI, cli, type CliResult, describeRun, parseJson, query, tempDir, writeFiles } from './helpers.js';
import { describeOnDialect } from './conformance/describe-dialect.js';
import { DIALECTS } from './conformance/dialects.js';

/** A project with one applied migration and a table `a` of the application's. */
function project(): { dir: string; db: string } {
  const dir = tempDir('strata-inputs-');
  writeFiles(join(dir, 'migrations'), { '0001_a.sql': 'CREATE TABLE a (x INTEGER);\n' });
  assertOk(cli(['migrate', '--no-backup'], { cwd: dir }));
  return { dir, db: join(dir, 'strata.db') };
}

const migrate = (dir: string, ...args: string[]) => cli(['migrate', '--no-backup', ...args], { cwd: dir });

describe('migration files that are not regular files', () => {
  test('a folder named 0002_dir.sql: MIGRATION_FILE_UNREADABLE naming it', () => {
    const { dir } = project();
    mkdirSync(join(dir, 'migrations', '0002_dir.sql'));
    const result = migrate(dir);
    assertFailure(result, 'MIGRATION_FILE_UNREADABLE');
    assert.match(result.stderr, /0002_dir\.sql is a folder/);
  });

  test('a dangling symbolic link: MIGRATION_FILE_UNREADABLE saying so', () => {
    const { dir } = project();
    symlinkSync(join(dir, 'nowhere.sql'), join(dir, 'migrations', '0002_link.sql'));
    const result = migrate(dir);
    assertFailure(result, 'MIGRATION_FILE_UNREADABLE');
    assert.match(result.stderr, /0002_link\.sql is a symbolic link to a file that does not exist/);
  });

  test('a FIFO named 0002_fifo.sql does not hang migrate: it is refused at once', () => {
    const { dir } = project();
    execFileSync('mkfifo', [join(dir, 'migrations', '0002_fifo.sql')]);
    // Bounded: before the fix the read blocked forever waiting for a writer.
    const run = spawnSync(process.execPath, [CLI, 'migrate', '--no-backup'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, DATABASE_URL: '' },
    });
    assert.notEqual(run.signal, 'SIGTERM', 'migrate hung on the FIFO');
    const result: CliResult = { code: run.status, stdout: run.stdout, stderr: run.stderr };
    assertFailure(result, 'MIGRATION_FILE_UNREADABLE');
    assert.match(result.stderr, /0002_fifo\.sql is a FIFO/);
  });

  test('an unreadable migration file (no read permission): PERMISSION_DENIED naming it', () => {
    const { dir } = project();
    const file = join(dir, 'migrations', '0002_secret.sql');
    writeFileSync(file, 'CREATE TABLE b (x);\n');
    chmodSync(file, 0o000);
    // root reads any file: run the CLI as nobody, on a project nobody owns.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      chmodSync(dir, 0o755);
      for (const entry of ['', 'migrations', ...readdirSync(join(dir, 'migrations')).map((f) => join('migrations', f)), 'strata.db'])
        chownSync(join(dir, entry), 65534, 65534);
    }
    const run = spawnSync(process.execPath, [CLI, 'migrate', '--no-backup'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '' },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    const result: CliResult = { code: run.status, stdout: run.stdout, stderr: run.stderr };
    assertFailure(result, 'PERMISSION_DENIED');
    assert.match(result.stderr, /cannot read migration file migrations\/0002_secret\.sql: permission denied/);
    assert.equal(statSync(file).mode & 0o777, 0);
  });
});

describe('--table naming a table that is not a ledger', () => {
  test("an application's table: LEDGER_TABLE_INVALID, and the table is not altered", () => {
    const { dir, db } = project();
    const before = query(db, "SELECT sql FROM sqlite_master WHERE name = 'a'");
    for (const command of [['migrate', '--no-backup'], ['status'], ['validate']]) {
      const result = cli([...command, '--table', 'a'], { cwd: dir });
      assertFailure(result, 'LEDGER_TABLE_INVALID');
      assert.match(result.stderr, /the table a of .* exists and is not a Strata ledger/);
    }
    assert.deepEqual(query(db, "SELECT sql FROM sqlite_master WHERE name = 'a'"), before);
  });

  test('sqlite_master (and any sqlite_ name): LEDGER_TABLE_INVALID before anything is opened', () => {
    const { dir } = project();
    for (const table of ['sqlite_master', 'sqlite_ledger']) {
      const result = migrate(dir, '--table', table);
      assertFailure(result, 'LEDGER_TABLE_INVALID');
      assert.match(result.stderr, /a name SQLite reserves/);
    }
  });

  test('--json carries the code and the table', () => {
    const { dir } = project();
    const result = cli(['status', '--json', '--table', 'a'], { cwd: dir });
    assert.equal(result.code, 1, describeRun(result));
    assert.deepEqual([parseJson(result).error.code, parseJson(result).error.details], ['LEDGER_TABLE_INVALID', { table: 'a' }]);
  });
});

describe('system schemas are refused (no server needed: refused before connecting)', () => {
  const postgres = 'postgres://postgres@127.0.0.1:1/none';
  for (const schema of ['information_schema', 'pg_catalog', 'pg_toast', 'pg_temp', 'pg_temp_3', 'PG_CATALOG']) {
    test(`PostgreSQL --schema ${schema}: SCHEMA_RESERVED`, () => {
      const dir = tempDir('strata-inputs-');
      writeFiles(join(dir, 'migrations'), { '0001_a.sql': 'CREATE TABLE a (x INTEGER);\n' });
      const result = cli(['migrate', '--db', postgres, '--schema', schema], { cwd: dir });
      assertFailure(result, 'SCHEMA_RESERVED');
      assert.match(result.stderr, /a schema of the database server itself/);
    });
  }
  test('a ledger table qualified with a system schema: SCHEMA_RESERVED', () => {
    const dir = tempDir('strata-inputs-');
    writeFiles(join(dir, 'migrations'), { '0001_a.sql': 'CREATE TABLE a (x INTEGER);\n' });
    assertFailure(cli(['migrate', '--db', postgres, '--table', 'pg_catalog.ledger'], { cwd: dir }), 'SCHEMA_RESERVED');
    assertFailure(cli(['migrate', '--db', 'mysql://root@127.0.0.1:1/app', '--table', 'mysql.ledger'], { cwd: dir }), 'SCHEMA_RESERVED');
  });
  for (const database of ['mysql', 'performance_schema', 'sys', 'information_schema']) {
    test(`MySQL/MariaDB database ${database}: SCHEMA_RESERVED`, () => {
      const dir = tempDir('strata-inputs-');
      writeFiles(join(dir, 'migrations'), { '0001_a.sql': 'CREATE TABLE a (x INTEGER);\n' });
      const result = cli(['migrate', '--db', `mysql://root@127.0.0.1:1/${database}`], { cwd: dir });
      assertFailure(result, 'SCHEMA_RESERVED');
      assert.match(result.stderr, /point the URL at a database of your application/);
    });
  }
});

const postgresEntry = DIALECTS.find((entry) => entry.name === 'postgres')!;
await describeOnDialect('--table naming an existing table', postgresEntry, (entry) => {
  test('--table public.victim: LEDGER_TABLE_INVALID, the table untouched', async () => {
    const db = await entry.freshDb();
    const dir = tempDir('strata-inputs-');
    writeFiles(join(dir, 'migrations'), { '0001_a.sql': 'CREATE TABLE a (x INTEGER);\n' });
    assertOk(cli(['migrate', '--db', db, '--no-backup'], { cwd: dir }));
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      await client.query('CREATE TABLE public.victim (id INTEGER PRIMARY KEY, v TEXT)');
      const result = cli(['migrate', '--db', db, '--no-backup', '--table', 'public.victim'], { cwd: dir });
      assertFailure(result, 'LEDGER_TABLE_INVALID');
      const columns = await client.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'victim' ORDER BY ordinal_position");
      assert.deepEqual(
        columns.rows.map((row) => row.column_name),
        ['id', 'v'],
      );
    } finally {
      await client.end();
    }
  });
});

describe('control characters in migration file names (item 15)', () => {
  test('are escaped in status, migrate and error output; --json keeps them as JSON escapes', () => {
    const { dir } = project();
    const name = '0002_a\u001b[2J\u0007bell.sql';
    writeFiles(join(dir, 'migrations'), { [name]: 'CREATE TABLE b (x);\n' });
    const pending = cli(['status'], { cwd: dir });
    assertOk(pending);
    const applied = migrate(dir);
    assertOk(applied);
    for (const result of [pending, applied]) {
      const text = result.stdout + result.stderr;
      assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, describeRun(result));
      assert.match(text, /a\\x1b\[2J\\x07bell/);
    }
    const json = parseJson(cli(['status', '--json'], { cwd: dir }));
    assert.ok(JSON.stringify(json).includes('\\u001b[2J'));
    // An error naming the file escapes it too.
    new Database(join(dir, 'strata.db')).exec("UPDATE strata_migrations SET checksum = 'x' WHERE version = '2'");
    const refused = cli(['validate'], { cwd: dir });
    assert.equal(refused.code, 1, describeRun(refused));
    assert.doesNotMatch(refused.stdout + refused.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});
