/**
 * The CLI contract, end to end: the built `strata` runs as a child process in a temp folder,
 * against real SQLite files, exactly as a user runs it.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** A workspace: a folder with ./migrations, the default ./strata.db, and a `run` bound to it. */
function workspace(files: Record<string, string> = {}) {
  const dir = tempDir('strata-cli-');
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  writeFiles(join(dir, 'migrations'), files);
  return {
    dir,
    db: join(dir, 'strata.db'),
    migrations: join(dir, 'migrations'),
    run: (...args: string[]) => cli(args, { cwd: dir }),
    write: (more: Record<string, string>) => writeFiles(join(dir, 'migrations'), more),
    remove: (name: string) => rmSync(join(dir, 'migrations', name)),
  };
}

/** dbmate-style file creating table `name`, with a down that drops it. */
function tableMigration(name: string, extra = ''): string {
  return `-- migrate:up\nCREATE TABLE ${name} (id INTEGER PRIMARY KEY, v TEXT);\n${extra}\n-- migrate:down\nDROP TABLE ${name};\n`;
}

// ---- one folder in every format ------------------------------------------------------------

const MIXED: Record<string, string> = {
  // dbmate: sections, comments holding ';', literals holding ';' and a doubled quote.
  '0001_users.sql': `-- migrate:up
-- users; the first table (a comment with ; in it)
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL, -- trailing comment; with a semicolon
  posts INTEGER NOT NULL DEFAULT 0
);
/* a block comment; with ; semicolons */
INSERT INTO users (id, name) VALUES (1, 'semi;colon''s name');
CREATE TABLE log (seq INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL);
INSERT INTO log (v) VALUES ('1');

-- migrate:down
DROP TABLE log;
DROP TABLE users;
`,
  // golang-migrate pair.
  '0002_posts.up.sql': `CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title TEXT NOT NULL);
INSERT INTO log (v) VALUES ('2');
`,
  '0002_posts.down.sql': `DROP TABLE posts;
DELETE FROM log WHERE v = '2';
`,
  // Plain up-only SQL.
  '0003_seed.sql': `-- seed data; no sections in this file
INSERT INTO users (id, name) VALUES (2, 'bob; the second');
INSERT INTO log (v) VALUES ('3');
`,
  // TypeScript with types, loaded without a build step.
  '0004_audit.ts': `import { auditTable as table } from './_shared.js';
interface Ctx {
  exec(sql: string): Promise<void>;
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
}
export async function up(ctx: Ctx): Promise<void> {
  await ctx.exec(\`CREATE TABLE \${table} (id INTEGER PRIMARY KEY, what TEXT NOT NULL)\`);
  await ctx.run('INSERT INTO log (v) VALUES (?)', ['4']);
}
export async function down(ctx: Ctx): Promise<void> {
  await ctx.exec(\`DROP TABLE \${table}\`);
}
`,
  // Not migrations: a helper the module imports ('_' prefix) and a README.
  '_shared.ts': `export const auditTable: string = 'audit';\n`,
  'README.md': '# Migrations\n\nOne file per change.\n',
  '0005_tags.mjs': `export async function up(ctx) {
  await ctx.exec('CREATE TABLE tags (name TEXT PRIMARY KEY)');
  await ctx.run("INSERT INTO log (v) VALUES ('5')");
}
export async function down(ctx) {
  await ctx.exec('DROP TABLE tags');
}
`,
  // A trigger body with ';' inside BEGIN ... END and a CASE ... END inside that.
  '0006_trigger.sql': `-- migrate:up
CREATE TRIGGER posts_count AFTER INSERT ON posts
BEGIN
  UPDATE users SET posts = posts + 1 WHERE id = NEW.user_id;
  INSERT INTO audit (what) VALUES (CASE WHEN NEW.title LIKE '%;%' THEN 'title with ; inside' ELSE 'plain title' END);
END;
INSERT INTO posts (user_id, title) VALUES (1, 'hello; world');
INSERT INTO posts (user_id, title) VALUES (1, 'plain');
INSERT INTO log (v) VALUES ('6');

-- migrate:down
DROP TRIGGER posts_count;
`,
  // A file that wraps itself in its own transaction.
  '0007_own_transaction.sql': `BEGIN TRANSACTION;
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
INSERT INTO settings VALUES ('greeting', 'hi; there');
INSERT INTO log (v) VALUES ('7');
COMMIT;
`,
  // Numeric order, not text order: 9 < 10 < 20250115143045.
  '20250115143045_stamped.sql': `INSERT INTO log (v) VALUES ('20250115143045');\n`,
  '10_ten.sql': `INSERT INTO log (v) VALUES ('10');\n`,
  '9_nine.sql': `INSERT INTO log (v) VALUES ('9');\n`,
};
const MIXED_ORDER = ['1', '2', '3', '4', '5', '6', '7', '9', '10', '20250115143045'];

