/**
 * The built CLI on a PGlite data folder (`--db pglite:<folder>`), as users run it: every command
 * that touches the database, each in a process of its own (the folder is one process's at a time).
 */
import { PGlite } from '@electric-sql/pglite';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOk, cli, parseJson, tempDir, writeFiles } from './helpers.js';

const MIGRATIONS = {
  '0001_people.sql': `-- migrate:up
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO people (id, name) VALUES (1, 'Ada');
-- migrate:down
DROP TABLE people;
`,
  '0002_pets.sql': `-- migrate:up
CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL REFERENCES people (id));
-- migrate:down
DROP TABLE pets;
`,
};

async function names(folder: string): Promise<string[]> {
  const pg = new PGlite(folder);
  try {
    return (await pg.query<{ name: string }>('SELECT name FROM people ORDER BY id')).rows.map((row) => row.name);
  } finally {
    await pg.close();
  }
}

test('migrate, status, validate, rollback and backups on --db pglite:<folder>', async () => {
  const dir = tempDir('strata-pglite-cli-');
  mkdirSync(join(dir, 'migrations'));
  writeFiles(join(dir, 'migrations'), MIGRATIONS);
  const run = (...args: string[]) => cli([...args, '--db', 'pglite:./data'], { cwd: dir });

  const migrated = run('migrate');
  assertOk(migrated);
  assert.match(migrated.stdout, /2 migration\(s\) applied .* now at version 2/);

  const status = parseJson(run('status', '--json'));
  assert.equal(status.currentVersion, '2');

  const validated = run('validate');
  assertOk(validated);
  assert.match(validated.stdout, /pglite:data is valid/);

  const created = parseJson(run('backup', 'create', '--json')) as { backup: { id: string; kind: string; schemaVersion: string } };
  assert.equal(created.backup.kind, 'pglite');
  assert.equal(created.backup.schemaVersion, '2');

  const verified = run('backup', 'verify', created.backup.id);
  assertOk(verified);

  const rolledBack = run('rollback');
  assertOk(rolledBack);
  assert.match(rolledBack.stdout, /reverted\s+2_pets/);

  await (async () => {
    const pg = new PGlite(join(dir, 'data'));
    try {
      await pg.exec("UPDATE people SET name = 'changed'");
    } finally {
      await pg.close();
    }
  })();
  assertOk(run('backup', 'restore', created.backup.id));
  assert.deepEqual(await names(join(dir, 'data')), ['Ada']);
  assert.equal((parseJson(run('status', '--json')) as { currentVersion: string }).currentVersion, '2');
});
