/**
 * PostgreSQL schema-per-tenant fleets on the real server: each tenant's ledger and lock live in
 * its schema, so tenants migrate side by side (their migrations overlap in time, which one lock
 * for all schemas would forbid); a schema that cannot be created and an unreachable server fail
 * alone, with their codes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fleetStatus, runFleet } from '../src/fleet.js';
import { describeOnDialect } from './conformance/describe-dialect.js';
import { DIALECTS } from './conformance/dialects.js';
import { cli, parseJson, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, withPostgres } from './servers.js';

const postgres = DIALECTS.find((d) => d.name === 'postgres')!;

await describeOnDialect('fleet of tenant schemas', postgres, () => {
  test('tenants migrate concurrently, each with its own ledger and lock; a bad schema fails alone', { timeout: 120_000 }, async () => {
    const url = await freshDatabase('postgres', 'strata_fleet');
    const dir = tempDir('strata-fleet-pg-');
    writeFiles(dir, {
      'migrations/0001_notes.sql': '-- migrate:up\nCREATE TABLE notes (id serial PRIMARY KEY, body text);\n',
      // Each tenant notes when its step started and ended, in a table outside the tenants' schemas.
      'migrations/0002_slow.sql':
        "-- migrate:up\nINSERT INTO public.marks VALUES (current_schema(), 'start', clock_timestamp());\nSELECT pg_sleep(1);\nINSERT INTO public.marks VALUES (current_schema(), 'end', clock_timestamp());\n",
    });
    await withPostgres(async (client) => void (await client.query('CREATE TABLE public.marks (tenant text, at_point text, at timestamptz)')), url);
    const tenants = ['tenant_a', 'tenant_b', 'tenant_c', 'tenant_d'];
    const summary = await runFleet({
      base: dir,
      groups: [{ targets: { db: url, schemas: [...tenants, 'pg_reserved'] }, dir: 'migrations' }],
      concurrency: 5,
      // On this thread: PostgreSQL work is asynchronous, and the tenants then start together
      // (worker threads under tsx start one by one, seconds apart, which would hide a shared lock).
      threads: false,
      continueOnError: true,
      settings: { backup: false },
    });
    assert.equal(summary.succeeded, 4, JSON.stringify(summary.failures));
    assert.equal(summary.failed, 1);
    assert.match(summary.failures[0]!.id, /#pg_reserved$/);
    assert.notEqual(summary.failures[0]!.code, 'INTERNAL', summary.failures[0]!.message);
    assert.doesNotMatch(summary.failures[0]!.id, /:[^@/]*@/, 'no password in ids');

    await withPostgres(async (client) => {
      for (const tenant of tenants) {
        const { rows } = await client.query(`SELECT version FROM "${tenant}".strata_migrations ORDER BY version`);
        assert.deepEqual(
          rows.map((r) => r.version),
          ['1', '2'],
          `${tenant} has its own ledger`,
        );
      }
      // Every tenant's slow step started before any of them ended: none waited on another's lock.
      const { rows } = await client.query<{ last_start: Date; first_end: Date; tenants: number }>(
        "SELECT max(at) FILTER (WHERE at_point = 'start') AS last_start, min(at) FILTER (WHERE at_point = 'end') AS first_end, count(DISTINCT tenant)::int AS tenants FROM public.marks",
      );
      assert.equal(rows[0]!.tenants, 4);
      assert.ok(
        rows[0]!.last_start < rows[0]!.first_end,
        `overlapping: last start ${rows[0]!.last_start.toISOString()}, first end ${rows[0]!.first_end.toISOString()}`,
      );
    }, url);

    // Status from a schemas query: a histogram over the tenants, nothing migrated.
    const status = await fleetStatus({
      base: dir,
      groups: [{ targets: { db: url, schemas: { query: "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1" } }, dir: 'migrations' }],
      concurrency: 2,
    });
    assert.deepEqual(status.versions, [{ version: '2', count: 4 }]);
    assert.deepEqual(status.unreadable, []);
    // Not all good: the last run's failure (pg_reserved) is still on record.
    assert.deepEqual(
      status.lastRun?.failed.map((f) => f.code),
      ['SCHEMA_RESERVED'],
    );
    assert.equal(status.ok, false);

    // The CLI, schemas listed on the command line.
    const listed = cli(['fleet', 'status', '--db', url, '--schemas', 'tenant_a,tenant_b', '--dir', 'migrations', '--state-dir', 'no-runs', '--json'], {
      cwd: dir,
    });
    assert.equal(listed.code, 0, listed.stdout + listed.stderr);
    assert.deepEqual(parseJson(listed).versions, [{ version: '2', count: 2 }]);
  });

  test('an unreachable server fails its target with a code; the others are migrated', { timeout: 60_000 }, async () => {
    const url = await freshDatabase('postgres', 'strata_fleet');
    const dir = tempDir('strata-fleet-pg-');
    writeFiles(dir, { 'migrations/0001_notes.sql': '-- migrate:up\nCREATE TABLE notes (id serial PRIMARY KEY);\n' });
    const unreachable = 'postgres://postgres:secret@127.0.0.1:1/nowhere';
    const summary = await runFleet({
      base: dir,
      groups: [{ targets: { list: [url, unreachable] }, dir: 'migrations' }],
      continueOnError: true,
      threads: false,
      settings: { backup: false, lockTimeoutMs: 2000 },
    });
    assert.equal(summary.succeeded, 1);
    assert.deepEqual(
      summary.failures.map((f) => f.id),
      ['postgres://postgres@127.0.0.1:1/nowhere'],
    );
    assert.notEqual(summary.failures[0]!.code, 'INTERNAL', summary.failures[0]!.message);
  });
});
