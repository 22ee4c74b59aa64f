/**
 * Issue 18, item 7: after an automatic restore (a step outside a transaction failed), `status`
 * shows the failure that caused the restore, not the record of an earlier attempt that the
 * restored ledger still held.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertFailure, assertOk, cli, ledger, parseJson, tempDir, userTables, writeFiles } from './helpers.js';

test('after an automatic restore, status reports this run’s error (the earlier attempt’s is replaced)', () => {
  const dir = tempDir('strata-restore-status-');
  const db = join(dir, 'strata.db');
  writeFiles(join(dir, 'migrations'), { '0001_a.sql': 'CREATE TABLE base (v TEXT);\n' });
  assertOk(cli(['migrate'], { cwd: dir }));
  // An earlier attempt: rolled back, recorded with its error.
  writeFiles(join(dir, 'migrations'), { '0002_b.sql': 'CREATE TABLE t (x);\nINSERT INTO nowhere_first VALUES (1);\n' });
  assertFailure(cli(['migrate'], { cwd: dir }), 'MIGRATION_FAILED');
  // This run: outside a transaction, half-applied, so Strata restores the pre-run backup (which holds the earlier record).
  writeFiles(join(dir, 'migrations'), { '0002_b.sql': '-- migrate:up transaction:false\nCREATE TABLE t (x);\nINSERT INTO nowhere_second VALUES (1);\n' });
  const failed = cli(['migrate'], { cwd: dir });
  assertFailure(failed, 'MIGRATION_FAILED');
  assert.match(failed.stderr, /Strata restored backup/);
  assert.deepEqual(userTables(db), ['base'], 'restored: the half-applied table is gone');
  assert.deepEqual(
    ledger(db).map((row) => row.version),
    ['1'],
  );

  const status = parseJson(cli(['status', '--json'], { cwd: dir }));
  const step = status.migrations.find((m: { version: string }) => m.version === '2');
  assert.equal(step.state, 'failed');
  assert.match(step.error, /nowhere_second/);
  assert.doesNotMatch(step.error, /nowhere_first/);
  const text = cli(['status'], { cwd: dir });
  assert.match(text.stdout, /nowhere_second/);
  assert.doesNotMatch(text.stdout, /nowhere_first/);

  // Fixed, the next run applies it.
  writeFiles(join(dir, 'migrations'), { '0002_b.sql': 'CREATE TABLE t (x);\n' });
  assertOk(cli(['migrate'], { cwd: dir }));
  assert.deepEqual(
    ledger(db).map((row) => [row.version, row.status]),
    [
      ['1', 'applied'],
      ['2', 'applied'],
    ],
  );
});
