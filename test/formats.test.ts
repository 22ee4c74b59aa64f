/**
 * Other tools' migration folders read in place (issue 15): each fixture folder under
 * test/fixtures/formats/<tool>/ parsed, applied with Strata on real SQLite (and PostgreSQL where
 * the fixture's SQL is PostgreSQL's), rolled back where the format has downs; malformed files
 * refused naming file and line; each tool's own checksum checked against the tool's output.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createMigrator } from '../src/create-migrator.js';
import { readMigrationFolder } from '../src/sources/folder-source.js';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { atlasHashFile, parseAtlasSum } from '../src/sources/formats/atlas.js';
import { drizzleChecksum } from '../src/sources/formats/drizzle.js';
import { flywayChecksum } from '../src/sources/formats/flyway.js';
import { prismaChecksum, prismaChecksumMatches } from '../src/sources/formats/prisma.js';
import { sqlxChecksum } from '../src/sources/formats/sqlx.js';
import { detectMigrationFormat, readDrizzleJournal, scaffoldMigration } from '../src/tooling.js';
import { freshDatabase, skipUnlessServer, withPostgres } from './servers.js';
import { compareVersions, canonicalVersion } from '../src/model/version.js';
import { assertFailure, assertOk, cli, parseJson, ROOT, exec, query, rejectsWith, tempDir, userTables, writeFiles } from './helpers.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'formats');

/** A copy of a fixture folder (tests may add files) and a SQLite file beside it. */
function copyOf(tool: string): { dir: string; db: string } {
  const root = tempDir(`strata-formats-${tool}-`);
  const dir = join(root, 'migrations');
  cpSync(join(FIXTURES, tool), dir, { recursive: true });
  return { dir, db: join(root, 'app.db') };
}

function folder(files: Record<string, string>): string {
  const dir = tempDir('strata-formats-');
  writeFiles(dir, files);
  return dir;
}

const read = (dir: string, format?: Parameters<typeof readMigrationFolder>[1]['format']) =>
  readMigrationFolder(dir, { dialect: 'sqlite', displayRoot: dir, format });

function throwsCode(fn: () => unknown, code: string, message?: RegExp) {
  return rejectsWith(Promise.resolve().then(fn), code, message);
}

describe('versions with dots (Flyway)', () => {
  test('compare numerically part by part; trailing zeros are not part of the identity', () => {
    assert.deepEqual(['1.10', '2.1', '1', '1.2', '1.1', '10'].sort(compareVersions), ['1', '1.1', '1.2', '1.10', '2.1', '10']);
    assert.equal(canonicalVersion('1.0'), '1');
    assert.equal(canonicalVersion('01.02.00'), '1.2');
    assert.equal(compareVersions('1', '1.0.0'), 0);
    assert.ok(compareVersions('2.1', 'task001') < 0);
  });
});

