/**
 * `strata adopt --from node-pg-migrate`: the ledger made by node-pg-migrate's own runner (what
 * its CLI calls) on PostgreSQL, the only database the tool supports, read by Strata.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runner } from 'node-pg-migrate';
import { nodePgMigrateReader } from '../src/adopt/tools/node-pg-migrate.js';
import { tempDir, writeFiles } from './helpers.js';
import { adoptThenMigrate, readHistory, scratchDatabase, skipFor, strataProject } from './adopt-js-helpers.js';

const MIGRATIONS = {
  '1700000000000_create-users.js': `
exports.up = (pgm) => { pgm.createTable('users', { id: 'id', name: { type: 'text' } }); };
exports.down = (pgm) => { pgm.dropTable('users'); };
`,
  '1700000100000_add-email.js': `
exports.up = (pgm) => { pgm.addColumn('users', { email: { type: 'text' } }); };
exports.down = (pgm) => { pgm.dropColumn('users', 'email'); };
`,
};

async function nodePgMigrateProject(options: { migrationsSchema?: string } = {}) {
  const db = await scratchDatabase('postgres');
  const project = tempDir('strata-adopt-npm-');
  const dir = join(project, 'migrations');
  writeFiles(dir, MIGRATIONS);
  await runner({
    databaseUrl: db.url,
    dir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    ...(options.migrationsSchema ? { migrationsSchema: options.migrationsSchema, createMigrationsSchema: true } : {}),
    log: () => undefined,
  });
  return { db, dir, project };
}

describe('adopt node-pg-migrate on postgres', { skip: await skipFor('postgres') }, () => {
  it('reads the history node-pg-migrate recorded: versions from the names, run_on as appliedAt', async () => {
    const started = Date.now();
    const { db } = await nodePgMigrateProject();
    const history = await readHistory(nodePgMigrateReader, db.url);
    assert.ok(history);
    assert.equal(history.source, 'pgmigrations');
    assert.deepEqual(
      history.steps.map(({ version, name }) => ({ version, name })),
      [
        { version: '1700000000000', name: '1700000000000_create-users' },
        { version: '1700000100000', name: '1700000100000_add-email' },
      ],
    );
    for (const step of history.steps) assert.ok(step.appliedAt && Math.abs(Date.parse(step.appliedAt) - started) < 15 * 3600_000, String(step.appliedAt));
  });

  it('strata adopt --from node-pg-migrate, then migrate applies only the new migration and status shows the history', async () => {
    const { db, project } = await nodePgMigrateProject();
    strataProject(project, db);
    adoptThenMigrate(project, 'node-pg-migrate', ['1700000000000', '1700000100000'], { repeat: true });
  });

  it('reads the ledger in another schema (--migrations-schema) as schema.table', async () => {
    const { db } = await nodePgMigrateProject({ migrationsSchema: 'npm_ledger' });
    assert.equal(await readHistory(nodePgMigrateReader, db.url), null, 'public.pgmigrations is not there');
    const history = await readHistory(nodePgMigrateReader, db.url, { table: 'npm_ledger.pgmigrations' });
    assert.equal(history?.source, 'npm_ledger.pgmigrations');
    assert.equal(history?.steps.length, 2);
    const project = tempDir('strata-adopt-npm-');
    strataProject(project, db);
    adoptThenMigrate(project, 'node-pg-migrate', ['1700000000000', '1700000100000'], { table: 'npm_ledger.pgmigrations', quick: true });
  });
});
