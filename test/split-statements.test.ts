import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitStatements } from '../src/sources/sql/split-statements.js';

const sqlOf = (text: string, dialect?: 'sqlite' | 'postgres' | 'mysql') => splitStatements(text, { dialect }).map((s) => s.sql);

describe('splitStatements', () => {
  it('splits on semicolons and records statement number, line and column', () => {
    const statements = splitStatements('CREATE TABLE a (id INT);\n\n  INSERT INTO a VALUES (1);\nSELECT 1');
    assert.deepEqual(
      statements.map(({ index, line, column, sql }) => ({ index, line, column, sql })),
      [
        { index: 1, line: 1, column: 1, sql: 'CREATE TABLE a (id INT)' },
        { index: 2, line: 3, column: 3, sql: 'INSERT INTO a VALUES (1)' },
        { index: 3, line: 4, column: 1, sql: 'SELECT 1' },
      ],
    );
  });

  it('ignores semicolons in string literals, quoted identifiers and comments', () => {
    const text = [
      "INSERT INTO t VALUES ('a;b', 'it''s; fine');",
      '-- a comment; with a semicolon',
      'CREATE TABLE "we;ird" (`x;y` INT, [z;w] TEXT);',
      '/* block; comment */ SELECT 2;',
    ].join('\n');
    assert.deepEqual(sqlOf(text), [
      "INSERT INTO t VALUES ('a;b', 'it''s; fine')",
      'CREATE TABLE "we;ird" (`x;y` INT, [z;w] TEXT)',
      // Leading comments are not part of a statement: its line is where its code starts.
      'SELECT 2',
    ]);
  });

  it('keeps a trigger body with CASE ... END in one statement', () => {
    const trigger = `CREATE TRIGGER t_ai AFTER INSERT ON t
BEGIN
  UPDATE t SET note = CASE WHEN NEW.x = 1 THEN 'one;' ELSE 'other' END WHERE id = NEW.id;
  INSERT INTO log VALUES (NEW.id);
END`;
    assert.deepEqual(sqlOf(`CREATE TABLE t (id INT);\n${trigger};\nSELECT 3;`), ['CREATE TABLE t (id INT)', trigger, 'SELECT 3']);
  });

  it('handles CREATE TEMP TRIGGER IF NOT EXISTS', () => {
    const trigger = "CREATE TEMP TRIGGER IF NOT EXISTS x BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no'); END";
    assert.deepEqual(sqlOf(`${trigger}; SELECT 1;`), [trigger, 'SELECT 1']);
  });

  it('treats a top-level BEGIN as its own statement, not a block', () => {
    assert.deepEqual(sqlOf('BEGIN TRANSACTION;\nCREATE TABLE a (x);\nCOMMIT;'), ['BEGIN TRANSACTION', 'CREATE TABLE a (x)', 'COMMIT']);
  });

  it('drops comment-only and empty statements and handles a missing final semicolon', () => {
    assert.deepEqual(sqlOf(';;\n-- only a comment\n;\nSELECT 1\n-- trailing'), ['SELECT 1\n-- trailing']);
    assert.deepEqual(sqlOf('-- nothing here\n'), []);
  });

  it('counts lines inside multi-line strings and comments', () => {
    const statements = splitStatements("SELECT 'a\nb';\n/* x\ny */\nSELECT 2;");
    assert.deepEqual(
      statements.map((s) => s.line),
      [1, 5],
    );
  });

  it('applies a line offset for sections inside a file', () => {
    assert.equal(splitStatements('\nSELECT 1;', { lineOffset: 10 })[0]!.line, 12);
  });

  it('postgres: dollar quotes, nested block comments and E-strings', () => {
    const fn = `CREATE FUNCTION f() RETURNS trigger AS $body$
BEGIN
  NEW.x := 'a;b'; RETURN NEW;
END;
$body$ LANGUAGE plpgsql`;
    assert.deepEqual(sqlOf(`${fn};\nSELECT $$;$$;\n/* a /* nested; */ still comment; */ SELECT E'it\\'s;';`, 'postgres'), [
      fn,
      'SELECT $$;$$',
      "SELECT E'it\\'s;'",
    ]);
    // $1 is a parameter, not a dollar quote.
    assert.deepEqual(sqlOf('SELECT $1; SELECT 2;', 'postgres'), ['SELECT $1', 'SELECT 2']);
  });

  it('postgres: BEGIN ATOMIC routine bodies', () => {
    const proc = 'CREATE PROCEDURE p() LANGUAGE SQL BEGIN ATOMIC INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END';
    assert.deepEqual(sqlOf(`${proc};SELECT 1;`, 'postgres'), [proc, 'SELECT 1']);
  });

  it('mysql: backslash escapes, # comments and DELIMITER', () => {
    const text = `INSERT INTO t VALUES ('a\\';b'); # comment; here
DELIMITER //
CREATE PROCEDURE p()
BEGIN
  IF 1 THEN SELECT 1; END IF;
  SELECT 2;
END//
DELIMITER ;
SELECT 3;`;
    assert.deepEqual(sqlOf(text, 'mysql'), [
      "INSERT INTO t VALUES ('a\\';b')",
      'CREATE PROCEDURE p()\nBEGIN\n  IF 1 THEN SELECT 1; END IF;\n  SELECT 2;\nEND',
      'SELECT 3',
    ]);
  });

  it('mysql: a routine body without DELIMITER still splits correctly', () => {
    const proc = 'CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; WHILE 0 DO SELECT 2; END WHILE; END';
    assert.deepEqual(sqlOf(`${proc}; SELECT 3;`, 'mysql'), [proc, 'SELECT 3']);
  });

  it('an unterminated string runs to the end instead of looping', () => {
    assert.deepEqual(sqlOf("SELECT 'open; SELECT 2;"), ["SELECT 'open; SELECT 2;"]);
  });
});
