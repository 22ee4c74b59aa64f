/**
 * Fleets of real SQLite files: rollout control (canary, stages, max-failures, continue-on-error),
 * a corrupt file failing alone, only/exclude, dry runs, status, and the CLI's JSON. Most runs use
 * the calling thread (threads: false) to keep the suite quick; one runs the worker-thread pool.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { EventChannel } from '../src/engine/events.js';
import {
  discoverTargets,
  failureLimit,
  fleetStatus,
  runFleet,
  scopeTargets,
  selectTargets,
  stageEnds,
  type FleetEvents,
  type FleetGroup,
} from '../src/fleet.js';
import { discoverOnThread } from '../src/fleet/discovery-thread.js';
import { FileStateStore } from '../src/fleet/file-state.js';
import type { FleetClaim, FleetStateStore, FleetTarget } from '../src/fleet/fleet-state.js';
import { tallyOf, WHOLE_RUN } from '../src/fleet/fleet-tally.js';
import { createPostgresFleetState } from '../src/fleet/postgres-state.js';
import { createStampMemo } from '../src/schema/stamp-memo.js';
import { schemaFingerprint } from '../src/schema/read-schema.js';
import { cli, ledger, parseJson, ROOT, rejectsWith, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, skipUnlessServer } from './servers.js';

const NOTES = '-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n-- migrate:down\nDROP TABLE notes;\n';
const DONE = '-- migrate:up\nALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;\n-- migrate:down\nALTER TABLE notes DROP COLUMN done;\n';
const JUNK = 'this is not a database, only text long enough to be read as a header and refused\n'.repeat(4);

/** A folder with `migrations/` and `tenants/<name>.db` for each name; names in `corrupt` are text files. */
function fleet(names: string[], corrupt: string[] = [], migrations: Record<string, string> = { '0001_notes.sql': NOTES, '0002_done.sql': DONE }) {
  const dir = tempDir('strata-fleet-');
  writeFiles(dir, Object.fromEntries(Object.entries(migrations).map(([file, sql]) => [`migrations/${file}`, sql])));
  writeFiles(dir, { 'tenants/.keep': '' });
  for (const name of names) {
    const path = join(dir, 'tenants', `${name}.db`);
    if (corrupt.includes(name)) writeFileSync(path, JUNK);
    else new Database(path).exec('CREATE TABLE owner (name TEXT)').close();
  }
  const groups: FleetGroup[] = [{ targets: { glob: 'tenants/*.db' }, dir: 'migrations' }];
  const path = (name: string) => join(dir, 'tenants', `${name}.db`);
  const versions = (name: string) => ledger(path(name)).map((row) => row.version);
  return { dir, groups, path, versions, base: { base: dir, groups, threads: false, settings: { backup: false as const } } };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);

describe('rollout plan', () => {
  test('stages are cumulative ends, the canary first, the last one the whole fleet', () => {
    assert.deepEqual(stageEnds(200, { stages: '1,10%,100%' }), [1, 20, 200]);
    assert.deepEqual(stageEnds(200, { canary: 5, stages: '1,10%,100%' }), [5, 20, 200]);
    assert.deepEqual(stageEnds(3, { canary: 10 }), [3]);
    assert.deepEqual(stageEnds(50, { stages: [1, '1%'] }), [1, 50]);
    assert.deepEqual(stageEnds(0, {}), []);
    assert.throws(() => stageEnds(10, { stages: 'ten' }), /--stages expects a number or a percentage/);
    assert.throws(() => stageEnds(10, { stages: '150%' }), /not a percentage/);
  });

  test('failures that halt: N, N% (rounded up), 1 by default, none with continueOnError', () => {
    assert.equal(failureLimit(100, {}), 1);
    assert.equal(failureLimit(100, { continueOnError: true }), Number.POSITIVE_INFINITY);
    assert.equal(failureLimit(100, { maxFailures: 3 }), 3);
    assert.equal(failureLimit(30, { maxFailures: '5%' }), 2);
    assert.throws(() => failureLimit(10, { maxFailures: '0' }), /positive whole number/);
  });

  test('only and exclude match ids, file names, schemas and groups; exclude wins', () => {
    const targets = [
      { id: 'tenants/a.db', db: '/x/tenants/a.db', dir: '/m' },
      { id: 'tenants/b.db', db: '/x/tenants/b.db', dir: '/m', group: 'eu' },
      { id: 'postgres://h/db#acme', db: 'postgres://h/db', schema: 'acme', dir: '/m' },
    ];
    assert.deepEqual(
      selectTargets(targets, ['a.db']).map((t) => t.id),
      ['tenants/a.db'],
    );
    assert.deepEqual(
      selectTargets(targets, ['tenants/*']).map((t) => t.id),
      ['tenants/a.db', 'tenants/b.db'],
    );
    assert.deepEqual(
      selectTargets(targets, ['group:eu', 'acme']).map((t) => t.id),
      ['tenants/b.db', 'postgres://h/db#acme'],
    );
    assert.deepEqual(
      selectTargets(targets, ['**'], ['b.db,acme']).map((t) => t.id),
      ['tenants/a.db'],
    );
  });
});