describe('migrate: a fresh folder with every format', () => {
  const ws = workspace(MIXED);

  test('--dry-run prints every statement, split correctly, and creates no database', () => {
    const text = ws.run('migrate', '--dry-run');
    assertOk(text);
    assert.deepEqual(filesStartingWith(ws.dir, 'strata.db'), [], 'a dry run must not create the database');
    // Every statement of a SQL migration is printed, whole.
    assert.match(text.stdout, /INSERT INTO users \(id, name\) VALUES \(1, 'semi;colon''s name'\);/);
    assert.match(text.stdout, /CREATE TRIGGER posts_count AFTER INSERT ON posts\nBEGIN\n[\s\S]*ELSE 'plain title' END\);\nEND;/);
    assert.match(text.stdout, /INSERT INTO settings VALUES \('greeting', 'hi; there'\);/);
    assert.match(text.stdout, /dry run: 10 migration\(s\) would be applied/);

    const json = parseJson(ws.run('migrate', '--dry-run', '--json'));
    assert.deepEqual(filesStartingWith(ws.dir, 'strata.db'), []);
    assert.equal(json.dryRun, true);
    assert.deepEqual(
      json.results.map((r: { version: string }) => r.version),
      MIXED_ORDER,
    );
    const statements = (version: string): { index: number; line: number; sql: string }[] =>
      json.plan.find((s: { version: string }) => s.version === version).statements;
    assert.deepEqual(
      statements('1').map((s) => [s.index, s.line, s.sql.split(/\s/)[0]]),
      [
        [1, 3, 'CREATE'],
        [2, 9, 'INSERT'],
        [3, 10, 'CREATE'],
        [4, 11, 'INSERT'],
      ],
    );
    const trigger = statements('6');
    assert.equal(trigger.length, 4, JSON.stringify(trigger, null, 2));
    assert.match(trigger[0]!.sql, /^CREATE TRIGGER posts_count[\s\S]*CASE WHEN[\s\S]*END\);\nEND$/);
    assert.equal(trigger[1]!.line, 7);
    assert.deepEqual(
      statements('7').map((s) => s.sql.split(/\s/)[0]),
      ['BEGIN', 'CREATE', 'INSERT', 'INSERT', 'COMMIT'],
    );
    assert.deepEqual(
      statements('2').map((s) => s.sql.split(/\s/)[0]),
      ['CREATE', 'INSERT'],
    );
    assert.deepEqual(statements('4'), [], 'code migrations have no SQL to show in advance');
  });

  test('applies everything to ./strata.db from ./migrations, in numeric version order', () => {
    const result = ws.run('migrate');
    assertOk(result);
    assert.ok(existsSync(ws.db), 'the default database ./strata.db is created');
    assert.match(result.stdout, /10 migration\(s\) applied/);
    assert.match(result.stdout, /now at version 20250115143045/);
    assert.doesNotMatch(result.stderr, /error/);

    assert.deepEqual(
      query<{ v: string }>(ws.db, 'SELECT v FROM log ORDER BY seq').map((r) => r.v),
      MIXED_ORDER,
    );
    assert.deepEqual(
      ledger(ws.db).map((r) => [r.version, r.status]),
      MIXED_ORDER.map((v) => [v, 'applied']),
    );
    assert.deepEqual(userTables(ws.db), ['audit', 'log', 'posts', 'settings', 'tags', 'users']);
    assert.deepEqual(query(ws.db, 'SELECT id, name, posts FROM users ORDER BY id'), [
      { id: 1, name: "semi;colon's name", posts: 2 },
      { id: 2, name: 'bob; the second', posts: 0 },
    ]);
    assert.deepEqual(
      query<{ what: string }>(ws.db, 'SELECT what FROM audit ORDER BY id').map((r) => r.what),
      ['title with ; inside', 'plain title'],
    );
    assert.deepEqual(query(ws.db, 'SELECT * FROM settings'), [{ key: 'greeting', value: 'hi; there' }]);
    assert.equal(query(ws.db, "SELECT name FROM sqlite_master WHERE type = 'trigger'").length, 1);
  });

  test('a second run is a no-op', () => {
    const before = snapshot(ws.db);
    const result = ws.run('migrate');
    assertOk(result);
    assert.match(result.stdout, /up to date \(version 20250115143045\)/);
    assert.deepEqual(snapshot(ws.db), before);
    const json = parseJson(ws.run('migrate', '--json'));
    assert.deepEqual(json.results, []);
    assert.equal(json.currentVersion, '20250115143045');
  });

  test('status lists every migration as applied, in version order', () => {
    const json = parseJson(ws.run('status', '--json'));
    assert.equal(json.currentVersion, '20250115143045');
    assert.equal(json.pending, 0);
    assert.deepEqual(json.problems, []);
    assert.deepEqual(
      json.migrations.map((m: { version: string }) => m.version),
      MIXED_ORDER,
    );
    assert.ok(json.migrations.every((m: { state: string }) => m.state === 'applied'));
    const text = ws.run('status');
    assertOk(text);
    assert.match(text.stdout, /current version 20250115143045/);
    assert.match(text.stdout, /10 applied/);
  });
});

