/**
 * Drift on the dialect: no drift right after migrate; each kind of hand change (a table, a
 * column dropped, a type, a default, a nullability, an index added and dropped, a foreign key, a
 * check, a view, a trigger, a table and a column renamed) reported as that change, renames as
 * renames; `adoptDrift` writes it as a migration and records it, after which there is no drift;
 * the migration it wrote builds the same schema from scratch; and the scratch databases are
 * gone afterwards. Hand changes go through a connection of the test's own; where SQL differs
 * by family, the change says it per family (SQLite changes a column by rebuilding its table).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { rejectsWith, writeFiles } from '../helpers.js';
import type { DialectEntry } from './dialects.js';
import { folder } from './migrations.js';
import { adoptDrift, describeSchemaChange, openDriver, readSchema, type SqlDriver } from './strata-access.js';
import { openMigrator, withMigrator } from './with-migrator.js';
import type { SqlMigrator } from './strata-access.js';

export const DRIFT_MIGRATIONS = {
  '0001_items.sql': `-- migrate:up
CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, note VARCHAR(200));
CREATE INDEX items_name ON items (name);
INSERT INTO items (id, name, note) VALUES (1, 'first', 'kept');
-- migrate:down
DROP TABLE items;
`,
  '0002_tags.sql': `-- migrate:up
CREATE TABLE tags (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, label VARCHAR(50) NOT NULL);
-- migrate:down
DROP TABLE tags;
`,
};

export type Family = 'sqlite' | 'postgres' | 'mysql';

/** SQLite changes a column by rebuilding the table (https://www.sqlite.org/lang_altertable.html#otheralter). */
function sqliteRebuild(table: string, create: string, columns: string): string {
  return `PRAGMA foreign_keys = OFF;
${create.replace(`CREATE TABLE ${table} `, `CREATE TABLE ${table}_new `)};
INSERT INTO ${table}_new (${columns}) SELECT ${columns} FROM ${table};
DROP TABLE ${table};
ALTER TABLE ${table}_new RENAME TO ${table};
${table === 'items' ? 'CREATE INDEX items_name ON items (name);' : ''}
PRAGMA foreign_keys = ON;`;
}

export interface HandChange {
  what: string;
  sql: string | Record<Family, string>;
  /** The change the report must hold, in the short form of `short()`. */
  expect: string;
}