describe('discovery', () => {
  test('a glob is sorted by path; a list keeps its order; a module returns paths and { db, schema }; a database twice is refused', async () => {
    const { dir } = fleet(['b', 'a', 'c']);
    const globbed = await discoverTargets([{ targets: { glob: 'tenants/*.db' }, dir: 'migrations' }], { base: dir });
    assert.deepEqual(
      globbed.map((t) => t.id),
      ['tenants/a.db', 'tenants/b.db', 'tenants/c.db'],
    );
    assert.equal(globbed[0]!.db, join(dir, 'tenants/a.db'));
    assert.equal(globbed[0]!.dir, join(dir, 'migrations'));
    const listed = await discoverTargets([{ targets: { list: ['tenants/c.db', 'postgres://u:secret@h/app'] }, dir: 'migrations' }], { base: dir });
    assert.deepEqual(
      listed.map((t) => t.id),
      ['tenants/c.db', 'postgres://u@h/app'],
    );
    assert.equal(listed[1]!.db, 'postgres://u:secret@h/app');
    writeFiles(dir, { 'targets.mjs': "export default async () => ['tenants/b.db', { db: 'postgres://h/app', schema: 'acme' }];\n" });
    const fromModule = await discoverTargets([{ name: 'eu', targets: { module: 'targets.mjs' }, dir: 'migrations' }], { base: dir });
    assert.deepEqual(
      fromModule.map((t) => [t.id, t.group, t.schema]),
      [
        ['tenants/b.db', 'eu', undefined],
        ['postgres://h/app#acme', 'eu', 'acme'],
      ],
    );
    await rejectsWith(
      discoverTargets(
        [
          { targets: { glob: 'tenants/*.db' }, dir: 'm' },
          { targets: { list: ['tenants/a.db'] }, dir: 'm' },
        ],
        { base: dir },
      ),
      'FLEET_TARGETS_INVALID',
      /found twice/,
    );
    await rejectsWith(discoverTargets([{ targets: { module: 'nope.mjs' }, dir: 'm' }], { base: dir }), 'FLEET_TARGETS_INVALID', /cannot load/);
    await rejectsWith(
      discoverTargets([{ targets: { query: 'SELECT 1', control: join(dir, 'missing.db') }, dir: 'm' }], { base: dir }),
      'FLEET_TARGETS_INVALID',
      /does not exist/,
    );
  });

  test('a targets query on a control database: its first column, in its order', async () => {
    const { dir } = fleet(['a', 'b']);
    const control = join(dir, 'control.db');
    const db = new Database(control);
    db.exec("CREATE TABLE tenants (path TEXT, name TEXT); INSERT INTO tenants VALUES ('tenants/b.db', 'b'), ('tenants/a.db', 'a')");
    db.close();
    const found = await discoverTargets([{ targets: { query: 'SELECT path, name FROM tenants ORDER BY name DESC', control }, dir: 'migrations' }], {
      base: dir,
    });
    assert.deepEqual(
      found.map((t) => t.id),
      ['tenants/b.db', 'tenants/a.db'],
    );
  });
});

