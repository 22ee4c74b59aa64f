/**
 * PostgreSQL's (and PGlite's) schema as a SchemaModel: pg_catalog for one schema, read in ONE
 * round trip (a single query that builds the whole answer as JSON), so 1,000 tables cost one
 * query. Definitions come from the server's own printers (format_type, pg_get_expr,
 * pg_get_constraintdef, pg_get_indexdef, pg_get_viewdef, pg_get_triggerdef,
 * pg_get_functiondef), which already spell things one way; normaliseSql then fixes spacing.
 * Objects an extension owns are not the application's schema and are left out.
 */
import { canonicalModel } from '../../../schema/canonical.js';
import { normaliseSql, normaliseType, tokenize, unwrapParens, joinTokens, writeName } from '../../../schema/normalise.js';
import type { ReadSchemaOptions, SchemaModel, TableModel } from '../../../schema/schema-model.js';
import type { SqlDriver } from '../driver.js';
import { lateralLookup } from './catalog-lookup.js';

// Extension members from the `ext` set (pg_depend's extension rows, reached by their referenced
// catalog on an index) rather than a NOT EXISTS per object: PostgreSQL turns that into an
// anti-join, which scanned all of pg_depend (tens of thousands of rows at 1,000 schemas).
const notExtension = (catalog: string, oid: string) => `${oid} NOT IN (SELECT objid FROM ext WHERE classid = '${catalog}'::regclass)`;

const names = (array: string, rel: string) =>
  `(SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(${array}) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.n)`;

/** $1: the schema (null: current_schema()); $2: the excluded table names, as a JSON array. */
export const POSTGRES_SCHEMA_QUERY = `
WITH ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname = coalesce($1::text, current_schema())),
ext AS (SELECT classid, objid FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'),
typ AS (
  SELECT t.oid, t.typname, t.typtype, t.typrelid, t.typbasetype, t.typtypmod, t.typnotnull, t.typdefault FROM pg_type t
  WHERE t.typnamespace = (SELECT oid FROM ns) AND t.typtype IN ('e', 'c', 'd') AND ${notExtension('pg_type', 't.oid')}
),
rel AS (
  SELECT c.oid, c.relname, c.relkind, c.relpersistence FROM pg_class c
  WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    AND c.relname NOT IN (SELECT json_array_elements_text($2::json)) AND ${notExtension('pg_class', 'c.oid')}
)
SELECT json_build_object(
  'schema', (SELECT nspname FROM ns),
  'tables', (SELECT json_agg(json_build_object('name', relname, 'unlogged', relpersistence = 'u', 'partitioned', relkind = 'p')) FROM rel WHERE relkind IN ('r', 'p')),
  'columns', (
    SELECT json_agg(json_build_object(
      't', r.relname, 'num', a.attnum, 'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'notnull', a.attnotnull,
      'default', pg_get_expr(d.adbin, d.adrelid), 'identity', a.attidentity, 'generated', a.attgenerated,
      'collation', CASE WHEN a.attcollation <> t.typcollation THEN co.collname END
    ) ORDER BY r.relname, a.attnum)
    FROM rel r ${lateralLookup('attnum, attname, atttypid, atttypmod, attnotnull, attidentity, attgenerated, attcollation', 'pg_attribute', 'attrelid = r.oid AND attnum > 0 AND NOT attisdropped', 'a')}
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = r.oid AND d.adnum = a.attnum
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    WHERE r.relkind IN ('r', 'p')
  ),
  'constraints', (
    SELECT json_agg(json_build_object(
      't', r.relname, 'name', c.conname, 'type', c.contype, 'def', pg_get_constraintdef(c.oid, true),
      'keys', c.conkey, 'ref', fr.relname, 'refns', fn.nspname, 'refkeys', c.confkey,
      'refcols', CASE WHEN fr.relnamespace <> (SELECT oid FROM ns) THEN ${names('c.confkey', 'c.confrelid')} END, 'upd', c.confupdtype, 'del', c.confdeltype
    ))
    FROM rel r ${lateralLookup('oid, conname, contype, conkey, confrelid, confkey, confupdtype, confdeltype', 'pg_constraint', "conrelid = r.oid AND contype IN ('p', 'f', 'c', 'u', 'x')", 'c')}
    LEFT JOIN pg_class fr ON fr.oid = c.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fr.relnamespace
  ),
  'indexes', (
    SELECT json_agg(json_build_object(
      't', r.relname, 'name', ic.relname, 'unique', i.indisunique, 'am', am.amname,
      'keys', (SELECT json_agg(json_build_array(i.indkey[k - 1], CASE WHEN i.indkey[k - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k, true) END, i.indoption[k - 1] & 1) ORDER BY k)
               FROM generate_series(1, i.indnkeyatts) k),
      'where', pg_get_expr(i.indpred, i.indrelid, true)
    ))
    FROM rel r ${lateralLookup('indexrelid, indrelid, indisunique, indkey, indnkeyatts, indoption, indpred', 'pg_index', 'indrelid = r.oid', 'i')}
    JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
    WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
  ),
  'views', (SELECT json_agg(json_build_object('name', relname, 'def', pg_get_viewdef(oid, true), 'mat', relkind = 'm')) FROM rel WHERE relkind IN ('v', 'm')),
  'triggers', (
    SELECT json_agg(json_build_object('t', r.relname, 'kind', r.relkind, 'name', tg.tgname, 'def', pg_get_triggerdef(tg.oid, true)))
    FROM rel r ${lateralLookup('oid, tgname', 'pg_trigger', 'tgrelid = r.oid AND NOT tgisinternal', 'tg')}
  ),
  'sequences', (
    SELECT json_agg(json_build_object('name', r.relname, 'type', format_type(s.seqtypid, NULL), 'start', s.seqstart::text, 'inc', s.seqincrement::text,
      'min', s.seqmin::text, 'max', s.seqmax::text, 'cache', s.seqcache::text, 'cycle', s.seqcycle))
    FROM rel r ${lateralLookup('seqtypid, seqstart, seqincrement, seqmin, seqmax, seqcache, seqcycle', 'pg_sequence', 'seqrelid = r.oid', 's')}
    WHERE r.relkind = 'S'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid AND d.deptype = 'i')
  ),
  'enums', (
    SELECT json_agg(json_build_object('name', t.typname, 'labels', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)))
    FROM typ t WHERE t.typtype = 'e'
  ),
  'composites', (
    SELECT json_agg(json_build_object('name', t.typname, 'attrs', (
      SELECT json_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
      FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)))
    FROM typ t JOIN pg_class c ON c.oid = t.typrelid
    WHERE t.typtype = 'c' AND c.relkind = 'c'
  ),
  'domains', (
    SELECT json_agg(json_build_object('name', t.typname, 'base', format_type(t.typbasetype, t.typtypmod), 'notnull', t.typnotnull, 'default', t.typdefault,
      'checks', (SELECT json_agg(pg_get_constraintdef(c.oid, true) ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid)))
    FROM typ t WHERE t.typtype = 'd'
  ),
  'functions', (
    SELECT json_agg(json_build_object('name', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', 'def', pg_get_functiondef(p.oid)))
    FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM ns) AND p.prokind IN ('f', 'p') AND ${notExtension('pg_proc', 'p.oid')}
  )
) AS model`;

