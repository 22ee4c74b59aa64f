/**
 * PostgreSQL's (and PGlite's) schema stamp: per catalog the schema reader looks at, the number
 * of rows and the sum of a hash of each row's `xmin`, all in one query.
 *
 * Why it moves: PostgreSQL never updates a catalog row where it lies (for what DDL does): every
 * CREATE, ALTER, RENAME, GRANT or DROP deletes rows, writes new ones, or both, and a new row's
 * `xmin` is the id of the transaction that wrote it, which no row visible before that
 * transaction carries. So a change of schema changes a count, or brings an `xmin` that was not
 * in the sum. (The one kind of write in place, VACUUM's and ANALYZE's statistics in pg_class,
 * changes no `xmin` and nothing the fingerprint reads.) A change goes unseen only when the
 * hashes of the rows it removed add up to those of the rows it wrote, a 32-bit hash collision.
 *
 * What it covers: the whole database's rows of these catalogs, not only the target schema's,
 * because the schema's definitions name objects of other schemas (a foreign key's referenced
 * columns, a view's, a column's type, a trigger's function). Only pg_class rows of temporary
 * tables are left out (other sessions make them all the time). The price is false alarms, never
 * a missed change: temporary tables' columns and types, TRUNCATE, VACUUM FULL, CLUSTER and
 * REINDEX (new relfilenodes), and DDL in other schemas move it, and the check then reads the
 * catalog as it did before there was a stamp.
 */
import type { SqlDriver } from '../driver.js';

const STAMP_VERSION = 'pg1';

/** Each catalog the reader (postgres-schema.ts) reads, with the rows of it that can matter. */
const CATALOGS: readonly (readonly [string, string])[] = [
  ['pg_namespace', 'true'],
  ['pg_class', "relpersistence <> 't'"],
  ['pg_attribute', 'true'],
  ['pg_attrdef', 'true'],
  ['pg_constraint', 'true'],
  ['pg_index', 'true'],
  ['pg_trigger', 'true'],
  ['pg_rewrite', 'true'],
  ['pg_sequence', 'true'],
  ['pg_type', 'true'],
  ['pg_enum', 'true'],
  ['pg_proc', 'true'],
  ['pg_collation', 'true'],
  ['pg_am', 'true'],
  // Which objects an extension owns (the reader leaves those out).
  ['pg_depend', "deptype = 'e'"],
];

// `xid` has no ordering and no cast to a number: through text. Whole catalogs, no filter on
// namespaces: sequential scans of a few thousand rows beat the joins a filter would need.
export const POSTGRES_STAMP_QUERY = `SELECT md5(concat_ws(';', ${CATALOGS.map(
  ([catalog, where]) => `(SELECT count(*) || '/' || coalesce(sum(hashint8(xmin::text::int8)), 0) FROM pg_catalog.${catalog} WHERE ${where})`,
).join(', ')})) AS stamp`;

export async function postgresSchemaStamp(driver: SqlDriver): Promise<string> {
  const [row] = await driver.query<{ stamp: string }>(POSTGRES_STAMP_QUERY);
  return `${STAMP_VERSION}:${row!.stamp}`;
}