export const HAND_CHANGES: readonly HandChange[] = [
  { what: 'a table added', sql: 'CREATE TABLE audit (id INTEGER PRIMARY KEY, at VARCHAR(30))', expect: 'added table audit' },
  { what: 'a column dropped', sql: 'ALTER TABLE items DROP COLUMN note', expect: 'removed column items.note' },
  {
    what: "a column's type changed",
    sql: {
      sqlite: sqliteRebuild('items', 'CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, note VARCHAR(300))', 'id, name, note'),
      postgres: 'ALTER TABLE items ALTER COLUMN note TYPE VARCHAR(300)',
      mysql: 'ALTER TABLE items MODIFY note VARCHAR(300)',
    },
    expect: 'changed column items.note [type]',
  },
  {
    what: "a column's default changed",
    sql: {
      sqlite: sqliteRebuild(
        'items',
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, note VARCHAR(200) DEFAULT 'none')",
        'id, name, note',
      ),
      postgres: "ALTER TABLE items ALTER COLUMN note SET DEFAULT 'none'",
      mysql: "ALTER TABLE items ALTER COLUMN note SET DEFAULT 'none'",
    },
    expect: 'changed column items.note [default]',
  },
  {
    what: "a column's nullability changed",
    sql: {
      sqlite: sqliteRebuild('items', 'CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, note VARCHAR(200) NOT NULL)', 'id, name, note'),
      postgres: 'ALTER TABLE items ALTER COLUMN note SET NOT NULL',
      mysql: 'ALTER TABLE items MODIFY note VARCHAR(200) NOT NULL',
    },
    expect: 'changed column items.note [nullable]',
  },
  { what: 'an index added', sql: 'CREATE INDEX items_note ON items (note)', expect: 'added index items.items_note' },
  {
    what: 'an index dropped',
    sql: { sqlite: 'DROP INDEX items_name', postgres: 'DROP INDEX items_name', mysql: 'DROP INDEX items_name ON items' },
    expect: 'removed index items.items_name',
  },
  {
    what: 'a foreign key added',
    sql: {
      sqlite: sqliteRebuild(
        'tags',
        'CREATE TABLE tags (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id), label VARCHAR(50) NOT NULL)',
        'id, item_id, label',
      ),
      postgres: 'ALTER TABLE tags ADD CONSTRAINT tags_item FOREIGN KEY (item_id) REFERENCES items (id)',
      mysql: 'ALTER TABLE tags ADD CONSTRAINT tags_item FOREIGN KEY (item_id) REFERENCES items (id)',
    },
    expect: 'added foreign key tags.',
  },
  {
    what: 'a check added',
    sql: {
      sqlite: sqliteRebuild(
        'items',
        'CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, note VARCHAR(200), CHECK (length(name) > 0))',
        'id, name, note',
      ),
      postgres: 'ALTER TABLE items ADD CONSTRAINT items_name_check CHECK (length(name) > 0)',
      mysql: 'ALTER TABLE items ADD CONSTRAINT items_name_check CHECK (length(name) > 0)',
    },
    expect: 'added constraint items.',
  },
  { what: 'a view added', sql: 'CREATE VIEW item_names AS SELECT name FROM items', expect: 'added view item_names' },
  {
    what: 'a trigger added',
    sql: {
      sqlite: "CREATE TRIGGER items_touch AFTER INSERT ON items BEGIN UPDATE items SET note = 'new' WHERE id = NEW.id; END",
      postgres:
        "CREATE FUNCTION items_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := 'new'; RETURN NEW; END $$; CREATE TRIGGER items_touch BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION items_touch()",
      mysql: "CREATE TRIGGER items_touch BEFORE INSERT ON items FOR EACH ROW SET NEW.note = 'new'",
    },
    expect: 'added trigger items.items_touch',
  },
  { what: 'a table renamed', sql: 'ALTER TABLE tags RENAME TO labels', expect: 'renamed table labels<-tags' },
  { what: 'a column renamed', sql: 'ALTER TABLE items RENAME COLUMN note TO remark', expect: 'renamed column items.remark<-note' },
];

/** `added index items.items_note`, `renamed table labels<-tags`: what a change is, in one line. */
function short(change: { change: string; object: string; name: string; table?: string; from?: string; fields?: string[] }): string {
  const where = change.table !== undefined && change.object !== 'table' ? `${change.table}.` : '';
  return `${change.change} ${change.object} ${where}${change.name}${change.from ? `<-${change.from}` : ''}${change.fields ? ` [${change.fields.join(',')}]` : ''}`;
}

export async function handChange(db: string, change: Pick<HandChange, 'sql'>): Promise<void> {
  const driver: SqlDriver = openDriver(db);
  try {
    await driver.connect('write');
    const sql = typeof change.sql === 'string' ? change.sql : change.sql[driver.dialect.family as Family];
    // One statement at a time: not every driver takes a script.
    for (const statement of splitSimple(sql)) await driver.exec(statement);
  } finally {
    await driver.close();
  }
}

