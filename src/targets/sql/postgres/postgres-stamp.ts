/**
 * PostgreSQL's (and PGlite's) schema stamp: for each set of catalog rows the schema reader's
 * answer can depend on, the number of rows and the sum of a hash of each row's `xmin`, all in
 * one query.
 *
 * Why it moves: PostgreSQL never updates a catalog row where it lies (for what DDL does): every
 * CREATE, ALTER, RENAME, GRANT or DROP deletes rows, writes new ones, or both, and a new row's
 * `xmin` is the id of the transaction that wrote it, which no row visible before that
 * transaction carries. So a change of schema changes a count, or brings an `xmin` that was not
 * in the sum. (The one kind of write in place, VACUUM's and ANALYZE's statistics in pg_class,
 * changes no `xmin` and nothing the fingerprint reads.) A change goes unseen only when the
 * hashes of the rows it removed add up to those of the rows it wrote, a 32-bit hash collision.
 *
 * What it covers (layout pg2): the target schema's own rows (its namespace, relations and their
 * columns, defaults, constraints, indexes, triggers, rules and sequences, its types, enum
 * labels and routines, and what those objects depend on in pg_depend), and, found through those
 * pg_depend rows, the rows of what its definitions name in other schemas: a foreign key's
 * referenced table and columns, a view's tables, columns and functions, a column's or a
 * domain's type, a default's or a trigger's function. PostgreSQL records each of those
 * references as a dependency, because it must refuse to drop what they name. The small shared
 * catalogs (every schema's name, collations, access methods) are covered whole.
 *
 * Until pg1 it covered whole catalogs: in a database of one schema per tenant every other
 * tenant's migration moved it, so it never vouched there, and each read scanned every tenant's
 * rows (1,000 schemas: ~40 ms a read, against ~10 ms now; bench/README.md). A stored pg1 stamp
 * never equals a pg2 one: the first check after an upgrade reads the catalog.
 *
 * What still moves it without a change of the fingerprint (a full read, never a wrong answer):
 * TRUNCATE, VACUUM FULL, CLUSTER and REINDEX of the schema's tables (new relfilenodes), GRANTs
 * on its objects, a schema created, renamed or dropped anywhere in the database, DDL on an
 * object of another schema that the schema's definitions name.
 */
import type { SqlDriver } from '../driver.js';
import { lateralLookup } from './catalog-lookup.js';

const STAMP_VERSION = 'pg2';

/** The count and the sum of the hashed `xmin` of a query's rows (`column`: where it has the `xmin`). */
const countAndSum = (column: string) => `count(*) || '/' || coalesce(sum(hashint8(${column}::text::int8)), 0)`;

/** countAndSum of the rows `from` yields, as a value. */
const part = (from: string, column = 'x') => `(SELECT ${countAndSum(column)} FROM ${from})`;

/** The catalogs whose rows name objects (pg_depend's `classid`), and the schema's rows of each, as an array of oids. */
const OWN_OBJECTS: readonly (readonly [string, string])[] = [
  ['pg_class', 'rel'],
  ['pg_type', 'typ'],
  ['pg_proc', 'fun'],
  ['pg_constraint', 'con'],
  ['pg_attrdef', 'def'],
  ['pg_rewrite', 'rul'],
  ['pg_trigger', 'trg'],
];

/** The catalogs of other schemas' objects the schema's definitions can name (pg_depend's `refclassid`). */
const NAMED_ELSEWHERE: readonly string[] = ['pg_class', 'pg_type', 'pg_proc'];

/** The oids of a set, one row each (`o.oid`). */
const each = (set: string) => `unnest((SELECT oids FROM ${set})) AS o(oid)`;

/** The rows of `catalog` matching each row of `keys` (`where` names the key's columns), through its index (lateralLookup). */
const lookup = (keys: string, catalog: string, where: string, columns = 'xmin AS x') =>
  `${keys} ${lateralLookup(columns, `pg_catalog.${catalog}`, where, 'r')}`;

