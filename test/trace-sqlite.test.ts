/**
 * `strata trace` on SQLite: the pending migrations applied to a private copy, each statement's
 * changes per table told apart (the statement's own, a foreign key action's, a trigger's), rows
 * before and after, rebuilds, recreated indexes, foreign_key_check; the live file never
 * changes and the copy is removed. Then the CLI: `trace` exits 1 on unexpected loss, and
 * `migrate --trace` stops before touching the database.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertNoDataLoss, traceMigrations, type TraceReport } from 'strata-migrate/tooling';
import { renamedTable, statementTable } from '../src/trace/statement-target.js';
import { assertFailure, assertOk, cli, ledger, parseJson, rejectsWith, sha256, tempDir, writeFiles } from './helpers.js';

const SCHEMA = `
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
CREATE INDEX users_email ON users (email);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE);
CREATE TABLE likes (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE SET NULL);
CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);
CREATE TRIGGER posts_gone AFTER DELETE ON posts BEGIN INSERT INTO audit (what) VALUES ('post ' || old.id); END;
INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x'), (3, 'c@x');
INSERT INTO posts VALUES (1, 1), (2, 1), (3, 2), (4, 3);
INSERT INTO likes VALUES (1, 1), (2, 2);
`;

/** A rebuild of users as drizzle-kit writes one; with the pragma or without. */
function rebuild(options: { pragma: boolean; copyWhere?: string }): string {
  return `-- migrate:up
${options.pragma ? 'PRAGMA foreign_keys=OFF;\n' : ''}CREATE TABLE __new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
INSERT INTO __new_users (id, email) SELECT id, email FROM users${options.copyWhere ? ` WHERE ${options.copyWhere}` : ''};
DROP TABLE users;
ALTER TABLE __new_users RENAME TO users;
CREATE INDEX users_email ON users (email);
${options.pragma ? 'PRAGMA foreign_keys=ON;\n' : ''}`;
}

function project(files: Record<string, string>, schema = SCHEMA): { dir: string; db: string; migrations: string } {
  const dir = tempDir('strata-trace-');
  writeFiles(dir, { ...files, 'strata.config.json': JSON.stringify({ db: './app.db', dir: './migrations', backup: false }) });
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  const db = new Database(join(dir, 'app.db'));
  db.exec(schema);
  db.close();
  return { dir, db: join(dir, 'app.db'), migrations: join(dir, 'migrations') };
}

const tableOf = (report: TraceReport, name: string) => report.tables.find((t) => t.table === name)!;

/** Runs fn with TMPDIR pointing at a fresh folder, and says what was left in it. */
async function leftInTmp<T>(fn: () => Promise<T>): Promise<{ value: T; left: string[] }> {
  const tmp = tempDir('strata-trace-tmp-');
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    const value = await fn();
    return { value, left: readdirSync(tmp) };
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
}

