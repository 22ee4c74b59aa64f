/**
 * `strata adopt --from umzug` and `--from sequelize`: ledgers written by umzug itself (its
 * JSONStorage and SequelizeStorage) and by Sequelize CLI's `db:migrate`, read by Strata.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { JSONStorage, Umzug } from 'umzug';
import { umzugReader } from '../src/adopt/tools/umzug.js';
import { rejectsWith, tempDir, writeFiles } from './helpers.js';
import { readHistory, scratchDatabase } from './adopt-js-helpers.js';

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
