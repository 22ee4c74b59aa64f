/**
 * Replays Actual Budget's real migrations (test/fixtures/actual-budget, see its README) on a copy
 * of the base database they were written for: 59 files, most wrapping themselves in
 * BEGIN TRANSACTION; ... COMMIT;, 13-digit millisecond versions, views, triggers and indexes.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOk, cli, ledger, parseJson, query, ROOT, snapshot, tempDir, userTables } from './helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'actual-budget');
const MIGRATIONS = join(FIXTURE, 'migrations');
const EXPECTED_MIGRATIONS = 59;
const EXPECTED_USER_TABLES = 33;
const EXPECTED_EXPLICIT_INDEXES = 11;
/**
 * Actual's 1682974838138_remove_payee_rules.sql drops a table the base database has: the linter
 * stops a migrate on that unless told otherwise, and the fixture stays as Actual wrote it, so the
 * project's config says it (as an adopting project would, or with a strata-ignore in the file).
 */
const ACTUAL_LINT = { lint: { rules: { 'sqlite/drop-table': 'warn' } } };

test('Actual Budget: 59 real migrations replay on their base database', () => {
  const dir = tempDir('strata-actual-');
  writeFileSync(join(dir, 'strata.config.json'), JSON.stringify(ACTUAL_LINT));
  const db = join(dir, 'budget.sqlite');
  copyFileSync(join(FIXTURE, 'default-db.sqlite'), db);
  const files = readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql'));
  assert.equal(files.length, EXPECTED_MIGRATIONS, 'the fixture itself');
  const run = (...args: string[]) => cli([...args, '--db', db, '--dir', MIGRATIONS], { cwd: dir });

  const before = parseJson(run('status', '--json'));
  assert.equal(before.currentVersion, null);
  assert.equal(before.pending, EXPECTED_MIGRATIONS);

  const first = run('migrate', '--json');
  assertOk(first);
  const report = parseJson(first);
  assert.equal(report.results.length, EXPECTED_MIGRATIONS);
  assert.ok(report.results.every((r: { status: string }) => r.status === 'applied'));

  // Every file is in the ledger once, applied, in numeric version order.
  const versions = files.map((f) => f.split('_')[0]!).sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const rows = ledger(db);
  assert.deepEqual(
    rows.map((r) => r.version),
    versions,
  );
  assert.ok(rows.every((r) => r.status === 'applied'));
  assert.equal(report.currentVersion, versions.at(-1));

  assert.equal(userTables(db).length, EXPECTED_USER_TABLES, userTables(db).join(', '));
  const indexes = query(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL");
  assert.equal(indexes.length, EXPECTED_EXPLICIT_INDEXES);

  assertOk(run('validate'));
  const validation = parseJson(run('validate', '--json'));
  assert.equal(validation.ok, true);
  assert.deepEqual(validation.integrity, []);

  // A second migrate is a no-op.
  const after = snapshot(db);
  const second = run('migrate');
  assertOk(second);
  assert.match(second.stdout, /up to date/);
  assert.deepEqual(snapshot(db), after);
  const status = parseJson(run('status', '--json'));
  assert.equal(status.pending, 0);
  assert.ok(status.migrations.every((m: { state: string }) => m.state === 'applied'));
});
