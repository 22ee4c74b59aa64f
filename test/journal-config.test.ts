/** The journal turned on from strata.config ("journal": true), read back with `strata log`. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, tempDir, writeFiles } from './helpers.js';

test('"journal": true in the config records runs; strata log --export json reads them back', () => {
  const dir = tempDir();
  writeFiles(dir, {
    'strata.config.json': JSON.stringify({ journal: true, backup: false }),
    'migrations/0001_a.sql': 'CREATE TABLE a (x);',
    'migrations/0002_b.sql': 'CREATE TABLE b (x);\nSELECT * FROM missing;',
  });
  assert.equal(cli(['migrate', '--to', '1'], { cwd: dir }).code, 0);
  assert.equal(cli(['migrate'], { cwd: dir }).code, 1);
  const log = cli(['log', '--export', 'json'], { cwd: dir });
  assert.equal(log.code, 0, log.stderr);
  const entries = JSON.parse(log.stdout) as { event: string; migration: string | null; level: string }[];
  assert.ok(
    entries.some((e) => e.event === 'migrated' && e.migration === '1'),
    log.stdout,
  );
  assert.ok(
    entries.some((e) => e.event === 'failed' && e.migration === '2' && e.level === 'ERROR'),
    log.stdout,
  );
  const bad = cli(['status'], { cwd: dir, env: {} });
  assert.equal(bad.code, 0);
  writeFiles(dir, { 'strata.config.json': JSON.stringify({ journal: 'yes' }) });
  const refused = cli(['status'], { cwd: dir });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /CONFIG_INVALID: .*journal must be true or false, or an object with level, table, got "yes"/);
});