describe('flyway', () => {
  test('reads V/U files in Flyway order, U files as downs', () => {
    const migrations = read(join(FIXTURES, 'flyway'));
    assert.deepEqual(
      migrations.map((m) => `${m.version} ${m.name}`),
      ['1 create_people', '1.1 add_email', '1.2 create_teams', '1.10 seed_teams', '2.1 create_index'],
    );
  });

  test('detected without a format, applied on SQLite, rolled back through the U files', async () => {
    const { dir, db } = copyOf('flyway');
    const migrator = createMigrator({ db, dir, backup: false });
    try {
      const report = await migrator.migrate();
      assert.deepEqual(
        report.results.map((r) => r.version),
        ['1', '1.1', '1.2', '1.10', '2.1'],
      );
      assert.deepEqual(query(db, 'SELECT title FROM teams ORDER BY id'), [{ title: 'core' }, { title: 'ops; on call' }]);
      const status = await migrator.status();
      assert.equal(status.pending, 0);
      assert.equal(status.currentVersion, '2.1');
      await migrator.rollback({ to: '1' });
      assert.deepEqual(userTables(db), ['people']);
      assert.deepEqual(
        query<{ name: string }>(db, "SELECT name FROM pragma_table_info('people')").map((c) => c.name),
        ['id', 'name'],
      );
    } finally {
      await migrator.close();
    }
  });

  test('applied and rolled back on PostgreSQL', async (t) => {
    const skip = await skipUnlessServer('postgres');
    if (skip) return t.skip(skip);
    const url = await freshDatabase('postgres', 'formats');
    const migrator = createMigrator({ db: url, dir: join(FIXTURES, 'flyway'), backup: false, format: 'flyway' });
    try {
      await migrator.migrate();
      const status = await migrator.status();
      assert.equal(status.currentVersion, '2.1');
      await migrator.rollback({ to: '1.1' });
      assert.equal((await migrator.status()).currentVersion, '1.1');
    } finally {
      await migrator.close();
    }
    const columns = await withPostgres(
      async (client) => (await client.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'people' ORDER BY 1")).rows,
      url,
    );
    assert.deepEqual(
      columns.map((row: { column_name: string }) => row.column_name),
      ['email', 'id', 'name'],
    );
  });

  test('a script configuration file turns the transaction off', async () => {
    const dir = folder({ 'V1__vacuum.sql': 'VACUUM;\n', 'V1__vacuum.sql.conf': '# Flyway script config\nexecuteInTransaction=false\n' });
    const [migration] = read(dir);
    assert.equal((await migration!.load()).up.transaction, false);
    const withUnknown = folder({ 'V1__x.sql': 'SELECT 1;\n', 'V1__x.sql.conf': 'shouldExecute=false\n' });
    await throwsCode(() => read(withUnknown), 'FORMAT_UNSUPPORTED', /V1__x\.sql\.conf:1/);
  });

  test('repeatables, baselines and callbacks are refused naming the file', async () => {
    const error = await throwsCode(
      () => read(folder({ 'V1__a.sql': 'SELECT 1;', 'R__views.sql': 'SELECT 1;' })),
      'FORMAT_UNSUPPORTED',
      /R__views\.sql.*repeatable/,
    );
    assert.ok(error.hint);
    await throwsCode(() => read(folder({ 'V1__a.sql': 'SELECT 1;', 'B5__base.sql': 'SELECT 1;' })), 'FORMAT_UNSUPPORTED', /B5__base\.sql.*baseline/);
    await throwsCode(() => read(folder({ 'V1__a.sql': 'SELECT 1;', 'afterMigrate.sql': 'SELECT 1;' })), 'FORMAT_UNSUPPORTED', /afterMigrate\.sql.*callback/);
  });

  test('same version twice (1 and 1.0), an undo without its migration, a foreign file', async () => {
    await throwsCode(() => read(folder({ 'V1__a.sql': 'SELECT 1;', 'V1.0__b.sql': 'SELECT 1;' })), 'MIGRATION_INVALID', /V1.0__b\.sql|V1__a\.sql/);
    await throwsCode(() => read(folder({ 'V1__a.sql': 'SELECT 1;', 'U2__b.sql': 'SELECT 1;' })), 'MIGRATION_INVALID', /U2__b\.sql.*no versioned migration 2/);
    await throwsCode(() => read(folder({ 'V1__a.sql': 'SELECT 1;', '0002_b.sql': 'SELECT 1;' }), 'flyway'), 'MIGRATION_NAME_INVALID', /0002_b\.sql/);
  });

  test("checksum: Flyway's CRC-32 over lines, as flyway_schema_history stores it", () => {
    // Values recorded by Flyway itself in a project's README (chenyanxu/tools-parent,
    // tools-karaf-flyway/readme.md: V2__init.sql -963441802, V2_1__add_person.sql 1218304230),
    // for the files in that project (tools-karaf-flyway/src/main/resources/db/migration/).
    assert.equal(flywayChecksum('create table person (\n    ID int not null,\n    NAME varchar(100) not null\n);'), -963441802);
    assert.equal(flywayChecksum("insert into PERSON (ID, NAME) values (1, 'Mr. Foo');\ninsert into PERSON (ID, NAME) values (2, 'Ms. Bar');"), 1218304230);
    // Line endings and a byte-order mark do not change it.
    assert.equal(
      flywayChecksum(Buffer.from('\ufeffcreate table person (\r\n    ID int not null,\r\n    NAME varchar(100) not null\r\n);', 'utf8')),
      -963441802,
    );
    assert.equal(typeof flywayChecksum(readFileSync(join(FIXTURES, 'flyway', 'V1__create_people.sql'))), 'number');
  });
});

describe('goose', () => {
  test('detected by its markers; StatementBegin/End is one statement; NO TRANSACTION', async () => {
    const migrations = read(join(FIXTURES, 'goose'));
    assert.deepEqual(
      migrations.map((m) => `${m.version} ${m.name}`),
      ['1 create_people', '2 people_trigger', '20240115120000 index_without_transaction'],
    );
    const trigger = await migrations[1]!.load();
    assert.equal(trigger.up.kind === 'sql' && trigger.up.statements.length, 2);
    assert.match(trigger.up.kind === 'sql' ? trigger.up.statements[1]!.sql : '', /^CREATE TRIGGER[\s\S]*END$/);
    assert.equal(trigger.up.kind === 'sql' && trigger.up.statements[1]!.line, 5);
    assert.equal(trigger.down?.kind === 'sql' && trigger.down.statements.length, 2);
    assert.equal((await migrations[2]!.load()).up.transaction, false);
    assert.equal((await migrations[0]!.load()).up.transaction, true);
  });

  test('applied on SQLite, the trigger works, rolled back to nothing', async () => {
    const { dir, db } = copyOf('goose');
    const migrator = createMigrator({ db, dir, backup: false, format: 'goose' });
    try {
      await migrator.migrate();
      exec(db, "INSERT INTO people (id, name) VALUES (1, 'ada')");
      assert.deepEqual(query(db, 'SELECT person_id, action FROM audit'), [{ person_id: 1, action: 'insert' }]);
      await migrator.rollback({ to: '0' });
      assert.deepEqual(userTables(db), []);
    } finally {
      await migrator.close();
    }
  });

  test('on PostgreSQL: a PL/pgSQL function in a statement block, CREATE INDEX CONCURRENTLY outside a transaction', async (t) => {
    const skip = await skipUnlessServer('postgres');
    if (skip) return t.skip(skip);
    const url = await freshDatabase('postgres', 'formats');
    const migrator = createMigrator({ db: url, dir: join(FIXTURES, 'goose-postgres'), backup: false });
    try {
      await migrator.migrate();
      const touched = await withPostgres(async (client) => {
        await client.query("INSERT INTO accounts (email, updated_at) VALUES ('a@example.com', '2000-01-01')");
        await client.query("UPDATE accounts SET email = 'b@example.com'");
        return (await client.query("SELECT updated_at > '2001-01-01' AS touched FROM accounts")).rows[0].touched;
      }, url);
      assert.equal(touched, true);
      await migrator.rollback({ to: '0' });
      const left = await withPostgres(
        async (client) => (await client.query("SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'touch_updated_at'")).rows[0].n,
        url,
      );
      assert.equal(left, 0);
    } finally {
      await migrator.close();
    }
  });

  test('a failing statement is named by file, statement and line', async () => {
    const dir = folder({ '1_a.sql': '-- +goose Up\nCREATE TABLE a (id INT);\n\n-- +goose StatementBegin\nCREATE TABLE a (id INT);\n-- +goose StatementEnd\n' });
    const migrator = createMigrator({ db: ':memory:', dir, backup: false });
    try {
      const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED', /1_a\.sql: statement 2 \(line 5\) failed/);
      assert.ok(error.hint);
    } finally {
      await migrator.close();
    }
  });

  test('malformed files are refused naming file and line', async () => {
    await throwsCode(() => read(folder({ '1_a.sql': 'CREATE TABLE a (id INT);\n' }), 'goose'), 'MIGRATION_INVALID', /1_a\.sql.*no '-- \+goose Up'/);
    await throwsCode(
      () => read(folder({ '1_a.sql': '-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (id INT);\n' })),
      'MIGRATION_INVALID',
      /1_a\.sql:2: '-- \+goose StatementBegin' is never closed/,
    );
    await throwsCode(() => read(folder({ '1_a.sql': '-- +goose Up\n-- +goose StatementEnd\n' })), 'MIGRATION_INVALID', /1_a\.sql:2:/);
    await throwsCode(() => read(folder({ '1_a.sql': '-- +goose Up\n-- +goose Sideways\n' })), 'MIGRATION_INVALID', /1_a\.sql:2: unknown goose annotation/);
    await throwsCode(() => read(folder({ '1_a.sql': '-- +goose Down\nSELECT 1;\n-- +goose Up\n' })), 'MIGRATION_INVALID', /1_a\.sql:1:/);
  });

  test('ENVSUB and .go migrations are refused; goose mixed with dbmate files is refused', async () => {
    await throwsCode(() => read(folder({ '1_a.sql': '-- +goose Up\n-- +goose ENVSUB ON\nSELECT ${X};\n' })), 'FORMAT_UNSUPPORTED', /1_a\.sql:2:.*ENVSUB/);
    await throwsCode(
      () => read(folder({ '1_a.sql': '-- +goose Up\nSELECT 1;\n', '2_b.go': 'package migrations\n' })),
      'FORMAT_UNSUPPORTED',
      /2_b\.go.*Go migration/,
    );
    await throwsCode(
      () => read(folder({ '1_a.sql': '-- +goose Up\nSELECT 1;\n', '2_b.sql': '-- migrate:up\nSELECT 1;\n' })),
      'FORMAT_MIXED',
      /Strata \(2_b\.sql\) and goose \(1_a\.sql\)/,
    );
    await throwsCode(() => read(folder({ '1_a.sql': '-- +goose Up\nSELECT 1;\n' }), 'strata'), 'FORMAT_MIXED', /format/);
  });
});

describe('prisma', () => {
  test('detected by migration_lock.toml; applied on SQLite, the table rebuild with foreign keys off', async () => {
    const { dir, db } = copyOf('prisma');
    const migrations = read(dir);
    assert.deepEqual(
      migrations.map((m) => `${m.version} ${m.name} ${m.origin}`),
      ['20240301090000 init 20240301090000_init/migration.sql', '20240302100000 publish_posts 20240302100000_publish_posts/migration.sql'],
    );
    const rebuild = await migrations[1]!.load();
    assert.equal(rebuild.up.foreignKeys, false);
    assert.equal(rebuild.down, undefined);
    const migrator = createMigrator({ db, dir, backup: false });
    try {
      await migrator.migrate();
      assert.deepEqual(userTables(db), ['Post', 'User']);
      assert.ok(query<{ name: string }>(db, `SELECT name FROM pragma_table_info('Post')`).some((c) => c.name === 'published'));
      await rejectsWith(migrator.rollback(), 'MIGRATION_DOWN_MISSING');
    } finally {
      await migrator.close();
    }
  });

  test('a migration folder without migration.sql, a stray SQL file', async () => {
    await throwsCode(
      () => read(folder({ 'migration_lock.toml': 'provider = "sqlite"\n', '20240101000000_a/README.md': 'x' })),
      'MIGRATION_INVALID',
      /20240101000000_a.*migration\.sql/,
    );
    await throwsCode(() => read(folder({ 'migration_lock.toml': '', 'loose.sql': 'SELECT 1;' })), 'MIGRATION_NAME_INVALID', /loose\.sql/);
    assert.equal(detectMigrationFormat(join(tempDir('strata-formats-'), 'not-yet')), 'strata');
  });

  test("checksum: sha256 hex, matched across line endings and an older Prisma's unpadded hex", () => {
    // prisma-engines, schema-engine/core/src/commands/.../checksum.rs test format_checksum_does_not_strip_zeros.
    assert.equal(prismaChecksum('hello'), '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    // Its script_matches_checksum_is_line_ending_agnostic cases.
    for (const pair of [
      ['ab\ncd\nef\ngh\rab', 'ab\r\ncd\r\nef\r\ngh\rab'],
      ['ab\ncd\nef\ngh\rab\n', 'ab\r\ncd\r\nef\r\ngh\rab\r\n'],
    ]) {
      for (const a of pair) for (const b of pair) assert.ok(prismaChecksumMatches(a, prismaChecksum(b)));
    }
    assert.ok(!prismaChecksumMatches('abc', prismaChecksum('abcd')));
    assert.ok(!prismaChecksumMatches('abc\n', prismaChecksum('abc')));
    const unpadded = [...createHash('sha256').update('hello').digest()].map((byte) => byte.toString(16)).join('');
    assert.ok(prismaChecksumMatches('hello', unpadded));
  });
});

describe('drizzle', () => {
  test('the journal decides: order, tags, statement breakpoints', async () => {
    const migrations = read(join(FIXTURES, 'drizzle-sqlite'));
    assert.deepEqual(
      migrations.map((m) => `${m.version} ${m.name}`),
      ['0 create_users_posts', '1 add_email'],
    );
    const first = await migrations[0]!.load();
    assert.equal(first.up.kind === 'sql' && first.up.statements.length, 2);
    assert.deepEqual(first.up.kind === 'sql' && first.up.statements.map((s) => s.line), [1, 8]);
  });

  test("applied on SQLite; drizzle-orm's own migrator records the hashes drizzleChecksum computes", async () => {
    const { dir, db } = copyOf('drizzle-sqlite');
    const migrator = createMigrator({ db, dir, backup: false });
    try {
      await migrator.migrate();
      assert.deepEqual(userTables(db), ['posts', 'users']);
    } finally {
      await migrator.close();
    }
    const { drizzle } = await import('drizzle-orm/better-sqlite3');
    const { migrate } = await import('drizzle-orm/better-sqlite3/migrator');
    const other = new Database(join(dir, '..', 'drizzle.db'));
    try {
      migrate(drizzle(other), { migrationsFolder: dir });
      const rows = other.prepare('SELECT hash, created_at FROM __drizzle_migrations ORDER BY id').all() as { hash: string; created_at: number }[];
      const journal = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] };
      assert.deepEqual(
        rows.map((row) => ({ hash: row.hash, when: Number(row.created_at) })),
        journal.entries.map((entry) => ({ hash: drizzleChecksum(readFileSync(join(dir, `${entry.tag}.sql`))), when: entry.when })),
      );
    } finally {
      other.close();
    }
  });

  test('applied on PostgreSQL', async (t) => {
    const skip = await skipUnlessServer('postgres');
    if (skip) return t.skip(skip);
    const url = await freshDatabase('postgres', 'formats');
    const migrator = createMigrator({ db: url, dir: join(FIXTURES, 'drizzle-postgres'), backup: false });
    try {
      const report = await migrator.migrate();
      assert.deepEqual(
        report.results.map((r) => r.version),
        ['0', '1'],
      );
    } finally {
      await migrator.close();
    }
    const indexes = await withPostgres(
      async (client) => (await client.query("SELECT indexname FROM pg_indexes WHERE tablename = 'users' ORDER BY 1")).rows,
      url,
    );
    assert.deepEqual(
      indexes.map((row: { indexname: string }) => row.indexname),
      ['users_email', 'users_pkey'],
    );
  });

  test('a file the journal does not list, a listed file that is missing, a broken journal', async () => {
    const journal = (tags: string[]) =>
      JSON.stringify({
        version: '7',
        dialect: 'sqlite',
        entries: tags.map((tag, idx) => ({ idx, version: '6', when: 1700000000000 + idx, tag, breakpoints: true })),
      });
    await throwsCode(
      () => read(folder({ 'meta/_journal.json': journal(['0000_a']), '0000_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 1;' })),
      'MIGRATION_INVALID',
      /0001_b\.sql: not in meta\/_journal\.json/,
    );
    await throwsCode(
      () => read(folder({ 'meta/_journal.json': journal(['0000_a', '0001_b']), '0000_a.sql': 'SELECT 1;' })),
      'MIGRATION_INVALID',
      /entry 1 names 0001_b\.sql/,
    );
    await throwsCode(
      () => read(folder({ 'meta/_journal.json': '{"entries": [', '0000_a.sql': 'SELECT 1;' })),
      'MIGRATION_INVALID',
      /_journal\.json: is not valid JSON/,
    );
    await throwsCode(() => read(folder({ 'meta/_journal.json': journal(['init']), 'init.sql': 'SELECT 1;' })), 'FORMAT_UNSUPPORTED', /'init' has no number/);
    await throwsCode(
      () => read(folder({ 'meta/_journal.json': journal(['0001_b', '0000_a']), '0000_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 1;' })),
      'MIGRATION_INVALID',
      /0000_a\) comes after 0001_b/,
    );
  });
});

