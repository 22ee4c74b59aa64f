/**
 * `backup restore`, `delete` and `prune` take the migration lock `migrate` takes: raced against
 * a real `strata migrate` in another process, a restore waits for it (or fails with
 * LOCK_TIMEOUT), and never wipes half of a step whose ledger row then says it applied.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertFailure, assertOk, cli, cliAsync, describeRun, ledger, parseJson, query, tempDir, writeFiles } from './helpers.js';

/** 0002 runs outside a transaction and waits, between its two inserts, until the test lets it go on. */
function migrations(flag: string): Record<string, string> {
  return {
    '0001_base.sql': "CREATE TABLE base (v TEXT NOT NULL); INSERT INTO base (v) VALUES ('1');",
    '0002_slow.mjs': `import { existsSync } from 'node:fs';
export const transaction = false;
export async function up(ctx) {
  await ctx.run("INSERT INTO base (v) VALUES ('2a')");
  while (!existsSync(${JSON.stringify(flag)})) await new Promise((resolve) => setTimeout(resolve, 20));
  await ctx.run("INSERT INTO base (v) VALUES ('2b')");
}
`,
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function stepRunning(db: string): boolean {
  try {
    return query<{ status: string }>(db, "SELECT status FROM strata_migrations WHERE version = '2'")[0]?.status === 'running';
  } catch {
    return false;
  }
}

describe('restore, delete and prune against a running migrate (two processes)', () => {
  test('restore with a short --lock-timeout: LOCK_TIMEOUT, nothing restored; a waiting restore runs after the migrate, and the result is consistent', async (t) => {
    const dir = tempDir('strata-restore-race-');
    const flag = join(dir, 'go-on');
    writeFiles(join(dir, 'migrations'), migrations(flag));
    const db = join(dir, 'app.db');
    const run = (...args: string[]) => cli([...args, '--db', db], { cwd: dir });
    assertOk(run('migrate', '--to', '0001', '--no-backup'));
    const made = run('backup', 'create', '--json');
    assertOk(made);
    const id = parseJson(made).backup.id as string;

    // The migrate takes its own backup first (kept: its automatic restore would need it).
    const migrating = cliAsync(['migrate', '--db', db], { cwd: dir });
    // Whatever fails below, the migrate is let go on (no process outlives the test).
    t.after(() => writeFileSync(flag, ''));
    await until(() => stepRunning(db), 'migrate to start 0002');

    const impatient = run('backup', 'restore', id, '--lock-timeout', '300');
    assertFailure(impatient, 'LOCK_TIMEOUT');
    assert.match(impatient.stderr, /nothing was restored/);
    const listed = parseJson(run('backup', 'list', '--json')).backups as { id: string; description: string }[];
    const migratesOwn = listed.find((b) => /before migrate/.test(b.description));
    assert.ok(migratesOwn, describeRun(run('backup', 'list')));
    assertFailure(run('backup', 'delete', migratesOwn.id, '--lock-timeout', '300'), 'LOCK_TIMEOUT');
    assertFailure(run('backup', 'prune', '--lock-timeout', '300'), 'LOCK_TIMEOUT');
    assert.ok(stepRunning(db), 'the restore attempts must not have touched the migrating database');

    let patientSaid = '';
    const patient = cliAsync(['backup', 'restore', id, '--db', db], { cwd: dir, onStderr: (text) => (patientSaid = text) });
    // Let go of the migrate only once the restore says it waits on the lock: a fixed pause let a
    // restore slow to start (a loaded CI machine) find the migrate finished and never wait.
    await until(() => /waiting for the migration/.test(patientSaid), 'the restore to wait for the migration lock');
    assert.deepEqual(query(db, 'SELECT v FROM base ORDER BY rowid'), [{ v: '1' }, { v: '2a' }], 'the waiting restore must not touch it yet');
    writeFileSync(flag, '');
    const migrated = await migrating;
    assertOk(migrated);
    const restored = await patient;
    assertOk(restored);
    assert.match(restored.stderr, /waiting for the migration/);

    // An independent reader: the database is the backup's, ledger and tables alike.
    assert.deepEqual(
      ledger(db).map((row) => [row.version, row.status]),
      [['1', 'applied']],
    );
    assert.deepEqual(query(db, 'SELECT v FROM base ORDER BY rowid'), [{ v: '1' }]);
    assertOk(run('validate'));
    // The safety backup made by the restore holds what the migrate finished.
    assert.match(restored.stdout, /what it replaced is kept as backup/);
    assert.ok(parseJson(run('backup', 'list', '--json')).backups.some((b: { id: string }) => b.id === migratesOwn.id));
  });
});