interface CatalogAnswer {
  schema: string | null;
  tables: { name: string; unlogged: boolean; partitioned: boolean }[] | null;
  columns:
    | {
        t: string;
        num: number;
        name: string;
        type: string;
        notnull: boolean;
        default: string | null;
        identity: string;
        generated: string;
        collation: string | null;
      }[]
    | null;
  constraints:
    | {
        t: string;
        name: string;
        type: string;
        def: string;
        keys: number[] | null;
        ref: string | null;
        refns: string | null;
        refkeys: number[] | null;
        refcols: string[] | null;
        upd: string;
        del: string;
      }[]
    | null;
  /** keys: [attnum (0 for an expression), the expression, 1 when descending] per key column. */
  indexes: { t: string; name: string; unique: boolean; am: string; keys: [number, string | null, number][]; where: string | null }[] | null;
  views: { name: string; def: string; mat: boolean }[] | null;
  triggers: { t: string; kind: string; name: string; def: string }[] | null;
  sequences: { name: string; type: string; start: string; inc: string; min: string; max: string; cache: string; cycle: boolean }[] | null;
  enums: { name: string; labels: string[] }[] | null;
  composites: { name: string; attrs: string[] | null }[] | null;
  domains: { name: string; base: string; notnull: boolean; default: string | null; checks: string[] | null }[] | null;
  functions: { name: string; def: string }[] | null;
}

const ACTIONS: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

const pg = (sql: string) => normaliseSql(sql, 'postgres');

/** The text after a leading keyword (`CHECK (x)` -> `x`, outer parentheses dropped). */
function after(keyword: string, definition: string): string {
  const tokens = tokenize(definition, 'postgres');
  const body = tokens[0]?.value === keyword ? tokens.slice(1) : tokens;
  return joinTokens(unwrapParens(body), 'postgres');
}

