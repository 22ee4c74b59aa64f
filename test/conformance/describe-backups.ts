/**
 * The dialect's backup provider, through the one BackupManager API every dialect shares: create,
 * verify, then restore in place after the data changed: the data comes back as it was, and what
 * the restore replaced is kept as a backup of its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../helpers.js';
import type { DialectEntry } from './dialects.js';
import { folder, MIGRATIONS } from './migrations.js';
import { backupsOf, openDriver } from './strata-access.js';
import { withMigrator } from './with-migrator.js';

/** What "the data as it was" means here: every table, the items and the ledger's versions. */
function contents(entry: DialectEntry, db: string): Promise<unknown> {
  return entry.read(db, async (r) => ({
    tables: await r.tables(),
    items: await r.query('SELECT id, name, note FROM items ORDER BY id'),
    ledger: (await r.query<{ version: string }>('SELECT version FROM strata_migrations')).map((row) => row.version).sort(),
  }));
}

async function exec(db: string, statements: string[]): Promise<void> {
  const driver = openDriver(db);
  try {
    await driver.connect('write');
    for (const sql of statements) await driver.exec(sql);
  } finally {
    await driver.close();
  }
}

export function describeBackups(entry: DialectEntry): void {
  test('backups: create, verify, and restore in place bring the data back as it was', async () => {
    const db = await entry.freshDb();
    await withMigrator(db, folder(MIGRATIONS), (migrator) => migrator.migrate());
    await exec(db, ["INSERT INTO items (id, name, note) VALUES (2, 'second', NULL)"]);
    const before = await contents(entry, db);

    const backups = backupsOf(db, tempDir('strata-conformance-backups-'));
    const { backup } = await backups.create({ description: 'conformance' });
    assert.equal((await backups.verify(backup.id)).id, backup.id);

    await exec(db, [
      'DELETE FROM items WHERE id = 1',
      "UPDATE items SET name = 'changed' WHERE id = 2",
      'DROP TABLE tags',
      'CREATE TABLE made_since (id INTEGER PRIMARY KEY)',
    ]);
    assert.notDeepEqual(await contents(entry, db), before);

    const outcome = await backups.restore(backup.id);
    assert.equal(outcome.restored.id, backup.id);
    assert.ok(outcome.safety, 'what the restore replaced was backed up first');
    assert.deepEqual(await contents(entry, db), before);
    const listed = await backups.list();
    assert.deepEqual(listed.backups.map((b) => b.id).sort(), [backup.id, outcome.safety.id].sort());
    assert.ok(listed.backups.every((b) => !b.missing));
  });
}
