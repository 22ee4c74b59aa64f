/**
 * Bad input through the CLI: every case is a clear coded error, a non-zero exit, a hint, no stack
 * trace, and a database exactly as it was before the command (schema and every row).
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  assertFailure,
  assertOk,
  cli,
  describeRun,
  filesStartingWith,
  ledger,
  parseJson,
  query,
  snapshot,
  tempDir,
  userTables,
  writeFiles,
} from './helpers.js';

const BASE = `-- migrate:up
CREATE TABLE base (id INTEGER PRIMARY KEY, v TEXT NOT NULL);
INSERT INTO base (v) VALUES ('one'), ('two');
-- migrate:down
DROP TABLE base;
`;

function table(name: string): string {
  return `-- migrate:up\nCREATE TABLE ${name} (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE ${name};\n`;
}

/** A folder whose ./strata.db already has `0001_base.sql` (and `extra`) applied. */
function applied(extra: Record<string, string> = {}) {
  const dir = tempDir('strata-errors-');
  const migrations = join(dir, 'migrations');
  writeFiles(migrations, { '0001_base.sql': BASE, ...extra });
  const run = (...args: string[]) => cli(args, { cwd: dir });
  assertOk(run('migrate'));
  const db = join(dir, 'strata.db');
  return {
    dir,
    db,
    migrations,
    run,
    write: (files: Record<string, string>) => writeFiles(migrations, files),
    /** Runs the command and asserts the failure and that the database did not change. */
    refuses(code: string, ...args: string[]) {
      const before = snapshot(db);
      const result = run(...args);
      assertFailure(result, code);
      assert.deepEqual(snapshot(db), before, `the database changed\n${describeRun(result)}`);
      return result;
    },
  };
}

describe('bad migration files', () => {
  test('a duplicate version names both files', () => {
    const ws = applied();
    ws.write({ '0002_add_users.sql': table('users'), '2_add_people.sql': table('people') });
    const result = ws.refuses('MIGRATION_VERSION_DUPLICATE', 'migrate');
    assert.match(result.stderr, /0002_add_users\.sql/);
    assert.match(result.stderr, /2_add_people\.sql/);
    assert.match(result.stderr, /version 2/);
    // Read-only commands say the same, without touching anything either.
    assertFailure(ws.run('status'), 'MIGRATION_VERSION_DUPLICATE');
    assertFailure(ws.run('migrate', '--dry-run'), 'MIGRATION_VERSION_DUPLICATE');
  });

  test('an unparsable file name is named', () => {
    const ws = applied();
    ws.write({ 'add_users.sql': table('users'), '0002_fine.sql': table('fine') });
    const result = ws.refuses('MIGRATION_NAME_INVALID', 'migrate');
    assert.match(result.stderr, /migrations\/add_users\.sql/);
    assert.doesNotMatch(result.stderr, /0002_fine/);
    assert.deepEqual(userTables(ws.db), ['base'], 'no other migration ran');
  });

  test('a .down.sql without its .up.sql', () => {
    const ws = applied();
    ws.write({ '0002_orphan.down.sql': 'DROP TABLE base;\n' });
    const result = ws.refuses('MIGRATION_INVALID', 'migrate');
    assert.match(result.stderr, /0002_orphan\.down\.sql/);
  });

  test('a module that does not load, and one without up(), are named', () => {
    const ws = applied();
    ws.write({ '0002_broken.ts': 'export async function up(ctx) {\n  await ctx.exec(\n' });
    const broken = ws.refuses('MIGRATION_INVALID', 'migrate');
    assert.match(broken.stderr, /0002_broken\.ts/);
    rmSync(join(ws.migrations, '0002_broken.ts'));
    ws.write({ '0002_no_up.mjs': 'export function down() {}\n' });
    const noUp = ws.refuses('MIGRATION_INVALID', 'migrate');
    assert.match(noUp.stderr, /0002_no_up\.mjs/);
    assert.match(noUp.stderr, /up\(ctx\)/);
  });

  test('a SQL error names the file, the statement number and its line', () => {
    const ws = applied();
    ws.write({
      '0002_syntax.sql': `-- migrate:up
CREATE TABLE ok1 (id INTEGER);

INSERT INTO ok1 VALUES (1);
CREATE TABLE broken (id INTEGER,, name TEXT);
-- migrate:down
DROP TABLE ok1;
`,
    });
    const result = ws.refuses('MIGRATION_FAILED', 'migrate');
    assert.match(result.stderr, /migrations\/0002_syntax\.sql: statement 3 \(line 5\) failed: .*syntax error/);
    assert.match(result.stderr, /hint: nothing from 2_syntax was applied/);
    const json = parseJson(ws.run('migrate', '--json'));
    assert.equal(json.error.code, 'MIGRATION_FAILED');
    assert.equal(json.error.details.statement, 3);
    assert.equal(json.error.details.line, 5);
    assert.equal(json.error.details.file, 'migrations/0002_syntax.sql');
  });

  test('an error in a .down.sql names that file, the statement and the line', () => {
    const ws = applied({
      '0002_pair.up.sql': 'CREATE TABLE pair (id INTEGER);\nINSERT INTO pair VALUES (1);\n',
      '0002_pair.down.sql': '-- undo\nDELETE FROM pair;\n\nDROP TABLE no_such_table;\nDROP TABLE pair;\n',
    });
    const result = ws.refuses('MIGRATION_FAILED', 'rollback');
    assert.match(result.stderr, /migrations\/0002_pair\.down\.sql: statement 2 \(line 4\) failed: no such table: no_such_table/);
    assert.deepEqual(query(ws.db, 'SELECT * FROM pair'), [{ id: 1 }], 'the DELETE before the failure was rolled back');
  });
});

