/**
 * Other tools' folders read in place (docs/formats.md) on the dialect: a Flyway folder's dotted
 * versions are stored in the ledger, read back and ordered as Flyway orders them, and its U
 * files roll back; a goose file's statement block runs as one statement. The fixture folders
 * themselves are tested in test/formats.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DialectEntry } from './dialects.js';
import { folder } from './migrations.js';
import { withMigrator } from './with-migrator.js';

const FLYWAY = {
  'V1__items.sql': 'CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\n',
  'U1__items.sql': 'DROP TABLE items;\n',
  'V1.2__tags.sql': 'CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(50) NOT NULL);\n',
  'U1.2__tags.sql': 'DROP TABLE tags;\n',
  'V1.10__seed.sql': "INSERT INTO tags (id, label) VALUES (1, 'a; b');\n",
  'U1.10__seed.sql': 'DELETE FROM tags;\n',
  'V2_1__notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY);\n',
  'U2_1__notes.sql': 'DROP TABLE notes;\n',
};

const GOOSE = {
  '00001_items.sql': `-- +goose Up
-- +goose StatementBegin
CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)
-- +goose StatementEnd
INSERT INTO items (id, name) VALUES (1, 'first; and only');

-- +goose Down
DROP TABLE items;
`,
};

export function describeFormats(entry: DialectEntry): void {
  test('formats: a Flyway folder, dotted versions in the ledger and in Flyway order, U files as downs', async () => {
    const db = await entry.freshDb();
    const dir = folder(FLYWAY);
    await withMigrator(db, dir, async (migrator) => {
      const report = await migrator.migrate();
      assert.deepEqual(
        report.results.map((r) => r.version),
        ['1', '1.2', '1.10', '2.1'],
      );
    });
    const stored = await entry.read(db, (reader) => reader.query<{ version: string }>('SELECT version FROM strata_migrations'));
    assert.deepEqual(stored.map((row) => row.version).sort(), ['1', '1.10', '1.2', '2.1']);
    await withMigrator(db, dir, async (migrator) => {
      const status = await migrator.status();
      assert.equal(status.currentVersion, '2.1');
      assert.deepEqual(
        status.migrations.map((m) => m.version),
        ['1', '1.2', '1.10', '2.1'],
      );
      await migrator.rollback({ to: '1.2' });
      assert.equal((await migrator.status()).currentVersion, '1.2');
    });
    assert.deepEqual(await entry.read(db, (reader) => reader.tables()).then((tables) => tables.filter((t) => !t.startsWith('strata_'))), ['items', 'tags']);
  });

  test('formats: a goose statement block is one statement', async () => {
    const db = await entry.freshDb();
    await withMigrator(db, folder(GOOSE), async (migrator) => {
      const report = await migrator.migrate();
      assert.deepEqual(
        report.results.map((r) => r.status),
        ['applied'],
      );
    });
    const rows = await entry.read(db, (reader) => reader.query<{ name: string }>('SELECT name FROM items'));
    assert.deepEqual(
      rows.map((row) => row.name),
      ['first; and only'],
    );
  });
}