describe('sqlx', () => {
  test('pairs and -- no-transaction; applied and rolled back on SQLite', async () => {
    const { dir, db } = copyOf('sqlx');
    const migrations = read(dir, 'sqlx');
    assert.deepEqual(
      migrations.map((m) => `${m.version} ${m.name}`),
      ['20240101000000 create_people', '20240102000000 people_name_index'],
    );
    assert.equal((await migrations[1]!.load()).up.transaction, false);
    const migrator = createMigrator({ db, dir, backup: false, format: 'sqlx' });
    try {
      await migrator.migrate();
      assert.deepEqual(userTables(db), ['people']);
      await migrator.rollback({ to: '0' });
      assert.deepEqual(userTables(db), []);
    } finally {
      await migrator.close();
    }
  });

  test('a down without its up is refused', async () => {
    await throwsCode(() => read(folder({ '1_a.down.sql': 'SELECT 1;' }), 'sqlx'), 'MIGRATION_INVALID', /1_a\.down\.sql: a down migration with no up/);
  });

  test('checksum: SHA-384 of the file, as sqlx-core computes it', () => {
    // FIPS 180-2 test vector for "abc", the digest sqlx-core's Sha384::digest(sql) returns.
    assert.equal(sqlxChecksum('abc'), 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7');
  });
});

describe('d1', () => {
  test('plain numbered files, no sections; applied on SQLite', async () => {
    const { dir, db } = copyOf('d1');
    const migrations = read(dir, 'd1');
    assert.deepEqual(
      migrations.map((m) => `${m.version} ${m.name}`),
      ['1 create_notes', '2 add_created_at'],
    );
    assert.equal((await migrations[0]!.load()).down, undefined);
    const migrator = createMigrator({ db, dir, backup: false, format: 'd1' });
    try {
      await migrator.migrate();
      assert.deepEqual(userTables(db), ['notes']);
    } finally {
      await migrator.close();
    }
  });
});

describe('atlas', () => {
  test('detected by atlas.sum, checked against it; txmode none; applied on SQLite', async () => {
    const { dir, db } = copyOf('atlas');
    const migrations = read(dir);
    assert.deepEqual(
      migrations.map((m) => `${m.version} ${m.name}`),
      ['20240301090000 create_people', '20240302090000 people_index'],
    );
    assert.equal((await migrations[1]!.load()).up.transaction, false);
    const migrator = createMigrator({ db, dir, backup: false });
    try {
      await migrator.migrate();
      assert.deepEqual(userTables(db), ['people']);
    } finally {
      await migrator.close();
    }
  });

  test('an edited file no longer matches atlas.sum; a new file after the hashed ones is read', async () => {
    const { dir } = copyOf('atlas');
    writeFiles(dir, { '20240401000000_later.sql': 'CREATE TABLE later (id INTEGER);\n' });
    assert.equal(read(dir).length, 3);
    writeFiles(dir, { '20240301090000_create_people.sql': 'CREATE TABLE people (id INTEGER);\n' });
    const error = await throwsCode(
      () => read(dir),
      'CHECKSUM_MISMATCH',
      /atlas\.sum does not match the folder: 20240301090000_create_people\.sql, 20240302090000_people_index\.sql/,
    );
    assert.match(error.hint ?? '', /atlas migrate hash/);
  });

  test('delimiters, checkpoints and a missing or broken atlas.sum are refused', async () => {
    const sum = (files: Record<string, string>) => {
      const hashed = atlasHashFile(Object.entries(files).map(([name, contents]) => ({ name, contents })));
      return { ...files, 'atlas.sum': `h1:${hashed.sum}\n${hashed.files.map((f) => `${f.name} h1:${f.hash}\n`).join('')}` };
    };
    await throwsCode(() => read(folder(sum({ '1_a.sql': '-- atlas:delimiter \\n\n\nSELECT 1\n' }))), 'FORMAT_UNSUPPORTED', /1_a\.sql.*delimiter/);
    await throwsCode(() => read(folder(sum({ '1_a.sql': '-- atlas:checkpoint\n\nSELECT 1;\n' }))), 'FORMAT_UNSUPPORTED', /1_a\.sql.*checkpoint/);
    await throwsCode(() => read(folder({ '1_a.sql': 'SELECT 1;' }), 'atlas'), 'MIGRATION_INVALID', /atlas\.sum: is missing/);
    await throwsCode(() => read(folder({ '1_a.sql': 'SELECT 1;', 'atlas.sum': 'nonsense\n' })), 'MIGRATION_INVALID', /atlas\.sum:1/);
  });

  test("atlas.sum: Atlas's own hashes (ariga/atlas sql/migrate/testdata/partial-checkpoint/atlas.sum)", () => {
    const files = {
      '1_first.sql': 'create table `tbl_1` (`col` int);\n',
      '2_second.sql': 'create table `tbl_2` (`col` int);\n',
      '3_checkpoint.sql': '-- atlas:checkpoint\n\nCREATE TABLE `tbl_1` (`col` int);\nCREATE TABLE `tbl_2` (`col` int);\n',
      '4_fourth.sql': 'create table `tbl_3` (`col` int);\n',
      '5_checkpoint.sql': '-- atlas:checkpoint\n\nCREATE TABLE `tbl_1` (`col` int);\nCREATE TABLE `tbl_2` (`col` int);\ncreate table `tbl_3` (`col` int);\n',
      '6_sixth.sql': 'CREATE TABLE `tbl_4` (`col` int);\n',
    };
    const recorded = parseAtlasSum(
      [
        'h1:POfbsH2G2GIXAZQ2CdPa5ufTxcLpcnperz/gX0Vw6Uk=',
        '1_first.sql h1:uJ2MyyeTqXx4rCqtRMQAvRrfsvdwmvsZ3LcadVvCdOc=',
        '2_second.sql h1:TLO00GtsqSi8o0ySoaofBqxemrElL8fHOs3IRnqYvB8=',
        '3_checkpoint.sql h1:LR4UjDYVtrRuHLN5GQwLAYnXrSf/iO70psY8hTmLmjw=',
        '4_fourth.sql h1:QvaneqKxg+3R+zNzCP/wW43XkECdHkUwEpxJKPICEP8=',
        '5_checkpoint.sql h1:syyuaJb/hoMRO7MJlv4AMhYqMCoSb8ZgcHENO8RqN3I=',
        '6_sixth.sql h1:JNhpyBtH7XKqGBNRHQ+AvM9IDpO08C3G/swWPHfLkfw=',
        '',
      ].join('\n'),
    );
    assert.deepEqual(atlasHashFile(Object.entries(files).map(([name, contents]) => ({ name, contents }))), recorded);
  });
});

describe('choosing the format', () => {
  test('detectMigrationFormat and readDrizzleJournal (strata-migrate/tooling, for strata adopt)', () => {
    assert.deepEqual(
      ['flyway', 'goose', 'prisma', 'drizzle-sqlite', 'atlas', 'sqlx', 'd1'].map((tool) => detectMigrationFormat(join(FIXTURES, tool))),
      ['flyway', 'goose', 'prisma', 'drizzle', 'atlas', 'strata', 'strata'],
    );
    assert.deepEqual(
      readDrizzleJournal(join(FIXTURES, 'drizzle-sqlite')).map((entry) => [entry.strataVersion, entry.tag]),
      [
        ['0', '0000_create_users_posts'],
        ['1', '0001_add_email'],
      ],
    );
  });

  test('create: the next migration as each tool writes it, read back in the same format', () => {
    const now = new Date('2026-12-03T07:00:00Z');
    const expected: Record<string, string[]> = {
      flyway: ['V3__add_notes.sql', 'U3__add_notes.sql'],
      goose: ['20261203070000_add_notes.sql'],
      prisma: ['20261203070000_add_notes/migration.sql'],
      sqlx: ['20261203070000_add_notes.up.sql', '20261203070000_add_notes.down.sql'],
      d1: ['0003_add_notes.sql'],
      atlas: ['20261203070000_add_notes.sql'],
    };
    for (const [tool, files] of Object.entries(expected)) {
      const { dir } = copyOf(tool);
      const format = tool === 'sqlx' || tool === 'd1' ? tool : detectMigrationFormat(dir);
      const scaffold = scaffoldMigration(dir, format, 'add_notes', { now });
      assert.deepEqual(
        scaffold.files.map((f) => f.path.slice(dir.length + 1)),
        files,
        tool,
      );
      writeFiles(dir, Object.fromEntries(scaffold.files.map((f) => [f.path.slice(dir.length + 1), f.text])));
      const migrations = read(dir, format);
      assert.equal(migrations.at(-1)!.name, 'add_notes', tool);
    }
    const empty = join(tempDir('strata-formats-'), 'new');
    assert.deepEqual(
      ['flyway', 'goose', 'd1'].map((format) => scaffoldMigration(empty, format as 'flyway', 'init', { now }).files[0]!.path.slice(empty.length + 1)),
      ['V1__init.sql', '20261203070000_init.sql', '0001_init.sql'],
    );
    const { dir } = copyOf('drizzle-sqlite');
    assert.throws(
      () => scaffoldMigration(dir, 'drizzle', 'add_notes', { now }),
      (error: Error & { code?: string }) => error.code === 'FORMAT_UNSUPPORTED' && /drizzle-kit generate --custom --name add_notes/.test(JSON.stringify(error)),
    );
  });

  test('the CLI: config "format", --format over it, status --json in the format\'s order, a bad name exits 1', () => {
    const { dir } = copyOf('flyway');
    const root = join(dir, '..');
    writeFiles(root, { 'strata.config.json': JSON.stringify({ dir: 'migrations', format: 'flyway' }) });
    assertOk(cli(['migrate'], { cwd: root }));
    const status = parseJson<{ currentVersion: string; migrations: { version: string; state: string }[] }>(cli(['status', '--json'], { cwd: root }));
    assert.equal(status.currentVersion, '2.1');
    assert.deepEqual(
      status.migrations.map((m) => m.version),
      ['1', '1.1', '1.2', '1.10', '2.1'],
    );
    assertOk(cli(['rollback', '--steps', '2'], { cwd: root }));
    assert.equal(parseJson<{ currentVersion: string }>(cli(['status', '--json'], { cwd: root })).currentVersion, '1.2');
    assertFailure(cli(['status', '--format', 'goose'], { cwd: root }), 'MIGRATION_NAME_INVALID');
    assertFailure(cli(['status', '--format', 'flyways'], { cwd: root }), 'CONFIG_INVALID');
    const created = parseJson<{ files: string[]; version: string; format: string }>(cli(['create', 'add_notes', '--json'], { cwd: root }));
    assert.deepEqual(
      [created.version, created.format, created.files.map((f) => f.slice(dir.length + 1))],
      ['3', 'flyway', ['V3__add_notes.sql', 'U3__add_notes.sql']],
    );
    assertFailure(cli(['create', 'x', '--ts'], { cwd: root }), 'USAGE', 2);
    writeFiles(dir, { 'R__views.sql': 'SELECT 1;' });
    const refused = cli(['migrate'], { cwd: root });
    assertFailure(refused, 'FORMAT_UNSUPPORTED');
    assert.doesNotMatch(refused.stderr, /at .*\.js:\d+/);
  });

  test('an unknown format name is refused at the API edge', () => {
    assert.throws(
      () => createMigrator({ db: ':memory:', dir: '.', format: 'flyways' }),
      (error: Error & { code?: string }) => error.code === 'CONFIG_INVALID',
    );
  });

  test('files of two tools in one folder are refused naming both', async () => {
    await throwsCode(
      () => read(folder({ 'V1__a.sql': 'SELECT 1;', '0002_b.sql': 'SELECT 1;' })),
      'FORMAT_MIXED',
      /Flyway \(V1__a\.sql\) and Strata \(0002_b\.sql\)/,
    );
    await throwsCode(
      () => read(folder({ 'migration_lock.toml': '', '0002_b.sql': 'SELECT 1;' })),
      'FORMAT_MIXED',
      /Prisma \(migration_lock\.toml\) and Strata \(0002_b\.sql\)/,
    );
    await throwsCode(
      () => read(folder({ 'V1__a.sql': 'SELECT 1;', '1_b.go': 'package x' })),
      'FORMAT_MIXED',
      /Flyway \(V1__a\.sql\) and goose \(1_b\.go\)|goose \(1_b\.go\) and Flyway/,
    );
  });
});
