/**
 * `--shard i/n` (src/fleet/shard.ts): every target in exactly one shard, the same split in every
 * process, and a target added to the fleet moves no other target.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runFingerprint } from '../src/fleet/run-fingerprint.js';
import { parseShard, shardOf, targetsOfShard } from '../src/fleet/shard.js';
import { ErrorCode } from '../src/model/errors.js';
import { cli, ROOT, tempDir, writeFiles } from './helpers.js';

const fleet = Array.from({ length: 1000 }, (_, k) => ({ id: `tenants/customer-${k}.db` }));

test('every target lands in exactly one of the n shards, and the shards are about even', () => {
  for (const count of [1, 2, 3, 4, 7, 16]) {
    const shards = Array.from({ length: count }, (_, k) => targetsOfShard(fleet, { index: k + 1, count }));
    const all = shards.flat().map((t) => t.id);
    assert.equal(all.length, fleet.length);
    assert.deepEqual(new Set(all).size, fleet.length);
    // 1,000 ids hashed into n buckets: none more than 40 % off an even share.
    for (const shard of shards) assert.ok(Math.abs(shard.length - fleet.length / count) <= (0.4 * fleet.length) / count, `${count} shards: ${shard.length}`);
  }
});

test('a shard keeps the fleet order', () => {
  const shard = targetsOfShard(fleet, { index: 2, count: 3 });
  assert.deepEqual(
    shard,
    [...shard].sort((a, b) => fleet.indexOf(a) - fleet.indexOf(b)),
  );
});

test('adding or removing a target moves no other target', () => {
  const before = new Map(fleet.map((t) => [t.id, shardOf(t.id, 4)]));
  const grown = [{ id: 'tenants/new.db' }, ...fleet.slice(1)];
  for (const t of grown.slice(1)) assert.equal(shardOf(t.id, 4), before.get(t.id));
});

test('the split is the same in another process (a stable hash, not the position or a seed)', () => {
  const script = `import { shardOf } from './src/fleet/shard.ts'; console.log(JSON.stringify(${JSON.stringify(fleet.slice(0, 50).map((t) => t.id))}.map((id) => shardOf(id, 5))));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(
    JSON.parse(child.stdout),
    fleet.slice(0, 50).map((t) => shardOf(t.id, 5)),
  );
  // Pinned values: a change to the hash would reshuffle every CI matrix's fleet.
  assert.deepEqual(
    ['a.db', 'b.db', 'tenants/customer-1.db'].map((id) => shardOf(id, 4)),
    [4, 1, 1],
  );
});

test('--shard takes i/n with 1 <= i <= n; anything else is USAGE', () => {
  assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  assert.deepEqual(parseShard(' 1 / 1 '), { index: 1, count: 1 });
  for (const bad of ['0/4', '5/4', '2of4', '1/0', '-1/2', '', '1.5/3']) assert.throws(() => parseShard(bad), { code: ErrorCode.USAGE }, bad);
});

test('strata fleet migrate --shard 1/2 then 2/2: every tenant migrated once, each by one job; bad --shard and --state are USAGE', () => {
  const root = tempDir('strata-fleet-shard-');
  writeFiles(root, { 'migrations/0001_notes.sql': '-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY);\n' });
  mkdirSync(join(root, 'tenants'));
  const ids = Array.from({ length: 12 }, (_, k) => `tenants/t${k}.db`);
  for (const id of ids) new Database(join(root, id)).close();
  const migrated: string[] = [];
  for (const shard of ['1/2', '2/2']) {
    const run = cli(['fleet', 'migrate', '--targets', 'tenants/*.db', '--dir', 'migrations', '--no-backup', '--shard', shard, '--json'], { cwd: root });
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { total: number; migrated: number };
    assert.equal(summary.migrated, summary.total);
    migrated.push(...ids.filter((id) => shardOf(id, 2) === Number(shard[0])));
    assert.equal(summary.total, ids.filter((id) => shardOf(id, 2) === Number(shard[0])).length);
  }
  assert.deepEqual([...migrated].sort(), [...ids].sort());
  for (const id of ids) {
    const db = new Database(join(root, id), { readonly: true });
    assert.deepEqual(db.prepare('SELECT version FROM strata_migrations').all(), [{ version: '1' }], id);
    db.close();
  }
  for (const args of [
    ['--shard', '3/2'],
    ['--state', 'mysql://x@h/db', '--run', 'r'],
    ['--state', 'postgres://x@h/db'],
  ]) {
    const run = cli(['fleet', 'migrate', '--targets', 'tenants/*.db', '--dir', 'migrations', ...args], { cwd: root });
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /USAGE/);
  }
});

test('runners in checkouts at other paths compute the same run fingerprint (they join one shared run)', () => {
  const [a, b] = [tempDir('strata-checkout-a-'), tempDir('strata-checkout-b-')];
  for (const root of [a, b]) writeFiles(root, { 'migrations/0001_notes.sql': '-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY);\n' });
  const targets = (root: string) => ['tenants/x.db', 'tenants/y.db'].map((id) => ({ id, db: join(root, id), dir: join(root, 'migrations') }));
  assert.equal(runFingerprint(targets(a)), runFingerprint(targets(b)));
  writeFiles(b, { 'migrations/0002_more.sql': '-- migrate:up\nCREATE TABLE more (id INTEGER PRIMARY KEY);\n' });
  assert.notEqual(runFingerprint(targets(a)), runFingerprint(targets(b)));
});