describe('a migration that fails half-way leaves schema and data exactly as before', () => {
  test('SQL: rows inserted and a table created, then a failing statement', () => {
    const ws = applied();
    ws.write({
      '0002_half.sql': `INSERT INTO base (v) VALUES ('three');
UPDATE base SET v = 'changed' WHERE id = 1;
CREATE TABLE extra (id INTEGER);
CREATE INDEX base_v ON base (v);
INSERT INTO base (id, v) VALUES (1, 'duplicate key');
`,
    });
    const result = ws.refuses('MIGRATION_FAILED', 'migrate');
    assert.match(result.stderr, /0002_half\.sql: statement 5 \(line 5\) failed: UNIQUE constraint failed: base\.id/);
    assert.deepEqual(
      ledger(ws.db).map((r) => r.version),
      ['1'],
    );
  });

  test('SQL with its own BEGIN TRANSACTION ... COMMIT', () => {
    const ws = applied();
    ws.write({
      '0002_wrapped.sql': "BEGIN TRANSACTION;\nINSERT INTO base (v) VALUES ('three');\nDROP TABLE base_missing;\nCOMMIT;\n",
    });
    ws.refuses('MIGRATION_FAILED', 'migrate');
    // The run after the failure sees the same clean state.
    ws.refuses('MIGRATION_FAILED', 'migrate');
  });

  test('TypeScript: rows inserted, then it throws', () => {
    const ws = applied();
    ws.write({
      '0002_throws.ts': `export async function up(ctx: { exec(s: string): Promise<void>; run(s: string, p?: unknown[]): Promise<unknown> }): Promise<void> {
  await ctx.exec('CREATE TABLE made_by_code (id INTEGER)');
  for (const v of ['a', 'b', 'c']) await ctx.run('INSERT INTO base (v) VALUES (?)', [v]);
  await ctx.run('DELETE FROM base WHERE id = 1');
  throw new Error('boom after three inserts');
}
`,
    });
    const result = ws.refuses('MIGRATION_FAILED', 'migrate');
    assert.match(result.stderr, /0002_throws\.ts: up\(\) threw: boom after three inserts/);
  });

  test('--single-transaction: a failure in the last step undoes the earlier ones too', () => {
    const ws = applied();
    ws.write({
      '0002_ok.sql': "INSERT INTO base (v) VALUES ('from 2');\n",
      '0003_ok.sql': 'CREATE TABLE t3 (id INTEGER);\n',
      '0004_fails.sql': 'INSERT INTO t3 VALUES (1);\nSELECT * FROM missing_table;\n',
    });
    ws.refuses('MIGRATION_FAILED', 'migrate', '--single-transaction');
  });
});

