/**
 * SqliteBackupProvider.isEmpty: a new file is told empty from its first page (no connection), and
 * anything that may hold a schema object, a row of the ledger or an uncheckpointed write is
 * checked in full. A wrong "empty" would skip the backup before a run.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteBackupProvider } from '../src/backup/providers/sqlite-provider.js';
import { tempDir } from './helpers.js';

function database(path: string, journalMode: 'wal' | 'delete', sql?: string): void {
  const db = new Database(path);
  db.pragma(`journal_mode = ${journalMode}`);
  if (sql) db.exec(sql);
  db.close();
}

test('isEmpty: a missing file, an empty file, and a new file with only its journal mode set are empty', async () => {
  const dir = tempDir();
  assert.equal(await new SqliteBackupProvider(join(dir, 'missing.db')).isEmpty(), true);
  writeFileSync(join(dir, 'zero.db'), '');
  assert.equal(await new SqliteBackupProvider(join(dir, 'zero.db')).isEmpty(), true);
  database(join(dir, 'wal.db'), 'wal');
  assert.equal(await new SqliteBackupProvider(join(dir, 'wal.db')).isEmpty(), true);
  database(join(dir, 'delete.db'), 'delete');
  assert.equal(await new SqliteBackupProvider(join(dir, 'delete.db')).isEmpty(), true);
});

test('isEmpty: a view alone, a table, or rows in the ledger are not empty; an empty ledger alone is', async () => {
  const dir = tempDir();
  for (const mode of ['wal', 'delete'] as const) {
    const cases: [string, string, boolean][] = [
      ['view', 'CREATE VIEW v AS SELECT 1', false],
      ['table', 'CREATE TABLE t (id INTEGER)', false],
      ['ledger-rows', "CREATE TABLE strata_migrations (version TEXT); INSERT INTO strata_migrations VALUES ('1')", false],
      ['ledger-empty', 'CREATE TABLE strata_migrations (version TEXT)', true],
    ];
    for (const [name, sql, empty] of cases) {
      const path = join(dir, `${mode}-${name}.db`);
      database(path, mode, sql);
      assert.equal(await new SqliteBackupProvider(path).isEmpty(), empty, `${mode} ${name}`);
    }
  }
});

test('isEmpty: a table still only in the -wal (an open writer, nothing checkpointed) is not empty', async () => {
  const path = join(tempDir(), 'open.db');
  const db = new Database(path);
  try {
    db.pragma('journal_mode = wal');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER)');
    assert.equal(await new SqliteBackupProvider(path).isEmpty(), false);
  } finally {
    db.close();
  }
});
