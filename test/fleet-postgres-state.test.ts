/**
 * The PostgreSQL fleet state (src/fleet/postgres-state.ts) against the real server: the tables
 * created once by racing runners, claims that never overlap, a claim freed by the server when its
 * runner is killed and handed out again as recovered, a late finish that cannot overwrite the
 * new holder's outcome, stages, halt, a run id reused with other migrations, and bad input.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fleetStatus } from '../src/fleet/fleet-status.js';
import { createPostgresFleetState, readPostgresFleetRun } from '../src/fleet/postgres-state.js';
import type { FleetClaim, FleetStateStore, FleetTarget } from '../src/fleet/fleet-state.js';
import { ErrorCode, type StrataError } from '../src/model/errors.js';
import { fnv1a32 } from '../src/targets/sql/server-url.js';
import { describeOnDialect } from './conformance/describe-dialect.js';
import { DIALECTS } from './conformance/dialects.js';
import { ROOT } from './helpers.js';
import { freshDatabase, withPostgres } from './servers.js';

const targets = (n: number): FleetTarget[] =>
  Array.from({ length: n }, (_, k) => ({ id: `tenant-${String(k).padStart(3, '0')}.db`, db: `t${k}.db`, dir: 'migrations' }));
const run = (runId: string, fingerprint = 'fp-1') => ({ runId, fingerprint, command: 'migrate' as const });

async function drain(store: FleetStateStore, runner: string, before = Number.POSITIVE_INFINITY): Promise<FleetClaim[]> {
  const claims: FleetClaim[] = [];
  for (let claim = await store.claim(runner, before); claim; claim = await store.claim(runner, before)) claims.push(claim);
  return claims;
}

/** Starts a process that claims `count` targets and holds them until killed; resolves once it holds them. */
function holdClaims(url: string, runId: string, count: number, ids: string[]): Promise<{ child: ChildProcess; claimed: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/fixtures/fleet/hold-claim.ts'), url, runId, String(count), ...ids], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('holding\n')) resolve({ child, claimed: [...out.matchAll(/^claimed (.+)$/gm)].map((m) => m[1]!) });
    });
    child.on('exit', (code) => reject(new Error(`hold-claim exited ${code} before holding: ${out}`)));
  });
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

