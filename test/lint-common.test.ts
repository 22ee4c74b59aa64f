/**
 * The every-dialect rules (`any/...`): their docs examples on each family, and what a schema
 * step is (a file with at least one schema statement) and is not.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LintFamily } from '../src/lint/lint-rule.js';
import { lintSequence } from '../src/lint/linter.js';
import { COMMON_RULES } from '../src/lint/rules/common-rules.js';
import { runRule } from './lint-rule-harness.js';

const FAMILIES: LintFamily[] = ['sqlite', 'postgres', 'mysql'];
const rule = (id: string) => COMMON_RULES.find((r) => r.id === `any/${id}`)!;
const on = (family: LintFamily) => ({ unknown: true, family }) as const;

describe('any/ rule examples, on every family', () => {
  for (const r of COMMON_RULES) {
    for (const family of FAMILIES) {
      test(`${r.id} on ${family}: bad flags, good does not`, async () => {
        assert.ok((await runRule(r, r.docs.bad, on(family))).length > 0);
        assert.deepEqual(await runRule(r, r.docs.good, on(family)), []);
      });
    }
  }
});

describe('any/destructive-without-down', () => {
  test('drops of columns, truncates and several tables are named; constraints, indexes and defaults are not destruction', async () => {
    const text =
      'ALTER TABLE t DROP COLUMN a, DROP CONSTRAINT c, ALTER COLUMN b DROP DEFAULT;\nTRUNCATE TABLE u;\nDROP TABLE IF EXISTS v, w;\nALTER TABLE t DROP INDEX i;\n';
    const found = await runRule(rule('destructive-without-down'), text, on('postgres'));
    assert.deepEqual(
      found.map((f) => f.message.split(', and')[0]),
      ['statement 1 destroys column t.a', 'statement 2 destroys the rows of u', 'statement 3 destroys table v, table w'],
    );
  });

  test('a table the file created itself, or a separate down file, makes it quiet', async () => {
    assert.deepEqual(await runRule(rule('destructive-without-down'), 'CREATE TABLE tmp (a int);\nDROP TABLE tmp;', on('sqlite')), []);
    assert.deepEqual(await runRule(rule('destructive-without-down'), 'DROP TABLE t;', { ...on('sqlite'), down: 'CREATE TABLE t (a int);' }), []);
  });
});

describe('any/data-in-schema-step', () => {
  test('a data step (only DML) is quiet; seed rows and tables created in the file are quiet; INSERT ... SELECT from an existing table is flagged', async () => {
    const r = rule('data-in-schema-step');
    assert.deepEqual(await runRule(r, 'UPDATE users SET a = 1;\nDELETE FROM sessions;', on('postgres')), []);
    assert.deepEqual(await runRule(r, 'CREATE TABLE plans (id int);\nINSERT INTO plans VALUES (1);\nUPDATE plans SET id = 2;', on('postgres')), []);
    const copy = await runRule(r, 'ALTER TABLE archive ADD COLUMN note text;\nINSERT INTO archive SELECT id, NULL FROM users;', on('sqlite'));
    assert.match(copy[0]!.message, /INSERT \.\.\. SELECT\) works over the existing rows of users/);
    // The copy of a rebuild (into a table the file creates) is the schema change itself.
    assert.deepEqual(await runRule(r, 'CREATE TABLE users_new (id int);\nINSERT INTO users_new SELECT id FROM users;\nDROP TABLE users;', on('sqlite')), []);
    assert.deepEqual(await runRule(r, 'ALTER TABLE v ADD COLUMN n text;\nINSERT INTO v SELECT name FROM sqlite_master;', on('sqlite')), []);
  });

  test('through the engine, with a strata-ignore reason', async () => {
    const text =
      'ALTER TABLE users ADD COLUMN b int;\n-- strata-ignore any/data-in-schema-step: users has 12 rows, checked in production\nUPDATE users SET b = 1;\n';
    const result = await lintSequence([{ path: '0002_b.sql', family: 'sqlite', text }]);
    assert.ok(!result.findings.some((f) => f.rule === 'any/data-in-schema-step'), JSON.stringify(result.findings));
  });
});
