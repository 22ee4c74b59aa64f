/**
 * The MySQL/MariaDB rules: each rule's docs examples against the schema its setup builds on the
 * MariaDB server; the ALTER cost table of mysql-alter.ts checked operation by operation on the
 * server (what the rule calls instant must succeed with ALGORITHM=INSTANT, what it calls copying
 * must be refused with ALGORITHM=INPLACE, LOCK=NONE); then cases without a server.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyAlter, alterTableOf, normalizeMysqlType, splitTopLevel } from '../src/lint/rules/mysql-alter.js';
import { MYSQL_RULES } from '../src/lint/rules/mysql-rules.js';
import { runRule, schemaFromSetup } from './lint-rule-harness.js';
import { freshDatabase, skipUnlessServer, withMariadb } from './servers.js';

const rule = (id: string) => MYSQL_RULES.find((r) => r.id === `mysql/${id}`)!;
const skip = await skipUnlessServer('mariadb');

describe('mysql rule examples (schema from the MariaDB server)', { skip }, () => {
  test('there are 6 or more rules, with unique mysql/ IDs', () => {
    assert.ok(MYSQL_RULES.length >= 6);
    assert.equal(new Set(MYSQL_RULES.map((r) => r.id)).size, MYSQL_RULES.length);
  });
  for (const r of MYSQL_RULES) {
    test(`${r.id}: bad flags, good does not`, async () => {
      const bad = await runRule(r, r.docs.bad, { setup: r.docs.setup });
      assert.ok(bad.length > 0, `${r.id} did not flag its bad example`);
      assert.deepEqual(await runRule(r, r.docs.good, { setup: r.docs.setup }), [], `${r.id} flagged its good example`);
    });
  }
});

/** The table every operation below runs on, with a row in it. */
const TABLES = [
  'CREATE TABLE p (id int PRIMARY KEY) ENGINE=InnoDB',
  "CREATE TABLE c (id int PRIMARY KEY, p_id int, name varchar(50), big varchar(300), l varchar(20) CHARACTER SET latin1, n int, e enum('a','b'), t text, KEY c_name (name)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
  'CREATE TABLE np (a int, b int) ENGINE=InnoDB',
  'INSERT INTO p VALUES (1)',
  "INSERT INTO c VALUES (1, 1, 'x', 'y', 'z', 1, 'a', 't')",
  'INSERT INTO np VALUES (1, 1)',
];

/** ALTERs and the cost the rule's table gives them. */
const OPERATIONS: [alter: string, cost: 'instant' | 'inplace' | 'copy' | 'lock'][] = [
  ['ALTER TABLE c ADD COLUMN z int', 'instant'],
  ['ALTER TABLE c ADD COLUMN z int NOT NULL DEFAULT 0 FIRST', 'instant'],
  ['ALTER TABLE c ADD COLUMN v int AS (n + 1) VIRTUAL', 'instant'],
  ['ALTER TABLE c DROP COLUMN n', 'instant'],
  ['ALTER TABLE c RENAME COLUMN n TO m', 'instant'],
  ['ALTER TABLE c CHANGE n m int', 'instant'],
  ['ALTER TABLE c ALTER COLUMN n SET DEFAULT 5', 'instant'],
  ['ALTER TABLE c ALTER COLUMN n DROP DEFAULT', 'instant'],
  ['ALTER TABLE c MODIFY name varchar(60)', 'instant'],
  ['ALTER TABLE c MODIFY big varchar(400)', 'instant'],
  ['ALTER TABLE c MODIFY name varchar(50) NULL', 'instant'],
  ['ALTER TABLE c MODIFY n int AFTER t', 'instant'],
  ["ALTER TABLE c MODIFY e enum('a','b','c')", 'instant'],
  ['ALTER TABLE c RENAME INDEX c_name TO c_name2', 'instant'],
  ["ALTER TABLE c COMMENT = 'x'", 'instant'],
  ['ALTER TABLE c ADD INDEX c_n (n)', 'inplace'],
  ['ALTER TABLE c ADD UNIQUE INDEX c_u (n)', 'inplace'],
  ['ALTER TABLE c DROP INDEX c_name', 'inplace'],
  ['ALTER TABLE c MODIFY n int NOT NULL', 'inplace'],
  ['ALTER TABLE np ADD PRIMARY KEY (a)', 'inplace'],
  ['ALTER TABLE c DROP PRIMARY KEY, ADD PRIMARY KEY (id, n)', 'inplace'],
  ['ALTER TABLE c ENGINE = InnoDB', 'inplace'],
  ['ALTER TABLE c MODIFY name varchar(100)', 'copy'],
  ['ALTER TABLE c MODIFY name varchar(20)', 'copy'],
  ['ALTER TABLE c MODIFY n bigint', 'copy'],
  ['ALTER TABLE c MODIFY n int unsigned', 'copy'],
  ["ALTER TABLE c MODIFY e enum('b','a')", 'copy'],
  ["ALTER TABLE c MODIFY e enum('a','c')", 'copy'],
  ['ALTER TABLE c MODIFY t mediumtext', 'copy'],
  ['ALTER TABLE c MODIFY name varchar(50) CHARACTER SET latin1', 'copy'],
  ['ALTER TABLE c CONVERT TO CHARACTER SET latin1', 'copy'],
  ['ALTER TABLE c DROP PRIMARY KEY', 'copy'],
  ['ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id)', 'copy'],
  ['ALTER TABLE c ADD CONSTRAINT c_chk CHECK (n > 0)', 'copy'],
  ['ALTER TABLE c ADD COLUMN g int AS (n + 1) STORED', 'copy'],
  ['ALTER TABLE c ADD COLUMN s int NOT NULL AUTO_INCREMENT UNIQUE', 'lock'],
];

