/**
 * Issue 18's ENOSPC trial for `migrate` (backups have theirs in backup-faults.test.ts): a step
 * that fills a small real tmpfs is DISK_FULL (not MIGRATION_FAILED "fix it"), rolled back whole,
 * the ledger agreeing with the schema; with space freed the same step applies. Skips with one
 * line where a tmpfs cannot be mounted (never under CI=true).
 */
import assert from 'node:assert/strict';
import { statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertFailure, assertOk, cli, ledger, userTables, writeFiles } from './helpers.js';
import { fillDisk, mountTmpfs } from './tmpfs.js';

const mounted = mountTmpfs(16);

describe('migrate on a full disk', { skip: 'skip' in mounted ? mounted.skip : false }, () => {
  test('DISK_FULL naming the step, nothing of it applied; once space is freed it applies', () => {
    const dir = (mounted as { dir: string }).dir;
    writeFiles(join(dir, 'migrations'), { '0001_a.sql': 'CREATE TABLE a (x);\n' });
    assertOk(cli(['migrate', '--no-backup'], { cwd: dir }));
    writeFiles(join(dir, 'migrations'), {
      '0002_big.sql':
        'CREATE TABLE big (b BLOB);\nINSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) SELECT randomblob(1000) FROM n;\n',
    });
    // Full to the last byte: SQLite cannot even open its WAL index.
    let free = fillDisk(dir);
    let result: ReturnType<typeof cli>;
    try {
      result = cli(['migrate', '--no-backup'], { cwd: dir });
    } finally {
      free();
    }
    assertFailure(result, 'DISK_FULL');
    assert.match(result.stderr, /no space left on the device holding it/);
    assert.match(result.stderr, /nothing was changed/);
    // Room to open and start, not to finish the step.
    free = fillDisk(dir);
    const filler = join(dir, 'filler');
    truncateSync(filler, statSync(filler).size - 512 * 1024);
    try {
      result = cli(['migrate', '--no-backup'], { cwd: dir });
    } finally {
      free();
    }
    assertFailure(result, 'DISK_FULL');
    assert.match(result.stderr, /0002_big\.sql: no space left on the device/);
    assert.match(result.stderr, /nothing from 2_big was applied .* First: free space on the device/);
    const db = join(dir, 'strata.db');
    assert.deepEqual(userTables(db), ['a']);
    assert.deepEqual(
      ledger(db).map((row) => row.version),
      ['1'],
    );
    assertOk(cli(['migrate', '--no-backup'], { cwd: dir }));
    assert.deepEqual(userTables(db), ['a', 'big']);
  });
});
