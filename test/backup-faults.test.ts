/**
 * Backups when the machine fails under them: a full disk (a real 60 MB tmpfs), I/O and
 * permission errors. A check that could not run is never taken for a damaged backup, and
 * retention never deletes what it could not judge.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BackupManager, SqliteBackupProvider } from '../src/index.js';
import { rejectsWith } from './helpers.js';
import { fillDisk, mountTmpfs } from './tmpfs.js';

const DAY = 24 * 60 * 60 * 1000;
const START = Date.parse('2026-01-01T00:00:00Z');
const tmpfs = mountTmpfs(60);
const skip = 'skip' in tmpfs ? tmpfs.skip : false;
let made = 0;

/** A ~4 MB WAL database in its own folder of the tmpfs, and a manager with an injected clock. */
function onTmpfs(): { db: string; manager: BackupManager; clock: { day: number } } {
  const dir = join((tmpfs as { dir: string }).dir, `case-${made++}`);
  mkdirSync(dir);
  const db = join(dir, 'app.db');
  const connection = new Database(db);
  connection.pragma('journal_mode = WAL');
  connection.exec(
    "CREATE TABLE t (k TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO t SELECT printf('key-%05d-%s', i, hex(randomblob(90))) FROM n;",
  );
  connection.close();
  const clock = { day: 0 };
  const manager = new BackupManager({ provider: new SqliteBackupProvider(db), now: () => new Date(START + clock.day * DAY) });
  return { db, manager, clock };
}

describe('a full disk (a real 60 MB tmpfs)', { skip }, () => {
  test('prune cannot verify anything: DISK_FULL, and every backup is still there; with room again it prunes and keeps the newest', async () => {
    const { manager, clock } = onTmpfs();
    for (const day of [0, 1, 2]) {
      clock.day = day;
      await manager.create({ description: `day ${day}` });
    }
    clock.day = 40;
    const free = fillDisk((tmpfs as { dir: string }).dir);
    try {
      const error = await rejectsWith(manager.prune(), 'DISK_FULL', /app\.2026-01-03_00-00-00/);
      assert.match(error.hint ?? '', /nothing was (pruned|deleted)/);
      assert.deepEqual(
        (await manager.list()).backups.map((b) => b.description),
        ['day 0', 'day 1', 'day 2'],
      );
    } finally {
      free();
    }
    const pruned = await manager.prune();
    assert.deepEqual(
      pruned.map((b) => b.description),
      ['day 0', 'day 1'],
    );
    assert.deepEqual(
      (await manager.list()).backups.map((b) => b.description),
      ['day 2'],
    );
    assert.deepEqual(
      readdirSync(manager.dir).filter((name) => name.startsWith('.')),
      [],
      'no temp file left',
    );
  });
});
