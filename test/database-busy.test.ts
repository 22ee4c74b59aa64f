/**
 * Issue 18, item 9: a database another connection holds locked is DATABASE_BUSY (not
 * MIGRATION_FAILED "fix it", not INTERNAL), naming the process that holds the lock (Linux's
 * /proc/locks), how long Strata waited and the setting that sets that wait.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertFailure, assertOk, cli, ledger, parseJson, tempDir, writeFiles } from './helpers.js';

function project(journalMode: 'wal' | 'delete'): { dir: string; db: string } {
  const dir = tempDir('strata-busy-');
  writeFiles(dir, {
    'strata.config.json': JSON.stringify({ db: './app.db', pragmas: { busyTimeoutMs: 200, journalMode } }),
    'migrations/0001_a.sql': 'CREATE TABLE a (x INTEGER);\n',
  });
  assertOk(cli(['migrate', '--no-backup'], { cwd: dir }));
  writeFiles(dir, { 'migrations/0002_b.sql': 'CREATE TABLE b (x INTEGER);\n' });
  return { dir, db: join(dir, 'app.db') };
}

/** Runs `fn` while this process holds `db` as `how` says (this process: its pid is the holder named). */
function holding<T>(db: string, how: 'write' | 'read', fn: () => T): T {
  const connection = new Database(db);
  try {
    if (how === 'write') connection.exec('BEGIN IMMEDIATE');
    else {
      connection.exec('BEGIN');
      connection.prepare('SELECT count(*) FROM a').get();
    }
    return fn();
  } finally {
    connection.close();
  }
}

const canNameHolder = process.platform === 'linux';

describe('a database locked by another connection', () => {
  test('another connection in BEGIN IMMEDIATE: DATABASE_BUSY naming its pid and the wait; the step was not applied; the next run applies it', () => {
    const { dir, db } = project('wal');
    const result = holding(db, 'write', () => cli(['migrate', '--no-backup'], { cwd: dir }));
    assertFailure(result, 'DATABASE_BUSY');
    assert.match(result.stderr, /is locked/);
    assert.match(result.stderr, /after waiting 200 ms/);
    assert.match(result.stderr, /nothing from 2_b was applied/);
    assert.match(result.stderr, /busyTimeoutMs/);
    assert.doesNotMatch(result.stderr, /fix it/);
    if (canNameHolder) assert.match(result.stderr, new RegExp(`held by pid ${process.pid}\\b`));
    assert.deepEqual(
      ledger(db).map((row) => row.version),
      ['1'],
    );
    assertOk(cli(['migrate', '--no-backup'], { cwd: dir }));
    assert.deepEqual(
      ledger(db).map((row) => row.version),
      ['1', '2'],
    );
  });

  test('a reader on a rollback-journal database: DATABASE_BUSY, not INTERNAL; --json carries the holder', () => {
    const { dir, db } = project('delete');
    const result = holding(db, 'read', () => cli(['migrate', '--no-backup'], { cwd: dir }));
    assertFailure(result, 'DATABASE_BUSY');
    const json = holding(db, 'read', () => cli(['migrate', '--no-backup', '--json'], { cwd: dir }));
    assert.equal(json.code, 1);
    const error = parseJson(json).error;
    assert.equal(error.code, 'DATABASE_BUSY');
    assert.equal(error.details.waitedMs, 200);
    if (canNameHolder) assert.deepEqual(error.details.holders, [process.pid]);
    assert.deepEqual(
      ledger(db).map((row) => row.version),
      ['1'],
    );
  });

  test('a writer holding a fresh database while migrate sets it up: DATABASE_BUSY, nothing changed', () => {
    const dir = tempDir('strata-busy-');
    writeFiles(dir, {
      'strata.config.json': JSON.stringify({ db: './app.db', pragmas: { busyTimeoutMs: 200 } }),
      'migrations/0001_a.sql': 'CREATE TABLE a (x INTEGER);\n',
    });
    const db = join(dir, 'app.db');
    new Database(db).close();
    const connection = new Database(db);
    try {
      connection.exec('BEGIN IMMEDIATE');
      const result = cli(['migrate', '--no-backup'], { cwd: dir });
      assertFailure(result, 'DATABASE_BUSY');
      assert.match(result.stderr, /nothing was changed/);
    } finally {
      connection.close();
    }
  });
});
