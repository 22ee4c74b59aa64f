import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSqlMigration } from '../src/sources/sql/parse-sql-migration.js';

describe('parseSqlMigration', () => {
  it('reads dbmate sections with file line numbers', () => {
    const parsed = parseSqlMigration('-- migrate:up\nCREATE TABLE a (x);\n\n-- migrate:down\nDROP TABLE a;\n', 'sqlite');
    assert.deepEqual(parsed.up.statements, [{ index: 1, line: 2, column: 1, sql: 'CREATE TABLE a (x)' }]);
    assert.deepEqual(parsed.down?.statements, [{ index: 1, line: 5, column: 1, sql: 'DROP TABLE a' }]);
    assert.equal(parsed.up.transaction, true);
  });

  it('a file without markers is up-only', () => {
    const parsed = parseSqlMigration('CREATE TABLE a (x);\nCREATE TABLE b (y);', 'sqlite');
    assert.equal(parsed.down, undefined);
    assert.equal(parsed.up.statements.length, 2);
  });

  it('honours -- strata:no-transaction and dbmate transaction:false', () => {
    assert.equal(parseSqlMigration('-- strata:no-transaction\nVACUUM;', 'sqlite').up.transaction, false);
    const dbmate = parseSqlMigration('-- migrate:up transaction:false\nVACUUM;\n-- migrate:down\nSELECT 1;', 'sqlite');
    assert.equal(dbmate.up.transaction, false);
    assert.equal(dbmate.down?.transaction, true);
  });

  it('marks BEGIN/COMMIT written in the file as transaction control', () => {
    const parsed = parseSqlMigration('BEGIN TRANSACTION;\nCREATE TABLE a (x);\nCOMMIT;', 'sqlite');
    assert.deepEqual(
      parsed.up.statements.map((s) => s.control ?? null),
      ['begin', null, 'commit'],
    );
    assert.deepEqual(
      parseSqlMigration('BEGIN IMMEDIATE; SELECT 1; END TRANSACTION;', 'sqlite').up.statements.map((s) => s.control ?? null),
      ['begin', null, 'commit'],
    );
  });

  it('lifts PRAGMA foreign_keys out of the statements (SQLite ignores it in a transaction)', () => {
    const parsed = parseSqlMigration('PRAGMA foreign_keys=off;\nCREATE TABLE b (x);\nPRAGMA foreign_keys = ON;', 'sqlite');
    assert.equal(parsed.up.foreignKeys, false);
    assert.deepEqual(
      parsed.up.statements.map((s) => s.sql),
      ['CREATE TABLE b (x)'],
    );
    assert.equal(parseSqlMigration('PRAGMA foreign_keys = ON; SELECT 1;', 'sqlite').up.foreignKeys, true);
  });

  it('refuses SQL before the first section and repeated sections, naming the file and lines', () => {
    assert.throws(() => parseSqlMigration('CREATE TABLE lost (x);\n-- migrate:up\nSELECT 1;', 'sqlite', 'm/1_a.sql'), {
      code: 'MIGRATION_INVALID',
      message: "m/1_a.sql: a statement at line 1 comes before '-- migrate:up' and belongs to no section",
    });
    assert.throws(() => parseSqlMigration('-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;', 'sqlite', 'm/1_a.sql'), {
      code: 'MIGRATION_INVALID',
      message: "m/1_a.sql has 2 '-- migrate:up' sections (lines 1, 3)",
    });
    // Comments before the first marker are fine.
    assert.equal(parseSqlMigration('-- about this file\n-- migrate:up\nSELECT 1;', 'sqlite').up.statements.length, 1);
  });
});
