/**
 * `strata adopt --from umzug` and `--from sequelize`: ledgers written by umzug itself (its
 * JSONStorage and SequelizeStorage) and by Sequelize CLI's `db:migrate`, read by Strata.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Sequelize } from 'sequelize';
import { JSONStorage, SequelizeStorage, Umzug } from 'umzug';
import { sequelizeReader } from '../src/adopt/tools/sequelize.js';
import { umzugReader } from '../src/adopt/tools/umzug.js';
import { ROOT, rejectsWith, tempDir, writeFiles } from './helpers.js';
import { adoptThenMigrate, readHistory, type ScratchDatabase, scratchDatabase, skipFor, strataProject } from './adopt-js-helpers.js';

/** umzug migrations as its docs write them: `up({ context })` with the app's own connection. */
const UMZUG_MIGRATIONS = {
  '2024.01.15T12.30.45.create-users.cjs': `
exports.up = async ({ context }) => context.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
exports.down = async ({ context }) => context.exec('DROP TABLE users');
`,
  '2024.02.01T08.00.00.add-email.cjs': `
exports.up = async ({ context }) => context.exec('ALTER TABLE users ADD COLUMN email TEXT');
exports.down = async () => {};
`,
};

describe('adopt umzug with JSONStorage', () => {
  it('reads umzug.json as umzug wrote it, by --table path', async () => {
    const db = await scratchDatabase('sqlite');
    const project = tempDir('strata-adopt-umzug-');
    writeFiles(join(project, 'migrations'), UMZUG_MIGRATIONS);
    const ledgerFile = join(project, 'state', 'umzug.json');
    const connection = new Database(db.file!);
    try {
      const umzug = new Umzug({
        migrations: { glob: ['migrations/*.cjs', { cwd: project }] },
        context: connection,
        storage: new JSONStorage({ path: ledgerFile }),
        logger: undefined,
      });
      await umzug.up();
    } finally {
      connection.close();
    }
    const history = await readHistory(umzugReader, db.url, { table: ledgerFile });
    assert.ok(history);
    assert.equal(history.source, ledgerFile);
    assert.deepEqual(
      history.steps.map(({ version, name, appliedAt }) => ({ version, name, appliedAt })),
      [
        { version: '20240115123045', name: '2024.01.15T12.30.45.create-users.cjs', appliedAt: null },
        { version: '20240201080000', name: '2024.02.01T08.00.00.add-email.cjs', appliedAt: null },
      ],
    );
  });

  it('strata adopt --from umzug finds ./umzug.json umzug wrote; migrate applies only the new migration', async () => {
    const db = await scratchDatabase('sqlite');
    const project = tempDir('strata-adopt-umzug-');
    writeFiles(join(project, 'migrations'), UMZUG_MIGRATIONS);
    const connection = new Database(db.file!);
    try {
      await new Umzug({
        migrations: { glob: ['migrations/*.cjs', { cwd: project }] },
        context: connection,
        storage: new JSONStorage({ path: join(project, 'umzug.json') }),
        logger: undefined,
      }).up();
    } finally {
      connection.close();
    }
    strataProject(project, db);
    adoptThenMigrate(project, 'umzug', ['20240115123045', '20240201080000'], { repeat: true });
  });

  it('finds ./umzug.json when the database has no SequelizeMeta', async () => {
    const db = await scratchDatabase('sqlite');
    const project = tempDir('strata-adopt-umzug-');
    writeFiles(project, { 'umzug.json': JSON.stringify(['001-init.js', '002-users.js'], null, 2) });
    const cwd = process.cwd();
    process.chdir(project);
    try {
      const history = await readHistory(umzugReader, db.url);
      assert.deepEqual(
        history?.steps.map((step) => step.version),
        ['1', '2'],
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it('refuses a file that is not umzug JSON storage, naming it', async () => {
    const db = await scratchDatabase('sqlite');
    const file = join(tempDir('strata-adopt-umzug-'), 'umzug.json');
    writeFiles(file.slice(0, -'umzug.json'.length), { 'umzug.json': '{"executed": []}' });
    await rejectsWith(readHistory(umzugReader, db.url, { table: file }), 'ADOPT_LEDGER_INVALID', /umzug\.json is not umzug's JSON storage/);
  });

  it('is null when neither storage is there', async () => {
    const db = await scratchDatabase('sqlite');
    assert.equal(await readHistory(umzugReader, db.url, { table: join(tempDir(), 'none.json') }), null);
  });
});

/** Sequelize CLI migrations as its `migration:generate` writes them. */
const SEQUELIZE_MIGRATIONS = {
  '20240101120000-create-users.js': `
module.exports = {
  up: async (queryInterface, Sequelize) => queryInterface.createTable('users', { id: { type: Sequelize.INTEGER, primaryKey: true }, name: Sequelize.STRING }),
  down: async (queryInterface) => queryInterface.dropTable('users'),
};
`,
  '20240102093000-add-email.js': `
module.exports = {
  up: async (queryInterface, Sequelize) => queryInterface.addColumn('users', 'email', Sequelize.STRING),
  down: async (queryInterface) => queryInterface.removeColumn('users', 'email'),
};
`,
};

/** umzug's own Sequelize example: `up({ context: queryInterface })`. */
const UMZUG_SEQUELIZE_MIGRATIONS = {
  '20240101120000-create-users.js': `
const { DataTypes } = require('sequelize');
exports.up = ({ context }) => context.createTable('users', { id: { type: DataTypes.INTEGER, primaryKey: true }, name: DataTypes.STRING });
exports.down = ({ context }) => context.dropTable('users');
`,
  '20240102093000-add-email.js': `
const { DataTypes } = require('sequelize');
exports.up = ({ context }) => context.addColumn('users', 'email', DataTypes.STRING);
exports.down = ({ context }) => context.removeColumn('users', 'email');
`,
};

/** Sequelize's URL for a server database (its mysql dialect speaks to MariaDB through mysql2). */
function sequelizeUrl(db: ScratchDatabase): string {
  return db.url.replace(/^mariadb:/, 'mysql:');
}

/** A project folder whose node_modules is this repository's, as an app with Sequelize installed has. */
function sequelizeProject(): string {
  const project = tempDir('strata-adopt-sequelize-');
  symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
  writeFiles(join(project, 'migrations'), SEQUELIZE_MIGRATIONS);
  return project;
}

// Sequelize's SQLite dialect needs the sqlite3 package (not better-sqlite3), whose install
// downloads a prebuilt binary (no network here) or compiles SQLite from source, which did not
// finish in this shared install: on SQLite the ledger is built from its layout instead.
describe('adopt sequelize on sqlite (SequelizeMeta built from its layout)', () => {
  it('adopts SequelizeMeta as Sequelize CLI creates it on SQLite', async () => {
    const db = await scratchDatabase('sqlite');
    const project = sequelizeProject();
    // The model of sequelize/umzug src/storage/sequelize.ts (name: STRING, allowNull false,
    // unique, primaryKey), as Sequelize's SQLite query generator writes it.
    const connection = new Database(db.file!);
    try {
      connection.exec('CREATE TABLE IF NOT EXISTS `SequelizeMeta` (`name` VARCHAR(255) NOT NULL UNIQUE PRIMARY KEY)');
      const insert = connection.prepare('INSERT INTO `SequelizeMeta` (`name`) VALUES (?)');
      for (const name of Object.keys(SEQUELIZE_MIGRATIONS)) insert.run(name);
    } finally {
      connection.close();
    }
    strataProject(project, db);
    adoptThenMigrate(project, 'sequelize', ['20240101120000', '20240102093000']);
  });
});

for (const kind of ['postgres', 'mariadb'] as const) {
  describe(`adopt sequelize (Sequelize CLI) on ${kind}`, { skip: await skipFor(kind) }, () => {
    it('reads SequelizeMeta as `sequelize db:migrate` wrote it', async () => {
      const db = await scratchDatabase(kind);
      const project = sequelizeProject();
      const run = spawnSync(
        process.execPath,
        [join(ROOT, 'node_modules', 'sequelize-cli', 'lib', 'sequelize'), 'db:migrate', '--url', sequelizeUrl(db), '--migrations-path', 'migrations'],
        { cwd: project, encoding: 'utf8' },
      );
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      strataProject(project, db);
      adoptThenMigrate(project, 'sequelize', ['20240101120000', '20240102093000'], { repeat: kind === 'postgres' });
      const history = await readHistory(sequelizeReader, db.url);
      assert.ok(history);
      assert.equal(history.source, 'SequelizeMeta');
      assert.deepEqual(
        history.steps.map(({ version, name, appliedAt }) => ({ version, name, appliedAt })),
        [
          { version: '20240101120000', name: '20240101120000-create-users.js', appliedAt: null },
          { version: '20240102093000', name: '20240102093000-add-email.js', appliedAt: null },
        ],
      );
    });
  });

  describe(`adopt umzug with SequelizeStorage on ${kind}`, { skip: await skipFor(kind) }, () => {
    it('reads SequelizeMeta as umzug wrote it, renamed by tableName', async () => {
      const db = await scratchDatabase(kind);
      const project = sequelizeProject();
      writeFiles(join(project, 'umzug-migrations'), UMZUG_SEQUELIZE_MIGRATIONS);
      const sequelize = new Sequelize(sequelizeUrl(db), { logging: false });
      try {
        const umzug = new Umzug({
          migrations: { glob: ['umzug-migrations/*.js', { cwd: project }] },
          context: sequelize.getQueryInterface(),
          storage: new SequelizeStorage({ sequelize, tableName: 'umzug_meta' }),
          logger: undefined,
        });
        await umzug.up();
      } finally {
        await sequelize.close();
      }
      assert.equal(await readHistory(umzugReader, db.url), null, 'no SequelizeMeta, no ./umzug.json');
      const history = await readHistory(umzugReader, db.url, { table: 'umzug_meta' });
      assert.deepEqual(
        history?.steps.map(({ version, name }) => ({ version, name })),
        [
          { version: '20240101120000', name: '20240101120000-create-users.js' },
          { version: '20240102093000', name: '20240102093000-add-email.js' },
        ],
      );
      if (kind === 'postgres') {
        // The CLI once is enough: the reader above already read this ledger on both servers.
        strataProject(project, db);
        adoptThenMigrate(project, 'umzug', ['20240101120000', '20240102093000'], { table: 'umzug_meta', quick: true });
      }
    });
  });
}
