/**
 * Runs one lint rule over a migration text the way the engine hands it files (the engine's own
 * LintFile builder and AST step), and the schema before the file read from a real database the setup DDL ran on
 * (an in-memory PGlite for PostgreSQL, a scratch database on the MariaDB server for MySQL).
 */
import { randomBytes } from 'node:crypto';
import type { LintFamily, LintFile, LintFindingDraft, LintRule, SchemaBefore } from '../src/lint/lint-rule.js';
import { lintFileOf as engineLintFileOf } from '../src/lint/lint-source.js';
import { attachAst } from '../src/lint/parse-ast.js';
import { schemaOfModel, unknownSchema } from '../src/lint/schema-before.js';
import { readDriverSchema } from '../src/schema/read-schema.js';
import type { SchemaModel } from '../src/schema/schema-model.js';
import { splitStatements } from '../src/sources/sql/split-statements.js';
import { resolveDatabase } from '../src/targets/sql/database-spec.js';
import { SERVER_URLS } from './servers.js';
import type { SqlDriver } from '../src/targets/sql/driver.js';

const MYSQL_URL = SERVER_URLS.mariadb;

/** A LintFile for `text` (its down in `down`) as the engine builds it, with PostgreSQL trees attached. */
export async function lintFileOf(text: string, family: LintFamily, options: { down?: string; path?: string } = {}): Promise<LintFile> {
  const file = engineLintFileOf({
    path: options.path ?? `0001_test.${family}.sql`,
    text,
    family,
    ...(options.down === undefined ? {} : { downText: options.down }),
  });
  await attachAst(file);
  return file;
}

/** The SchemaBefore the engine builds from a model (undefined: nothing known, files linted alone). */
export function schemaBeforeOf(model: SchemaModel | undefined): SchemaBefore {
  return model ? schemaOfModel(model) : unknownSchema();
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
