/**
 * `strata baseline`, `strata rollback --to V --from-ledger` and what status says of baseline
 * rows, through the built CLI on SQLite files: --json documents, exit codes, hints.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertFailure, assertOk, cli, exec, ledger, parseJson, query, tempDir, writeFiles } from './helpers.js';

const FILES = {
  '0001_items.sql':
    '-- migrate:up\nCREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n-- migrate:down\nDROP TABLE items;\n-- migrate:verify\nSELECT id, name FROM items;\n',
  '0002_tags.sql':
    '-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n-- migrate:down\nDROP TABLE tags;\n-- migrate:verify\nSELECT id, label FROM tags;\n',
  '0003_notes.sql': '-- migrate:up\nALTER TABLE items ADD COLUMN note TEXT;\n-- migrate:down\nALTER TABLE items DROP COLUMN note;\n',
};

function workspace(files: Record<string, string> = FILES) {
  const dir = tempDir('strata-ledger-cli-');
  mkdirSync(join(dir, 'migrations'));
  writeFiles(join(dir, 'migrations'), files);
  return { dir, db: join(dir, 'strata.db'), run: (...args: string[]) => cli(args, { cwd: dir }) };
}

test('strata baseline V: --dry-run records nothing, then the rows say baseline; status shows them so; migrate applies the rest', () => {
  const w = workspace();
  exec(w.db, 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL); CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);');
  const dry = w.run('baseline', '2', '--dry-run', '--json');
  assertOk(dry);
  assert.deepEqual(parseJson(dry), { ...parseJson(dry), version: '2', dryRun: true });
  assert.deepEqual(
    parseJson(dry).recorded.map((r: { version: string }) => r.version),
    ['1', '2'],
  );
  assert.deepEqual(ledger(w.db), [], 'a dry run writes no row');

  const done = cli(['baseline', '2'], { cwd: w.dir, env: { STRATA_JOURNAL: '1' } });
  assertOk(done);
  const log = w.run('log', '--json');
  assertOk(log);
  assert.deepEqual(
    parseJson(log)
      .entries.filter((e: { event: string }) => e.event === 'baseline')
      .map((e: { message: string }) => e.message),
    ['baseline at 2: 2 step(s) recorded as applied without running: 1_items, 2_tags'],
  );
  assert.match(done.stdout, /recorded 2 migration\(s\) as applied without running them: 1_items, 2_tags \(verified: 1_items, 2_tags\); now at version 2/);
  const status = w.run('status');
  assertOk(status);
  assert.match(status.stdout, /^1 +items +applied \(baseline\)/m);
  assert.match(status.stdout, /^3 +notes +pending/m);
  const json = parseJson(w.run('status', '--json'));
  assert.deepEqual(
    json.migrations.map((m: { version: string; adoptedFrom?: string }) => `${m.version} ${m.adoptedFrom ?? '-'}`),
    ['1 baseline', '2 baseline', '3 -'],
  );
  const migrate = w.run('migrate', '--json', '--no-backup');
  assertOk(migrate);
  assert.deepEqual(
    parseJson(migrate).results.map((r: { version: string }) => r.version),
    ['3'],
  );
});

test('strata baseline refuses, exit 1 with a code and a hint: a failing verify, rows after V, an unknown version; no version is a usage error', () => {
  const w = workspace();
  exec(w.db, 'CREATE TABLE unrelated (id INTEGER PRIMARY KEY);');
  const verify = w.run('baseline', '2', '--json');
  assert.equal(verify.code, 1);
  const error = parseJson(verify).error;
  assert.equal(error.code, 'MIGRATION_VERIFY_FAILED');
  assert.deepEqual(
    error.details.failures.map((f: { version: string }) => f.version),
    ['1', '2'],
  );
  assertFailure(w.run('baseline', '9'), 'VERSION_UNKNOWN');
  assertFailure(w.run('baseline'), 'USAGE', 2);

  assertOk(w.run('migrate', '--no-backup'));
  // The same schema, made by the migrations this time: a baseline at 1 would rewrite history.
  const conflict = w.run('baseline', '1');
  assertFailure(conflict, 'BASELINE_CONFLICT');
  assert.match(conflict.stderr, /already holds 2_tags, 3_notes, after it/);
});

test('strata repair V --applied on a pending step points to strata baseline', () => {
  const w = workspace();
  exec(w.db, 'CREATE TABLE unrelated (id INTEGER PRIMARY KEY);');
  const result = w.run('repair', '1', '--applied');
  assertFailure(result, 'NOTHING_TO_REPAIR');
  assert.match(result.stderr, /hint: if the database already has its schema, 'strata baseline 1' records it/);
});

test('strata rollback --to V --from-ledger: an older build reverts what a newer one applied; without the flag the error says how', () => {
  const w = workspace();
  assertOk(w.run('migrate', '--no-backup'));
  rmSync(join(w.dir, 'migrations', '0003_notes.sql'));
  const refused = w.run('rollback', '--to', '2', '--no-backup', '--json');
  assert.equal(refused.code, 1);
  const error = parseJson(refused).error;
  assert.equal(error.code, 'MIGRATION_FILE_MISSING');
  assert.deepEqual(error.next, [{ command: 'rollback', args: ['--to', '2', '--from-ledger'] }]);
  assertFailure(w.run('rollback', '2', '--to', '1', '--no-backup'), 'USAGE', 2);

  const back = w.run('rollback', '--to', '2', '--from-ledger', '--no-backup', '--json');
  assertOk(back);
  assert.deepEqual(
    parseJson(back).results.map((r: { version: string; status: string }) => `${r.status} ${r.version}`),
    ['reverted 3'],
  );
  assert.deepEqual(
    query<{ name: string }>(w.db, 'SELECT name FROM pragma_table_info(?)', ['items']).map((c) => c.name),
    ['id', 'name'],
  );
  assert.deepEqual(
    ledger(w.db).map((row) => row.version),
    ['1', '2'],
  );
});
