/**
 * The CLI's fleet worker is bundled into one file beside the bins (dist/cli/fleet-worker.js,
 * scripts/bundle-cli.mjs), so a worker thread loads one module instead of the ~90 of dist/fleet/.
 * Shown with dist/cli/ alone in a package (no dist/fleet/ beside it): `strata fleet migrate`
 * still runs its targets on worker threads, which it could only do from the bundled file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { CLI, ledger, ROOT, tempDir, writeFiles } from './helpers.js';

test('the bundled CLI runs fleet targets on worker threads from dist/cli/ alone', () => {
  const root = tempDir('strata-fleet-worker-bundle-');
  const pkg = join(root, 'package');
  cpSync(join(ROOT, 'dist', 'cli'), join(pkg, 'dist', 'cli'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  assert.ok(existsSync(join(pkg, 'dist', 'cli', 'fleet-worker.js')), `${CLI}'s folder has no fleet-worker.js: npm run build`);
  assert.ok(!existsSync(join(pkg, 'dist', 'fleet')));

  const work = join(root, 'work');
  writeFiles(work, { 'migrations/0001_notes.sql': '-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n' });
  mkdirSync(join(work, 'tenants'));
  const ids = Array.from({ length: 6 }, (_, k) => `tenants/t${k}.db`);
  for (const id of ids) new Database(join(work, id)).close();

  const args = ['fleet', 'migrate', '--targets', 'tenants/*.db', '--dir', 'migrations', '--concurrency', '2', '--no-backup', '--json'];
  const run = spawnSync(process.execPath, [join(pkg, 'dist', 'cli', 'main.js'), ...args], { cwd: work, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as { ok: boolean; migrated: number; threads: number };
  assert.equal(summary.ok, true);
  assert.equal(summary.threads, 2, 'the targets ran on this thread: the bundled worker was not found');
  assert.equal(summary.migrated, ids.length);
  for (const id of ids)
    assert.deepEqual(
      ledger(join(work, id)).map((row) => [row.version, row.status]),
      [['1', 'applied']],
    );
});