describe('the ALTER cost table, on MariaDB', { skip }, () => {
  test('every operation costs on the server what the rule says it costs', async () => {
    const model = await schemaFromSetup('mysql', TABLES.join(';\n'));
    const url = await freshDatabase('mariadb', 'lintmy');
    const wrong: string[] = [];
    await withMariadb(async (conn) => {
      const attempt = async (alter: string, algorithm: string): Promise<boolean> => {
        await conn.query('DROP TABLE IF EXISTS c, np, p');
        for (const sql of TABLES) await conn.query(sql);
        try {
          await conn.query(`${alter}, ${algorithm}`);
          return true;
        } catch (error) {
          const { errno } = error as { errno?: number };
          // 1845/1846: ALGORITHM/LOCK not supported for the operation; anything else is a bad test row.
          if (errno !== 1845 && errno !== 1846) throw error;
          return false;
        }
      };
      for (const [alter, expected] of OPERATIONS) {
        const parsed = alterTableOf(alter)!;
        const table = model.tables.find((t) => t.name === parsed.table);
        const costs = classifyAlter(parsed.clauses, table, false).map((clause) => clause.cost);
        const cost = costs.includes('copy') ? 'copy' : costs.includes('lock') ? 'lock' : costs.includes('inplace') ? 'inplace' : costs[0];
        if (cost !== expected) wrong.push(`${alter}: classified ${cost}, expected ${expected}`);
        const instant = await attempt(alter, 'ALGORITHM=INSTANT');
        const online = await attempt(alter, 'ALGORITHM=INPLACE, LOCK=NONE');
        if (expected === 'instant' && !instant) wrong.push(`${alter}: called instant, the server refused ALGORITHM=INSTANT`);
        if (expected === 'inplace' && !online) wrong.push(`${alter}: called inplace, the server refused ALGORITHM=INPLACE, LOCK=NONE`);
        if ((expected === 'copy' || expected === 'lock') && (instant || online)) wrong.push(`${alter}: called ${expected}, the server ran it online`);
      }
    }, url);
    assert.deepEqual(wrong, []);
  });
});

