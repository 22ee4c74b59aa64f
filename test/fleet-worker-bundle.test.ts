/**
 * The CLI's fleet worker and discovery worker are each bundled into one file beside the bins
 * (dist/cli/fleet-worker.js, dist/cli/discovery-worker.js, scripts/bundle-cli.mjs), so a thread
 * loads one module instead of dozens from dist/fleet/. Shown with dist/cli/ alone in a package (no
 * dist/fleet/ beside it): `strata fleet migrate` still runs its targets on worker threads, which
 * it could only do from the bundled file, and the bundled discovery worker answers a request.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { threadScript } from '../src/fleet/thread-script.js';
import { CLI, ledger, ROOT, tempDir, writeFiles } from './helpers.js';

/** A package holding only dist/cli/ (and package.json, node_modules): the bundled CLI on its own. */
function cliOnlyPackage(root: string): string {
  const pkg = join(root, 'package');
  cpSync(join(ROOT, 'dist', 'cli'), join(pkg, 'dist', 'cli'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  for (const worker of ['fleet-worker.js', 'discovery-worker.js'])
    assert.ok(existsSync(join(pkg, 'dist', 'cli', worker)), `${CLI}'s folder has no ${worker}: npm run build`);
  assert.ok(!existsSync(join(pkg, 'dist', 'fleet')));
  return pkg;
}

test('the bundled CLI runs fleet targets on worker threads from dist/cli/ alone', () => {
  const root = tempDir('strata-fleet-worker-bundle-');
  const pkg = cliOnlyPackage(root);

  const work = join(root, 'work');
  writeFiles(work, { 'migrations/0001_notes.sql': '-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n' });
  mkdirSync(join(work, 'tenants'));
  const ids = Array.from({ length: 6 }, (_, k) => `tenants/t${k}.db`);
  for (const id of ids) new Database(join(work, id)).close();

  const args = ['fleet', 'migrate', '--targets', 'tenants/*.db', '--dir', 'migrations', '--concurrency', '2', '--no-backup', '--json'];
  const run = spawnSync(process.execPath, [join(pkg, 'dist', 'cli', 'main.cjs'), ...args], { cwd: work, encoding: 'utf8' });
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

test('the bundled discovery worker finds the targets of a glob from dist/cli/ alone', async () => {
  const root = tempDir('strata-discovery-worker-bundle-');
  const pkg = cliOnlyPackage(root);
  const work = join(root, 'work');
  writeFiles(work, { 'migrations/0001_notes.sql': '-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY);\n' });
  mkdirSync(join(work, 'tenants'));
  for (const k of [2, 0, 1]) new Database(join(work, 'tenants', `t${k}.db`)).close();

  const request = { groups: [{ targets: { glob: 'tenants/*.db' }, dir: 'migrations' }], base: work, exclude: ['tenants/t1.db'] };
  const worker = new Worker(join(pkg, 'dist', 'cli', 'discovery-worker.js'), { workerData: request });
  const reply = await new Promise<{ discovered?: { targets: { id: string }[] } }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  assert.deepEqual(
    reply.discovered?.targets.map((target) => target.id),
    ['tenants/t0.db', 'tenants/t2.db'],
  );
});

test("the CLI's program (dist/cli/program.cjs) takes the bundled workers beside it before dist/fleet/'s CommonJS build", () => {
  const dist = join(tempDir('strata-thread-script-'), 'dist');
  writeFiles(dist, {
    'cli/program.cjs': '',
    'cli/fleet-worker.js': '',
    'fleet/fleet-worker.cjs': '',
    'fleet/fleet-worker.js': '',
    'fleet/worker-pool.cjs': '',
    'fleet/discovery-worker.cjs': '',
  });
  const url = (file: string) => pathToFileURL(join(dist, file)).href;
  assert.equal(threadScript('fleet-worker', url('cli/program.cjs'))?.href, url('cli/fleet-worker.js'));
  // The library's CommonJS build keeps its own worker; a bundle without one beside it falls back to dist/fleet/.
  assert.equal(threadScript('fleet-worker', url('fleet/worker-pool.cjs'))?.href, url('fleet/fleet-worker.cjs'));
  assert.equal(threadScript('discovery-worker', url('cli/program.cjs'))?.href, url('fleet/discovery-worker.cjs'));
  assert.equal(threadScript('no-such-worker', url('cli/program.cjs')), undefined);
});
