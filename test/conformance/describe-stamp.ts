/**
 * The schema stamp on the dialect (Dialect.schemaStamp): each kind of hand change of the drift
 * suite moves it (and a few more the dialect's SQL has), writes that change no schema leave it
 * where it was, migrate stores it with the fingerprint, and drift trusts it only while it is
 * the stored one. A dialect without a stamp reads the catalog on every check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFiles } from '../helpers.js';
import { DRIFT_MIGRATIONS, type Family, HAND_CHANGES, handChange } from './describe-drift.js';
import type { DialectEntry } from './dialects.js';
import { folder } from './migrations.js';
import { openDriver, readDriverStamp } from './strata-access.js';
import { withMigrator } from './with-migrator.js';

/** The stamp through a connection of the test's own (opened and closed: PGlite opens a folder once at a time). */
async function stampOf(db: string): Promise<string | null> {
  const driver = openDriver(db);
  try {
    await driver.connect('read');
    return await readDriverStamp(driver);
  } finally {
    await driver.close();
  }
}

/** Schema changes beyond the drift suite's, in the SQL of the families that have them: `setup` first, then `sql` must move the stamp. */
const MORE_CHANGES: readonly { what: string; family: Family; setup: string; sql: string }[] = [
  {
    what: 'an enum value added',
    family: 'postgres',
    setup: "CREATE TYPE mood AS ENUM ('sad', 'ok')",
    sql: "ALTER TYPE mood ADD VALUE 'happy'",
  },
  {
    what: "a function's body replaced",
    family: 'postgres',
    setup: 'CREATE FUNCTION answer() RETURNS integer LANGUAGE sql AS $$ SELECT 41 $$',
    sql: 'CREATE OR REPLACE FUNCTION answer() RETURNS integer LANGUAGE sql AS $$ SELECT 42 $$',
  },
  {
    what: "a view's definition replaced",
    family: 'postgres',
    setup: 'CREATE VIEW item_names AS SELECT name FROM items',
    sql: "CREATE OR REPLACE VIEW item_names AS SELECT name FROM items WHERE name <> ''",
  },
  {
    what: 'a column referenced from another schema renamed',
    family: 'postgres',
    setup:
      'CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.owners (oid_ INTEGER PRIMARY KEY); ALTER TABLE items ADD COLUMN owner INTEGER REFERENCES elsewhere.owners (oid_)',
    sql: 'ALTER TABLE elsewhere.owners RENAME COLUMN oid_ TO owner_id',
  },
  {
    what: 'a type of another schema, used by a column, renamed',
    family: 'postgres',
    setup: "CREATE SCHEMA shared_types; CREATE TYPE shared_types.tone AS ENUM ('warm', 'cold'); ALTER TABLE items ADD COLUMN tone shared_types.tone",
    sql: 'ALTER TYPE shared_types.tone RENAME TO shade',
  },
  {
    what: 'a function of another schema, called by a default, renamed',
    family: 'postgres',
    setup:
      'CREATE SCHEMA helpers; CREATE FUNCTION helpers.seven() RETURNS integer LANGUAGE sql AS $$ SELECT 7 $$; ALTER TABLE items ADD COLUMN lucky INTEGER DEFAULT helpers.seven()',
    sql: 'ALTER FUNCTION helpers.seven() RENAME TO lucky_number',
  },
  {
    what: 'a table of another schema, read by a view, renamed',
    family: 'postgres',
    setup: 'CREATE SCHEMA reports; CREATE TABLE reports.totals (n INTEGER); CREATE VIEW item_totals AS SELECT n FROM reports.totals',
    sql: 'ALTER TABLE reports.totals RENAME TO sums',
  },
  {
    what: 'the schema of a table a foreign key references renamed',
    family: 'postgres',
    setup:
      'CREATE SCHEMA billing; CREATE TABLE billing.accounts (id INTEGER PRIMARY KEY); ALTER TABLE items ADD COLUMN account INTEGER REFERENCES billing.accounts (id)',
    sql: 'ALTER SCHEMA billing RENAME TO invoicing',
  },
  {
    what: 'a sequence restarted from another value',
    family: 'postgres',
    setup: 'CREATE SEQUENCE numbers START 1',
    sql: 'ALTER SEQUENCE numbers START WITH 100',
  },
  {
    what: 'a table dropped and created again the same',
    family: 'postgres',
    setup: 'SELECT 1',
    sql: 'DROP TABLE tags; CREATE TABLE tags (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, label VARCHAR(50) NOT NULL)',
  },
  {
    what: 'a table dropped and created again with another column type',
    family: 'sqlite',
    setup: 'SELECT 1',
    sql: 'DROP TABLE tags; CREATE TABLE tags (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, label VARCHAR(60) NOT NULL)',
  },
  {
    what: 'a column added',
    family: 'sqlite',
    setup: 'SELECT 1',
    sql: "ALTER TABLE tags ADD COLUMN color VARCHAR(10) DEFAULT 'red'",
  },
];