await describeOnDialect('fleet state', DIALECTS.find((d) => d.name === 'postgres')!, () => {
  let url = '';
  const stores: FleetStateStore[] = [];
  const store = (schema?: string) => {
    const made = createPostgresFleetState(url, schema ? { schema } : {});
    stores.push(made);
    return made;
  };
  before(async () => {
    url = await freshDatabase('postgres', 'fleet_state');
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  test('runners opening at once create the tables once; the run holds every target pending, in order', async () => {
    const opened = Array.from({ length: 6 }, () => store('racing'));
    await Promise.all(opened.map((s) => s.open(run('r-open'), targets(5))));
    const records = await opened[0]!.records();
    assert.deepEqual(
      records.map((r) => [r.id, r.state, r.position, r.attempts]),
      targets(5).map((t, k) => [t.id, 'pending', k, 0]),
    );
    // A runner that knows one more target adds it after the others.
    const more = store('racing');
    await more.open(run('r-open'), [...targets(5), { id: 'late.db', db: 'late.db', dir: 'migrations' }]);
    assert.deepEqual((await more.records()).at(-1), { id: 'late.db', state: 'pending', position: 5, attempts: 0 });
  });

  test('two runners claiming at once get each target exactly once, and finished ones never again', async () => {
    const [a, b] = [store(), store()];
    await Promise.all([a.open(run('r-claim'), targets(40)), b.open(run('r-claim'), targets(40))]);
    // Two workers per runner, as --concurrency 2 does.
    const worker = async (s: FleetStateStore, name: string) => {
      const ids: string[] = [];
      for (let claim = await s.claim(name, Number.POSITIVE_INFINITY); claim; claim = await s.claim(name, Number.POSITIVE_INFINITY)) {
        assert.equal(claim.recovered, false);
        ids.push(claim.target.id);
        await claim.finish({ state: 'succeeded', fromVersion: null, toVersion: '2' });
      }
      return ids;
    };
    const got = (await Promise.all([worker(a, 'a:1'), worker(a, 'a:1'), worker(b, 'b:2'), worker(b, 'b:2')])).flat();
    assert.deepEqual(
      [...got].sort(),
      targets(40).map((t) => t.id),
    );
    const records = await a.records();
    assert.ok(records.every((r) => r.state === 'succeeded' && r.attempts === 1 && r.toVersion === '2' && r.fromVersion === undefined && r.finishedAt));
    assert.equal(await b.claim('b:2', Number.POSITIVE_INFINITY), null);
  });

  test("a claim waits while other runners hold the stage's last targets, and is null once they finish", async () => {
    const [a, b] = [store(), store()];
    await a.open(run('r-barrier'), targets(3));
    await b.open(run('r-barrier'), targets(3));
    const first = await a.claim('a:1', 1);
    assert.equal(first?.target.id, targets(1)[0]!.id);
    let answered = false;
    const waiting = b.claim('b:1', 1).then((claim) => {
      answered = true;
      return claim;
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(answered, false);
    await first!.finish({ state: 'succeeded' });
    assert.equal(await waiting, null);
    // The next stage: b goes on.
    assert.equal((await b.claim('b:1', 3))?.target.id, targets(2)[1]!.id);
  });

  test('claims stop at the end of the stage', async () => {
    const s = store();
    await s.open(run('r-stage'), targets(10));
    const first = await drain(s, 'r:1', 3);
    assert.deepEqual(
      first.map((c) => c.target.id),
      targets(3).map((t) => t.id),
    );
    await Promise.all(first.map((c) => c.finish({ state: 'succeeded' })));
    assert.equal((await drain(s, 'r:1', 3)).length, 0);
    const rest = await drain(s, 'r:1', 10);
    assert.equal(rest.length, 7);
    await Promise.all(rest.map((c) => c.finish({ state: 'succeeded' })));
  });

  test('a runner killed holding claims: the server frees them, the next runner gets them back as recovered', async () => {
    const runId = 'r-kill';
    const ids = targets(6).map((t) => t.id);
    const setup = store();
    await setup.open(run(runId, 'test'), targets(6));
    const holder = await holdClaims(url, runId, 2, ids);
    assert.deepEqual(holder.claimed, ids.slice(0, 2));
    // While it lives, its targets are not handed out: the others are, then a claim waits.
    const live: FleetClaim[] = [];
    for (let k = 0; k < 4; k++) live.push((await setup.claim('other:1', Number.POSITIVE_INFINITY))!);
    assert.deepEqual(
      live.map((c) => c.target.id),
      ids.slice(2),
    );
    await Promise.all(live.map((c) => c.finish({ state: 'succeeded' })));
    const waiting = setup.claim('other:1', Number.POSITIVE_INFINITY);
    const early = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('still waiting'), 600))]);
    assert.equal(early, 'still waiting');
    holder.child.kill('SIGKILL');
    await killed(holder.child);
    // The server drops the dead runner's locks with its connection: the waiting claim gets one.
    const recovered = [(await waiting)!];
    recovered.push((await setup.claim('other:1', Number.POSITIVE_INFINITY))!);
    // Both are freed at once when the connection drops: which one the waiting claim gets first is not part of the contract.
    assert.deepEqual(
      recovered.map((c) => [c.target.id, c.recovered, c.record.attempts, c.record.state]).sort(),
      ids.slice(0, 2).map((id) => [id, true, 2, 'running']),
    );
    await Promise.all(recovered.map((c) => c.finish({ state: 'succeeded' })));
    assert.ok((await setup.records()).every((r) => r.state === 'succeeded'));
  });

  test('a runner that lost its claim (its holder connection ended) cannot overwrite the outcome of the runner that took over', async () => {
    const [a, b] = [store(), store()];
    await a.open(run('r-late'), targets(1));
    await b.open(run('r-late'), targets(1));
    const first = await a.claim('a:1', Number.POSITIVE_INFINITY);
    assert.ok(first);
    await withPostgres(async (client) => {
      const { rows } = await client.query<{ pid: number }>(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::int = $1 AND objid::int = $2",
        [fnv1a32('strata_fleet:strata_fleet:r-late'), fnv1a32(targets(1)[0]!.id)],
      );
      assert.equal(rows.length, 1);
      await client.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    }, url);
    let second: FleetClaim | null = null;
    for (let k = 0; k < 50 && !second; k++) {
      second = await b.claim('b:1', Number.POSITIVE_INFINITY);
      if (!second) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(second?.recovered);
    await second.finish({ state: 'succeeded', toVersion: '3' });
    await first.finish({ state: 'failed', error: { code: 'MIGRATION_FAILED', message: 'late' } });
    assert.deepEqual(
      (await a.records()).map((r) => [r.state, r.attempts, r.toVersion, r.error]),
      [['succeeded', 2, '3', undefined]],
    );
  });

  test('close() with a claim unfinished lets it go (another runner recovers it); a kept connection that dropped is replaced', async () => {
    const [a, b] = [store(), store()];
    await a.open(run('r-close'), targets(3));
    await b.open(run('r-close'), targets(3));
    const first = await a.claim('a:1', Number.POSITIVE_INFINITY);
    await first!.finish({ state: 'succeeded' });
    // The holder kept for the next claim is ended by the server between two targets.
    await withPostgres(async (client) => {
      await client.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'strata fleet claim' AND datname = current_database() AND state = 'idle'",
      );
    }, url);
    const second = await a.claim('a:1', Number.POSITIVE_INFINITY);
    assert.equal(second?.target.id, targets(2)[1]!.id);
    await a.close();
    const taken = await b.claim('b:1', 2);
    assert.deepEqual([taken?.target.id, taken?.recovered], [targets(2)[1]!.id, true]);
    await taken!.finish({ state: 'succeeded' });
  });

  test('halt skips every pending target with the reason; running ones finish', async () => {
    const s = store();
    await s.open(run('r-halt'), targets(5));
    const claim = await s.claim('r:1', Number.POSITIVE_INFINITY);
    await s.halt({ code: 'FLEET_HALTED', message: 'max failures reached' });
    assert.equal(await s.claim('r:1', Number.POSITIVE_INFINITY), null);
    await claim!.finish({ state: 'failed', error: { code: 'MIGRATION_FAILED', message: 'boom' } });
    const records = await s.records();
    assert.deepEqual(
      records.map((r) => [r.state, r.error?.code]),
      [['failed', 'MIGRATION_FAILED'], ...Array(4).fill(['skipped', 'FLEET_HALTED'])],
    );
  });

  test('fleet status --state: the last run (or the one named) read without joining it; none in an empty state', async () => {
    const s = store('status_state');
    assert.equal(await readPostgresFleetRun(url, undefined, { schema: 'status_state' }), undefined, 'no tables yet');
    await s.open(run('r-status-1'), targets(2));
    for (const claim of await drain(s, 'r:1')) await claim.finish({ state: 'failed', error: { code: 'MIGRATION_FAILED', message: 'boom' } });
    const later = store('status_state');
    await later.open(run('r-status-2'), targets(3));
    await later.halt({ code: 'FLEET_HALTED', message: 'stopped' });
    const latest = await readPostgresFleetRun(url, undefined, { schema: 'status_state' });
    assert.equal(latest?.runId, 'r-status-2');
    assert.deepEqual(
      latest?.records.map((r) => r.state),
      ['skipped', 'skipped', 'skipped'],
    );
    const report = await fleetStatus({ targets: [], state: `${url}?schema=status_state`, runId: 'r-status-1' });
    assert.equal(report.lastRun?.runId, 'r-status-1');
    assert.deepEqual(
      report.lastRun?.failed.map((f) => f.code),
      ['MIGRATION_FAILED', 'MIGRATION_FAILED'],
    );
    assert.equal(report.ok, false, "the last run's failures make the status not ok");
    assert.doesNotMatch(report.lastRun!.journal, /:[^:@/]*@/, 'no password in what is shown');
  });

  test('a run id reused with other migrations is FLEET_RUN_MISMATCH; a runner missing a target of the run is too', async () => {
    await store().open(run('r-fp', 'fp-1'), targets(3));
    await assert.rejects(store().open(run('r-fp', 'fp-2'), targets(3)), (error: StrataError) => {
      assert.equal(error.code, ErrorCode.FLEET_RUN_MISMATCH);
      assert.match(error.message, /fleet run r-fp .* fp-1, now fp-2/);
      return true;
    });
    const partial = store();
    await partial.open(run('r-fp', 'fp-1'), targets(2).slice(1));
    await assert.rejects(partial.claim('p:1', Number.POSITIVE_INFINITY), { code: ErrorCode.FLEET_RUN_MISMATCH });
    // Nothing was taken: the target is still pending for a runner that has it.
    assert.deepEqual(
      (await partial.records()).map((r) => r.state),
      ['pending', 'pending', 'pending'],
    );
  });

  test('the schema comes from ?schema= or the option; a name that is not an identifier is CONFIG_INVALID', async () => {
    const viaUrl = createPostgresFleetState(`${url}?schema=from_url`);
    stores.push(viaUrl);
    await viaUrl.open(run('r-schema'), targets(1));
    assert.match(viaUrl.description, /\(schema from_url\)$/);
    await withPostgres(async (client) => {
      const { rows } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = 'from_url'");
      assert.equal(rows.length, 1);
    }, url);
    assert.throws(() => createPostgresFleetState(url, { schema: 'bad-name; DROP' }), { code: ErrorCode.CONFIG_INVALID });
    assert.throws(() => createPostgresFleetState('mysql://root@localhost/x'), { code: ErrorCode.CONFIG_INVALID });
    assert.throws(() => createPostgresFleetState('not a url'), { code: ErrorCode.CONFIG_INVALID });
  });

  test('an unreachable server is DB_OPEN_FAILED, without the password', async () => {
    const s = createPostgresFleetState('postgres://u:secret@127.0.0.1:1/x');
    await assert.rejects(s.open(run('r'), targets(1)), (error: StrataError) => {
      assert.equal(error.code, ErrorCode.DB_OPEN_FAILED);
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
    await s.close();
  });

  test('a user who may not create the schema gets DB_ADMIN_FAILED naming it', async () => {
    const role = `fleet_ro_${process.pid}`;
    await withPostgres(async (client) => {
      await client.query(`CREATE ROLE ${role} LOGIN`);
      await client.query(`REVOKE CREATE ON DATABASE ${new URL(url).pathname.slice(1)} FROM PUBLIC`);
    }, url);
    try {
      const limited = new URL(url);
      limited.username = role;
      const s = createPostgresFleetState(limited.toString(), { schema: 'not_allowed' });
      await assert.rejects(s.open(run('r'), targets(1)), (error: StrataError) => {
        assert.equal(error.code, ErrorCode.DB_ADMIN_FAILED);
        assert.match(error.message, /schema not_allowed/);
        return true;
      });
      await s.close();
    } finally {
      await withPostgres(async (client) => void (await client.query(`DROP ROLE IF EXISTS ${role}`)), url).catch(() => undefined);
    }
  });
});