/** A set of the schema's rows: their oids, and its part of the stamp. */
const set = (name: string, from: string, prefix = '') =>
  `${name} AS (SELECT coalesce(array_agg(${prefix}oid), '{}') AS oids, ${countAndSum(`${prefix}xmin`)} AS stamp FROM ${from})`;

// Each catalog keyed by a relation, a type or an object is read through its index, key by key
// (lookup; joined, it took ~50 ms at 1,000 schemas). The sets of the schema's own relations, types, routines and
// constraints come from sequential scans of pg_class, pg_type, pg_proc and pg_constraint (no
// index has the namespace first): a few ms at 1,000 schemas.
// A CTE named more than once is computed once (no MATERIALIZED, which PostgreSQL 11 lacks).
// $1: the schema (null: current_schema()), as the schema reader takes it.
export const POSTGRES_STAMP_QUERY = `
WITH ns AS (SELECT oid, xmin AS x FROM pg_catalog.pg_namespace WHERE nspname = coalesce($1::text, current_schema())),
${set('rel', 'pg_catalog.pg_class WHERE relnamespace = (SELECT oid FROM ns)')},
${set('typ', 'pg_catalog.pg_type WHERE typnamespace = (SELECT oid FROM ns)')},
${set('fun', 'pg_catalog.pg_proc WHERE pronamespace = (SELECT oid FROM ns)')},
${set('con', 'pg_catalog.pg_constraint WHERE connamespace = (SELECT oid FROM ns)')},
${set('def', lookup(each('rel'), 'pg_attrdef', 'adrelid = o.oid', 'oid, xmin'), 'r.')},
${set('rul', lookup(each('rel'), 'pg_rewrite', 'ev_class = o.oid', 'oid, xmin'), 'r.')},
${set('trg', lookup(each('rel'), 'pg_trigger', 'tgrelid = o.oid', 'oid, xmin'), 'r.')},
dep AS (
  ${OWN_OBJECTS.map(
    ([catalog, set]) =>
      `SELECT r.* FROM ${lookup(each(set), 'pg_depend', `classid = 'pg_catalog.${catalog}'::regclass AND objid = o.oid`, 'xmin AS x, refclassid, refobjid, refobjsubid')}`,
  ).join('\n  UNION ALL ')}
),
named_columns AS (SELECT DISTINCT refobjid, refobjsubid::int2 AS refobjsubid FROM dep WHERE refclassid = 'pg_catalog.pg_class'::regclass AND refobjsubid > 0)
SELECT md5(concat_ws(';',
  ${[
    part('ns'),
    ...OWN_OBJECTS.map(([, set]) => `(SELECT stamp FROM ${set})`),
    part(lookup(each('rel'), 'pg_attribute', 'attrelid = o.oid')),
    part(lookup(each('rel'), 'pg_index', 'indrelid = o.oid')),
    part(lookup(each('rel'), 'pg_sequence', 'seqrelid = o.oid')),
    part(lookup(each('typ'), 'pg_enum', 'enumtypid = o.oid')),
    part('dep'),
    ...NAMED_ELSEWHERE.map((catalog) =>
      part(lookup(`(SELECT DISTINCT refobjid AS oid FROM dep WHERE refclassid = 'pg_catalog.${catalog}'::regclass) AS o`, catalog, 'oid = o.oid')),
    ),
    // A referenced column renamed writes its pg_attribute row, not its table's pg_class row.
    part(lookup('named_columns AS c', 'pg_attribute', 'attrelid = c.refobjid AND attnum = c.refobjsubid')),
    // Shared and small: every schema's name (a referenced object's schema renamed), collations, access methods.
    part('pg_catalog.pg_namespace', 'xmin'),
    part('pg_catalog.pg_collation', 'xmin'),
    part('pg_catalog.pg_am', 'xmin'),
  ].join(',\n  ')})) AS stamp`;

export async function postgresSchemaStamp(driver: SqlDriver, options: { schema?: string } = {}): Promise<string> {
  const [row] = await driver.query<{ stamp: string }>(POSTGRES_STAMP_QUERY, [options.schema ?? null]);
  return `${STAMP_VERSION}:${row!.stamp}`;
}