// ---- --to, --single-transaction --------------------------------------------------------------

describe('migrate --to and --single-transaction', () => {
  test('--to V applies up to and including V', () => {
    const ws = workspace({ '0001_a.sql': tableMigration('a'), '0002_b.sql': tableMigration('b'), '0003_c.sql': tableMigration('c') });
    const result = ws.run('migrate', '--to', '2');
    assertOk(result);
    assert.deepEqual(userTables(ws.db), ['a', 'b']);
    const status = parseJson(ws.run('status', '--json'));
    assert.equal(status.currentVersion, '2');
    assert.deepEqual(
      status.migrations.map((m: { state: string }) => m.state),
      ['applied', 'applied', 'pending'],
    );
    assert.equal(status.pending, 1);
    // The version may be written with its padding.
    const dry = parseJson(ws.run('migrate', '--dry-run', '--to', '3', '--json'));
    assert.deepEqual(
      dry.results.map((r: { version: string }) => r.version),
      ['3'],
    );
    assertOk(ws.run('migrate', '--to', '0003'));
    assert.deepEqual(userTables(ws.db), ['a', 'b', 'c']);
    assertFailure(ws.run('migrate', '--to', '42'), 'VERSION_UNKNOWN');
  });

  test('--single-transaction applies a whole run', () => {
    const ws = workspace({ '0001_a.sql': tableMigration('a'), '0002_b.sql': tableMigration('b') });
    const json = parseJson(ws.run('migrate', '--single-transaction', '--json'));
    assert.deepEqual(
      json.results.map((r: { status: string }) => r.status),
      ['applied', 'applied'],
    );
    assert.deepEqual(userTables(ws.db), ['a', 'b']);
  });

  test('--single-transaction is all or nothing: a failing 3rd migration leaves none applied', () => {
    const files = {
      '0001_a.sql': tableMigration('a', "INSERT INTO a (v) VALUES ('x');"),
      '0002_b.sql': tableMigration('b'),
      '0003_broken.sql': 'CREATE TABLE c (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n',
    };
    const ws = workspace(files);
    const result = ws.run('migrate', '--single-transaction');
    assertFailure(result, 'MIGRATION_FAILED');
    assert.match(result.stderr, /0003_broken\.sql/);
    assert.match(result.stderr, /none of its 3 migrations is applied/);
    assert.deepEqual(userTables(ws.db), []);
    assert.deepEqual(ledger(ws.db), []);

    // Without the flag, each migration commits on its own: the first two stay.
    const each = workspace(files);
    assertFailure(each.run('migrate'), 'MIGRATION_FAILED');
    assert.deepEqual(userTables(each.db), ['a', 'b']);
    assert.deepEqual(
      ledger(each.db).map((r) => r.version),
      ['1', '2'],
    );
  });

  test('--single-transaction is refused before anything runs when a pending file opts out of transactions', () => {
    const ws = workspace({ '0001_a.sql': tableMigration('a', "INSERT INTO a (v) VALUES ('kept');") });
    assertOk(ws.run('migrate'));
    ws.write({
      '0002_b.sql': tableMigration('b', "INSERT INTO b (v) VALUES ('new');"),
      '0003_vacuum.sql': '-- strata:no-transaction\nCREATE TABLE c (id INTEGER);\n',
      '0004_dbmate.sql': '-- migrate:up transaction:false\nCREATE TABLE d (id INTEGER);\n-- migrate:down\nDROP TABLE d;\n',
    });
    const before = snapshot(ws.db);
    const result = ws.run('migrate', '--single-transaction');
    assertFailure(result, 'TRANSACTION_REQUIRED');
    assert.match(result.stderr, /0003_vacuum\.sql/);
    assert.match(result.stderr, /0004_dbmate\.sql/);
    assert.doesNotMatch(result.stderr, /0002_b\.sql/);
    assert.deepEqual(snapshot(ws.db), before);
  });
});

// ---- rollback ------------------------------------------------------------------------------------