/** Writes that change no schema: the stamp must stay (else every check would read the catalog). */
const NOT_SCHEMA: Record<Family, string> = {
  sqlite: "INSERT INTO items (id, name) VALUES (2, 'second'); UPDATE items SET note = 'x'; DELETE FROM tags; ANALYZE",
  postgres: "INSERT INTO items (id, name) VALUES (2, 'second'); UPDATE items SET note = 'x'; DELETE FROM tags; ANALYZE; VACUUM items",
  mysql: "INSERT INTO items (id, name) VALUES (2, 'second'); UPDATE items SET note = 'x'; DELETE FROM tags; ANALYZE TABLE items",
};

export function describeStamp(entry: DialectEntry): void {
  const migrated = async (): Promise<{ db: string; dir: string }> => {
    const db = await entry.freshDb();
    const dir = folder(DRIFT_MIGRATIONS);
    await withMigrator(db, dir, (migrator) => migrator.migrate());
    return { db, dir };
  };

  test('schema stamp: a layout 2 ledger from before schema_stamp gets just that column from the next run that writes, its rows kept', async () => {
    const { db, dir } = await migrated();
    await handChange(db, { sql: 'ALTER TABLE strata_migrations DROP COLUMN schema_stamp' });
    const fingerprints = async () =>
      entry.read(db, (reader) => reader.query<{ schema_fingerprint: string | null }>('SELECT schema_fingerprint FROM strata_migrations ORDER BY version'));
    const before = (await fingerprints()).map((row) => row.schema_fingerprint);
    writeFiles(dir, { '0003_more.sql': '-- migrate:up\nCREATE TABLE more_items (id INTEGER PRIMARY KEY);\n' });
    const upgrades: number[] = [];
    await withMigrator(db, dir, async (migrator) => {
      migrator.on('ledger:upgraded', (e) => upgrades.push(e.to));
      assert.deepEqual(
        (await migrator.migrate()).results.map((r) => r.version),
        ['3'],
      );
    });
    assert.deepEqual(upgrades, [2]);
    const rows = await entry.read(db, (reader) =>
      reader.query<{ schema_fingerprint: string | null; schema_stamp: string | null }>(
        'SELECT schema_fingerprint, schema_stamp FROM strata_migrations ORDER BY version',
      ),
    );
    assert.deepEqual(
      rows.slice(0, 2).map((row) => row.schema_fingerprint),
      before,
    );
    assert.deepEqual(
      rows.map((row) => row.schema_stamp !== null),
      [false, false, entry.schemaStamp],
    );
    await withMigrator(db, dir, async (migrator) => assert.equal((await migrator.drift()).checkedBy, entry.schemaStamp ? 'stamp' : 'fingerprint'));
  });

  if (!entry.schemaStamp) {
    test('schema stamp: none on this dialect, so drift and migrate read the catalog every time', async () => {
      const { db, dir } = await migrated();
      assert.equal(await stampOf(db), null);
      await withMigrator(db, dir, async (migrator) => {
        const report = await migrator.drift();
        assert.equal(report.checkedBy, 'fingerprint');
        assert.equal(report.drift, false);
      });
      await handChange(db, HAND_CHANGES[0]!);
      await withMigrator(db, dir, async (migrator) => assert.equal((await migrator.drift()).drift, true));
    });
    return;
  }

  for (const change of HAND_CHANGES) {
    test(`schema stamp: moved by ${change.what}`, async () => {
      const { db } = await migrated();
      const before = await stampOf(db);
      assert.ok(before, 'the dialect has a stamp');
      await handChange(db, change);
      assert.notEqual(await stampOf(db), before);
    });
  }

  for (const change of MORE_CHANGES.filter((c) => c.family === entry.family)) {
    test(`schema stamp: moved by ${change.what}`, async () => {
      const { db } = await migrated();
      await handChange(db, { sql: change.setup });
      const before = await stampOf(db);
      await handChange(db, { sql: change.sql });
      assert.notEqual(await stampOf(db), before);
    });
  }

  test('schema stamp: rows written, deleted and analysed leave it where it was; drift then reads no catalog', async () => {
    const { db, dir } = await migrated();
    const before = await stampOf(db);
    await handChange(db, { sql: NOT_SCHEMA[entry.family] });
    assert.equal(await stampOf(db), before);
    await withMigrator(db, dir, async (migrator) => {
      const report = await migrator.drift();
      assert.equal(report.checkedBy, 'stamp');
      assert.equal(report.liveFingerprint, report.storedFingerprint);
    });
  });

  if (entry.family === 'postgres') {
    // One schema per tenant: another tenant's migrations must not make every check read the catalog.
    test('schema stamp: DDL in another schema that no definition of this one names leaves it where it was; drift then reads no catalog', async () => {
      const { db, dir } = await migrated();
      await handChange(db, { sql: 'CREATE SCHEMA tenant_other; CREATE TABLE tenant_other.notes (id INTEGER PRIMARY KEY)' });
      // A new schema moves every schema's stamp (their names are covered whole): a run stores the new one.
      writeFiles(dir, { '0003_data.sql': "-- migrate:up\nINSERT INTO items (id, name) VALUES (3, 'third');\n" });
      await withMigrator(db, dir, (migrator) => migrator.migrate());
      const before = await stampOf(db);
      await handChange(db, {
        sql: "ALTER TABLE tenant_other.notes ADD COLUMN body TEXT DEFAULT 'x'; CREATE INDEX notes_body ON tenant_other.notes (body); CREATE VIEW tenant_other.bodies AS SELECT body FROM tenant_other.notes; DROP TABLE tenant_other.notes CASCADE",
      });
      assert.equal(await stampOf(db), before);
      await withMigrator(db, dir, async (migrator) => {
        const report = await migrator.drift();
        assert.equal(report.checkedBy, 'stamp');
        assert.equal(report.drift, false);
      });
    });
  }

  test('schema stamp: stored with the fingerprint by the last step; a data-only run stores the same pair, a DDL run a new one', async () => {
    const { db, dir } = await migrated();
    const stored = async () => {
      const ledger = await withMigrator(db, dir, async (migrator) => (await migrator.status()).migrations);
      return ledger.map((m) => m.version);
    };
    const rows = async () =>
      entry.read(db, (reader) =>
        reader.query<{ version: string; schema_fingerprint: string | null; schema_stamp: string | null }>(
          'SELECT version, schema_fingerprint, schema_stamp FROM strata_migrations ORDER BY version',
        ),
      );
    const first = await rows();
    assert.deepEqual(
      first.map((r) => [String(r.version), r.schema_fingerprint !== null, r.schema_stamp !== null]),
      [
        ['1', false, false],
        ['2', true, true],
      ],
    );
    assert.equal(first[1]!.schema_stamp, await stampOf(db));
    writeFiles(dir, { '0003_data.sql': "-- migrate:up\nINSERT INTO items (id, name) VALUES (3, 'third');\n" });
    await withMigrator(db, dir, (migrator) => migrator.migrate());
    const second = await rows();
    assert.deepEqual([second[2]!.schema_fingerprint, second[2]!.schema_stamp], [first[1]!.schema_fingerprint, first[1]!.schema_stamp]);
    writeFiles(dir, { '0004_ddl.sql': '-- migrate:up\nCREATE TABLE extra (id INTEGER PRIMARY KEY);\n' });
    await withMigrator(db, dir, (migrator) => migrator.migrate());
    const third = await rows();
    assert.notEqual(third[3]!.schema_stamp, first[1]!.schema_stamp);
    assert.notEqual(third[3]!.schema_fingerprint, first[1]!.schema_fingerprint);
    assert.deepEqual(await stored(), ['1', '2', '3', '4']);
    await withMigrator(db, dir, async (migrator) => assert.equal((await migrator.drift()).checkedBy, 'stamp'));
  });

  test('schema stamp: a stored stamp that no longer matches makes drift read the catalog (no drift when the schema is the same)', async () => {
    const { db, dir } = await migrated();
    await handChange(db, { sql: "UPDATE strata_migrations SET schema_stamp = 'x:stale' WHERE schema_stamp IS NOT NULL" });
    await withMigrator(db, dir, async (migrator) => {
      const report = await migrator.drift();
      assert.equal(report.checkedBy, 'fingerprint');
      assert.equal(report.drift, false);
    });
  });
}
