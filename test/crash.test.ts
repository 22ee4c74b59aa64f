/**
 * A process killed in the middle of a migration (SIGKILL: no finally, no cleanup) leaves the old
 * state or the new one, never a mix; the next run reports or finishes the work.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertFailure, assertOk, CLI, cli, ledger, parseJson, snapshot, tempDir, writeFiles } from './helpers.js';

const BASE = {
  '0001_base.sql':
    "-- migrate:up\nCREATE TABLE base (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO base (v) VALUES ('kept');\n-- migrate:down\nDROP TABLE base;\n",
};

/** A migration that writes, says so on stderr, then hangs until it is killed. */
function hangingMigration(transaction: boolean): string {
  return `${transaction ? '' : 'export const transaction = false;\n'}export async function up(ctx) {
  await ctx.exec('CREATE TABLE half (x)');
  await ctx.run("UPDATE base SET v = 'changed'");
  await ctx.run("INSERT INTO base (v) VALUES ('added')");
  process.stderr.write('halfway\\n');
  await new Promise((resolve) => setTimeout(resolve, 60_000));
}
`;
}

async function killHalfway(cwd: string): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'migrate'], { cwd, env: { ...process.env, DATABASE_URL: '' } });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.includes('halfway')) resolve();
    });
    child.on('exit', () => reject(new Error(`the migration exited before it was killed: ${stderr}`)));
  });
  child.kill('SIGKILL');
  await once(child, 'exit');
}

describe('a process killed mid-migration', () => {
  test('inside a transaction: schema, data and ledger are exactly as before; the next run applies it', async () => {
    const dir = tempDir('strata-crash-');
    writeFiles(join(dir, 'migrations'), BASE);
    assertOk(cli(['migrate'], { cwd: dir }));
    const before = snapshot(join(dir, 'strata.db'));
    writeFiles(join(dir, 'migrations'), { '0002_slow.mjs': hangingMigration(true) });
    await killHalfway(dir);
    assert.deepEqual(snapshot(join(dir, 'strata.db')), before);
    const status = parseJson<{ migrations: { version: string; state: string }[] }>(cli(['status', '--json'], { cwd: dir }));
    assert.deepEqual(
      status.migrations.map((m) => [m.version, m.state]),
      [
        ['1', 'applied'],
        ['2', 'pending'],
      ],
    );
    // The lock died with the process: the next run is not blocked.
    writeFiles(join(dir, 'migrations'), { '0002_slow.mjs': "export async function up(ctx) { await ctx.exec('CREATE TABLE half (x)'); }\n" });
    assertOk(cli(['migrate', '--lock-timeout', '2000'], { cwd: dir }));
    assert.deepEqual(
      ledger(join(dir, 'strata.db')).map((r) => r.version),
      ['1', '2'],
    );
  });

  test('outside a transaction: the step is reported as running, migrate refuses, repair settles it', async () => {
    const dir = tempDir('strata-crash-');
    writeFiles(join(dir, 'migrations'), BASE);
    assertOk(cli(['migrate'], { cwd: dir }));
    writeFiles(join(dir, 'migrations'), { '0002_slow.mjs': hangingMigration(false) });
    await killHalfway(dir);
    const status = parseJson<{ migrations: { version: string; state: string }[] }>(cli(['status', '--json'], { cwd: dir }));
    assert.deepEqual(
      status.migrations.map((m) => [m.version, m.state]),
      [
        ['1', 'applied'],
        ['2', 'running'],
      ],
    );
    const refused = cli(['migrate'], { cwd: dir });
    assertFailure(refused, 'MIGRATION_INCOMPLETE');
    assert.match(refused.stderr, /strata repair 2 --applied/);
    // SQLite runs in the process: nothing of it goes on after the kill, so no server to wait for.
    assert.doesNotMatch(refused.stderr, /on the server/);
    assertOk(cli(['repair', '2', '--applied'], { cwd: dir }));
    assertOk(cli(['validate'], { cwd: dir }));
  });
});