export async function readPostgresSchema(driver: SqlDriver, options: ReadSchemaOptions): Promise<SchemaModel> {
  const [row] = await driver.query<{ model: CatalogAnswer | string }>(POSTGRES_SCHEMA_QUERY, [options.schema ?? null, JSON.stringify(options.exclude)]);
  const answer: CatalogAnswer = typeof row!.model === 'string' ? JSON.parse(row!.model) : row!.model;
  const schema = answer.schema ?? '';
  const model: SchemaModel = { family: 'postgres', tables: [], views: [], others: [] };
  const tables = new Map<string, TableModel>();
  for (const t of answer.tables ?? []) {
    const options: Record<string, string> = {};
    if (t.unlogged) options.unlogged = 'true';
    if (t.partitioned) options.partitioned = 'true';
    const table: TableModel = { name: t.name, columns: [], primaryKey: null, indexes: [], foreignKeys: [], constraints: [], triggers: [], options };
    tables.set(t.name, table);
    model.tables.push(table);
  }
  // Keys, foreign keys and index columns come as attribute numbers: named here from the columns
  // already read, rather than by a subquery per constraint on the server.
  const attributes = new Map<string, Map<number, string>>();
  for (const c of answer.columns ?? []) {
    let numbers = attributes.get(c.t);
    if (!numbers) attributes.set(c.t, (numbers = new Map()));
    numbers.set(c.num, c.name);
  }
  const named = (table: string | null, keys: number[] | null) => (keys ?? []).map((key) => attributes.get(table ?? '')?.get(key) ?? String(key));
  for (const c of answer.columns ?? []) {
    const generated =
      c.identity === 'a' ? 'identity always' : c.identity === 'd' ? 'identity by default' : c.generated === 's' ? `stored (${pg(c.default ?? '')})` : null;
    tables.get(c.t)?.columns.push({
      name: c.name,
      type: normaliseType(c.type, 'postgres'),
      nullable: !c.notnull,
      default: c.default === null || c.generated === 's' ? null : pg(c.default),
      generated,
      collation: c.collation,
    });
  }
  for (const c of answer.constraints ?? []) {
    const table = tables.get(c.t);
    if (!table) continue;
    const cols = named(c.t, c.keys);
    if (c.type === 'p') table.primaryKey = cols;
    else if (c.type === 'f') {
      table.foreignKeys.push({
        name: c.name,
        columns: cols,
        referencedTable: c.refns === schema ? c.ref! : `${c.refns}.${c.ref}`,
        referencedColumns: c.refcols ?? named(c.ref, c.refkeys),
        onUpdate: ACTIONS[c.upd] ?? c.upd,
        onDelete: ACTIONS[c.del] ?? c.del,
      });
    } else if (c.type === 'c') table.constraints.push({ name: c.name, kind: 'check', definition: after('check', c.def) });
    else if (c.type === 'u') table.constraints.push({ name: c.name, kind: 'unique', definition: cols.map((n) => writeName(n, 'postgres')).join(', ') });
    else table.constraints.push({ name: c.name, kind: 'exclude', definition: pg(c.def.replace(/^EXCLUDE\s+/i, '')) });
  }
  for (const i of answer.indexes ?? []) {
    tables.get(i.t)?.indexes.push({
      name: i.name,
      unique: i.unique,
      columns: i.keys.map(
        ([num, expression, desc]) => `${expression === null ? writeName(named(i.t, [num])[0]!, 'postgres') : pg(expression)}${desc ? ' desc' : ''}`,
      ),
      where: i.where === null ? null : pg(i.where),
      using: i.am === 'btree' ? null : i.am,
    });
  }
  for (const v of answer.views ?? []) model.views.push({ name: v.name, definition: pg(v.def), materialized: v.mat });
  for (const t of answer.triggers ?? []) {
    const table = tables.get(t.t);
    if (table) table.triggers.push({ name: t.name, definition: pg(t.def) });
    else model.others.push({ kind: 'trigger', name: `${t.t}.${t.name}`, definition: pg(t.def) });
  }
  for (const s of answer.sequences ?? []) {
    const definition = `as ${s.type} increment by ${s.inc} minvalue ${s.min} maxvalue ${s.max} start with ${s.start} cache ${s.cache}${s.cycle ? ' cycle' : ' no cycle'}`;
    model.others.push({ kind: 'sequence', name: s.name, definition });
  }
  for (const e of answer.enums ?? []) {
    model.others.push({ kind: 'enum', name: e.name, definition: `enum (${e.labels.map((l) => `'${l.replaceAll("'", "''")}'`).join(', ')})` });
  }
  for (const c of answer.composites ?? []) model.others.push({ kind: 'type', name: c.name, definition: `as (${(c.attrs ?? []).map(pg).join(', ')})` });
  for (const d of answer.domains ?? []) {
    const parts = [
      `as ${normaliseType(d.base, 'postgres')}`,
      d.notnull ? 'not null' : '',
      d.default === null ? '' : `default ${pg(d.default)}`,
      ...(d.checks ?? []).map(pg),
    ];
    model.others.push({ kind: 'domain', name: d.name, definition: parts.filter(Boolean).join(' ') });
  }
  for (const f of answer.functions ?? []) {
    // pg_get_functiondef always qualifies the routine's name; the model is schema-independent.
    const prefix = `${writeName(schema, 'postgres')}.`;
    const text = pg(f.def);
    const head = /^create or replace (function|procedure) /.exec(text)?.[0] ?? '';
    const definition = text.startsWith(prefix, head.length) ? head + text.slice(head.length + prefix.length) : text;
    model.others.push({ kind: 'function', name: f.name, definition });
  }
  return canonicalModel(model);
}
