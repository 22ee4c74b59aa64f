/**
 * Strata's own types for the drivers' objects (better-sqlite3, pg, mysql2) keep its public
 * `.d.ts` free of the peers' types. They must stay what the real objects are: the assignments
 * below are checked by `npm run typecheck`, and the tests check that each member Strata names
 * exists at run time in the installed driver versions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import * as mysql from 'mysql2/promise';
import { createMigrator } from 'strata-migrate';
import type { BetterSqlite3Database } from '../src/targets/sql/sqlite/better-sqlite3-database.js';
import type { PgClient } from '../src/targets/sql/postgres/pg-client.js';
import type { MysqlConnection } from '../src/targets/sql/mysql/mysql-connection.js';

function membersMissing(object: object, members: readonly string[]): string[] {
  return members.filter((member) => !(member in object));
}

describe('structural driver types', () => {
  it('a better-sqlite3 Database is a BetterSqlite3Database, and createMigrator takes it', async () => {
    const db: BetterSqlite3Database = new Database(':memory:');
    const statement = db.prepare<[number], { one: number }>('SELECT ? AS one');
    assert.deepEqual(statement.get(1), { one: 1 });
    assert.deepEqual(
      membersMissing(db, ['memory', 'readonly', 'name', 'open', 'inTransaction', 'prepare', 'transaction', 'exec', 'pragma', 'function', 'backup', 'close']),
      [],
    );
    assert.deepEqual(
      membersMissing(statement, [
        'database',
        'source',
        'reader',
        'readonly',
        'busy',
        'run',
        'get',
        'all',
        'iterate',
        'pluck',
        'expand',
        'raw',
        'bind',
        'columns',
        'safeIntegers',
      ]),
      [],
    );
    const migrator = createMigrator({ db, backup: false });
    assert.deepEqual((await migrator.migrate()).results, []);
    await migrator.close();
    db.close();
  });

  it('a pg Client is a PgClient', () => {
    const client: PgClient = new pg.Client();
    assert.deepEqual(membersMissing(client, ['query', 'getTransactionStatus', 'end']), []);
  });

  it('a mysql2 promise Connection is a MysqlConnection', () => {
    const asStrataSeesIt = (connection: mysql.Connection): MysqlConnection => connection;
    void asStrataSeesIt;
    // The class behind createConnection()'s result; mysql2 exports it but its types do not say so.
    const { PromiseConnection } = mysql as unknown as { PromiseConnection: { prototype: object } };
    assert.deepEqual(membersMissing(PromiseConnection.prototype, ['query', 'execute', 'end']), []);
  });

  it('misuse is a type error, not any', () => {
    // @ts-expect-error a number is not a database
    assert.throws(() => createMigrator({ db: 12345 }));
  });
});
