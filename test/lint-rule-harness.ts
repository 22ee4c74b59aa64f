/**
 * Runs one lint rule over a migration text the way the engine hands it files: statements cut by
 * Strata's splitter, each with its normalized text and transaction state, PostgreSQL trees from
 * libpg-query, and the schema before the file read from a real database the setup DDL ran on
 * (an in-memory PGlite for PostgreSQL, a scratch database on the MariaDB server for MySQL).
 */
import { randomBytes } from 'node:crypto';
import type { LintFamily, LintFile, LintFindingDraft, LintRule, LintStatement, SchemaBefore } from '../src/lint/lint-rule.js';
import { attachPostgresAsts, loadPostgresParser } from '../src/lint/parse-postgres.js';
import { readDriverSchema } from '../src/schema/read-schema.js';
import type { SchemaModel } from '../src/schema/schema-model.js';
import { splitStatements } from '../src/sources/sql/split-statements.js';
import { resolveDatabase } from '../src/targets/sql/database-spec.js';
import type { SqlDriver } from '../src/targets/sql/driver.js';

export const MYSQL_URL = process.env.STRATA_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** Comments dropped (outside literals and quoted names), whitespace collapsed. */
export function normalizeSql(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop + 1);
      i = stop;
    } else if ((c === '-' && sql[i + 1] === '-') || c === '#') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end - 1;
      out += ' ';
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
      out += ' ';
    } else out += c;
  }
  return out.replace(/\s+/g, ' ').trim();
}

function statementsOf(text: string, family: LintFamily, transaction: boolean): LintStatement[] {
  let explicit = false;
  return splitStatements(text, { dialect: family }).map((split) => {
    const normalized = normalizeSql(split.sql);
    if (/^(BEGIN|START TRANSACTION)\b/i.test(normalized)) explicit = true;
    const inTransaction = transaction || explicit;
    if (/^(COMMIT|ROLLBACK|END)\b/i.test(normalized)) explicit = false;
    return { index: split.index, line: split.line, column: split.column, sql: split.sql, normalized, inTransaction };
  });
}

/** A LintFile for `text` (its down in `down`), with PostgreSQL trees attached. */
export async function lintFileOf(text: string, family: LintFamily, options: { down?: string; path?: string; runtime?: 'd1' } = {}): Promise<LintFile> {
  const transaction = !/--\s*strata:no-transaction/i.test(text);
  const file: LintFile = {
    path: options.path ?? `0001_test.${family}.sql`,
    family,
    text,
    up: statementsOf(text, family, transaction),
    down: options.down === undefined ? undefined : statementsOf(options.down, family, transaction),
    transaction,
    ...(options.runtime ? { runtime: options.runtime } : {}),
  };
  if (family === 'postgres') attachPostgresAsts(await loadPostgresParser(), file);
  return file;
}

/** The SchemaBefore the engine would build from a model (undefined: nothing known). */
export function schemaBeforeOf(model: SchemaModel | undefined): SchemaBefore {
  const find = (name: string) => {
    const bare = name.split('.').at(-1)!.replace(/["`]/g, '').toLowerCase();
    return model?.tables.find((table) => table.name.toLowerCase() === bare);
  };
  return {
    known: model !== undefined,
    model,
    table: find,
    exists: (name) => (model ? find(name) !== undefined : undefined),
  };
}

/** The schema `setup` builds on an empty database of the family (no setup: an empty known schema). */
export async function schemaFromSetup(family: LintFamily, setup: string | undefined): Promise<SchemaModel> {
  if (!setup) return { family, tables: [], views: [], others: [] };
  if (family === 'postgres') return readInPglite(setup);
  if (family === 'mysql') {
    const name = `lintpg_${randomBytes(4).toString('hex')}`;
    const admin = resolveDatabase({ db: MYSQL_URL }).openDriver();
    await admin.connect('write');
    await admin.exec(`CREATE DATABASE ${name}`);
    try {
      return await readAfter(MYSQL_URL.replace(/\/[^/]*$/, `/${name}`), setup);
    } finally {
      await admin.exec(`DROP DATABASE ${name}`);
      await admin.close();
    }
  }
  throw new Error(`no schema reader for ${family} in this harness`);
}

let pglite: SqlDriver | undefined;

/** One in-memory PGlite for the whole test file (it takes seconds to boot), one fresh schema per setup. */
async function readInPglite(setup: string): Promise<SchemaModel> {
  if (!pglite) {
    pglite = resolveDatabase({ db: 'pglite:memory:' }).openDriver();
    await pglite.connect('write');
  }
  const schema = `s_${randomBytes(4).toString('hex')}`;
  await pglite.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
  try {
    for (const statement of splitStatements(setup, { dialect: 'postgres' })) await pglite.exec(statement.sql);
    return await readDriverSchema(pglite, { schema, exclude: [] });
  } finally {
    await pglite.exec(`SET search_path TO public; DROP SCHEMA ${schema} CASCADE`);
  }
}

/** Closes the shared PGlite (call from the test file's `after`). */
export async function closeHarness(): Promise<void> {
  await pglite?.close();
  pglite = undefined;
}

async function readAfter(db: string, setup: string): Promise<SchemaModel> {
  const driver = resolveDatabase({ db }).openDriver();
  await driver.connect('write');
  try {
    for (const statement of splitStatements(setup, { dialect: driver.dialect.family as LintFamily })) await driver.exec(statement.sql);
    return await readDriverSchema(driver, { exclude: [] });
  } finally {
    await driver.close();
  }
}

/** The rule's findings on `text`, with the schema `setup` builds (or none known, with `unknown`). */
export async function runRule(
  rule: LintRule,
  text: string,
  options: { setup?: string; unknown?: boolean; down?: string; family?: LintFamily; model?: SchemaModel } = {},
): Promise<readonly LintFindingDraft[]> {
  const family = options.family ?? rule.families[0]!;
  const file = await lintFileOf(text, family, options.down === undefined ? {} : { down: options.down });
  const model = options.unknown ? undefined : (options.model ?? (await schemaFromSetup(family, options.setup)));
  return rule.check(file, schemaBeforeOf(model));
}