describe('mysql rules without a server', () => {
  const unknown = { unknown: true } as const;

  test('an explicit ALGORITHM=INPLACE/INSTANT is trusted (the server refuses rather than copy); ALGORITHM=COPY is flagged', async () => {
    assert.deepEqual(await runRule(rule('copying-alter'), 'ALTER TABLE c MODIFY n bigint, ALGORITHM=INPLACE, LOCK=NONE;', unknown), []);
    assert.equal((await runRule(rule('copying-alter'), 'ALTER TABLE c ADD COLUMN z int, ALGORITHM=COPY;', unknown)).length, 1);
  });

  test('an unknown current type is reported as a possible copy; a table created in the file is quiet', async () => {
    const found = await runRule(rule('copying-alter'), 'ALTER TABLE c MODIFY n bigint;', unknown);
    assert.match(found[0]!.message, /may copy .*current type unknown/);
    assert.deepEqual(await runRule(rule('copying-alter'), 'CREATE TABLE c (n int);\nALTER TABLE c MODIFY n bigint;', unknown), []);
    assert.deepEqual(await runRule(rule('copying-alter'), 'ALTER TABLE c ADD COLUMN z int;', unknown), []);
  });

  test('SET foreign_key_checks = 0 makes a foreign key in place; turning checks back on restores the copy', async () => {
    const off = 'SET foreign_key_checks = 0;\nALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p (id);';
    assert.deepEqual(await runRule(rule('copying-alter'), off, unknown), []);
    const onAgain = 'SET FOREIGN_KEY_CHECKS=0;\nSET FOREIGN_KEY_CHECKS=1;\nALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p (id);';
    assert.equal((await runRule(rule('copying-alter'), onAgain, unknown)).length, 1);
  });

  test('DDL and DML: one finding at the first data statement; a data-only or schema-only file is quiet', async () => {
    const found = await runRule(rule('ddl-dml-mixed'), 'INSERT INTO t VALUES (1);\nALTER TABLE t ADD COLUMN z int;\nUPDATE t SET z = 1;', unknown);
    assert.deepEqual(
      found.map((f) => f.statement?.index),
      [1],
    );
    assert.deepEqual(await runRule(rule('ddl-dml-mixed'), 'INSERT INTO t VALUES (1);\nUPDATE t SET z = 1;', unknown), []);
  });

  test('renames: RENAME TABLE pairs, CHANGE with a new name; CHANGE keeping the name is no rename', async () => {
    const found = await runRule(
      rule('rename-in-use'),
      'RENAME TABLE a TO b, c TO d;\nALTER TABLE e CHANGE x y int;\nALTER TABLE f CHANGE z z bigint;',
      unknown,
    );
    assert.deepEqual(
      found.map((f) => f.message.split(' breaks')[0]),
      ['renaming table a to b', 'renaming table c to d', 'renaming column e.x to y'],
    );
  });

  test('drops: several tables in one DROP TABLE, IF EXISTS, a table created earlier is quiet', async () => {
    const found = await runRule(rule('drop-in-use'), 'CREATE TABLE tmp (a int);\nDROP TABLE IF EXISTS `old`, tmp;', unknown);
    assert.equal(found.length, 1);
    assert.match(found[0]!.message, /table old/);
  });

  test('a foreign key is covered by an index added earlier in the file or in the same ALTER', async () => {
    const same = 'ALTER TABLE o ADD INDEX o_c (c_id, x), ADD FOREIGN KEY (c_id) REFERENCES c (id);';
    assert.deepEqual(await runRule(rule('fk-without-index'), same, unknown), []);
    const wrongOrder = 'CREATE INDEX o_x ON o (x, c_id);\nALTER TABLE o ADD FOREIGN KEY (c_id) REFERENCES c (id);';
    assert.equal((await runRule(rule('fk-without-index'), wrongOrder, unknown)).length, 1);
  });

  test('NOT NULL columns: DEFAULT, AUTO_INCREMENT or generated are quiet', async () => {
    for (const sql of [
      'ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT 0;',
      'ALTER TABLE t ADD COLUMN a int NOT NULL AUTO_INCREMENT UNIQUE;',
      'ALTER TABLE t ADD COLUMN a int AS (b + 1) VIRTUAL NOT NULL;',
    ]) {
      assert.deepEqual(await runRule(rule('not-null-without-default'), sql, unknown), [], sql);
    }
  });

  test('types and lists: display widths and aliases fold, quoted commas stay inside their value', () => {
    assert.equal(normalizeMysqlType('int(11)'), 'int');
    assert.equal(normalizeMysqlType('INTEGER(10) UNSIGNED'), 'int unsigned');
    assert.deepEqual(splitTopLevel("ADD COLUMN a enum('x,y','z'), DROP COLUMN b"), ["ADD COLUMN a enum('x,y','z')", 'DROP COLUMN b']);
  });
});