describe('rollback', () => {
  const files = {
    '0001_a.sql': tableMigration('a'),
    '0002_b.up.sql': 'CREATE TABLE b (id INTEGER);\n',
    '0002_b.down.sql': 'DROP TABLE b;\n',
    '0003_c.ts': `export async function up(ctx: { exec(s: string): Promise<void> }) { await ctx.exec('CREATE TABLE c (id INTEGER)'); }
export async function down(ctx: { exec(s: string): Promise<void> }) { await ctx.exec('DROP TABLE c'); }
`,
    '0004_d.sql': tableMigration('d'),
  };
  const ws = workspace(files);

  test('rollback reverts the last migration', () => {
    assertOk(ws.run('migrate'));
    const result = ws.run('rollback');
    assertOk(result);
    assert.match(result.stdout, /reverted\s+4_d/);
    assert.match(result.stdout, /now at version 3/);
    assert.deepEqual(userTables(ws.db), ['a', 'b', 'c']);
    assert.deepEqual(
      ledger(ws.db).map((r) => r.version),
      ['1', '2', '3'],
    );
  });

  test('rollback V reverts everything above V (a code migration and a .down.sql file included)', () => {
    const json = parseJson(ws.run('rollback', '1', '--json'));
    assert.deepEqual(
      json.results.map((r: { version: string; status: string }) => [r.version, r.status]),
      [
        ['3', 'reverted'],
        ['2', 'reverted'],
      ],
    );
    assert.equal(json.currentVersion, '1');
    assert.deepEqual(userTables(ws.db), ['a']);
  });

  test('rollback --steps N reverts the last N', () => {
    assertOk(ws.run('migrate'));
    assertOk(ws.run('rollback', '--steps', '2'));
    assert.deepEqual(
      ledger(ws.db).map((r) => r.version),
      ['1', '2'],
    );
    assert.deepEqual(userTables(ws.db), ['a', 'b']);
  });

  test('rollback --dry-run prints the down statements and changes nothing', () => {
    const before = snapshot(ws.db);
    const result = ws.run('rollback', '0', '--dry-run');
    assertOk(result);
    assert.match(result.stdout, /DROP TABLE b;/);
    assert.match(result.stdout, /DROP TABLE a;/);
    assert.ok(result.stdout.indexOf('DROP TABLE b;') < result.stdout.indexOf('DROP TABLE a;'), 'newest first');
    assert.deepEqual(snapshot(ws.db), before);
    const json = parseJson(ws.run('rollback', '--dry-run', '--json'));
    assert.equal(json.dryRun, true);
    assert.deepEqual(
      json.results.map((r: { version: string; status: string }) => [r.version, r.status]),
      [['2', 'planned']],
    );
    assert.deepEqual(snapshot(ws.db), before);
  });

  test('rollback 0 reverts everything; a further rollback has nothing to do', () => {
    const result = ws.run('rollback', '0');
    assertOk(result);
    assert.deepEqual(userTables(ws.db), []);
    assert.deepEqual(ledger(ws.db), []);
    const again = ws.run('rollback');
    assertOk(again);
    assert.match(again.stdout, /nothing to roll back/);
  });

  test('a migration without a down stops the rollback before anything runs (MIGRATION_DOWN_MISSING)', () => {
    const ws2 = workspace({
      '0001_a.sql': tableMigration('a'),
      '0002_plain.sql': 'CREATE TABLE plain (id INTEGER);\n',
      '0003_c.sql': tableMigration('c'),
    });
    assertOk(ws2.run('migrate'));
    const before = snapshot(ws2.db);
    const result = ws2.run('rollback', '0');
    assertFailure(result, 'MIGRATION_DOWN_MISSING');
    assert.match(result.stderr, /0002_plain\.sql/);
    assert.deepEqual(snapshot(ws2.db), before, 'not even 0003 (which has a down) may be reverted');
    // Rolling back only what has a down still works.
    assertOk(ws2.run('rollback'));
    assert.deepEqual(userTables(ws2.db), ['a', 'plain']);
  });
});

// ---- status -------------------------------------------------------------------------------------

describe('status', () => {
  test('a database that does not exist yet: everything pending, nothing created', () => {
    const ws = workspace({ '0001_a.sql': tableMigration('a') });
    const result = ws.run('status');
    assertOk(result);
    assert.match(result.stdout, /does not exist yet/);
    assert.match(result.stdout, /1 pending/);
    const json = parseJson(ws.run('status', '--json'));
    assert.equal(json.exists, false);
    assert.equal(json.currentVersion, null);
    assert.deepEqual(filesStartingWith(ws.dir, 'strata.db'), []);
  });

  test('applied, changed, missing, failed and pending, and the current version', () => {
    const ws = workspace({
      '0001_a.sql': tableMigration('a'),
      '0002_b.sql': tableMigration('b'),
      '0003_c.sql': tableMigration('c'),
      '0004_fails.sql': '-- strata:no-transaction\nCREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n',
      '0005_e.sql': tableMigration('e'),
    });
    // --no-backup: keep the failed step in the ledger (a backup would be restored instead).
    assertFailure(ws.run('migrate', '--no-backup'), 'MIGRATION_FAILED');
    writeFileSync(join(ws.migrations, '0002_b.sql'), tableMigration('b', '-- edited after it was applied'));
    ws.remove('0003_c.sql');

    const json = parseJson(ws.run('status', '--json'));
    assert.deepEqual(
      json.migrations.map((m: { version: string; state: string }) => [m.version, m.state]),
      [
        ['1', 'applied'],
        ['2', 'changed'],
        ['3', 'missing'],
        ['4', 'failed'],
        ['5', 'pending'],
      ],
    );
    assert.equal(json.currentVersion, '3');
    assert.equal(json.pending, 1);
    assert.match(json.migrations[3].error, /no such table: nowhere/);
    assert.deepEqual(json.problems.map((p: { code: string }) => p.code).sort(), ['CHECKSUM_MISMATCH', 'MIGRATION_FILE_MISSING', 'MIGRATION_INCOMPLETE']);

    const text = ws.run('status');
    assertOk(text);
    for (const state of ['applied', 'changed', 'missing', 'failed', 'pending']) assert.match(text.stdout, new RegExp(`\\b${state}\\b`), state);
    assert.match(text.stdout, /current version 3/);
    assert.match(text.stdout, /strata repair 4/);
  });

  test('running: a step outside a transaction whose process died part-way', () => {
    const ws = workspace({
      '0001_a.sql': tableMigration('a'),
      '0002_crash.ts': `export const transaction = false;
export async function up(ctx: { exec(sql: string): Promise<void> }) {
  await ctx.exec('CREATE TABLE crashed (id INTEGER)');
  process.kill(process.pid, 'SIGKILL');
  await new Promise(() => {});
}
`,
    });
    const crashed = ws.run('migrate');
    assert.notEqual(crashed.code, 0, describeRun(crashed));
    const json = parseJson(ws.run('status', '--json'));
    assert.deepEqual(
      json.migrations.map((m: { state: string }) => m.state),
      ['applied', 'running'],
    );
    assert.equal(json.currentVersion, '1');
    const result = ws.run('migrate');
    assertFailure(result, 'MIGRATION_INCOMPLETE');
    assert.match(result.stderr, /strata repair 2/);
    assertOk(ws.run('repair', '2', '--applied'));
    assert.deepEqual(
      ledger(ws.db).map((r) => [r.version, r.status]),
      [
        ['1', 'applied'],
        ['2', 'applied'],
      ],
    );
    assertOk(ws.run('migrate'));
  });
});

