/**
 * Every registered rule's docs examples, through the whole linter: `bad` must trigger the rule
 * and `good` must not, each against the schema its `setup` builds. The examples are also the
 * rules' docs pages (docs/lint/), so a page cannot show an example the rule does not act on.
 * SQLite setups are replayed into the in-memory replay the linter uses; PostgreSQL setups run in
 * PGlite (one schema per rule) and are read with the dialect's catalog reader; MySQL setups run
 * in a fresh database on the MariaDB server (skipped with one line when it is down, never under CI).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LINT_GUIDE, lintGuide, RULE_PAGES, rulePages } from '../scripts/lint-rules-reference.js';
import { resolveDatabase } from '../src/index.js';
import type { LintFamily, LintRule } from '../src/lint/lint-rule.js';
import type { LintInput } from '../src/lint/lint-source.js';
import { lintSequence, type SchemaStart } from '../src/lint/linter.js';
import { replacePostgresParserImport } from '../src/lint/parse-postgres.js';
import { LINT_RULES } from '../src/lint/rules/index.js';
import { readDriverSchema, readSchema } from '../src/schema.js';
import { splitStatements } from '../src/sources/sql/split-statements.js';
import type { SqlDriver } from '../src/targets/sql/driver.js';
import { ROOT } from './helpers.js';
import { freshDatabase, skipUnlessServer } from './servers.js';

/** The schema a rule's examples run against, per family. */
interface Harness {
  start(rule: LintRule, family: LintFamily): Promise<{ start: SchemaStart; replay: LintInput[] }>;
  close(): Promise<void>;
}

const sqliteHarness: Harness = {
  async start(rule) {
    const setup = rule.docs.setup;
    return { start: { kind: 'empty' }, replay: setup ? [{ path: 'setup.sql', text: setup, family: 'sqlite', replayOnly: true }] : [] };
  },
  async close() {},
};

function postgresHarness(): Harness {
  let driver: SqlDriver | undefined;
  let schemas = 0;
  return {
    async start(rule) {
      if (!rule.docs.setup) return { start: { kind: 'empty' }, replay: [] };
      if (!driver) {
        driver = resolveDatabase({ db: 'pglite:memory:' }).openDriver();
        await driver.connect('write');
      }
      const schema = `lint_rule_${++schemas}`;
      await driver.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
      for (const statement of splitStatements(rule.docs.setup, { dialect: 'postgres' })) await driver.exec(statement.sql);
      return { start: { kind: 'model', model: await readDriverSchema(driver, { schema, exclude: [] }) }, replay: [] };
    },
    async close() {
      await driver?.close();
    },
  };
}

function mysqlHarness(): Harness {
  return {
    async start(rule) {
      if (!rule.docs.setup) return { start: { kind: 'empty' }, replay: [] };
      const url = await freshDatabase('mariadb', 'lint_rule');
      const driver = resolveDatabase({ db: url }).openDriver();
      try {
        await driver.connect('write');
        for (const statement of splitStatements(rule.docs.setup, { dialect: 'mysql' })) await driver.exec(statement.sql);
      } finally {
        await driver.close();
      }
      return { start: { kind: 'model', model: await readSchema(url) }, replay: [] };
    },
    async close() {},
  };
}

/** Each rule on the first of its families (the one its examples are written in). */
const byFamily = new Map<LintFamily, LintRule[]>();
for (const rule of LINT_RULES) byFamily.set(rule.families[0]!, [...(byFamily.get(rule.families[0]!) ?? []), rule]);

async function lintExample(rule: LintRule, which: 'bad' | 'good', harness: Harness) {
  const family = rule.families[0]!;
  const { start, replay } = await harness.start(rule, family);
  const file: LintInput = { path: `${which}.sql`, text: rule.docs[which], family, ...(rule.docs.runtime ? { runtime: rule.docs.runtime } : {}) };
  const { findings } = await lintSequence([...replay, file], { start });
  return findings.filter((f) => f.file === file.path);
}

for (const [family, rules] of byFamily) {
  const skip = family === 'mysql' ? await skipUnlessServer('mariadb') : false;
  describe(`${family} rules: every rule's bad example triggers it, its good one does not`, { skip }, () => {
    const harness = family === 'sqlite' ? sqliteHarness : family === 'postgres' ? postgresHarness() : mysqlHarness();
    for (const rule of rules) {
      it(rule.id, async () => {
        // postgres/parser-missing's bad case is the file linted where libpg-query is not installed.
        const restore =
          rule.id === 'postgres/parser-missing'
            ? replacePostgresParserImport(() => Promise.reject(Object.assign(new Error("Cannot find package 'libpg-query'"), { code: 'ERR_MODULE_NOT_FOUND' })))
            : () => {};
        const bad = await lintExample(rule, 'bad', harness).finally(restore);
        const hit = bad.find((f) => f.rule === rule.id);
        assert.ok(hit, `${rule.id}: its bad example is not flagged (found: ${bad.map((f) => f.rule).join(', ') || 'nothing'})`);
        const lines = rule.docs.bad.split('\n').length;
        assert.ok(hit.line >= 1 && hit.line <= lines && hit.column >= 1, `${rule.id}: finding at ${hit.line}:${hit.column}, outside the example`);
        assert.ok(hit.message.length > 20, `${rule.id}: a message that says what and why`);
        const good = await lintExample(rule, 'good', harness);
        assert.deepEqual(
          good.filter((f) => f.rule === rule.id),
          [],
          `${rule.id}: its good example is flagged`,
        );
      });
    }
    it('the harness builds the schema the examples assume', async () => {
      const sample: LintRule = {
        ...rules[0]!,
        docs: {
          ...rules[0]!.docs,
          setup: family === 'mysql' ? 'CREATE TABLE harness_probe (id INT PRIMARY KEY)' : 'CREATE TABLE harness_probe (id INTEGER PRIMARY KEY)',
        },
      };
      const { start, replay } = await harness.start(sample, family);
      const { findings } = await lintSequence([...replay, { path: 'probe.sql', text: 'SELECT 1;', family }], { start });
      assert.deepEqual(findings, []);
      if (start.kind === 'model')
        assert.deepEqual(
          start.model.tables.map((t) => t.name),
          ['harness_probe'],
        );
      else assert.equal(replay.length, 1);
      await harness.close();
    });
  });
}

describe('the registry', () => {
  it('holds 12 or more SQLite rules, each with a bad and a good example', () => {
    assert.ok((byFamily.get('sqlite') ?? []).filter((r) => r.id.startsWith('sqlite/')).length >= 12);
  });
});

describe('the rule pages (docs/lint/, and the list in docs/lint.md)', () => {
  it('are current with the rule registry', () => {
    const stale = [...rulePages()]
      .filter(([path, text]) => !existsSync(join(ROOT, path)) || readFileSync(join(ROOT, path), 'utf8') !== text)
      .map(([path]) => path);
    assert.deepEqual(stale, [], 'stale rule pages: run `npm run docs:lint` (node --import tsx scripts/lint-rules-reference.ts) and commit docs/lint/');
    const guide = readFileSync(LINT_GUIDE, 'utf8');
    assert.ok(guide === lintGuide(guide), 'the rule list in docs/lint.md is stale: run `npm run docs:lint`');
  });

  it('are one per rule, no page left from a removed one', () => {
    const pages = new Set(rulePages().keys());
    const extra = readdirSync(RULE_PAGES).filter((name) => !pages.has(`docs/lint/${name}`));
    assert.deepEqual(extra, []);
  });
});
