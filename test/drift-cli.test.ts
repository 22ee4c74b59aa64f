/**
 * `strata drift` and migrate's drift check as users run them (the built CLI): exit codes, the
 * text and --json reports, renames reported as renames, --adopt writing a migration that the
 * ledger records, the `drift` setting and flag; and no false drift on the real migration sets
 * (Actual Budget on its base database; graphile-worker's schema-qualified SQL on PostgreSQL,
 * replayed too).
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertFailure, assertOk, cli, describeRun, ledger, parseJson, ROOT, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, skipUnlessServer, withMariadb, withPostgres } from './servers.js';

const MIGRATIONS = {
  'migrations/0001_items.sql': `-- migrate:up
CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, note TEXT);
CREATE INDEX items_name ON items (name);
-- migrate:down
DROP TABLE items;
`,
  'migrations/0002_tags.sql': `-- migrate:up
CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
-- migrate:down
DROP TABLE tags;
`,
};

function project(config: Record<string, unknown> = {}): { dir: string; db: string; run: (...args: string[]) => ReturnType<typeof cli> } {
  const dir = tempDir('strata-drift-');
  writeFiles(dir, { ...MIGRATIONS, 'strata.config.json': JSON.stringify({ db: './app.db', dir: './migrations', backup: false, ...config }) });
  return { dir, db: join(dir, 'app.db'), run: (...args) => cli(args, { cwd: dir }) };
}

function handChange(db: string, sql: string): void {
  const conn = new Database(db);
  try {
    conn.exec(sql);
  } finally {
    conn.close();
  }
}

describe('strata drift on SQLite', () => {
  test('no drift after migrate (exit 0, by the schema stamp); hand changes reported object by object (exit 1), renames as renames', () => {
    const { db, run } = project();
    assertOk(run('migrate'));
    const clean = run('drift');
    assertOk(clean);
    assert.match(clean.stdout, /no drift: the schema has not changed since 2_tags \(its schema stamp is the one stored then\)/);
    const cleanJson = parseJson(run('drift', '--json'));
    assert.equal(cleanJson.drift, false);
    assert.equal(cleanJson.checkedBy, 'stamp');
    assert.equal(cleanJson.liveFingerprint, cleanJson.storedFingerprint);
    assert.deepEqual(cleanJson.changes, []);

    handChange(
      db,
      'ALTER TABLE tags RENAME TO labels; ALTER TABLE items RENAME COLUMN note TO remark; CREATE INDEX items_remark ON items (remark); DROP INDEX items_name',
    );
    const drifted = run('drift');
    assert.equal(drifted.code, 1, describeRun(drifted));
    assert.match(drifted.stdout, /^ {2}> column items\.remark renamed from note$/m);
    assert.match(drifted.stdout, /^ {2}\+ index items_remark on items added$/m);
    assert.match(drifted.stdout, /^ {2}- index items_name on items removed$/m);
    assert.match(drifted.stdout, /^ {2}> table labels renamed from tags$/m);
    assert.match(drifted.stdout, /strata drift --adopt NAME/);
    const json = parseJson(run('drift', '--json'));
    assert.equal(json.drift, true);
    assert.equal(json.checkedBy, 'replay');
    assert.equal(json.replayed, 2);
    assert.notEqual(json.liveFingerprint, json.storedFingerprint);
    assert.deepEqual(
      json.changes.map((c: { change: string; object: string; name: string }) => `${c.change} ${c.object} ${c.name}`),
      ['renamed column remark', 'removed index items_name', 'added index items_remark', 'renamed table labels'],
    );
    assert.equal(json.expected, undefined, 'the whole models stay out of --json');
  });

  test('--adopt writes the drift as a migration, records it applied with the live fingerprint; then no drift', () => {
    const { dir, db, run } = project();
    assertOk(run('migrate'));
    handChange(
      db,
      'ALTER TABLE items ADD COLUMN price INTEGER NOT NULL DEFAULT 0; CREATE VIEW cheap AS SELECT id FROM items WHERE price < 10; CREATE TABLE audit (at TEXT)',
    );
    const adopted = run('drift', '--adopt', 'hand changes', '--json');
    assertOk(adopted);
    const report = parseJson(adopted);
    assert.deepEqual(report.adopted, { file: join(dir, 'migrations', '0003_hand_changes.sql'), version: '0003', name: 'hand_changes' });
    const text = readFileSync(report.adopted.file, 'utf8');
    assert.match(text, /^-- migrate:up$/m);
    assert.match(text, /^-- migrate:down$/m);
    assert.match(text, /^CREATE TABLE audit \(/m);
    assert.match(text, /^CREATE VIEW cheap AS /m);
    const rows = ledger(db);
    assert.deepEqual(
      rows.map((r) => `${r.version} ${r.status}`),
      ['1 applied', '2 applied', '3 applied'],
    );
    assert.equal((rows[2] as unknown as { schema_fingerprint: string }).schema_fingerprint, report.liveFingerprint);
    const after = run('drift');
    assertOk(after);
    assert.match(after.stdout, /no drift: the schema has not changed since 3_hand_changes/);
    // Nothing to adopt: no file, exit 0.
    const again = run('drift', '--adopt', 'nothing');
    assertOk(again);
    assert.match(again.stdout, /nothing to adopt/);
    assert.deepEqual(readdirSync(join(dir, 'migrations')).sort(), ['0001_items.sql', '0002_tags.sql', '0003_hand_changes.sql']);
  });

  test('migrate checks drift first: warn (default) says so and runs; "error" refuses with SCHEMA_DRIFT; --drift off runs', () => {
    const { dir, db, run } = project();
    assertOk(run('migrate'));
    handChange(db, 'CREATE TABLE hand_made (id INTEGER)');
    writeFiles(dir, { 'migrations/0003_more.sql': '-- migrate:up\nCREATE TABLE more (id INTEGER);\n-- migrate:down\nDROP TABLE more;\n' });
    writeFiles(dir, { 'strata.config.json': JSON.stringify({ db: './app.db', dir: './migrations', backup: false, drift: 'error' }) });
    const refused = run('migrate');
    assertFailure(refused, 'SCHEMA_DRIFT');
    assert.match(refused.stderr, /changed since 2_tags was applied/);
    assert.match(refused.stderr, /'strata drift' shows what changed/);
    assert.equal(ledger(db).length, 2, 'nothing ran');
    const warned = run('migrate', '--drift', 'warn');
    assertOk(warned);
    assert.match(warned.stderr, /^warning: the schema of .* changed since 2_tags was applied .*; 'strata drift' shows what changed$/m);
    assert.equal(ledger(db).length, 3);
    // With --json the warning is in the document.
    writeFiles(dir, { 'migrations/0004_again.sql': '-- migrate:up\nCREATE TABLE again (id INTEGER);\n' });
    handChange(db, 'CREATE TABLE hand_made_again (id INTEGER)');
    const json = parseJson(run('migrate', '--drift', 'warn', '--json'));
    assert.equal(json.warnings.length, 1);
    assert.match(json.warnings[0], /changed since 3_more was applied/);

    writeFiles(dir, { 'migrations/0005_last.sql': '-- migrate:up\nCREATE TABLE last_one (id INTEGER);\n' });
    handChange(db, 'CREATE TABLE hand_made_too (id INTEGER)');
    const off = run('migrate', '--drift', 'off');
    assertOk(off);
    assert.doesNotMatch(off.stderr, /warning/);
    assertFailure(run('migrate', '--drift', 'sometimes'), 'USAGE', 2);
    writeFiles(dir, { 'strata.config.json': JSON.stringify({ db: './app.db', dir: './migrations', drift: 'loud' }) });
    assertFailure(run('status'), 'CONFIG_INVALID');
  });

  test('a database that does not exist yet: no drift, exit 0, nothing created', () => {
    const { dir, run } = project();
    const result = run('drift');
    assertOk(result);
    assert.match(result.stdout, /does not exist yet/);
    assert.equal(parseJson(run('drift', '--json')).exists, false);
    assert.deepEqual(readdirSync(dir).sort(), ['migrations', 'strata.config.json']);
  });

  test('Actual Budget: no false drift after its 59 migrations; a replay cannot build its base database and says so', () => {
    const dir = tempDir('strata-actual-drift-');
    // Actual drops a table the base database has (see real-world.test.ts).
    writeFileSync(join(dir, 'strata.config.json'), JSON.stringify({ lint: { rules: { 'sqlite/drop-table': 'warn' } } }));
    const db = join(dir, 'budget.sqlite');
    const fixture = join(ROOT, 'test', 'fixtures', 'actual-budget');
    copyFileSync(join(fixture, 'default-db.sqlite'), db);
    const run = (...args: string[]) => cli([...args, '--db', db, '--dir', join(fixture, 'migrations')], { cwd: dir });
    assertOk(run('migrate', '--no-backup'));
    const report = parseJson(run('drift', '--json'));
    assert.equal(report.drift, false);
    assert.equal(report.checkedBy, 'stamp');
    const replay = run('drift', '--replay');
    assertFailure(replay, 'DRIFT_REPLAY_FAILED');
    assert.match(replay.stderr, /had tables before its first migration/);
  });
});

const postgres = await skipUnlessServer('postgres');

describe('strata drift on PostgreSQL', { skip: postgres }, () => {
  test("graphile-worker's schema-qualified migrations: no drift by fingerprint, none by replay into a scratch database, which is dropped", async () => {
    const db = await freshDatabase('postgres', 'strata_drift_graphile');
    const dir = tempDir();
    const sqlDir = join(ROOT, 'node_modules', 'graphile-worker', 'sql');
    writeFiles(dir, {
      'strata.config.json': JSON.stringify({
        dir: './sql',
        schema: 'graphile_worker',
        placeholderPattern: ':NAME',
        placeholders: { GRAPHILE_WORKER_SCHEMA: 'graphile_worker' },
        backup: false,
      }),
      'sql/.keep': '',
    });
    for (const file of readdirSync(sqlDir).filter((f) => f.endsWith('.sql'))) copyFileSync(join(sqlDir, file), join(dir, 'sql', file));
    const run = (...args: string[]) => cli([...args, '--db', db], { cwd: dir });
    assertOk(run('migrate'));
    const fast = parseJson(run('drift', '--json'));
    assert.equal(fast.drift, false);
    assert.equal(fast.checkedBy, 'stamp');
    const replayed = run('drift', '--replay', '--json');
    assertOk(replayed);
    const report = parseJson(replayed);
    assert.equal(report.checkedBy, 'replay');
    assert.equal(report.replayed, 20);
    assert.deepEqual(report.changes, []);
    const scratch = await withPostgres(async (c) => (await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'strata_scratch_%'")).rows);
    assert.deepEqual(scratch, [], 'the scratch database is dropped');
    // A hand change to graphile-worker's schema is drift.
    await withPostgres((c) => c.query('CREATE INDEX hand_made ON graphile_worker._private_jobs (run_at)'), db);
    const drifted = run('drift');
    assert.equal(drifted.code, 1, describeRun(drifted));
    assert.match(drifted.stdout, /\+ index hand_made on _private_jobs added/);
  });

  test('a replay that fails names the step, and its scratch database is dropped all the same', async () => {
    const db = await freshDatabase('postgres', 'strata_drift_fail');
    const dir = tempDir();
    // The history uses a table made by hand before it: replayed from empty, step 1 fails.
    await withPostgres((c) => c.query('CREATE TABLE base (x INTEGER)'), db);
    writeFiles(dir, {
      'migrations/0001_index.sql':
        '-- migrate:up\n-- strata-ignore postgres/index-not-concurrent: base is an empty table made by hand for this test\nCREATE INDEX base_x ON base (x);\n',
    });
    const run = (...args: string[]) => cli([...args, '--db', db, '--no-backup'], { cwd: dir });
    assertOk(run('migrate'));
    const failed = cli(['drift', '--replay', '--db', db], { cwd: dir });
    assertFailure(failed, 'DRIFT_REPLAY_FAILED');
    assert.match(failed.stderr, /failed at 1_index .*relation "base" does not exist/);
    const scratch = await withPostgres(async (c) => (await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'strata_scratch_%'")).rows);
    assert.deepEqual(scratch, []);
  });
});

const mariadb = await skipUnlessServer('mariadb');

describe('strata drift on MariaDB', { skip: mariadb }, () => {
  test('a migration that names the live database is never replayed (it would change the live one from the scratch one)', async () => {
    const db = await freshDatabase('mariadb', 'strata_drift_named');
    const name = new URL(db).pathname.slice(1);
    const dir = tempDir();
    writeFiles(dir, { 'migrations/0001_items.sql': `-- migrate:up\nCREATE TABLE \`${name}\`.items (id INTEGER PRIMARY KEY);\n` });
    const run = (...args: string[]) => cli([...args, '--db', db], { cwd: dir });
    assertOk(run('migrate', '--no-backup'));
    const refused = run('drift', '--replay');
    assertFailure(refused, 'DRIFT_REPLAY_FAILED');
    assert.match(
      refused.stderr,
      /1_items names the live database .* statement 1 \(line 2\): replayed, it would change the live database, so nothing was replayed/,
    );
    const scratch = await withMariadb(async (c) => (await c.query("SHOW DATABASES LIKE 'strata\\_scratch\\_%'"))[0] as unknown[]);
    assert.deepEqual(scratch, []);
    assertOk(run('drift'));
  });
});