// ---- validate ------------------------------------------------------------------------------------

describe('validate', () => {
  function applied() {
    const ws = workspace({
      '0001_parents.sql': '-- migrate:up\nCREATE TABLE parents (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE parents;\n',
      '0002_children.sql':
        '-- migrate:up\nCREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents (id));\n-- migrate:down\nDROP TABLE children;\n',
    });
    assertOk(ws.run('migrate'));
    return ws;
  }

  test('exit 0 on a good database (pending migrations are fine)', () => {
    const ws = applied();
    const result = ws.run('validate');
    assertOk(result);
    assert.match(result.stdout, /is valid/);
    ws.write({ '0003_more.sql': tableMigration('more') });
    const json = parseJson(ws.run('validate', '--json'));
    assert.equal(json.ok, true);
    assert.equal(json.pending, 1);
  });

  test('exit 1 when an applied file was edited', () => {
    const ws = applied();
    writeFileSync(join(ws.migrations, '0001_parents.sql'), '-- migrate:up\nCREATE TABLE parents (id INTEGER PRIMARY KEY, extra TEXT);\n');
    const result = ws.run('validate');
    assert.equal(result.code, 1, describeRun(result));
    assert.match(result.stdout, /CHECKSUM_MISMATCH: .*0001_parents\.sql/);
    assert.match(result.stderr, /error VALIDATION_FAILED/);
    const json = parseJson(ws.run('validate', '--json'));
    assert.equal(json.ok, false);
    assert.deepEqual(
      json.problems.map((p: { code: string }) => p.code),
      ['CHECKSUM_MISMATCH'],
    );
  });

  test('exit 1 when an applied file is missing', () => {
    const ws = applied();
    ws.remove('0002_children.sql');
    const result = ws.run('validate');
    assert.equal(result.code, 1, describeRun(result));
    assert.match(result.stdout, /MIGRATION_FILE_MISSING: .*2_children/);
  });

  test('exit 1 when a pending migration is older than the current version', () => {
    const ws = applied();
    ws.write({ '0000_early.sql': tableMigration('early') });
    const result = ws.run('validate');
    assert.equal(result.code, 1, describeRun(result));
    assert.match(result.stdout, /OUT_OF_ORDER: .*0000_early\.sql/);
  });

  test('exit 1 on a foreign-key violation in the database', () => {
    const ws = applied();
    const db = new Database(ws.db);
    db.pragma('foreign_keys = OFF');
    db.prepare('INSERT INTO children (id, parent_id) VALUES (1, 99)').run();
    db.close();
    const result = ws.run('validate');
    assert.equal(result.code, 1, describeRun(result));
    assert.match(result.stdout, /foreign_key_check: children row 1 references a missing row in parents/);
    const json = parseJson(ws.run('validate', '--json'));
    assert.equal(json.ok, false);
    assert.equal(json.integrity.length, 1);
  });
});

// ---- create ----------------------------------------------------------------------------------------

