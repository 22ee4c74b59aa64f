import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LedgerEntry } from '../src/model/ledger.js';
import type { Migration } from '../src/model/migration.js';
import { findProblems, planDown, planUp, reconcile } from '../src/model/plan.js';
import { canonicalVersion, compareVersions } from '../src/model/version.js';
import { nextVersion, slug } from '../src/cli/commands/create.js';
import { parseFileName } from '../src/sources/file-name.js';
import { sha256Hex } from '../src/sources/sha256.js';
import { createHash } from 'node:crypto';

const migration = (version: string, checksum = `sha256:${version}`): Migration => ({
  version,
  name: `m${version}`,
  checksum,
  origin: `migrations/${version}_m${version}.sql`,
  load: () => Promise.reject(new Error('not loaded in planning tests')),
});
const applied = (version: string, checksum = `sha256:${version}`, status: LedgerEntry['status'] = 'applied'): LedgerEntry => ({
  version,
  name: `m${version}`,
  checksum,
  appliedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1,
  status,
  operation: 'up',
  statementsApplied: 0,
  error: null,
});

describe('checksums', () => {
  it("sha256Hex gives createHash's hex (checksums in ledgers written before stay equal)", () => {
    for (const text of ['', 'abc', 'héllo ✓ 😀\r\n', 'x'.repeat(64), 'CREATE TABLE t (id INTEGER);\n'.repeat(500)]) {
      assert.equal(sha256Hex(text), createHash('sha256').update(text).digest('hex'));
    }
  });
});

describe('versions', () => {
  it('orders integers numerically, timestamps included, without precision loss', () => {
    const sorted = ['20250115143045', '2', '10', '1', '99999999999999999999'].sort(compareVersions);
    assert.deepEqual(sorted, ['1', '2', '10', '20250115143045', '99999999999999999999']);
    assert.equal(canonicalVersion('0001'), '1');
    assert.equal(canonicalVersion('0'), '0');
  });

  it('parses the supported file names and refuses the rest', () => {
    assert.deepEqual(parseFileName('0001_create_users.sql'), { version: '1', name: 'create_users', kind: 'sql', part: undefined });
    assert.deepEqual(parseFileName('20250115143045_add.up.sql'), { version: '20250115143045', name: 'add', kind: 'sql', part: 'up' });
    assert.deepEqual(parseFileName('1548957970627_remove-db-version.sql')?.name, 'remove-db-version');
    assert.equal(parseFileName('3_seed.ts')?.kind, 'module');
    assert.equal(parseFileName('create_users.sql'), undefined);
    assert.equal(parseFileName('v1_init.sql'), undefined);
    assert.equal(parseFileName('V1__init.sql'), undefined);
    assert.deepEqual(parseFileName('task001_initial_schema.sql'), { version: 'task001', name: 'initial_schema', kind: 'sql', part: undefined });
    assert.deepEqual(parseFileName('knowledge2_embeddings.ts'), { version: 'knowledge002', name: 'embeddings', kind: 'module', part: undefined });
    assert.deepEqual(parseFileName('my_feature_0003_x.sql')?.version, 'my_feature003');
    assert.equal(parseFileName('1_x.up.ts'), undefined);
  });
});

describe('reconcile', () => {
  it('pending is membership in the ledger, not a high-water mark', () => {
    const r = reconcile([migration('1'), migration('2'), migration('3')], [applied('1'), applied('3')]);
    assert.deepEqual(
      r.pending.map((m) => m.version),
      ['2'],
    );
    assert.equal(r.currentVersion, '3');
    assert.deepEqual(
      findProblems(r).map((p) => p.code),
      ['OUT_OF_ORDER'],
    );
    assert.deepEqual(findProblems(r, { allowOutOfOrder: true }), []);
  });

  it('reports changed, missing, failed and running rows', () => {
    const r = reconcile(
      [migration('1', 'sha256:edited'), migration('4')],
      [applied('1'), applied('2'), applied('3', 'x', 'failed'), applied('5', 'y', 'running')],
    );
    assert.deepEqual(
      r.statuses.map((s) => [s.version, s.state]),
      [
        ['1', 'changed'],
        ['2', 'missing'],
        ['3', 'failed'],
        ['4', 'pending'],
        ['5', 'running'],
      ],
    );
    assert.deepEqual(
      findProblems(r).map((p) => p.code),
      ['CHECKSUM_MISMATCH', 'MIGRATION_FILE_MISSING', 'MIGRATION_INCOMPLETE', 'MIGRATION_INCOMPLETE'],
    );
    const incomplete = findProblems(r, { allowChanged: true, allowMissing: true, allowOutOfOrder: true });
    assert.deepEqual(
      incomplete.map((p) => p.version),
      ['3', '5'],
    );
    assert.match(incomplete[0]!.hint, /strata repair 3 --applied/);
    // Only a step left running, and only on a server, is told to wait for the server first.
    assert.doesNotMatch(incomplete[1]!.hint, /still be running/);
    const onServer = findProblems(r, { allowChanged: true, allowMissing: true, allowOutOfOrder: true, serverActivity: 'SHOW PROCESSLIST' });
    assert.doesNotMatch(onServer[0]!.hint, /still be running/);
    assert.match(
      onServer[1]!.hint,
      /^a statement the stopped process had sent may still be running on the server: wait until SHOW PROCESSLIST shows nothing more of it; then /,
    );
    assert.match(onServer[1]!.hint, /strata repair 5 --rolled-back/);
  });

  it('plans up to a version and down by steps or to a version', () => {
    const r = reconcile([migration('1'), migration('2'), migration('3'), migration('4')], [applied('1'), applied('2')]);
    assert.deepEqual(
      planUp(r, '3').map((m) => m.version),
      ['3'],
    );
    assert.deepEqual(
      planDown(r, { kind: 'last' }).map((e) => e.version),
      ['2'],
    );
    assert.deepEqual(
      planDown(r, { kind: 'steps', steps: 5 }).map((e) => e.version),
      ['2', '1'],
    );
    assert.deepEqual(
      planDown(r, { kind: 'to', version: '1' }).map((e) => e.version),
      ['2'],
    );
    assert.deepEqual(
      planDown(r, { kind: 'to', version: '0' }).map((e) => e.version),
      ['2', '1'],
    );
  });
});

describe('strata create numbering', () => {
  const now = new Date('2026-11-23T17:05:09Z');
  it('continues a sequence with its padding', () => {
    assert.equal(nextVersion([], now), '0001');
    assert.equal(nextVersion(['0001_a.sql', '0009_b.sql', 'README.md'], now), '0010');
    assert.equal(nextVersion(['001_a.sql'], now), '002');
    assert.equal(nextVersion(['1_a.sql', '2_b.sql'], now), '3');
    assert.equal(nextVersion(['000001_a.sql'], now), '000002');
  });
  it('uses a UTC timestamp in timestamp folders, always above the highest', () => {
    assert.equal(nextVersion(['20250115143045_a.sql'], now), '20261123170509');
    assert.equal(nextVersion(['20991231235959_future.sql'], now), '20991231235960');
  });
  it('slugs names', () => {
    assert.equal(slug('Add Users-Table'), 'add_users_table');
    assert.equal(slug('addUsersTable'), 'add_users_table');
    assert.equal(slug('  ;; '), '');
  });
});
