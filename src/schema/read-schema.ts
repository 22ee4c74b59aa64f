/**
 * Reading a database's schema as a SchemaModel, its fingerprint, and its DDL: the public API
 * behind `strata schema dump`, drift and the fingerprint the ledger stores. The catalog reading
 * itself is each dialect's (`Dialect.readSchema`); this module picks the connection and the
 * tables to leave out (Strata's own), the same way for every caller.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import type { Dialect } from '../targets/sql/dialect.js';
import { dialectNamed } from '../targets/sql/dialects.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import { type DatabaseOptions, type DatabaseSpec, resolveDatabase } from '../targets/sql/database-spec.js';
import { fingerprintOf } from './fingerprint.js';
import { renderDdl, renderStatements } from './render-ddl.js';
import type { ReadSchemaOptions, SchemaModel } from './schema-model.js';

const unqualified = (name: string): string => name.slice(name.lastIndexOf('.') + 1);

/**
 * The names of Strata's own tables, as the schema readers leave them out: the ledger, its meta
 * table (`<ledger>_meta`, ledger v2), the journal, the backfill state.
 */
export function strataTableNames(ledger: string, others: readonly string[] = []): string[] {
  const name = unqualified(ledger);
  return [name, `${name}_meta`, ...others.map(unqualified)];
}

/** What to leave out for a spec: its ledger, journal and backfill tables. */
export function excludedTables(spec: DatabaseSpec): string[] {
  return strataTableNames(spec.tables.ledger.name, [spec.tables.journal.name, spec.tables.backfill.name]);
}

function unsupported(dialect: Dialect): StrataError {
  return new StrataError(ErrorCode.SCHEMA_UNSUPPORTED, `the ${dialect.name} dialect cannot read its schema`, {
    hint: 'schema dump, drift and fingerprints work on sqlite, postgres, pglite and mysql/mariadb databases',
  });
}

/** The schema through a driver that is already open. */
export function readDriverSchema(driver: SqlDriver, options: ReadSchemaOptions): Promise<SchemaModel> {
  const read = driver.dialect.readSchema;
  if (!read) throw unsupported(driver.dialect);
  return read(driver, { schema: options.schema ?? driver.schema, exclude: options.exclude });
}

/** A database's schema: `db` as `createMigrator` takes it (a path or URL, a driver, a spec, or options with `schema`/`table`...). */
export async function readSchema(db: string | DatabaseOptions | DatabaseSpec | SqlDriver): Promise<SchemaModel> {
  const spec = resolveDatabase(typeof db === 'string' || !('db' in db) ? { db } : (db as DatabaseOptions));
  const driver = spec.driver ?? spec.openDriver();
  try {
    const { exists } = await driver.connect('read');
    if (!exists) return { family: spec.dialect.family, tables: [], views: [], others: [] };
    return await readDriverSchema(driver, { schema: spec.schema, exclude: excludedTables(spec) });
  } finally {
    if (!spec.driver) await driver.close();
  }
}

/** The fingerprint of a database's schema (`v1:<sha256>`), as the ledger stores it. */
export async function schemaFingerprint(db: string | DatabaseOptions | DatabaseSpec | SqlDriver): Promise<string> {
  return fingerprintOf(await readSchema(db));
}

function ddlFor(model: SchemaModel) {
  const ddl = dialectNamed(model.family)?.ddl;
  if (!ddl) {
    throw new StrataError(ErrorCode.SCHEMA_UNSUPPORTED, `no DDL renderer for a ${model.family} schema`, {
      hint: 'the model family must be sqlite, postgres or mysql',
    });
  }
  return ddl;
}

/** A model as one deterministic DDL script in its family's SQL (`model.family`). */
export function renderSchema(model: SchemaModel): string {
  return renderDdl(model, ddlFor(model));
}

/** The same DDL as separate statements (no `;`), to run one by one (MySQL trigger bodies hold `;`). */
export function renderSchemaStatements(model: SchemaModel): string[] {
  return renderStatements(model, ddlFor(model));
}

/**
 * The dialect's schema stamp through a driver that is already open (Dialect.schemaStamp): null
 * when the dialect has none. Strata's own tables are not left out: a stamp may move for them.
 */
export async function readDriverStamp(driver: SqlDriver, options: { schema?: string } = {}): Promise<string | null> {
  const stamp = driver.dialect.schemaStamp;
  return stamp ? stamp(driver, { schema: options.schema ?? driver.schema }) : null;
}
