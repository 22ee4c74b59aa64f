import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { readMigrationFolder } from '../src/sources/folder-source.js';
import { PARSE_MEMO_MAX_CHARS, PARSE_MEMO_MAX_FILES, clearParseMemo, parseMemoSize, parseSqlMigrationMemo } from '../src/sources/sql/parse-memo.js';
import { parseSqlMigration } from '../src/sources/sql/parse-sql-migration.js';
import { SQL_LEXERS } from '../src/sources/sql/split-statements.js';

describe('parse memo', () => {
  afterEach(() => clearParseMemo());

  it('returns the same parse for the same text and lexer, and what parseSqlMigration returns', () => {
    const text = '-- migrate:up\nCREATE TABLE a (x);\n-- migrate:down\nDROP TABLE a;\n';
    const first = parseSqlMigrationMemo(text, 'sqlite', 'a.sql');
    assert.deepEqual(first, parseSqlMigration(text, 'sqlite', 'a.sql'));
    assert.equal(parseSqlMigrationMemo(text, 'sqlite', 'b.sql'), first);
    assert.equal(parseMemoSize().files, 1);
  });

  it('keeps each lexer apart: a family name and its lexer are one, another family is another', () => {
    const text = 'CREATE TABLE a (x);';
    const sqlite = parseSqlMigrationMemo(text, 'sqlite');
    assert.equal(parseSqlMigrationMemo(text, SQL_LEXERS.sqlite), sqlite);
    assert.notEqual(parseSqlMigrationMemo(text, 'postgres'), sqlite);
    assert.equal(parseMemoSize().files, 2);
  });

  it('does not keep a failed parse: the error names the file of each call', () => {
    const text = 'CREATE TABLE early (x);\n-- migrate:up\nCREATE TABLE a (x);\n';
    assert.throws(() => parseSqlMigrationMemo(text, 'sqlite', 'one.sql'), /one\.sql/);
    assert.throws(() => parseSqlMigrationMemo(text, 'sqlite', 'two.sql'), /two\.sql/);
    assert.equal(parseMemoSize().files, 0);
  });

  it('drops the oldest files beyond its file cap', () => {
    for (let n = 0; n < PARSE_MEMO_MAX_FILES + 10; n++) parseSqlMigrationMemo(`CREATE TABLE t${n} (x);`, 'sqlite');
    assert.equal(parseMemoSize().files, PARSE_MEMO_MAX_FILES);
    const newest = parseSqlMigrationMemo(`CREATE TABLE t${PARSE_MEMO_MAX_FILES + 9} (x);`, 'sqlite');
    assert.equal(parseSqlMigrationMemo(`CREATE TABLE t${PARSE_MEMO_MAX_FILES + 9} (x);`, 'sqlite'), newest);
    const sizeBefore = parseMemoSize().files;
    parseSqlMigrationMemo('CREATE TABLE t0 (x);', 'sqlite'); // dropped: parsed again and kept again
    assert.equal(parseMemoSize().files, sizeBefore);
  });

  it('drops the oldest files beyond its character cap, and never keeps a text larger than the cap', () => {
    const big = `-- ${'x'.repeat(PARSE_MEMO_MAX_CHARS / 2)}\nCREATE TABLE a (x);`;
    parseSqlMigrationMemo(big, 'sqlite');
    parseSqlMigrationMemo(`${big}\nCREATE TABLE b (x);`, 'sqlite');
    assert.equal(parseMemoSize().files, 1);
    assert.ok(parseMemoSize().chars <= PARSE_MEMO_MAX_CHARS);
    clearParseMemo();
    parseSqlMigrationMemo(`-- ${'x'.repeat(PARSE_MEMO_MAX_CHARS)}\nSELECT 1;`, 'sqlite');
    assert.deepEqual(parseMemoSize(), { files: 0, chars: 0 });
  });

  it('serves the folder source: a second migrator over the same folder splits nothing again, and an edited file is parsed afresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-parse-memo-'));
    try {
      writeFileSync(join(dir, '0001_a.sql'), 'CREATE TABLE a (x);\n');
      writeFileSync(join(dir, '0002_b.up.sql'), 'CREATE TABLE b (x);\n');
      writeFileSync(join(dir, '0002_b.down.sql'), 'DROP TABLE b;\n');
      const loadAll = () => Promise.all(readMigrationFolder(dir, { dialect: 'sqlite', displayRoot: dir }).map((m) => m.load()));
      const [a1, b1] = await loadAll();
      assert.equal(parseMemoSize().files, 3);
      const [a2, b2] = await loadAll();
      assert.equal(a2!.up, a1!.up);
      assert.deepEqual(b2, b1);
      assert.ok(b2!.down!.kind === 'sql' && b2!.down!.file?.endsWith('0002_b.down.sql'));
      writeFileSync(join(dir, '0001_a.sql'), 'CREATE TABLE a (x, y);\n');
      const [a3] = await loadAll();
      assert.equal(a3!.up.kind === 'sql' && a3!.up.statements[0]!.sql, 'CREATE TABLE a (x, y)');
      assert.equal(parseMemoSize().files, 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