describe('a table rebuild with foreign keys off that orphans rows', () => {
  test('FOREIGN_KEY_VIOLATION names the rows, and the rebuild is rolled back', () => {
    const ws = applied({
      '0002_family.sql': `CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
INSERT INTO parent VALUES (1), (2);
INSERT INTO child VALUES (1, 1), (2, 2);
`,
    });
    ws.write({
      '0003_rebuild.sql': `PRAGMA foreign_keys = OFF;
CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO parent_new (id) SELECT id FROM parent WHERE id = 1;
DROP TABLE parent;
ALTER TABLE parent_new RENAME TO parent;
PRAGMA foreign_keys = ON;
`,
    });
    const result = ws.refuses('FOREIGN_KEY_VIOLATION', 'migrate');
    assert.match(result.stderr, /child row 2 references a missing row in parent/);
    assert.match(result.stderr, /nothing from 3_rebuild was applied/);
  });
});

describe('the ledger and the folder disagree', () => {
  test('an edited applied migration: CHECKSUM_MISMATCH naming the file; --allow-changed proceeds', () => {
    const ws = applied();
    writeFileSync(join(ws.migrations, '0001_base.sql'), BASE.replace("('two')", "('two'), ('three')"));
    ws.write({ '0002_next.sql': table('next') });
    const result = ws.refuses('CHECKSUM_MISMATCH', 'migrate');
    assert.match(result.stderr, /migrations\/0001_base\.sql was edited after it was applied/);
    assert.match(result.stderr, /strata repair --checksums/);
    ws.refuses('CHECKSUM_MISMATCH', 'rollback');
    assertOk(ws.run('migrate', '--allow-changed'));
    assert.deepEqual(userTables(ws.db), ['base', 'next']);
    assert.equal(query(ws.db, 'SELECT * FROM base').length, 2, 'the edited file is not re-run');
  });

  test('a line-ending-only change (CRLF checkout) is not an edit', () => {
    const ws = applied();
    const path = join(ws.migrations, '0001_base.sql');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n/g, '\r\n'));
    assertOk(ws.run('validate'));
    assertOk(ws.run('migrate'));
  });

  test('an applied migration whose file is gone: MIGRATION_FILE_MISSING; --allow-missing proceeds', () => {
    const ws = applied({ '0002_gone.sql': table('gone') });
    rmSync(join(ws.migrations, '0002_gone.sql'));
    ws.write({ '0003_next.sql': table('next') });
    const result = ws.refuses('MIGRATION_FILE_MISSING', 'migrate');
    assert.match(result.stderr, /2_gone is applied but its file is gone/);
    assert.match(result.stderr, /--allow-missing/);
    assertOk(ws.run('migrate', '--allow-missing'));
    assert.deepEqual(userTables(ws.db), ['base', 'gone', 'next']);
    // Rolling back the missing one is impossible, and says so without changing anything.
    const rollback = ws.refuses('MIGRATION_FILE_MISSING', 'rollback', '0');
    assert.match(rollback.stderr, /cannot roll back 2_gone/);
  });

  test('a pending migration older than an applied one: OUT_OF_ORDER naming both; --allow-out-of-order applies it', () => {
    const ws = applied({ '0003_later.sql': table('later') });
    ws.write({ '0002_forgotten.sql': table('forgotten') });
    const result = ws.refuses('OUT_OF_ORDER', 'migrate');
    assert.match(result.stderr, /migrations\/0002_forgotten\.sql/);
    assert.match(result.stderr, /3_later/);
    assertOk(ws.run('migrate', '--allow-out-of-order'));
    assert.deepEqual(userTables(ws.db), ['base', 'forgotten', 'later']);
    assert.deepEqual(
      ledger(ws.db).map((r) => r.version),
      ['1', '2', '3'],
    );
  });
});