describe('trace on SQLite: the API', () => {
  test('a rebuild without PRAGMA foreign_keys=OFF: the cascade-deleted children and the trigger they fired, the rebuild and its index; the live file unchanged, the copy removed', async () => {
    const p = project({ 'migrations/0001_rebuild_users.sql': rebuild({ pragma: false }) });
    const before = sha256(p.db);
    const { value: report, left } = await leftInTmp(() => traceMigrations({ db: p.db, dir: p.migrations }));
    assert.equal(sha256(p.db), before, 'the live database changed');
    assert.deepEqual(left, [], 'the copy was left behind');
    assert.equal(report.failure, undefined);
    assert.deepEqual(report.steps, [{ version: '1', name: 'rebuild_users' }]);
    const drop = report.statements.find((s) => s.sql === 'DROP TABLE users')!;
    assert.equal(drop.table, 'users');
    assert.deepEqual(
      drop.changes?.map((c) => [c.table, c.cause, c.inserted, c.updated, c.deleted]),
      [
        ['audit', 'trigger', 4, 0, 0],
        ['likes', 'cascade', 0, 2, 0],
        ['posts', 'cascade', 0, 0, 4],
      ],
    );
    const copy = report.statements.find((s) => s.sql.startsWith('INSERT INTO __new_users'))!;
    assert.deepEqual(copy.changes, [{ table: '__new_users', cause: 'statement', inserted: 3, updated: 0, deleted: 0 }]);
    assert.deepEqual(tableOf(report, 'posts'), {
      table: 'posts',
      rowsBefore: 4,
      rowsAfter: 0,
      deletedByStatements: 0,
      deletedByCascade: 4,
      deletedByTriggers: 0,
      updatedByCascade: 0,
      changedByTriggers: 0,
      foreignKeyViolations: 0,
      rebuilt: false,
      indexesRecreated: [],
      indexesDropped: [],
      rowsLost: 4,
    });
    assert.equal(tableOf(report, 'likes').updatedByCascade, 2);
    assert.equal(tableOf(report, 'audit').changedByTriggers, 4);
    const users = tableOf(report, 'users');
    assert.equal(users.rebuilt, true);
    assert.deepEqual(users.indexesRecreated, ['users_email']);
    assert.equal(users.rowsLost, 0);
    assert.equal(report.rowsLost, 4);
    assert.throws(
      () => assertNoDataLoss(report),
      (error: any) => error.code === 'TRACE_DATA_LOSS' && /posts 4 \(4 by ON DELETE CASCADE\)/.test(error.message),
    );
  });

  test("the same rebuild with the pragma, as Strata's engine runs it (lifted out of the transaction): nothing lost; --as-written (drizzle-kit's way) loses the children", async () => {
    const p = project({ 'migrations/0001_rebuild_users.sql': rebuild({ pragma: true }) });
    const engine = await traceMigrations({ db: p.db, dir: p.migrations });
    assert.equal(engine.mode, 'engine');
    assert.equal(engine.rowsLost, 0);
    assert.equal(tableOf(engine, 'users').rebuilt, true);
    assert.equal(tableOf(engine, 'posts').rowsAfter, 4);
    assertNoDataLoss(engine);
    const asWritten = await traceMigrations({ db: p.db, dir: p.migrations, mode: 'as-written' });
    assert.equal(asWritten.mode, 'as-written');
    assert.equal(tableOf(asWritten, 'posts').deletedByCascade, 4);
    assert.equal(asWritten.rowsLost, 4);
  });

  test('a rebuild that does not copy every row loses the rest; rows deleted by name are not lost', async () => {
    const filtered = project({ 'migrations/0001_rebuild_users.sql': rebuild({ pragma: true, copyWhere: 'id > 1' }) });
    const report = await traceMigrations({ db: filtered.db, dir: filtered.migrations });
    // The engine checks foreign keys before commit: posts 1 and 2 now point at a missing user.
    assert.equal(report.failure?.code, 'FOREIGN_KEY_VIOLATION');
    const asWritten = await traceMigrations({ db: filtered.db, dir: filtered.migrations, mode: 'as-written' });
    assert.equal(tableOf(asWritten, 'users').rowsLost, 1, JSON.stringify(tableOf(asWritten, 'users')));

    const byName = project({
      'migrations/0001_cleanup.sql': '-- migrate:up\nDELETE FROM posts WHERE user_id = 1;\nDELETE FROM likes;\nINSERT INTO likes VALUES (9, 3);\n',
    });
    const clean = await traceMigrations({ db: byName.db, dir: byName.migrations });
    assert.equal(clean.rowsLost, 0);
    const posts = tableOf(clean, 'posts');
    assert.deepEqual([posts.rowsBefore, posts.rowsAfter, posts.deletedByStatements, posts.rowsLost], [4, 2, 2, 0]);
    // The trigger on posts wrote to audit: changed by a trigger, not by a statement.
    assert.equal(tableOf(clean, 'audit').changedByTriggers, 2);
  });

  test('a table dropped by name: its rows are deleted by the statement; its children cascade', async () => {
    const p = project({ 'migrations/0001_drop.sql': '-- migrate:up\nDROP TABLE posts;\n' });
    const report = await traceMigrations({ db: p.db, dir: p.migrations });
    const posts = tableOf(report, 'posts');
    assert.deepEqual([posts.rowsBefore, posts.rowsAfter, posts.deletedByStatements, posts.rowsLost], [4, null, 4, 0]);
    assert.equal(report.rowsLost, 0);
  });

  test('foreign_key_check after the run, when the connection runs with foreign keys off', async () => {
    const p = project({ 'migrations/0001_orphan.sql': '-- migrate:up\nINSERT INTO posts VALUES (10, 99);\n' });
    const report = await traceMigrations({ db: p.db, dir: p.migrations, pragmas: { foreignKeys: false } });
    assert.equal(tableOf(report, 'posts').foreignKeyViolations, 1);
  });

  test('a failing migration: reported with its statement, nothing changed live; --to stops early; nothing pending traces nothing', async () => {
    const p = project({
      'migrations/0001_ok.sql': '-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n',
      'migrations/0002_bad.sql': '-- migrate:up\nINSERT INTO nowhere VALUES (1);\n',
    });
    const before = sha256(p.db);
    const failed = await traceMigrations({ db: p.db, dir: p.migrations });
    assert.equal(failed.failure?.code, 'MIGRATION_FAILED');
    assert.match(String(failed.failure?.message), /0002_bad\.sql: statement 1 \(line 2\) failed: no such table: nowhere/);
    assert.equal(sha256(p.db), before);
    const first = await traceMigrations({ db: p.db, dir: p.migrations, to: 1 });
    assert.equal(first.failure, undefined);
    assert.deepEqual(first.steps, [{ version: '1', name: 'ok' }]);
    assert.equal(tableOf(first, 'tags').rowsBefore, null);

    const none = project({});
    const empty = await traceMigrations({ db: none.db, dir: none.migrations });
    assert.deepEqual([empty.steps, empty.statements, empty.rowsLost], [[], [], 0]);
  });

  test('a code migration: its changes counted over its step (cause code), its cascades still told apart', async () => {
    const p = project({
      'migrations/0001_prune.mjs':
        "export async function up(ctx) {\n  await ctx.exec('DELETE FROM users WHERE id = 1');\n  await ctx.exec(\"INSERT INTO audit (what) VALUES ('pruned')\");\n}\n",
    });
    const report = await traceMigrations({ db: p.db, dir: p.migrations });
    assert.equal(report.failure, undefined, JSON.stringify(report.failure));
    const [step] = report.statements;
    assert.equal(step?.sql, '(code migration)');
    assert.deepEqual(
      step?.changes?.map((c) => [c.table, c.cause, c.inserted, c.updated, c.deleted]),
      [
        ['audit', 'code', 3, 0, 0],
        ['likes', 'cascade', 0, 1, 0],
        ['posts', 'cascade', 0, 0, 2],
        ['users', 'code', 0, 0, 1],
      ],
    );
    assert.equal(tableOf(report, 'users').rowsLost, 0);
    assert.equal(tableOf(report, 'posts').rowsLost, 2);
  });

  test('which table a statement names: quoting, schema prefixes, comments and strings', () => {
    assert.equal(statementTable('DELETE FROM main."Users" WHERE 1'), 'users');
    assert.equal(statementTable('-- DROP TABLE a\nUPDATE OR IGNORE `b` SET x = 1'), 'b');
    assert.equal(statementTable("INSERT INTO [c] (t) VALUES ('DELETE FROM d')"), 'c');
    assert.equal(statementTable('WITH x AS (SELECT 1) DELETE FROM e WHERE id IN x'), 'e');
    assert.equal(statementTable('DROP TABLE IF EXISTS app.f'), 'f');
    assert.equal(statementTable('CREATE INDEX g_i ON g (x)'), undefined);
    assert.equal(statementTable("SELECT 'UPDATE h SET x = 1'"), undefined);
    assert.deepEqual(renamedTable('ALTER TABLE `__new_users` RENAME TO `users`'), { from: '__new_users', to: 'users' });
    assert.equal(renamedTable('ALTER TABLE users RENAME COLUMN a TO b'), undefined);
  });

  test('an in-memory database cannot be traced, nor a file that is not a database; --as-written is SQLite only', async () => {
    const p = project({});
    await rejectsWith(traceMigrations({ db: ':memory:', dir: p.migrations }), 'TRACE_UNSUPPORTED', /in memory/);
    writeFiles(p.dir, { 'notes.txt': 'not a database, but long enough to have a header that SQLite reads and rejects\n'.repeat(20) });
    const { value: refused, left } = await leftInTmp(() =>
      rejectsWith(traceMigrations({ db: join(p.dir, 'notes.txt'), dir: p.migrations }), 'NOT_A_DATABASE', /notes\.txt/),
    );
    assert.ok(refused);
    assert.deepEqual(left, [], 'the copy folder was left behind');
    await rejectsWith(
      traceMigrations({ db: 'postgres://postgres@127.0.0.1:5432/test', dir: p.migrations, mode: 'as-written' }),
      'TRACE_UNSUPPORTED',
      /SQLite files/,
    );
  });
});

