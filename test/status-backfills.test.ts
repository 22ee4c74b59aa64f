/** `strata status` shows backfills next to migrations: their checkpoint, state and progress. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, tempDir, writeFiles } from './helpers.js';

test('status lists each backfill with its state and rows done; --json carries them', () => {
  const dir = tempDir();
  writeFiles(join(dir, 'migrations'), {
    '0001_t.sql': 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 0);\nWITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 250) INSERT INTO t (id) SELECT i FROM s;\n',
  });
  assert.equal(cli(['migrate', '--no-backup'], { cwd: dir }).code, 0);
  const none = JSON.parse(cli(['status', '--json'], { cwd: dir }).stdout) as { backfills: unknown[] };
  assert.deepEqual(none.backfills, []);
  const run = cli(['backfill', 'bump', '--table', 't', '--set', 'n = n + 1', '--batch-size', '100'], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const text = cli(['status'], { cwd: dir });
  assert.match(text.stdout, /BACKFILL\s+TABLE\s+STATE\s+DONE/);
  assert.match(text.stdout, /bump\s+t\s+done\s+250 \/ 250/);
  const json = JSON.parse(cli(['status', '--json'], { cwd: dir }).stdout) as { backfills: { name: string; status: string; rowsDone: number }[] };
  assert.deepEqual(json.backfills.map((b) => [b.name, b.status, b.rowsDone]), [['bump', 'done', 250]]);
});