describe('create', () => {
  test('an empty (or absent) folder gets the first version, as a dbmate-style .sql file', () => {
    const dir = tempDir('strata-cli-');
    const result = cli(['create', 'AddUsers table'], { cwd: dir });
    assertOk(result);
    const created = readdirSync(join(dir, 'migrations'));
    assert.equal(created.length, 1);
    assert.match(created[0]!, /^0*1_add_users_table\.sql$/);
    const text = readFileSync(join(dir, 'migrations', created[0]!), 'utf8');
    assert.match(text, /-- migrate:up/);
    assert.match(text, /-- migrate:down/);
    assert.match(result.stdout, /created migrations\//);
    // The empty template is a valid migration.
    assertOk(cli(['migrate'], { cwd: dir }));
  });

  test('the next number, zero-padded like the files already there', () => {
    const four = workspace({ '0007_a.sql': '', '0008_b.up.sql': '', '0008_b.down.sql': '' });
    assertOk(four.run('create', 'next'));
    assert.ok(existsSync(join(four.migrations, '0009_next.sql')), readdirSync(four.migrations).join(', '));

    const three = workspace({ '001_a.sql': '', '002_b.sql': '' });
    const json = parseJson(three.run('create', 'next', '--json'));
    assert.equal(json.version, '3');
    assert.deepEqual(readdirSync(three.migrations).sort(), ['001_a.sql', '002_b.sql', '003_next.sql']);
  });

  test('timestamp style when the folder uses 14-digit versions', () => {
    const ws = workspace({ '20250115143045_init.sql': '' });
    const before = Date.now();
    const json = parseJson(ws.run('create', 'add_posts', '--json'));
    assert.match(json.version, /^\d{14}$/);
    const v = json.version as string;
    const stamp = Date.UTC(+v.slice(0, 4), +v.slice(4, 6) - 1, +v.slice(6, 8), +v.slice(8, 10), +v.slice(10, 12), +v.slice(12, 14));
    assert.ok(Math.abs(stamp - before) < 60_000, `${v} is not now (UTC)`);
    assert.ok(existsSync(join(ws.migrations, `${v}_add_posts.sql`)));
  });

  test('--ts scaffolds a TypeScript module that migrate runs without a build step', () => {
    const ws = workspace({ '0001_a.sql': tableMigration('a') });
    const json = parseJson(ws.run('create', 'seed', '--ts', '--json'));
    assert.equal(json.version, '2');
    assert.ok(json.file.endsWith(join('migrations', '0002_seed.ts')), json.file);
    assert.match(readFileSync(json.file, 'utf8'), /export async function up/);
    writeFileSync(json.file, readFileSync(json.file, 'utf8').replace('await ctx.exec(``);', "await ctx.exec('CREATE TABLE seeded (id INTEGER)');"));
    assertOk(ws.run('migrate'));
    assert.deepEqual(userTables(ws.db), ['a', 'seeded']);
    assertFailure(ws.run('create', 'x', '--ts', '--sql'), 'USAGE', 2);
    assertFailure(ws.run('create'), 'USAGE', 2);
  });
});

// ---- repair -------------------------------------------------------------------------------------

// The failures below run with --no-backup: with a backup, Strata restores it instead.
describe('repair', () => {
  const failing = '-- strata:no-transaction\nCREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n';

  test('repair V --rolled-back makes a failed step pending again', () => {
    const ws = workspace({ '0001_a.sql': tableMigration('a'), '0002_half.sql': failing });
    assertFailure(ws.run('migrate', '--no-backup'), 'MIGRATION_FAILED');
    assert.equal(ledger(ws.db)[1]!.status, 'failed');
    const json = parseJson(ws.run('repair', '2', '--rolled-back', '--json'));
    assert.equal(json.outcome, 'rolled-back');
    assert.deepEqual(
      ledger(ws.db).map((r) => r.version),
      ['1'],
    );
    // Undo the half-done work by hand and fix the file, as a person would; then it applies.
    const db = new Database(ws.db);
    db.exec('DROP TABLE half');
    db.close();
    writeFileSync(join(ws.migrations, '0002_half.sql'), 'CREATE TABLE half (id INTEGER);\n');
    assertOk(ws.run('migrate'));
    assert.deepEqual(
      ledger(ws.db).map((r) => [r.version, r.status]),
      [
        ['1', 'applied'],
        ['2', 'applied'],
      ],
    );
  });

  test('repair V --applied marks a failed step applied', () => {
    const ws = workspace({ '0001_a.sql': tableMigration('a'), '0002_half.sql': failing, '0003_c.sql': tableMigration('c') });
    assertFailure(ws.run('migrate', '--no-backup'), 'MIGRATION_FAILED');
    const result = ws.run('repair', '2', '--applied');
    assertOk(result);
    assert.match(result.stdout, /marked 2 as applied/);
    assert.equal(ledger(ws.db)[1]!.status, 'applied');
    assertOk(ws.run('migrate'));
    assert.deepEqual(userTables(ws.db), ['a', 'c', 'half']);
    // Nothing left to repair.
    assertFailure(ws.run('repair', '2', '--applied'), 'NOTHING_TO_REPAIR');
    assertFailure(ws.run('repair', '2'), 'USAGE', 2);
    assertFailure(ws.run('repair', '--applied'), 'USAGE', 2);
  });

  test('repair --checksums accepts edited files', () => {
    const ws = workspace({ '0001_a.sql': tableMigration('a'), '0002_b.sql': tableMigration('b') });
    assertOk(ws.run('migrate'));
    writeFileSync(join(ws.migrations, '0002_b.sql'), tableMigration('b', '-- a comment added later'));
    assertFailure(ws.run('migrate'), 'CHECKSUM_MISMATCH');
    const json = parseJson(ws.run('repair', '--checksums', '--json'));
    assert.deepEqual(json.updated, [{ version: '2', name: 'b' }]);
    assertOk(ws.run('validate'));
    const status = parseJson(ws.run('status', '--json'));
    assert.deepEqual(
      status.migrations.map((m: { state: string }) => m.state),
      ['applied', 'applied'],
    );
    const again = ws.run('repair', '--checksums');
    assertOk(again);
    assert.match(again.stdout, /nothing to repair/);
  });
});

// ---- configuration ------------------------------------------------------------------------------

describe('configuration', () => {
  const migration = { 'db/migs/0001_a.sql': tableMigration('a') };

  test('strata.config.json is found in the current folder; its paths are relative to it', () => {
    const dir = tempDir('strata-cli-');
    writeFiles(dir, { ...migration, 'strata.config.json': JSON.stringify({ db: './data/app.db', dir: './db/migs' }), 'data/.keep': '' });
    assertOk(cli(['migrate'], { cwd: dir }));
    assert.deepEqual(userTables(join(dir, 'data', 'app.db')), ['a']);
    assert.ok(!existsSync(join(dir, 'strata.db')));
  });

  test('strata.config.mjs is found in the current folder', () => {
    const dir = tempDir('strata-cli-');
    writeFiles(dir, { ...migration, 'strata.config.mjs': "export default { db: './from-mjs.db', dir: './db/migs', table: 'schema_history' };\n" });
    assertOk(cli(['migrate'], { cwd: dir }));
    const db = join(dir, 'from-mjs.db');
    assert.deepEqual(userTables(db), ['a', 'schema_history']);
    assert.deepEqual(
      ledger(db, 'schema_history').map((r) => r.version),
      ['1'],
    );
  });

  test('strata.config.ts loads without a build step, in a folder that is not an ES module package', () => {
    const dir = tempDir('strata-cli-');
    writeFiles(dir, {
      ...migration,
      'strata.config.ts': "const config: { db: string; dir: string } = { db: './from-ts.db', dir: './db/migs' };\nexport default config;\n",
      'db/migs/0002_b.ts': "export async function up(ctx: { exec(sql: string): Promise<void> }) {\n  await ctx.exec('CREATE TABLE b (x)');\n}\n",
    });
    assertOk(cli(['migrate'], { cwd: dir }));
    assert.deepEqual(userTables(join(dir, 'from-ts.db')), ['a', 'b']);
  });

  test('--config names the file; its relative paths are relative to that file', () => {
    const dir = tempDir('strata-cli-');
    writeFiles(dir, {
      'conf/db/migs/0001_a.sql': tableMigration('a'),
      'conf/strata.json': JSON.stringify({ db: './app.db', dir: './db/migs' }),
      'strata.config.json': JSON.stringify({ db: './wrong.db', dir: './nowhere' }),
    });
    assertOk(cli(['migrate', '--config', 'conf/strata.json'], { cwd: dir }));
    assert.deepEqual(userTables(join(dir, 'conf', 'app.db')), ['a']);
    assert.ok(!existsSync(join(dir, 'wrong.db')));
    assertFailure(cli(['status', '--config', 'conf/none.json'], { cwd: dir }), 'CONFIG_INVALID');
  });

  test('an unknown key is CONFIG_INVALID with a "did you mean"', () => {
    const dir = tempDir('strata-cli-');
    writeFiles(dir, { ...migration, 'strata.config.json': JSON.stringify({ dir: './db/migs', tabel: 'x' }) });
    const result = cli(['migrate'], { cwd: dir });
    assertFailure(result, 'CONFIG_INVALID');
    assert.match(result.stderr, /unknown setting "tabel"; did you mean "table"\?/);
    assert.ok(!existsSync(join(dir, 'strata.db')));
    const json = parseJson(cli(['migrate', '--json'], { cwd: dir }));
    assert.equal(json.error.code, 'CONFIG_INVALID');
  });

  test('DATABASE_URL is honoured, over the config file and under --db', () => {
    const dir = tempDir('strata-cli-');
    writeFiles(dir, { ...migration, 'strata.config.json': JSON.stringify({ db: './config.db', dir: './db/migs' }) });
    assertOk(cli(['migrate'], { cwd: dir, env: { DATABASE_URL: 'sqlite:./env.db' } }));
    assert.deepEqual(userTables(join(dir, 'env.db')), ['a']);
    assert.ok(!existsSync(join(dir, 'config.db')));
    assertOk(cli(['migrate', '--db', './flag.db'], { cwd: dir, env: { DATABASE_URL: 'sqlite:./env.db' } }));
    assert.deepEqual(userTables(join(dir, 'flag.db')), ['a']);
    assert.ok(!existsSync(join(dir, 'config.db')));
  });

  test('--db sqlite:./x.db', () => {
    const ws = workspace({ '0001_a.sql': tableMigration('a') });
    assertOk(ws.run('migrate', '--db', 'sqlite:./x.db'));
    assert.deepEqual(userTables(join(ws.dir, 'x.db')), ['a']);
    assert.ok(!existsSync(ws.db));
    const json = parseJson(ws.run('status', '--db', 'sqlite:./x.db', '--json'));
    assert.equal(json.currentVersion, '1');
  });
});

// ---- exit codes, messages, --json everywhere ----------------------------------------------------

describe('exit codes and error output', () => {
  const ws = workspace({ '0001_a.sql': tableMigration('a') });

  test('usage errors exit 2', () => {
    assertFailure(ws.run('migrate', '--no-such-flag'), 'USAGE', 2);
    assertFailure(ws.run('frobnicate'), 'USAGE', 2);
    assertFailure(ws.run('rollback', '--steps', 'abc'), 'USAGE', 2);
    assertFailure(ws.run('rollback', '--steps', '0'), 'USAGE', 2);
    assertFailure(ws.run('rollback', '--steps', '-1'), 'USAGE', 2);
    assertFailure(ws.run('rollback', '1', '--steps', '1'), 'USAGE', 2);
    assertFailure(ws.run('status', 'extra'), 'USAGE', 2);
    assertFailure(ws.run('migrate', '--lock-timeout', 'soon'), 'USAGE', 2);
    assert.deepEqual(filesStartingWith(ws.dir, 'strata.db'), [], 'usage errors touch nothing');
    const bare = ws.run();
    assert.equal(bare.code, 2, describeRun(bare));
    assert.match(bare.stdout, /Usage: strata <command>/);
    const help = ws.run('--help');
    assertOk(help);
    assert.match(help.stdout, /Commands:/);
    assertOk(ws.run('migrate', '--help'));
  });

  test('every usage error also says how to fix it (the hint line)', () => {
    const cases = [
      ['migrate', '--no-such-flag'],
      ['frobnicate'],
      ['rollback', '--steps', 'abc'],
      ['rollback', '--steps', '0'],
      ['rollback', '1', '--steps', '1'],
      ['create', 'x', '--ts', '--sql'],
      ['repair', '1', '--checksums'],
    ];
    const missing = cases
      .map((args) => ({ args, result: ws.run(...args) }))
      .filter(({ result }) => !/^ {2}hint: \S/m.test(result.stderr))
      .map(({ args, result }) => `strata ${args.join(' ')} -> ${result.stderr.trim()}`);
    assert.deepEqual(missing, [], `usage errors without a hint line:\n${missing.join('\n')}`);
  });

  test('failures exit 1 with the hint line and no stack trace; --verbose adds the stack', () => {
    const broken = workspace({ '0001_bad.sql': 'CREATE TABLE (;\n' });
    const result = broken.run('migrate');
    assertFailure(result, 'MIGRATION_FAILED');
    const verbose = broken.run('migrate', '--verbose');
    assert.equal(verbose.code, 1);
    assert.match(verbose.stderr, /^ {4}at /m, 'a stack trace with --verbose');
  });

  test('--json output parses as JSON on every command, errors included', () => {
    const j = workspace({ '0001_a.sql': tableMigration('a'), '0002_b.sql': tableMigration('b') });
    const run = (...args: string[]) => parseJson(j.run(...args, '--json'));
    assert.equal(run('status').exists, false);
    assert.equal(run('validate').ok, true);
    assert.equal(run('migrate', '--dry-run').dryRun, true);
    assert.equal(run('migrate', '--to', '1').currentVersion, '1');
    assert.equal(run('migrate').currentVersion, '2');
    assert.equal(run('status').currentVersion, '2');
    assert.equal(run('validate').ok, true);
    assert.equal(run('rollback', '--dry-run').dryRun, true);
    assert.equal(run('rollback').currentVersion, '1');
    assert.equal(run('rollback', '0').currentVersion, null);
    assert.equal(run('create', 'c').version, '3');
    assert.deepEqual(run('repair', '--checksums').updated, []);
    // Errors: one JSON document with the code, message and hint.
    const usageError = j.run('migrate', '--bogus', '--json');
    assert.equal(usageError.code, 2);
    assert.equal(parseJson(usageError).error.code, 'USAGE');
    const unknown = j.run('rollback', '42', '--json');
    assert.equal(unknown.code, 1);
    const body = parseJson(unknown).error;
    assert.equal(body.code, 'VERSION_UNKNOWN');
    assert.equal(typeof body.hint, 'string');
    assert.equal(parseJson(j.run('repair', '1', '--applied', '--json')).error.code, 'NOTHING_TO_REPAIR');
  });
});