describe('trace on SQLite: the CLI', () => {
  test('strata trace: the table per statement and per table, exit 1 and TRACE_DATA_LOSS on unexpected loss; --json the report', () => {
    const p = project({ 'migrations/0001_rebuild_users.sql': rebuild({ pragma: false }) });
    const before = sha256(p.db);
    const human = cli(['trace'], { cwd: p.dir });
    assertFailure(human, 'TRACE_DATA_LOSS');
    assert.match(human.stdout, /#3 line 4 {2}DROP TABLE users/);
    assert.match(human.stdout, /posts: 4 deleted by a foreign key action/);
    assert.match(human.stdout, /^ {2}posts +4 +0 +0 +4 /m);
    const json = cli(['trace', '--json'], { cwd: p.dir });
    assert.equal(json.code, 1);
    const report = parseJson<TraceReport>(json);
    assert.equal(report.rowsLost, 4);
    assert.equal(sha256(p.db), before);
  });

  test('strata migrate --trace: stops on unexpected loss with nothing touched; migrates when the trace is clean', () => {
    const p = project({ 'migrations/0001_rebuild_users.sql': rebuild({ pragma: false }) });
    const before = sha256(p.db);
    const refused = cli(['migrate', '--trace'], { cwd: p.dir });
    assertFailure(refused, 'TRACE_DATA_LOSS');
    assert.equal(sha256(p.db), before);
    assert.deepEqual(ledger(p.db), []);

    const safe = project({ 'migrations/0001_rebuild_users.sql': rebuild({ pragma: true }) });
    const applied = cli(['migrate', '--trace', '--json'], { cwd: safe.dir });
    assertOk(applied);
    const out = parseJson(applied);
    assert.equal(out.trace.rowsLost, 0);
    assert.deepEqual(
      out.results.map((r: { status: string }) => r.status),
      ['applied'],
    );
    assert.equal(ledger(safe.db).length, 1);
  });
});