describe('the database and the folder themselves', () => {
  test('--db pointing at a file that is not a SQLite database: NOT_A_DATABASE, file untouched', () => {
    const dir = tempDir('strata-errors-');
    writeFiles(dir, { 'migrations/0001_a.sql': table('a'), 'notes.txt': 'These are my notes, not a database.\n'.repeat(20) });
    const before = readFileSync(join(dir, 'notes.txt'));
    for (const command of ['migrate', 'status', 'validate']) {
      const result = cli([command, '--db', 'notes.txt'], { cwd: dir });
      assertFailure(result, 'NOT_A_DATABASE');
      assert.match(result.stderr, /notes\.txt is not a SQLite database/);
    }
    assert.deepEqual(readFileSync(join(dir, 'notes.txt')), before);
    assert.deepEqual(filesStartingWith(dir, 'notes.txt'), ['notes.txt'], 'no -wal, -shm or lock file next to it');
  });

  test('a database in a folder that does not exist: DB_OPEN_FAILED, nothing created', () => {
    const dir = tempDir('strata-errors-');
    writeFiles(dir, { 'migrations/0001_a.sql': table('a') });
    const result = cli(['migrate', '--db', 'no/such/folder/app.db'], { cwd: dir });
    assertFailure(result, 'DB_OPEN_FAILED');
    assert.match(result.stderr, /no\/such\/folder/);
    assert.ok(!existsSync(join(dir, 'no')));
  });

  test('a path where no file can be created (/proc): DB_OPEN_FAILED', () => {
    const dir = tempDir('strata-errors-');
    writeFiles(dir, { 'migrations/0001_a.sql': table('a') });
    const result = cli(['migrate', '--db', '/proc/strata-test.db'], { cwd: dir });
    assertFailure(result, 'DB_OPEN_FAILED');
    assert.match(result.stderr, /\/proc\/strata-test\.db/);
    assert.ok(!existsSync('/proc/strata-test.db'));
  });

  test('a missing migrations folder: MIGRATIONS_DIR_MISSING, no database created', () => {
    const dir = tempDir('strata-errors-');
    for (const args of [['migrate'], ['status'], ['migrate', '--dir', 'db/migrations']]) {
      const result = cli(args, { cwd: dir });
      assertFailure(result, 'MIGRATIONS_DIR_MISSING');
      assert.match(result.stderr, /migrations/);
    }
    assert.deepEqual(filesStartingWith(dir, 'strata.db'), []);
    // An existing database is not touched either.
    const ws = applied();
    renameSync(ws.migrations, join(ws.dir, 'elsewhere'));
    ws.refuses('MIGRATIONS_DIR_MISSING', 'migrate');
  });

  test('DATABASE_URL naming a database Strata has no driver for: DRIVER_UNSUPPORTED', () => {
    const dir = tempDir('strata-errors-');
    writeFiles(dir, { 'migrations/0001_a.sql': table('a') });
    const result = cli(['migrate'], { cwd: dir, env: { DATABASE_URL: 'mongodb://app@localhost/app' } });
    assertFailure(result, 'DRIVER_UNSUPPORTED');
    assert.match(result.stderr, /mongodb/);
    assert.deepEqual(filesStartingWith(dir, 'strata.db'), []);
  });

  test('a server URL whose server is not there: DB_OPEN_FAILED naming the URL without its password', () => {
    const dir = tempDir('strata-errors-');
    writeFiles(dir, { 'migrations/0001_a.sql': table('a') });
    const result = cli(['migrate', '--no-backup'], { cwd: dir, env: { DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/app' } });
    assertFailure(result, 'DB_OPEN_FAILED');
    assert.match(result.stderr, /postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/app/);
    assert.doesNotMatch(result.stdout + result.stderr, /s3cret/);
  });

  test('a config file that is not valid JSON: CONFIG_INVALID', () => {
    const dir = tempDir('strata-errors-');
    writeFiles(dir, { 'strata.config.json': '{ "db": "./app.db", }', 'migrations/0001_a.sql': table('a') });
    const result = cli(['migrate'], { cwd: dir });
    assertFailure(result, 'CONFIG_INVALID');
    assert.match(result.stderr, /strata\.config\.json is not valid JSON/);
    assert.ok(!existsSync(join(dir, 'app.db')));
  });
});

// With --no-backup there is no pre-run backup to restore, so the ledger records the failure and
// repair is the way on (the automatic restore is tested in backup-cli.test.ts).
describe('a non-transactional migration that fails half-way (--no-backup)', () => {
  const HALF = `-- strata:no-transaction
CREATE TABLE half (id INTEGER);
INSERT INTO half VALUES (1);
INSERT INTO nowhere VALUES (1);
INSERT INTO half VALUES (2);
`;

  test('status shows failed; migrate refuses with MIGRATION_INCOMPLETE naming strata repair; repair fixes it', () => {
    const ws = applied();
    ws.write({ '0002_half.sql': HALF, '0003_after.sql': table('after') });
    const failed = ws.run('migrate', '--no-backup');
    assertFailure(failed, 'MIGRATION_FAILED');
    assert.match(failed.stderr, /0002_half\.sql: statement 3 \(line 4\) failed: no such table: nowhere/);
    assert.match(failed.stderr, /outside a transaction and stopped after 2 statement\(s\)/);
    assert.match(failed.stderr, /strata repair 2 --applied/);
    // What ran before the failure stays: it was not in a transaction.
    assert.deepEqual(query(ws.db, 'SELECT id FROM half'), [{ id: 1 }]);

    const status = parseJson(ws.run('status', '--json'));
    const step = status.migrations.find((m: { version: string }) => m.version === '2');
    assert.equal(step.state, 'failed');
    assert.match(step.error, /no such table: nowhere/);
    assert.equal(ledger(ws.db)[1]!.statements_applied, 2);

    const refused = ws.refuses('MIGRATION_INCOMPLETE', 'migrate');
    assert.match(refused.stderr, /strata repair 2 --applied' or 'strata repair 2 --rolled-back'/);
    ws.refuses('MIGRATION_INCOMPLETE', 'rollback');
    assert.equal(ws.run('validate').code, 1);

    // A person finishes the step by hand, then records it.
    const connection = new Database(ws.db);
    connection.exec('INSERT INTO half VALUES (2)');
    connection.close();
    assertOk(ws.run('repair', '2', '--applied'));
    assertOk(ws.run('migrate'));
    assert.deepEqual(userTables(ws.db), ['after', 'base', 'half']);
    assertOk(ws.run('validate'));
  });

  test('repair --rolled-back makes it pending again', () => {
    const ws = applied();
    ws.write({ '0002_half.sql': HALF });
    assertFailure(ws.run('migrate', '--no-backup'), 'MIGRATION_FAILED');
    const connection = new Database(ws.db);
    connection.exec('DROP TABLE half');
    connection.close();
    assertOk(ws.run('repair', '2', '--rolled-back'));
    assert.deepEqual(
      ledger(ws.db).map((r) => r.version),
      ['1'],
    );
    writeFileSync(join(ws.migrations, '0002_half.sql'), HALF.replace('INSERT INTO nowhere VALUES (1);\n', ''));
    assertOk(ws.run('migrate'));
    assert.deepEqual(query(ws.db, 'SELECT id FROM half ORDER BY id'), [{ id: 1 }, { id: 2 }]);
  });

  test('a file outside the wrapping transaction that opens its own BEGIN ... COMMIT and fails is recorded as failed', () => {
    const ws = applied();
    ws.write({
      '0002_own.sql': '-- strata:no-transaction\nBEGIN;\nCREATE TABLE own (id INTEGER);\nINSERT INTO nowhere VALUES (1);\nCOMMIT;\n',
    });
    const before = snapshot(ws.db);
    const result = ws.run('migrate', '--no-backup');
    assertFailure(result, 'MIGRATION_FAILED');
    assert.match(result.stderr, /0002_own\.sql: statement 3 \(line 4\) failed: no such table: nowhere/);
    // The file's own transaction is rolled back: none of its work is visible...
    assert.ok(!userTables(ws.db).includes('own'), 'the open transaction of the file must not commit');
    assert.deepEqual(snapshot(ws.db).rows.base, before.rows.base);
    // ...and the ledger says what happened: failed, with the error (not "running", as after a crash).
    const status = parseJson(ws.run('status', '--json'));
    const step = status.migrations.find((m: { version: string }) => m.version === '2');
    assert.equal(step.state, 'failed', JSON.stringify(step));
    assert.match(step.error ?? '', /no such table: nowhere/);
  });
});