describe('discovery on a thread of its own', () => {
  const request = (dir: string) => ({
    groups: [
      { name: 'eu', targets: { glob: 'tenants/t0*.db' }, dir: 'migrations' },
      { name: 'us', targets: { glob: 'tenants/t1*.db' }, dir: 'migrations' },
    ],
    base: dir,
    only: ['group:eu', 'tenants/t1[0-2].db', 't11.db', 't12.db', 't13.db'],
    exclude: ['tenants/t02.db'],
    shard: { index: 2, count: 3 },
    fingerprint: true,
  });

  test('finds what the calling thread finds (only, exclude, shard, fingerprint), and its errors keep their code', async () => {
    const { dir } = fleet(names(14));
    const onThread = await discoverOnThread(request(dir));
    const here = await discoverOnThread(request(dir), { threads: false });
    assert.equal(onThread.onThread, true);
    assert.equal(here.onThread, false);
    assert.ok(here.targets.length > 0 && here.targets.length < 14, `the shard keeps some: ${here.targets.length}`);
    assert.deepEqual(onThread.targets, here.targets);
    assert.equal(onThread.fingerprint, here.fingerprint);
    assert.deepEqual(onThread.targets, await scopeTargets({ ...request(dir), threads: false }));
    const twice = { groups: [...request(dir).groups, { targets: { list: ['tenants/t01.db'] }, dir: 'm' }], base: dir };
    const error = await rejectsWith(discoverOnThread(twice), 'FLEET_TARGETS_INVALID', /found twice/);
    assert.equal(error.details.target, 'tenants/t01.db');
    assert.match(error.hint ?? '', /name each database once/);
  });

  test('without the worker file beside it (code bundled another way), discovery runs on the calling thread', async () => {
    const { dir } = fleet(names(14));
    // A copy of the sources inside the checkout (packages resolve from its node_modules), the worker removed.
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    const copy = mkdtempSync(join(ROOT, '.tmp', 'no-discovery-worker-'));
    try {
      cpSync(join(ROOT, 'src'), join(copy, 'src'), { recursive: true });
      rmSync(join(copy, 'src', 'fleet', 'discovery-worker.ts'));
      const copied = (await import(pathToFileURL(join(copy, 'src', 'fleet', 'discovery-thread.ts')).href)) as typeof import('../src/fleet/discovery-thread.js');
      const found = await copied.discoverOnThread(request(dir));
      assert.equal(found.onThread, false);
      assert.deepEqual(found.targets, (await discoverOnThread(request(dir), { threads: false })).targets);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('the run tally', () => {
  /** Every state, two runners, positions on both sides of `before`, and a failure in the first stage. */
  async function populate(store: FleetStateStore): Promise<void> {
    const targets: FleetTarget[] = Array.from({ length: 12 }, (_, k) => ({ id: `tenant-${String(k).padStart(2, '0')}.db`, db: `t${k}.db`, dir: 'migrations' }));
    await store.open({ runId: 'r-tally', fingerprint: 'fp', command: 'migrate' }, targets);
    const outcomes = ['succeeded', 'failed', 'succeeded', 'skipped', 'failed', 'running', 'running', 'failed'] as const;
    const held: FleetClaim[] = [];
    for (const [k, state] of outcomes.entries()) {
      const claim = (await store.claim(k % 2 ? 'host:1' : 'host:2', 12))!;
      if (state === 'running') held.push(claim);
      else await claim.finish({ state, ...(state === 'failed' ? { error: { code: 'X', message: 'x' } } : {}) });
    }
  }

  const stores: [string, () => Promise<FleetStateStore | string>][] = [
    ['the file journal', async () => new FileStateStore(join(tempDir('strata-tally-'), 'run.db'))],
    ['the PostgreSQL state', async () => (await skipUnlessServer('postgres')) || createPostgresFleetState(await freshDatabase('postgres', 'fleet_tally'), {})],
  ];
  for (const [name, make] of stores) {
    test(`${name}: tally counts what its records hold, for each runner and stage end`, async (t) => {
      const store = await make();
      if (typeof store === 'string') return t.skip(store);
      try {
        await populate(store);
        const records = await store.records();
        assert.deepEqual(
          records.map((r) => r.state),
          ['succeeded', 'failed', 'succeeded', 'skipped', 'failed', 'running', 'running', 'failed', 'pending', 'pending', 'pending', 'pending'],
        );
        for (const runner of ['host:1', 'host:2', 'elsewhere:3'])
          for (const before of [0, 3, 6, 7, 12, WHOLE_RUN])
            assert.deepEqual(await store.tally!(runner, before), tallyOf(records, runner, before), `${runner} before ${before}`);
        assert.deepEqual((await store.tally!('host:1', 7)).states, { pending: 4, running: 2, succeeded: 2, failed: 3, skipped: 1 });
      } finally {
        await store.close();
      }
    });
  }
});

describe('what a worker keeps from one target to the next', () => {
  test('StampMemo: one computation per key, a failure not kept, the oldest entry dropped when full', async () => {
    const memo = createStampMemo(2);
    let runs = 0;
    const compute = (value: string) => async () => {
      runs += 1;
      return value;
    };
    assert.equal(await memo.get('a', compute('A')), 'A');
    assert.equal(await memo.get('a', compute('other')), 'A');
    assert.equal(runs, 1);
    await assert.rejects(
      memo.get('b', async () => {
        throw new Error('catalog unreadable');
      }),
      /catalog unreadable/,
    );
    assert.equal(await memo.get('b', compute('B')), 'B', 'a failure is computed again');
    await memo.get('c', compute('C'));
    assert.equal(await memo.get('a', compute('A again')), 'A again', 'capacity 2: a was dropped');
  });

  test('tenants of one schema get the fingerprint a catalog read gives: drift sees none, then sees a change made by hand', async () => {
    const f = fleet(names(4));
    const summary = await runFleet({ ...f.base, concurrency: 1 });
    assert.equal(summary.succeeded, 4);
    const fingerprints = names(4).map((name) => (ledger(f.path(name)).at(-1) as unknown as { schema_fingerprint: string }).schema_fingerprint);
    assert.equal(new Set(fingerprints).size, 1);
    assert.equal(fingerprints[0], await schemaFingerprint(f.path('t01')));
    new Database(f.path('t02')).exec('CREATE INDEX notes_body ON notes (body)').close();
    const drift = await fleetStatus({ ...f.base, check: 'drift' });
    assert.deepEqual(drift.drifting, ['tenants/t02.db']);
  });
});

describe('runFleet on SQLite files', () => {
  test('every target migrated with its own ledger; a corrupt file fails alone and is left as it was', async () => {
    const f = fleet(names(6), ['t03']);
    const before = readFileSync(f.path('t03'));
    const summary = await runFleet({ ...f.base, continueOnError: true, concurrency: 2 });
    assert.equal(summary.total, 6);
    assert.equal(summary.succeeded, 5);
    assert.equal(summary.failed, 1);
    assert.equal(summary.ok, false);
    assert.deepEqual(
      summary.failures.map((x) => [x.id, x.code]),
      [['tenants/t03.db', 'NOT_A_DATABASE']],
    );
    for (const name of names(6).filter((n) => n !== 't03')) assert.deepEqual(f.versions(name), ['1', '2']);
    assert.deepEqual(readFileSync(f.path('t03')), before);
    assert.ok(existsSync(summary.journal), 'the run is journalled');
    // Again: nothing to do, everything up to date, the corrupt one fails again.
    const again = await runFleet({ ...f.base, continueOnError: true });
    assert.equal(again.migrated, 0);
    assert.equal(again.succeeded, 5);
  });

  test('without --continue-on-error the first failure stops new targets: the rest are skipped with FLEET_HALTED, untouched', async () => {
    const f = fleet(names(5), ['t02']);
    const summary = await runFleet({ ...f.base, concurrency: 1 });
    assert.deepEqual([summary.succeeded, summary.failed, summary.skipped], [1, 1, 3]);
    assert.equal(summary.halted?.code, 'FLEET_HALTED');
    for (const name of ['t03', 't04', 't05']) assert.deepEqual(f.versions(name), []);
  });

  test('a failed canary stops the rollout before the rest start', async () => {
    const f = fleet(names(6), ['t02']);
    const summary = await runFleet({ ...f.base, canary: 2, continueOnError: true, concurrency: 4 });
    assert.deepEqual(summary.stages, [2, 6]);
    assert.deepEqual([summary.succeeded, summary.failed, summary.skipped], [1, 1, 4]);
    assert.match(summary.halted!.message, /canary/);
    for (const name of ['t03', 't04', 't05', 't06']) assert.deepEqual(f.versions(name), []);
  });

  test('stages: a stage starts only when the one before has finished', async () => {
    const f = fleet(names(10));
    const events = new EventChannel<FleetEvents>();
    const finished: string[] = [];
    events.on('fleet:target', (e) => finished.push(e.id));
    const progress: number[] = [];
    events.on('fleet:progress', (e) => progress.push(e.done));
    let done: unknown;
    events.on('fleet:done', (s) => (done = s));
    const summary = await runFleet({ ...f.base, stages: '1,30%,100%', concurrency: 4, events });
    assert.deepEqual(summary.stages, [1, 3, 10]);
    assert.equal(summary.succeeded, 10);
    assert.equal(finished[0], 'tenants/t01.db');
    assert.deepEqual(finished.slice(1, 3).sort(), ['tenants/t02.db', 'tenants/t03.db']);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(done, summary);
  });

  test('--max-failures halts when reached, with --continue-on-error going past the first', async () => {
    const f = fleet(names(8), ['t01', 't02', 't03']);
    const summary = await runFleet({ ...f.base, continueOnError: true, maxFailures: 2, concurrency: 1 });
    assert.deepEqual([summary.succeeded, summary.failed, summary.skipped], [0, 2, 6]);
    assert.match(summary.halted!.message, /2 targets failed, the limit \(--max-failures\) is 2/);
    const percent = await runFleet({ ...fleet(names(8), ['t01', 't02', 't03']).base, maxFailures: '25%', concurrency: 1 });
    assert.equal(percent.failed, 2);
  });

  test('only and exclude pick the targets; the others are not in the run', async () => {
    const f = fleet(names(4));
    const summary = await runFleet({ ...f.base, only: ['t0[12]*', 't01.db', 't02.db', 't03.db'], exclude: ['t03.db'] });
    assert.equal(summary.total, 2);
    assert.deepEqual(f.versions('t01'), ['1', '2']);
    assert.deepEqual(f.versions('t03'), []);
  });

  test('a dry run plans each target and writes nothing: no ledger, no journal', async () => {
    const f = fleet(names(3));
    const summary = await runFleet({ ...f.base, dryRun: true });
    assert.equal(summary.dryRun, true);
    // Plans come in the order targets finish (two run at once).
    assert.deepEqual(
      [...(summary.plans ?? [])].sort((a, b) => a.id.localeCompare(b.id)),
      names(3).map((n) => ({ id: `tenants/${n}.db`, versions: ['1', '2'] })),
    );
    for (const name of names(3)) assert.deepEqual(f.versions(name), []);
    assert.equal(existsSync(join(f.dir, '.strata')), false);
  });

  test('a target that cannot be opened fails with its code; the others go on', async () => {
    const f = fleet(['a']);
    const summary = await runFleet({
      base: f.dir,
      threads: false,
      settings: { backup: false },
      continueOnError: true,
      groups: [{ targets: { list: ['tenants/a.db', 'no/such/folder/b.db'] }, dir: 'migrations' }],
    });
    assert.deepEqual(
      summary.failures.map((x) => [x.id, x.code]),
      [['no/such/folder/b.db', 'DB_OPEN_FAILED']],
    );
    assert.deepEqual(f.versions('a'), ['1', '2']);
  });

  test('on worker threads (the pool reused across targets), with backups on', async () => {
    const f = fleet(names(6));
    const summary = await runFleet({ base: f.dir, groups: f.groups, concurrency: 2 });
    assert.equal(summary.threads, 2);
    assert.equal(summary.succeeded, 6);
    for (const name of names(6)) assert.deepEqual(f.versions(name), ['1', '2']);
    assert.ok(existsSync(join(f.dir, 'tenants', 'backups')), 'each target backed up beside it');
  });

  for (const threads of [false, true]) {
    test(`lint on every target, its findings kept per schema (${threads ? 'worker threads' : 'calling thread'}): a tenant whose schema a rule rejects fails, one alike passes`, async () => {
      // drop-table rejects only where the table exists: the tenants alternate between the two
      // schemas, so a finding kept for one schema must never be reused for the other.
      const f = fleet(names(6), [], { '0001_drop_legacy.sql': '-- migrate:up\nDROP TABLE IF EXISTS legacy;\n-- migrate:down\nSELECT 1;\n' });
      const withLegacy = ['t01', 't03', 't05'];
      for (const name of withLegacy) new Database(f.path(name)).exec('CREATE TABLE legacy (id INTEGER PRIMARY KEY)').close();
      const summary = await runFleet({ ...f.base, threads, continueOnError: true, concurrency: threads ? 2 : 1 });
      assert.equal(summary.threads, threads ? 2 : 0);
      assert.deepEqual(
        summary.failures.map((x) => [x.id, x.code]).sort(),
        withLegacy.map((name) => [`tenants/${name}.db`, 'PLAN_REJECTED']),
      );
      for (const failure of summary.failures) assert.match(failure.message, /sqlite\/drop-table/);
      assert.equal(summary.succeeded, 3);
      for (const name of names(6)) assert.deepEqual(f.versions(name), withLegacy.includes(name) ? [] : ['1']);
      // Without --continue-on-error the first rejection stops the rollout, as before.
      const halted = await runFleet({ ...f.base, threads, concurrency: 1 });
      assert.deepEqual([halted.failed, halted.halted?.code], [1, 'FLEET_HALTED']);
      assert.equal(halted.failures[0]!.code, 'PLAN_REJECTED');
    });
  }

  test('resume: no run to resume is FLEET_RUN_NOT_FOUND; a new migration since is FLEET_RUN_MISMATCH', async () => {
    const f = fleet(names(2));
    await rejectsWith(runFleet({ ...f.base, resume: true }), 'FLEET_RUN_NOT_FOUND');
    const first = await runFleet({ ...f.base });
    writeFiles(f.dir, { 'migrations/0003_more.sql': '-- migrate:up\nCREATE TABLE more (id INTEGER);\n' });
    await rejectsWith(runFleet({ ...f.base, resume: first.runId }), 'FLEET_RUN_MISMATCH', /cannot be resumed/);
    const resumed = await runFleet({ ...f.base, resume: true, runId: 'ignored' }).catch((e: { code: string }) => e.code);
    assert.equal(resumed, 'FLEET_RUN_MISMATCH');
  });
});

describe('fleetStatus', () => {
  test('a histogram of versions, pending targets, time since migrated, unreadable targets and the last run', async () => {
    const f = fleet(names(5), ['t05']);
    await runFleet({ ...f.base, only: ['t01.db', 't02.db', 't03.db'] });
    // t03 back to version 1: a histogram of 1 and 2; t04 never migrated.
    new Database(f.path('t03')).exec("DELETE FROM strata_migrations WHERE version = '2'").close();
    const now = new Date(Date.now() + 60_000);
    const report = await fleetStatus({ ...f.base, now });
    assert.deepEqual(report.versions, [
      { version: null, count: 1 },
      { version: '1', count: 1 },
      { version: '2', count: 2 },
    ]);
    assert.equal(report.behind, 2);
    assert.deepEqual(
      report.unreadable.map((u) => [u.id, u.code]),
      [['tenants/t05.db', 'NOT_A_DATABASE']],
    );
    assert.equal(report.ok, false);
    const t01 = report.targets.find((t) => t.id === 'tenants/t01.db')!;
    assert.ok(t01.sinceMs! >= 60_000 && t01.sinceMs! < 120_000, `since ${t01.sinceMs}`);
    assert.equal(report.targets.find((t) => t.id === 'tenants/t04.db')!.lastAppliedAt, null);
    assert.equal(report.lastRun?.failed.length, 0);
    // Status changed nothing.
    assert.deepEqual(f.versions('t04'), []);
  });

  test('drift: the targets whose schema changed outside the migrations', async () => {
    const f = fleet(names(3));
    await runFleet({ ...f.base });
    new Database(f.path('t02')).exec('ALTER TABLE notes ADD COLUMN sneaky TEXT').close();
    const report = await fleetStatus({ ...f.base, check: 'drift' });
    assert.deepEqual(report.drifting, ['tenants/t02.db']);
    assert.equal(report.ok, false);
    assert.match(report.problems[0]!.problems.join(), /sneaky/);
    const valid = await fleetStatus({ ...f.base, check: 'validate' });
    assert.equal(valid.ok, true);
  });
});

describe('strata fleet (built CLI)', () => {
  test('migrate --json, status --json: exit 0 when all is well, 1 with the failure named', () => {
    const f = fleet(names(3), ['t02']);
    const migrate = cli(['fleet', 'migrate', '--targets', 'tenants/*.db', '--dir', 'migrations', '--continue-on-error', '--no-backup', '--json'], {
      cwd: f.dir,
    });
    assert.equal(migrate.code, 1, migrate.stderr);
    const summary = parseJson(migrate);
    assert.deepEqual([summary.succeeded, summary.failed], [2, 1]);
    assert.equal(summary.failures[0].code, 'NOT_A_DATABASE');
    const status = cli(['fleet', 'status', '--targets', 'tenants/*.db', '--only', 't01.db', '--only', 't03.db', '--json'], { cwd: f.dir });
    const report = parseJson(status);
    assert.deepEqual(report.versions, [{ version: '2', count: 2 }]);
    // The last run's failure still shows: the fleet is not all good.
    assert.equal(status.code, 1);
    assert.equal(report.lastRun.failed[0].id, 'tenants/t02.db');
    const text = cli(['fleet', 'migrate', '--targets', 'tenants/*.db', '--exclude', 't02.db', '--no-backup'], { cwd: f.dir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /fleet: 2 target\(s\): 2 succeeded, 0 failed, 0 skipped/);
  });

  test('the config\'s "fleet" with a folder per group; bad input is a coded error', () => {
    const f = fleet(['a', 'b']);
    writeFiles(f.dir, {
      'eu/c.db': '',
      'other-migrations/0001_x.sql': '-- migrate:up\nCREATE TABLE x (id INTEGER);\n',
      'strata.config.json': JSON.stringify({
        backup: false,
        fleet: { groups: { us: { targets: 'tenants/*.db', dir: 'migrations' }, eu: { targets: 'eu/*.db', dir: 'other-migrations' } } },
      }),
    });
    const run = cli(['fleet', 'migrate', '--json'], { cwd: f.dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(parseJson(run).succeeded, 3);
    assert.deepEqual(
      ledger(join(f.dir, 'eu/c.db')).map((r) => r.version),
      ['1'],
    );
    assert.deepEqual(f.versions('a'), ['1', '2']);
    const usage = cli(['fleet', 'migrat'], { cwd: f.dir });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /did you mean 'migrate'/);
    writeFiles(f.dir, { 'strata.config.json': JSON.stringify({ fleet: { target: 'x' } }) });
    const bad = cli(['fleet', 'status'], { cwd: f.dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /CONFIG_INVALID.*unknown fleet setting "target"; did you mean "targets"/);
    writeFiles(f.dir, { 'strata.config.json': '{}' });
    const nothing = cli(['fleet', 'status', '--targets', 'none/*.db', '--json'], { cwd: f.dir });
    assert.equal(parseJson(nothing).total, 0);
    const none = cli(['fleet', 'migrate', '--targets', 'none/*.db'], { cwd: f.dir });
    assert.equal(none.code, 0);
    assert.match(none.stderr, /no target found/);
  });

  test('in a log (not a terminal): a progress line with the rate at each tick, and each failure as it happens', () => {
    const f = fleet(names(4), ['t04'], {
      '0001_slow.sql': '-- migrate:up\nCREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100000) SELECT x FROM c;\n',
    });
    const run = cli(['fleet', 'migrate', '--targets', 'tenants/*.db', '--concurrency', '1', '--no-backup', '--continue-on-error'], {
      cwd: f.dir,
      env: { STRATA_PROGRESS_INTERVAL_MS: '20' },
    });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^fleet: \d\/4 done(, 1 failed)?, [\d.]+\/s/m);
    assert.match(run.stderr, /^FAILED tenants\/t04.db: NOT_A_DATABASE/m);
    assert.doesNotMatch(run.stdout, /\x1b\[/, 'no redrawn line in a log');
  });
});

describe('cancelling', () => {
  test('an aborted run stops starting targets; the rest stay pending and --resume finishes them', async () => {
    const f = fleet(names(5));
    const controller = new AbortController();
    const events = new EventChannel<FleetEvents>();
    events.on('fleet:target', () => controller.abort());
    const stopped = await runFleet({ ...f.base, concurrency: 1, signal: controller.signal, events });
    assert.deepEqual([stopped.succeeded, stopped.pending, stopped.cancelled, stopped.ok], [1, 4, true, false]);
    assert.deepEqual(f.versions('t02'), []);
    const resumed = await runFleet({ ...f.base, resume: true });
    assert.equal(resumed.runId, stopped.runId);
    assert.deepEqual([resumed.succeeded, resumed.resumedPast, resumed.pending, resumed.ok], [5, 1, 0, true]);
  });
});