/** Splits on `;` at line ends or between statements, keeping SQLite trigger bodies and PostgreSQL $$ bodies whole. */
function splitSimple(sql: string): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  let dollar = false;
  for (const token of sql.split(/(\$\$|\bBEGIN\b|\bEND\b|;)/)) {
    if (token === '$$') dollar = !dollar;
    else if (!dollar && token === 'BEGIN') depth++;
    else if (!dollar && token === 'END') depth--;
    if (token === ';' && !dollar && depth === 0) {
      if (current.trim()) parts.push(current.trim());
      current = '';
    } else current += token;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

export function describeDrift(entry: DialectEntry): void {
  test('drift: none right after migrate, by fingerprint and by replay', async () => {
    const db = await entry.freshDb();
    await withMigrator(db, folder(DRIFT_MIGRATIONS), async (migrator) => {
      await migrator.migrate();
      const report = await migrator.drift();
      assert.equal(report.drift, false, JSON.stringify(report.changes));
      // The ledger stored the fingerprint after the last step, with the schema stamp: no catalog
      // read where the dialect has a stamp, one where it has none; nothing replayed.
      assert.equal(report.checkedBy, entry.schemaStamp ? 'stamp' : 'fingerprint');
      assert.equal(report.replayed, 0);
      assert.equal(report.storedFingerprint, report.liveFingerprint);
      const replayed = await migrator.drift({ replay: true });
      assert.equal(replayed.checkedBy, 'replay');
      assert.equal(replayed.replayed, 2);
      assert.deepEqual(replayed.changes, []);
    });
  });

  test('drift: migrate checks the fingerprint first: warn emits drift and runs, error refuses with SCHEMA_DRIFT, off does not look', async () => {
    const db = await entry.freshDb();
    const dir = folder(DRIFT_MIGRATIONS);
    await withMigrator(db, dir, (migrator) => migrator.migrate());
    await handChange(db, HAND_CHANGES[0]!);
    writeFiles(dir, { '0003_more.sql': '-- migrate:up\nCREATE TABLE more_items (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE more_items;\n' });
    await withMigrator(db, dir, async (migrator) => {
      const error = await rejectsWith(migrator.migrate({ drift: 'error' }), 'SCHEMA_DRIFT', /changed since 2_tags was applied/);
      assert.deepEqual(error.next, [{ command: 'drift', args: [] }]);
      assert.equal((await migrator.status()).pending, 1, 'nothing ran');
      const warnings: string[] = [];
      migrator.on('drift', (e) => warnings.push(`${e.lastApplied.version} ${e.storedFingerprint === e.liveFingerprint}`));
      const report = await migrator.migrate();
      assert.deepEqual(warnings, ['2 false']);
      assert.deepEqual(
        report.results.map((r) => r.version),
        ['3'],
      );
    });
    // The last step stored the fingerprint of the schema as it was after it, hand change included.
    await withMigrator(db, dir, async (migrator) => assert.equal((await migrator.drift()).checkedBy, entry.schemaStamp ? 'stamp' : 'fingerprint'));
    // Changed by a connection of the test's own, while Strata holds none (PGlite: one at a time).
    await handChange(db, HAND_CHANGES[5]!);
    writeFiles(dir, { '0004_last.sql': '-- migrate:up\nCREATE TABLE last_items (id INTEGER PRIMARY KEY);\n' });
    await withMigrator(db, dir, async (migrator) => {
      const warnings: unknown[] = [];
      migrator.on('drift', (e) => warnings.push(e));
      assert.equal((await migrator.migrate({ drift: 'off' })).results.length, 1);
      assert.deepEqual(warnings, []);
    });
  });

  for (const change of HAND_CHANGES) {
    test(`drift: ${change.what} is reported as such, and --adopt records it so that no drift is left`, async () => {
      const db = await entry.freshDb();
      const dir = folder(DRIFT_MIGRATIONS);
      let report: Awaited<ReturnType<SqlMigrator['drift']>>;
      let file = '';
      await withMigrator(db, dir, (migrator) => migrator.migrate());
      await handChange(db, change);
      const migrator = openMigrator(db, dir);
      try {
        report = await migrator.drift();
        assert.equal(report.drift, true);
        assert.equal(report.checkedBy, 'replay');
        const found = report.changes.map(short);
        assert.ok(
          found.some((line) => line.startsWith(change.expect)),
          `expected "${change.expect}" in:\n${found.join('\n')}\n${report.changes.map(describeSchemaChange).join('\n')}`,
        );
        const adopted = await adoptDrift(migrator, { dir, version: '0003', name: 'adopted', report });
        assert.ok(adopted.file, 'a migration file was written');
        file = adopted.file;
        const after = await migrator.drift();
        assert.equal(after.drift, false, `after adopting:\n${after.changes.map(describeSchemaChange).join('\n')}\n${readFileSync(adopted.file!, 'utf8')}`);
        assert.deepEqual(
          (await migrator.status()).migrations.map((m) => `${m.version} ${m.state}`),
          ['1 applied', '2 applied', '3 applied'],
        );
      } finally {
        await migrator.close();
      }
      // The adopted file builds the live schema from scratch too, and its down goes back.
      const fresh = await entry.freshDb();
      await withMigrator(fresh, dir, (other) => other.migrate());
      assert.deepEqual(await readSchema(fresh), report.live, 'a fresh database migrated with the adopted file has the live schema');
      if (!readFileSync(file, 'utf8').includes('-- migrate:down')) return;
      await withMigrator(fresh, dir, (other) => other.rollback());
      assert.deepEqual(await readSchema(fresh), report.expected, `the down goes back to the replayed schema:\n${readFileSync(file, 'utf8')}`);
    });
  }
}
