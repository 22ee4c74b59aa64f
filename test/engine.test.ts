/** The engine through the public API, on real SQLite files. */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createMigrator, type StrataEventName } from '../src/index.js';
import { query, rejectsWith, snapshot, tempDir, writeFiles } from './helpers.js';

function project(files: Record<string, string>) {
  const dir = tempDir();
  writeFiles(join(dir, 'migrations'), files);
  return { dir, db: join(dir, 'app.db'), migrations: join(dir, 'migrations') };
}

const BASE = {
  '0001_users.sql':
    "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO users (name) VALUES ('ada');\n-- migrate:down\nDROP TABLE users;\n",
};

describe('migrate', () => {
  it('applies in version order, records the ledger, emits typed events, returns data', async () => {
    const p = project({
      ...BASE,
      '10_posts.sql': 'CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));',
      '2_tags.up.sql': 'CREATE TABLE tags (name TEXT);',
      '2_tags.down.sql': 'DROP TABLE tags;',
    });
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    const seen: string[] = [];
    for (const name of ['plan', 'migrating', 'migrated', 'done'] as const satisfies StrataEventName[]) {
      migrator.on(name, (e) => seen.push(`${name}${'version' in e ? `:${e.version}` : ''}`));
    }
    const report = await migrator.migrate();
    await migrator.close();
    assert.deepEqual(
      report.results.map((r) => [r.version, r.name, r.direction, r.status]),
      [
        ['1', 'users', 'up', 'applied'],
        ['2', 'tags', 'up', 'applied'],
        ['10', 'posts', 'up', 'applied'],
      ],
    );
    assert.equal(report.currentVersion, '10');
    assert.deepEqual(seen, ['plan', 'migrating:1', 'migrated:1', 'migrating:2', 'migrated:2', 'migrating:10', 'migrated:10', 'done']);
    const ledger = query<{ version: string; checksum: string; status: string }>(
      p.db,
      'SELECT version, checksum, status FROM strata_migrations ORDER BY applied_at',
    );
    assert.deepEqual(
      ledger.map((r) => r.version),
      ['1', '2', '10'],
    );
    assert.ok(ledger.every((r) => /^sha256:[0-9a-f]{64}$/.test(r.checksum) && r.status === 'applied'));
    assert.deepEqual(query(p.db, 'PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
  });

  it('a SQL migration that throws halfway leaves schema and data exactly as before', async () => {
    const p = project(BASE);
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    await migrator.migrate();
    writeFiles(p.migrations, {
      '0002_bad.sql':
        "INSERT INTO users (name) VALUES ('bob');\nCREATE TABLE extra (x);\nALTER TABLE users ADD COLUMN email TEXT;\nINSERT INTO nope VALUES (1);\n",
    });
    const before = snapshot(p.db);
    const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED', /0002_bad\.sql: statement 4 \(line 4\) failed: no such table: nope/);
    assert.deepEqual(error.details.statement, 4);
    assert.match(error.hint ?? '', /nothing from 2_bad was applied/);
    assert.deepEqual(
      error.results.map((r) => [r.version, r.status]),
      [['2', 'failed']],
    );
    await migrator.close();
    assert.deepEqual(snapshot(p.db), before);
  });

  it('a code migration that throws halfway leaves schema and data exactly as before', async () => {
    const p = project(BASE);
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    await migrator.migrate();
    const before = snapshot(p.db);
    migrator.register({
      version: 2,
      name: 'half',
      async up(ctx) {
        await ctx.exec("INSERT INTO users (name) VALUES ('eve'); CREATE TABLE half (x)");
        await ctx.run('UPDATE users SET name = ?', ['changed']);
        throw new Error('boom after writing');
      },
    });
    await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED', /register\("half"\): up\(\) threw: boom after writing/);
    await migrator.close();
    assert.deepEqual(snapshot(p.db), before);
  });

  it('runs register() migrations with folder ones, and refuses a duplicate version', async () => {
    const p = project(BASE);
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    migrator.register({
      version: 2,
      name: 'seed',
      up: (ctx) => ctx.run("INSERT INTO users (name) VALUES ('grace')"),
      down: (ctx) => ctx.run("DELETE FROM users WHERE name = 'grace'"),
    });
    await migrator.migrate();
    assert.deepEqual(query(p.db, 'SELECT name FROM users ORDER BY id'), [{ name: 'ada' }, { name: 'grace' }]);
    await migrator.rollback();
    assert.deepEqual(query(p.db, 'SELECT name FROM users ORDER BY id'), [{ name: 'ada' }]);
    migrator.register({ version: '0001', name: 'clash', up: () => undefined });
    await rejectsWith(migrator.status(), 'MIGRATION_VERSION_DUPLICATE', /version 1 is used by more than one migration/);
    await migrator.close();
  });

  it('uses an application connection as it is and leaves it open', async () => {
    const p = project(BASE);
    const db = new Database(p.db);
    const migrator = createMigrator({ db, dir: p.migrations });
    await migrator.migrate();
    await migrator.close();
    assert.equal(db.open, true);
    assert.deepEqual(db.prepare('SELECT count(*) AS n FROM users').get(), { n: 1 });
    db.close();
  });

  it('works on :memory:', async () => {
    const migrator = createMigrator({ db: ':memory:' });
    migrator.register({ version: 1, name: 'a', up: (ctx) => ctx.exec('CREATE TABLE a (x)') });
    const report = await migrator.migrate();
    assert.equal(report.currentVersion, '1');
    assert.equal((await migrator.status()).pending, 0);
    await migrator.close();
  });

  it('--single-transaction applies all or nothing, and refuses non-transactional steps up front', async () => {
    const p = project({ ...BASE, '0002_ok.sql': 'CREATE TABLE ok (x);', '0003_bad.sql': 'CREATE TABLE bad (x);\nSELECT * FROM missing;' });
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    const error = await rejectsWith(migrator.migrate({ singleTransaction: true }), 'MIGRATION_FAILED', /0003_bad\.sql: statement 2 \(line 2\)/);
    assert.match(error.hint ?? '', /whole run was rolled back/);
    // The failing step is shown as failed (when and why), rolled back: nothing of it applied.
    const states = (await migrator.status()).migrations.map((m) => `${m.state}${m.rolledBack ? ' (rolled back)' : ''}`);
    assert.deepEqual(states, ['pending', 'pending', 'failed (rolled back)']);
    assert.equal((await migrator.status()).pending, 3);
    assert.deepEqual(query(p.db, "SELECT name FROM sqlite_master WHERE name IN ('users', 'ok', 'bad')"), []);
    writeFiles(p.migrations, { '0003_bad.sql': '-- strata:no-transaction\nVACUUM;' });
    await rejectsWith(migrator.migrate({ singleTransaction: true }), 'TRANSACTION_REQUIRED', /0003_bad\.sql/);
    assert.equal((await migrator.status()).pending, 3);
    const report = await migrator.migrate({ singleTransaction: true, to: 2 });
    assert.equal(report.currentVersion, '2');
    await migrator.close();
  });

  it('files that manage their own transaction still commit atomically with the ledger', async () => {
    const p = project({ ...BASE, '0002_own.sql': 'BEGIN TRANSACTION;\nCREATE TABLE own (x);\nINSERT INTO own VALUES (1);\nCOMMIT;\n' });
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    await migrator.migrate();
    assert.deepEqual(query(p.db, 'SELECT x FROM own'), [{ x: 1 }]);
    writeFiles(p.migrations, { '0003_own_bad.sql': 'BEGIN;\nCREATE TABLE t3 (x);\nCOMMIT;\nINSERT INTO missing VALUES (1);\n' });
    const before = snapshot(p.db);
    await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED', /statement 4 \(line 4\)/);
    assert.deepEqual(snapshot(p.db), before);
    await migrator.close();
  });

  it('a non-transactional step that fails is recorded, blocks migrate, and is repaired', async () => {
    const p = project({
      ...BASE,
      '0002_nontx.sql': '-- strata:no-transaction\nCREATE TABLE a (x);\nINSERT INTO a VALUES (1);\nINSERT INTO nope VALUES (1);\n',
    });
    // Without a backup there is nothing to restore: the ledger records the failure for repair.
    const migrator = createMigrator({ db: p.db, dir: p.migrations, backup: false });
    const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED');
    assert.match(error.hint ?? '', /stopped after 2 statement\(s\).*strata repair 2 --applied.*--rolled-back/);
    const status = await migrator.status();
    assert.equal(status.migrations[1]!.state, 'failed');
    assert.match(status.migrations[1]!.error ?? '', /no such table: nope/);
    assert.deepEqual(query(p.db, 'SELECT statements_applied, operation FROM strata_migrations WHERE version = ?', ['2']), [
      { statements_applied: 2, operation: 'up' },
    ]);
    await rejectsWith(migrator.migrate(), 'MIGRATION_INCOMPLETE', /2_nontx failed part-way/);
    await rejectsWith(migrator.repair(1, 'applied'), 'NOTHING_TO_REPAIR');
    await migrator.repair(2, 'rolled-back');
    assert.equal((await migrator.status()).migrations[1]!.state, 'pending');
    writeFiles(p.migrations, { '0002_nontx.sql': '-- strata:no-transaction\nCREATE TABLE IF NOT EXISTS a (x);\n' });
    await migrator.migrate();
    assert.equal((await migrator.status()).currentVersion, '2');
    await migrator.close();
  });

  it('lifts PRAGMA foreign_keys=OFF out of the transaction so a table rebuild keeps child rows', async () => {
    const p = project({
      '0001_schema.sql':
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE);\nINSERT INTO parent VALUES (1, 'p');\nINSERT INTO child VALUES (1, 1), (2, 1);",
      '0002_rebuild.sql':
        "PRAGMA foreign_keys=OFF;\nCREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');\nINSERT INTO parent_new SELECT id, name FROM parent;\nDROP TABLE parent;\nALTER TABLE parent_new RENAME TO parent;\nPRAGMA foreign_keys=ON;",
    });
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    await migrator.migrate();
    assert.deepEqual(query(p.db, 'SELECT count(*) AS n FROM child'), [{ n: 2 }]);
    writeFiles(p.migrations, { '0003_orphan.sql': 'PRAGMA foreign_keys=OFF;\nINSERT INTO child VALUES (3, 99);' });
    const before = snapshot(p.db);
    await rejectsWith(migrator.migrate(), 'FOREIGN_KEY_VIOLATION', /child row 3 references a missing row in parent/);
    assert.deepEqual(snapshot(p.db), before);
    // Enforcement is back on afterwards, on the migrator's own connection.
    rmSync(join(p.migrations, '0003_orphan.sql'));
    let enforced: unknown;
    migrator.register({ version: 4, name: 'fk_on', up: async (ctx) => (enforced = await ctx.query('PRAGMA foreign_keys')) });
    await migrator.migrate();
    assert.deepEqual(enforced, [{ foreign_keys: 1 }]);
    await migrator.close();
  });

  it('treats CRLF checkouts as unchanged and edits as changed', async () => {
    const p = project(BASE);
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    await migrator.migrate();
    const file = join(p.migrations, '0001_users.sql');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n/g, '\r\n'));
    assert.deepEqual((await migrator.status()).problems, []);
    writeFileSync(file, `${readFileSync(file, 'utf8')}-- edited\n`);
    await rejectsWith(migrator.migrate(), 'CHECKSUM_MISMATCH', /0001_users\.sql was edited after it was applied/);
    assert.deepEqual(await migrator.repairChecksums(), [{ version: '1', name: 'users' }]);
    assert.deepEqual((await migrator.status()).problems, []);
    await migrator.close();
  });

  it('compares a ledger checksum written with another algorithm by that algorithm', async () => {
    const p = project(BASE);
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    await migrator.migrate();
    await migrator.close();
    const db = new Database(p.db);
    db.prepare("UPDATE strata_migrations SET checksum = 'md5:0123' WHERE version = '1'").run();
    db.close();
    // md5 is not an algorithm this build knows: it cannot vouch for the file, so it is "changed".
    const again = createMigrator({ db: p.db, dir: p.migrations });
    assert.equal((await again.status()).migrations[0]!.state, 'changed');
    await again.close();
  });

  it('rollback checks every down before running any', async () => {
    const p = project({
      ...BASE,
      '0002_nodown.sql': 'CREATE TABLE nodown (x);',
      '0003_c.sql': '-- migrate:up\nCREATE TABLE c (x);\n-- migrate:down\nDROP TABLE c;',
    });
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    await migrator.migrate();
    const before = snapshot(p.db);
    await rejectsWith(migrator.rollback({ to: 0 }), 'MIGRATION_DOWN_MISSING', /0002_nodown\.sql has no down migration/);
    assert.deepEqual(snapshot(p.db), before);
    const report = await migrator.rollback({ steps: 1 });
    assert.deepEqual(
      report.results.map((r) => [r.version, r.status]),
      [['3', 'reverted']],
    );
    await rejectsWith(migrator.rollback({ to: 42 }), 'VERSION_UNKNOWN');
    await rejectsWith(migrator.rollback({ to: 1, steps: 1 }), 'USAGE');
    await migrator.close();
  });

  it('dry runs create nothing and change nothing', async () => {
    const p = project(BASE);
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    const statements: string[] = [];
    migrator.on('statement', (e) => statements.push(e.sql));
    const report = await migrator.migrate({ dryRun: true });
    assert.deepEqual(
      report.results.map((r) => r.status),
      ['planned'],
    );
    assert.equal(statements.length, 2);
    assert.deepEqual((await migrator.status()).exists, false);
    await migrator.close();
  });

  it('two migrators racing in one process apply each migration once', async () => {
    const files: Record<string, string> = {};
    for (let k = 1; k <= 20; k++) files[`${k}_t${k}.sql`] = `CREATE TABLE t${k} (x);`;
    const p = project(files);
    const a = createMigrator({ db: p.db, dir: p.migrations });
    const b = createMigrator({ db: p.db, dir: p.migrations });
    const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
    assert.equal(ra.results.length + rb.results.length, 20);
    assert.deepEqual(query(p.db, 'SELECT count(*) AS n FROM strata_migrations'), [{ n: 20 }]);
    await a.close();
    await b.close();
  });

  it('a long-lived migrator sees edits to files, modules included', async () => {
    const p = project({
      '0001_mod.mjs': "export const up = (ctx) => ctx.exec('CREATE TABLE first (x)');\nexport const down = (ctx) => ctx.exec('DROP TABLE first');\n",
    });
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    await migrator.migrate();
    await migrator.rollback();
    writeFiles(p.migrations, { '0001_mod.mjs': "export const up = (ctx) => ctx.exec('CREATE TABLE second (x)');\n" });
    writeFiles(p.migrations, { '0002_more.sql': 'CREATE TABLE more (x);' });
    await migrator.migrate();
    assert.deepEqual(query(p.db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('first', 'second', 'more') ORDER BY name"), [
      { name: 'more' },
      { name: 'second' },
    ]);
    await migrator.close();
  });

  it('a step outside the wrapping transaction that leaves its own BEGIN open fails and is rolled back', async () => {
    const p = project({ ...BASE, '0002_open.sql': '-- strata:no-transaction\nCREATE TABLE before_begin (x);\nBEGIN;\nCREATE TABLE inside (x);\n' });
    // Without a backup there is nothing to restore: the ledger records the failure for repair.
    const migrator = createMigrator({ db: p.db, dir: p.migrations, backup: false });
    await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED', /left a transaction open/);
    const status = await migrator.status();
    assert.equal(status.migrations[1]!.state, 'failed');
    assert.deepEqual(query(p.db, 'SELECT statements_applied AS n FROM strata_migrations WHERE version = ?', ['2']), [{ n: 1 }]);
    assert.deepEqual(query(p.db, "SELECT name FROM sqlite_master WHERE name IN ('before_begin', 'inside')"), [{ name: 'before_begin' }]);
    await migrator.close();
  });

  it('sees ledger changes made by another connection between calls', async () => {
    const p = project({ ...BASE, '0002_b.sql': 'CREATE TABLE b (x);' });
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    await migrator.migrate();
    assert.equal((await migrator.status()).pending, 0);
    const other = new Database(p.db);
    other.prepare("DELETE FROM strata_migrations WHERE version = '2'").run();
    other.close();
    assert.equal((await migrator.status()).pending, 1);
    const again = await migrator.migrate({ to: 1 });
    assert.deepEqual(again.results, []);
    await migrator.close();
  });
});
