/**
 * `strata schema dump`: the schema as deterministic DDL (src/schema/render-ddl.ts), then the
 * applied versions, written atomically. The same database gives a byte-identical file: nothing
 * in it depends on where or when it was dumped (no URL, no timestamps, no applied_at).
 *
 * The applied versions are comments (`-- strata:applied 0003 add_index`), not INSERTs into the
 * ledger as dbmate's schema.sql has: INSERTs would tie the file to one ledger layout (ledger v2
 * adds columns) and carry per-machine values (applied_at, durations) that break determinism.
 * To start a database from a dump, load the DDL and record the history with `strata baseline V`.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { compareVersions } from '../model/version.js';
import { type DatabaseOptions, type DatabaseSpec, resolveDatabase } from '../targets/sql/database-spec.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import { fingerprintOf } from './fingerprint.js';
import { excludedTables, readDriverSchema, renderSchema } from './read-schema.js';
import type { SchemaModel } from './schema-model.js';

export interface AppliedVersion {
  version: string;
  name: string;
}

export interface SchemaDump {
  /** The file's text. */
  text: string;
  model: SchemaModel;
  fingerprint: string;
  /** Applied migrations, in version order. */
  applied: AppliedVersion[];
  /** Where it was written, when `out` was given. */
  path?: string;
}

export interface DumpSchemaOptions {
  /** Write the dump here (atomically: temp file, fsync, rename); otherwise only return it. */
  out?: string;
}

/** The dump of one database: `db` as `readSchema` takes it. */
export async function dumpSchema(db: string | DatabaseOptions | DatabaseSpec | SqlDriver, options: DumpSchemaOptions = {}): Promise<SchemaDump> {
  const spec = resolveDatabase(typeof db === 'string' || !('db' in db) ? { db } : (db as DatabaseOptions));
  const driver = spec.driver ?? spec.openDriver();
  let model: SchemaModel;
  let applied: AppliedVersion[] = [];
  try {
    const { exists } = await driver.connect('read');
    model = exists ? await readDriverSchema(driver, { schema: spec.schema, exclude: excludedTables(spec) }) : emptyModel(spec);
    if (exists && (await driver.tableExists(spec.tables.ledger.name))) {
      const rows = await driver.query<{ version: unknown; name: unknown }>(`SELECT version, name FROM ${spec.tables.ledger.sql} WHERE status = 'applied'`);
      applied = rows.map((row) => ({ version: String(row.version), name: String(row.name) })).sort((a, b) => compareVersions(a.version, b.version));
    }
  } finally {
    if (!spec.driver) await driver.close();
  }
  const fingerprint = fingerprintOf(model);
  const text = dumpText(model, fingerprint, applied);
  if (options.out === undefined) return { text, model, fingerprint, applied };
  const path = resolve(options.out);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text, { mode: 0o644 });
  return { text, model, fingerprint, applied, path };
}

function emptyModel(spec: DatabaseSpec): SchemaModel {
  return { family: spec.dialect.family, tables: [], views: [], others: [] };
}

/** The file: a header, the DDL, the applied versions. */
export function dumpText(model: SchemaModel, fingerprint: string, applied: readonly AppliedVersion[]): string {
  const header = [
    `-- Schema dumped by strata schema dump (${model.family}): deterministic, normalised DDL; Strata's own tables left out.`,
    `-- fingerprint: ${fingerprint}`,
    '',
  ].join('\n');
  const ddl = model.tables.length || model.views.length || model.others.length ? renderSchema(model) : '-- (no tables)\n';
  const versions = applied.length ? applied.map((step) => `-- strata:applied ${step.version} ${step.name}`).join('\n') : '-- strata:applied (none)';
  return `${header}\n${ddl}\n-- Applied migrations (the ledger's history, oldest first):\n${versions}\n`;
}
