/**
 * What a fleet's worker keeps from one target to the next without reading less: the SQLite
 * schema stamp's hash of the texts it last read (the text is read every time, and only an equal
 * text gets the kept stamp), and the catalog's default lint severities (one read-only map, whose
 * JSON the lint memo's key writes once).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ruleSeverities } from '../src/lint/rule-severities.js';
import { SqliteDriver } from '../src/targets/sql/sqlite/sqlite-driver.js';
import { keptStampTexts, sqliteSchemaStamp, stampOfText } from '../src/targets/sql/sqlite/sqlite-stamp.js';

const sha = (text: string) => `sqlite1:${createHash('sha256').update(text).digest('hex')}`;

describe('the SQLite stamp of a text read again', () => {
  it('is the sha256 of that exact text, kept or not, past the memo capacity', () => {
    const texts = ['CREATE TABLE a (id INTEGER)', 'CREATE TABLE a (id INTEGER, b TEXT)', '', 'x', 'y', 'z', 'CREATE TABLE a (id INTEGER)'];
    for (let round = 0; round < 3; round++) for (const text of texts) assert.equal(stampOfText(text), sha(text));
  });

  it('keeps no copy of a large schema text, and still hashes it exactly', () => {
    const large = `CREATE TABLE t (${'c INTEGER, '.repeat(40_000)}id INTEGER)`;
    assert.ok(large.length > 256 * 1024);
    assert.equal(stampOfText(large), sha(large));
    assert.equal(stampOfText(large), sha(large));
    assert.equal(
      keptStampTexts().some((text) => text.length > 256 * 1024),
      false,
    );
  });

  it('moves with a change on the same connection right after a read (the memo never answers for another text)', async () => {
    const db = new Database(':memory:');
    const driver = new SqliteDriver(db);
    await driver.connect('write');
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY)');
    const before = await sqliteSchemaStamp(driver);
    assert.equal(await sqliteSchemaStamp(driver), before);
    db.exec('BEGIN; CREATE INDEX items_id ON items (id)');
    const inside = await sqliteSchemaStamp(driver);
    assert.notEqual(inside, before);
    db.exec('ROLLBACK');
    assert.equal(await sqliteSchemaStamp(driver), before);
    db.exec('CREATE INDEX items_other ON items (id)');
    const after = await sqliteSchemaStamp(driver);
    assert.notEqual(after, before);
    assert.notEqual(after, inside);
    db.close();
  });
});

describe('the default lint severities', () => {
  it('are one map for every migrator without rules, and a map of its own when rules are given', () => {
    const first = ruleSeverities(undefined);
    assert.equal(ruleSeverities(undefined), first);
    const custom = ruleSeverities({ 'sqlite/drop-table': 'off' });
    assert.notEqual(custom, first);
    assert.equal(custom.get('sqlite/drop-table'), 'off');
    assert.notEqual(first.get('sqlite/drop-table'), 'off');
    assert.equal(ruleSeverities(undefined).get('sqlite/drop-table'), first.get('sqlite/drop-table'));
  });
});
