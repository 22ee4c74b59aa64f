/** `strata status` shows backfills next to migrations: their checkpoint, state and progress. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, skipUnlessServer, withPostgres } from './servers.js';

test('status lists each backfill with its state and rows done; --json carries them', () => {
  const dir = tempDir();
  writeFiles(join(dir, 'migrations'), {
    '0001_t.sql':
      'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 0);\nWITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 250) INSERT INTO t (id) SELECT i FROM s;\n',
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
  assert.deepEqual(
    json.backfills.map((b) => [b.name, b.status, b.rowsDone]),
    [['bump', 'done', 250]],
  );
});

// The bug of issue 13: status read backfills without the schema (so found none) and swallowed errors.
test('PostgreSQL with --schema: status lists the backfills that backfill --status lists', { skip: await skipUnlessServer('postgres') }, async () => {
  const db = await freshDatabase('postgres', 'strata_status_schema');
  const dir = tempDir();
  writeFiles(join(dir, 'migrations'), {
    '0001_t.sql': 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 0);\nINSERT INTO t (id) SELECT i FROM generate_series(1, 120) AS s(i);\n',
  });
  const on = ['--db', db, '--schema', 'app'];
  assert.equal(cli(['migrate', ...on, '--no-backup'], { cwd: dir }).code, 0);
  const run = cli(['backfill', 'bump', '--table', 't', '--set', 'n = n + 1', '--batch-size', '50', ...on], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  // The checkpoints live in the schema, beside the ledger, not in public.
  const where = await withPostgres(
    async (c) =>
      (await c.query<{ s: string }>("SELECT table_schema AS s FROM information_schema.tables WHERE table_name = 'strata_backfills'")).rows.map((r) => r.s),
    db,
  );
  assert.deepEqual(where, ['app']);
  const listed = JSON.parse(cli(['backfill', '--status', '--json', ...on], { cwd: dir }).stdout) as { backfills: { name: string; rowsDone: number }[] };
  assert.deepEqual(
    listed.backfills.map((b) => [b.name, b.rowsDone]),
    [['bump', 120]],
  );
  const status = cli(['status', '--json', ...on], { cwd: dir });
  assert.equal(status.code, 0, status.stderr);
  const json = JSON.parse(status.stdout) as { backfills: { name: string; status: string; rowsDone: number }[] };
  assert.deepEqual(
    json.backfills.map((b) => [b.name, b.status, b.rowsDone]),
    [['bump', 'done', 120]],
  );
});
