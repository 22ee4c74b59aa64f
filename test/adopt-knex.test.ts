/**
 * `strata adopt --from knex`: the ledger made by knex itself (its migrate.latest(), the same
 * Migrator its CLI runs) on SQLite, PostgreSQL and MariaDB, read by Strata.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import { knexReader } from '../src/adopt/tools/knex.js';
import { assertFailure, cli, rejectsWith, tempDir, writeFiles } from './helpers.js';
import { adoptThenMigrate, type DatabaseKind, readHistory, type ScratchDatabase, scratchDatabase, skipFor, strataProject } from './adopt-js-helpers.js';

const MIGRATIONS = {
  '20240101120000_create_users.js': `
exports.up = (knex) => knex.schema.createTable('users', (t) => { t.increments('id'); t.string('name'); });
exports.down = (knex) => knex.schema.dropTable('users');
`,
  '20240102093000_add_email.js': `
exports.up = (knex) => knex.schema.alterTable('users', (t) => { t.string('email'); });
exports.down = (knex) => knex.schema.alterTable('users', (t) => { t.dropColumn('email'); });
`,
};

function knexFor(db: ScratchDatabase): Knex {
  if (db.kind === 'sqlite') return knexFactory({ client: 'better-sqlite3', connection: { filename: db.file! }, useNullAsDefault: true });
  if (db.kind === 'postgres') return knexFactory({ client: 'pg', connection: db.url });
  return knexFactory({ client: 'mysql2', connection: { host: db.host, port: db.port, user: db.user, database: db.database } });
}

/** A knex project: its migrations folder, run by knex into a fresh database. */
async function knexProject(kind: DatabaseKind, config: { tableName?: string } = {}) {
  const db = await scratchDatabase(kind);
  const project = tempDir('strata-adopt-knex-');
  const dir = join(project, 'migrations');
  writeFiles(dir, MIGRATIONS);
  const knex = knexFor(db);
  try {
    await knex.migrate.latest({ directory: dir, ...config });
  } finally {
    await knex.destroy();
  }
  return { db, dir, project };
}

for (const kind of ['sqlite', 'postgres', 'mariadb'] as const) {
  describe(`adopt knex on ${kind}`, { skip: await skipFor(kind) }, () => {
    it('reads the history knex recorded: versions from the file names, names as stored, applied times', async () => {
      const started = Date.now();
      const { db } = await knexProject(kind);
      const history = await readHistory(knexReader, db.url);
      assert.ok(history);
      assert.equal(history.source, 'knex_migrations');
      assert.deepEqual(
        history.steps.map(({ version, name }) => ({ version, name })),
        [
          { version: '20240101120000', name: '20240101120000_create_users.js' },
          { version: '20240102093000', name: '20240102093000_add_email.js' },
        ],
      );
      assert.deepEqual(history.unfinished, []);
      for (const step of history.steps) {
        assert.ok(step.appliedAt, 'knex records migration_time');
        // MySQL DATETIME and pg timestamps carry no zone, so allow the machine's offset.
        assert.ok(Math.abs(Date.parse(step.appliedAt) - started) < 15 * 3600_000, step.appliedAt);
      }
    });

    it('strata adopt --from knex, then strata migrate applies only the new migration and status shows the history', async () => {
      const { db, project } = await knexProject(kind);
      strataProject(project, db);
      adoptThenMigrate(project, 'knex', ['20240101120000', '20240102093000'], { repeat: kind === 'sqlite' });
    });

    // Through the CLI on SQLite only: the reader test below covers a renamed ledger on the servers.
    if (kind === 'sqlite')
      it('adopts a renamed ledger through --tool-table', async () => {
        const { db, project } = await knexProject(kind, { tableName: 'app_migrations' });
        strataProject(project, db);
        adoptThenMigrate(project, 'knex', ['20240101120000', '20240102093000'], { table: 'app_migrations', quick: true });
      });

    it('reads a renamed ledger table (knexfile tableName)', async () => {
      const { db } = await knexProject(kind, { tableName: 'app_migrations' });
      assert.equal(await readHistory(knexReader, db.url), null, 'no knex_migrations table: nothing to adopt');
      const history = await readHistory(knexReader, db.url, { table: 'app_migrations' });
      assert.equal(history?.steps.length, 2);
    });

    it('refuses while knex holds its lock', async () => {
      const { db } = await knexProject(kind);
      const knex = knexFor(db);
      try {
        await knex('knex_migrations_lock').update({ is_locked: 1 });
      } finally {
        await knex.destroy();
      }
      const error = await rejectsWith(readHistory(knexReader, db.url), 'ADOPT_LEDGER_LOCKED', /knex_migrations_lock\.is_locked = 1/);
      assert.match(error.hint ?? '', /knex migrate:unlock/);
      const project = tempDir('strata-adopt-knex-');
      strataProject(project, db);
      const refused = cli(['adopt', '--from', 'knex'], { cwd: project });
      assertFailure(refused, 'ADOPT_LEDGER_LOCKED');
    });
  });
}
