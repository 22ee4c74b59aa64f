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
import { flywayChecksum } from '../src/sources/formats/flyway.js';
import { compareVersions, canonicalVersion } from '../src/model/version.js';
import { ROOT, exec, query, rejectsWith, tempDir, userTables, writeFiles } from './helpers.js';

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
    await throwsCode(() => read(folder({ 'V1__a.sql': 'SELECT 1;', '0002_b.sql': 'SELECT 1;' })), 'MIGRATION_NAME_INVALID', /0002_b\.sql/);
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

describe('choosing the format', () => {
  test('an unknown format name is refused at the API edge', () => {
    assert.throws(
      () => createMigrator({ db: ':memory:', dir: '.', format: 'flyways' }),
      (error: Error & { code?: string }) => error.code === 'CONFIG_INVALID',
    );
  });

  test('files of two tools in one folder are refused naming both', async () => {
    await throwsCode(
      () => read(folder({ 'V1__a.sql': 'SELECT 1;', '1_b.go': 'package x' })),
      'FORMAT_MIXED',
      /Flyway \(V1__a\.sql\) and goose \(1_b\.go\)|goose \(1_b\.go\) and Flyway/,
    );
  });
});
