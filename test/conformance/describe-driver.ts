/**
 * The driver a `--db` value opens: statements with parameters, transactions, a transaction the
 * SQL itself opened, tables that exist or not, a database that does not exist, and a failed
 * statement located in its file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectsWith } from '../helpers.js';
import type { DialectEntry } from './dialects.js';
import { folder, SYNTAX_ERROR } from './migrations.js';
import { openDriver, paramOf, type SqlDriver } from './strata-access.js';
import { withMigrator } from './with-migrator.js';

const PEOPLE = 'CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)';

async function withDriver<T>(db: string, fn: (driver: SqlDriver) => Promise<T>): Promise<T> {
  const driver = openDriver(db);
  try {
    await driver.connect('write');
    return await fn(driver);
  } finally {
    await driver.close();
  }
}

export function describeDriver(entry: DialectEntry): void {
  test('driver: exec, run and query with parameters, and tableExists', async () => {
    const db = await entry.freshDb();
    await withDriver(db, async (driver) => {
      const p = paramOf(driver);
      assert.equal(await driver.tableExists('people'), false);
      await driver.exec(PEOPLE);
      assert.equal(await driver.tableExists('people'), true);
      for (const [id, name] of [
        [1, 'ada'],
        [2, 'grace'],
        [3, 'alan'],
      ] as const) {
        assert.deepEqual(await driver.run(`INSERT INTO people (id, name) VALUES (${p(1)}, ${p(2)})`, [id, name]), { changes: 1 });
      }
      assert.deepEqual(await driver.run(`UPDATE people SET name = ${p(1)} WHERE id > ${p(2)}`, ['someone', 1]), { changes: 2 });
      assert.deepEqual(await driver.query(`SELECT id, name FROM people WHERE name = ${p(1)} ORDER BY id`, ['someone']), [
        { id: 2, name: 'someone' },
        { id: 3, name: 'someone' },
      ]);
    });
    assert.deepEqual(await entry.read(db, (r) => r.query('SELECT id, name FROM people ORDER BY id')), [
      { id: 1, name: 'ada' },
      { id: 2, name: 'someone' },
      { id: 3, name: 'someone' },
    ]);
  });

  test('driver: reading a database that does not exist reports it and creates nothing', async () => {
    const db = entry.absentDb();
    for (let attempt = 0; attempt < 2; attempt++) {
      const driver = openDriver(db);
      try {
        assert.deepEqual(await driver.connect('read'), { exists: false });
      } finally {
        await driver.close();
      }
    }
  });

  test('driver: a committed transaction stays, a rolled-back one leaves nothing, DDL as the dialect says', async () => {
    const db = await entry.freshDb();
    await withDriver(db, async (driver) => {
      const p = paramOf(driver);
      assert.equal(driver.transactionalDdl, entry.transactionalDdl);
      await driver.exec(PEOPLE);
      await driver.begin();
      await driver.run(`INSERT INTO people (id, name) VALUES (${p(1)}, ${p(2)})`, [1, 'kept']);
      await driver.commit();
      await driver.begin();
      await driver.run(`INSERT INTO people (id, name) VALUES (${p(1)}, ${p(2)})`, [2, 'undone']);
      await driver.exec('CREATE TABLE undone (id INTEGER PRIMARY KEY)');
      assert.equal((await driver.query('SELECT id FROM people')).length, 2, 'the transaction sees its own row');
      await driver.rollback();
    });
    // Where DDL is not transactional, CREATE TABLE committed the transaction so far, insert included.
    await entry.read(db, async (r) => {
      assert.deepEqual(await r.tables(), entry.transactionalDdl ? ['people'] : ['people', 'undone']);
      const ids = (await r.query<{ id: number }>('SELECT id FROM people ORDER BY id')).map((row) => row.id);
      assert.deepEqual(ids, entry.transactionalDdl ? [1] : [1, 2]);
    });
  });

  test('driver: rollbackIfOpen ends a transaction the SQL itself opened, and only then', async () => {
    const db = await entry.freshDb();
    await withDriver(db, async (driver) => {
      const p = paramOf(driver);
      await driver.exec(PEOPLE);
      assert.equal(await driver.rollbackIfOpen(), false);
      await driver.exec('BEGIN');
      await driver.run(`INSERT INTO people (id, name) VALUES (${p(1)}, ${p(2)})`, [1, 'undone']);
      assert.equal(await driver.rollbackIfOpen(), true);
      assert.equal(await driver.rollbackIfOpen(), false);
      // The connection is usable again, outside any transaction: this row commits by itself.
      await driver.run(`INSERT INTO people (id, name) VALUES (${p(1)}, ${p(2)})`, [2, 'kept']);
    });
    assert.deepEqual(await entry.read(db, (r) => r.query('SELECT id, name FROM people')), [{ id: 2, name: 'kept' }]);
  });

  test('driver: a failed statement is located in its file as precisely as the database says', async () => {
    const db = await entry.freshDb();
    const error = await withMigrator(db, folder(SYNTAX_ERROR), (migrator) => rejectsWith(migrator.migrate(), 'MIGRATION_FAILED'));
    // The statement starts on line 3; the error is on its third line, at column 20.
    const where = {
      statement: { line: 3, text: '(line 3)' },
      line: { line: 5, text: '(line 5)' },
      'line and column': { line: 5, text: '(line 5, column 20)' },
    }[entry.errorPosition];
    assert.ok(error.message.includes(`0001_probe.sql: statement 2 ${where.text} failed: `), error.message);
    assert.equal(error.details.statement, 2);
    assert.equal(error.details.line, where.line);
    assert.equal(error.details.column ?? null, entry.errorPosition === 'line and column' ? 20 : null);
  });
}
