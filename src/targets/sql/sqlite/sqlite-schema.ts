/**
 * SQLite's schema as a SchemaModel: `sqlite_schema` for the objects and their SQL, the pragma
 * table functions for columns, keys and unique constraints (one query each, joined over every
 * table, so 1,000 tables cost four queries), and the normalised `CREATE` text for what the
 * pragmas do not say (CHECKs, generated expressions, collations, AUTOINCREMENT, table options).
 */
import { canonicalModel } from '../../../schema/canonical.js';
import {
  closingParen,
  isWord,
  joinTokens,
  nameOf,
  normaliseSql,
  normaliseType,
  remember,
  splitTopLevel,
  type Token,
  tokenize,
  unwrapParens,
} from '../../../schema/normalise.js';
import type { ColumnModel, ConstraintModel, IndexModel, ReadSchemaOptions, SchemaModel, TableModel } from '../../../schema/schema-model.js';
import type { SqlDriver } from '../driver.js';

interface ObjectRow {
  type: string;
  name: string;
  tbl: string;
  sql: string | null;
  kind: string | null;
}

interface ColumnRow {
  tbl: string;
  cid: number;
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
  hidden: number;
}

interface ForeignKeyRow {
  tbl: string;
  id: number;
  seq: number;
  ref: string;
  from: string;
  to: string | null;
  on_update: string;
  on_delete: string;
}

interface UniqueRow {
  tbl: string;
  idx: string;
  seqno: number;
  col: string;
}

const USER_TABLES = "m.type = 'table' AND m.name NOT LIKE 'sqlite_%'";

/**
 * The rows of `sql` (whose result columns are `keys`), built into one JSON array by SQLite and
 * parsed at once: a JS object per row from the driver cost three times as much (measured on
 * 1,000 tables: 4,000 column rows in 22 ms as objects, 8 ms as JSON; the pragma itself 3 ms).
 * The subquery's ORDER BY is the array's order.
 */
async function jsonRows<T>(driver: SqlDriver, sql: string, keys: readonly string[]): Promise<T[]> {
  const object = keys.map((key) => `'${key}', "${key}"`).join(', ');
  const [row] = await driver.query<{ rows: string | null }>(`SELECT json_group_array(json_object(${object})) AS rows FROM (${sql})`);
  return row?.rows ? (JSON.parse(row.rows) as T[]) : [];
}

export async function readSqliteSchema(driver: SqlDriver, options: ReadSchemaOptions): Promise<SchemaModel> {
  const excluded = new Set(options.exclude);
  const rows = await driver.query<Omit<ObjectRow, 'kind'>>("SELECT type, name, tbl_name AS tbl, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'");
  // pragma_table_list says which tables are shadow tables of a virtual table (FTS5's _data...):
  // the virtual table's CREATE makes them, so they are not part of the schema of their own. Asked
  // only when there is a virtual table, and apart: joined, SQLite runs it once per object.
  const hasVirtual = rows.some((row) => row.sql !== null && /^\s*create\s+virtual/i.test(row.sql));
  const kinds = new Map<string, string>(
    hasVirtual
      ? (await driver.query<{ name: string; type: string }>("SELECT name, type FROM pragma_table_list WHERE schema = 'main'")).map((row) => [
          row.name,
          row.type,
        ])
      : [],
  );
  const objects = rows.map((row): ObjectRow => ({ ...row, kind: kinds.get(row.name) ?? null }));
  const columns = await jsonRows<ColumnRow>(
    driver,
    `SELECT m.name AS tbl, c.cid, c.name, c.type, c."notnull" AS "notnull", c.dflt_value, c.pk, c.hidden FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) c WHERE ${USER_TABLES} AND m.sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY m.name, c.cid`,
    ['tbl', 'cid', 'name', 'type', 'notnull', 'dflt_value', 'pk', 'hidden'],
  );
  const foreignKeys = await jsonRows<ForeignKeyRow>(
    driver,
    `SELECT m.name AS tbl, f.id, f.seq, f."table" AS ref, f."from" AS "from", f."to" AS "to", f.on_update, f.on_delete FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f WHERE ${USER_TABLES} AND m.sql LIKE '%references%' ORDER BY m.name, f.id, f.seq`,
    ['tbl', 'id', 'seq', 'ref', 'from', 'to', 'on_update', 'on_delete'],
  );
  const uniques = await driver.query<UniqueRow>(
    `SELECT m.name AS tbl, il.name AS idx, ii.seqno, ii.name AS col FROM sqlite_schema m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii WHERE ${USER_TABLES} AND m.sql LIKE '%unique%' AND il.origin = 'u' ORDER BY m.name, il.name, ii.seqno`,
  );

  const tables = new Map<string, TableModel>();
  const model: SchemaModel = { family: 'sqlite', tables: [], views: [], others: [] };
  const skip = (name: string) => excluded.has(name);
  for (const row of objects) {
    if (row.type !== 'table' || skip(row.name) || row.kind === 'shadow' || !row.sql) continue;
    if (row.kind === 'virtual' || /^\s*create\s+virtual/i.test(row.sql)) {
      model.others.push({ kind: 'virtual table', name: row.name, definition: createText(row.sql) });
      continue;
    }
    const table: TableModel = { name: row.name, columns: [], primaryKey: null, indexes: [], foreignKeys: [], constraints: [], triggers: [], options: {} };
    tables.set(row.name, table);
    model.tables.push(table);
  }
  const parsed = new Map<string, ParsedTable>();
  for (const row of objects) if (tables.has(row.name) && row.sql) parsed.set(row.name, parseCreateTable(row.sql));

  const keys = new Map<string, { pk: number; name: string }[]>();
  for (const row of columns) {
    const table = tables.get(row.tbl);
    if (!table) continue;
    const extra = parsed.get(row.tbl)?.columns.get(row.name.toLowerCase());
    const column: ColumnModel = {
      name: row.name,
      type: normaliseType(row.type.replace(/\s+generated\s+always\s*$/i, ''), 'sqlite'),
      nullable: row.notnull === 0,
      default: row.dflt_value === null ? null : normaliseSql(row.dflt_value, 'sqlite'),
      generated: extra?.generated ?? null,
      collation: extra?.collation ?? null,
    };
    table.columns.push(column);
    if (row.pk > 0) keys.set(row.tbl, [...(keys.get(row.tbl) ?? []), { pk: row.pk, name: row.name }]);
  }
  for (const [name, pk] of keys) tables.get(name)!.primaryKey = pk.sort((a, b) => a.pk - b.pk).map((key) => key.name);

  for (const [name, info] of parsed) {
    const table = tables.get(name)!;
    table.constraints.push(...info.checks.map((check) => ({ ...check })));
    table.options = { ...info.options };
  }

  const groups = new Map<string, ForeignKeyRow[]>();
  for (const row of foreignKeys) {
    if (!tables.has(row.tbl)) continue;
    const key = `${row.tbl}\u0000${row.id}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const rows of groups.values()) {
    const first = rows[0]!;
    tables.get(first.tbl)!.foreignKeys.push({
      name: null,
      columns: rows.map((row) => row.from),
      referencedTable: first.ref,
      // `REFERENCES t` without columns names t's primary key: the pragma says null.
      referencedColumns: rows.every((row) => row.to !== null) ? rows.map((row) => row.to!) : [],
      onUpdate: first.on_update.toLowerCase(),
      onDelete: first.on_delete.toLowerCase(),
    });
  }

  const uniqueColumns = new Map<string, UniqueRow[]>();
  for (const row of uniques) {
    if (!tables.has(row.tbl)) continue;
    const key = `${row.tbl}\u0000${row.idx}`;
    uniqueColumns.set(key, [...(uniqueColumns.get(key) ?? []), row]);
  }
  for (const rows of uniqueColumns.values()) {
    // SQLite names these sqlite_autoindex_<table>_<n> by position: the name says nothing.
    tables.get(rows[0]!.tbl)!.constraints.push({ name: null, kind: 'unique', definition: rows.map((row) => row.col).join(', ') });
  }

  for (const row of objects) {
    if (!row.sql) continue;
    if (row.type === 'index' && tables.has(row.tbl)) tables.get(row.tbl)!.indexes.push(parseCreateIndex(row.name, row.sql));
    else if (row.type === 'trigger' && tables.has(row.tbl)) tables.get(row.tbl)!.triggers.push({ name: row.name, definition: createText(row.sql) });
    else if (row.type === 'view' && !skip(row.name)) model.views.push({ name: row.name, definition: viewBody(row.sql), materialized: false });
    else if (row.type === 'trigger' && !skip(row.tbl)) model.others.push({ kind: 'trigger', name: row.name, definition: createText(row.sql) });
  }
  return canonicalModel(model);
}

interface ParsedTable {
  columns: Map<string, { generated: string | null; collation: string | null }>;
  checks: ConstraintModel[];
  options: Record<string, string>;
}

const TABLE_CONSTRAINT = ['constraint', 'primary', 'unique', 'check', 'foreign'];

const parsedTables = new Map<string, ParsedTable>();

/** What only the `CREATE TABLE` text says (remembered by text: the result is never changed). */
export function parseCreateTable(sql: string): ParsedTable {
  return parsedTables.get(sql) ?? remember(parsedTables, sql, parseTableText(sql));
}

function parseTableText(sql: string): ParsedTable {
  const tokens = tokenize(sql, 'sqlite');
  const open = tokens.findIndex((t) => t.kind === 'punct' && t.value === '(');
  const close = closingParen(tokens, open);
  const result: ParsedTable = { columns: new Map(), checks: [], options: {} };
  for (const item of splitTopLevel(tokens.slice(open + 1, close))) {
    const isConstraint = isWord(item[0], ...TABLE_CONSTRAINT);
    checksIn(item, result.checks);
    if (isConstraint) continue;
    const name = nameOf(item[0]!).toLowerCase();
    let generated: string | null = null;
    let collation: string | null = null;
    for (let k = 1; k < item.length; k++) {
      const token = item[k]!;
      if (isWord(token, 'collate')) collation = nameOf(item[k + 1]!).toLowerCase();
      if (isWord(token, 'autoincrement')) generated = 'autoincrement';
      if (isWord(token, 'as') && item[k + 1]?.value === '(') {
        const end = closingParen(item, k + 1);
        const stored = isWord(item[end + 1], 'stored');
        generated = `${stored ? 'stored' : 'virtual'} ${joinTokens(item.slice(k + 1, end + 1), 'sqlite')}`;
      }
    }
    result.columns.set(name, { generated, collation });
  }
  const tail = tokens.slice(close + 1).map((t) => t.value);
  if (tail.includes('rowid')) result.options.withoutRowid = 'true';
  if (tail.includes('strict')) result.options.strict = 'true';
  return result;
}

/** Every `[CONSTRAINT name] CHECK (expr)` in a column or table item. */
function checksIn(item: Token[], into: ConstraintModel[]): void {
  for (let k = 0; k < item.length; k++) {
    if (!isWord(item[k], 'check') || item[k + 1]?.value !== '(') continue;
    const end = closingParen(item, k + 1);
    const name = isWord(item[k - 2], 'constraint') ? nameOf(item[k - 1]!) : null;
    into.push({ name, kind: 'check', definition: joinTokens(unwrapParens(item.slice(k + 1, end + 1)), 'sqlite') });
  }
}

/** `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (items) [WHERE expr]`. */
export function parseCreateIndex(name: string, sql: string): IndexModel {
  const tokens = tokenize(sql, 'sqlite');
  const open = tokens.findIndex((t) => t.kind === 'punct' && t.value === '(');
  const close = closingParen(tokens, open);
  const where = tokens.findIndex((t, k) => k > close && isWord(t, 'where'));
  return {
    name,
    unique: isWord(tokens[1], 'unique'),
    columns: splitTopLevel(tokens.slice(open + 1, close)).map(indexItem),
    where:
      where < 0
        ? null
        : joinTokens(
            tokens.slice(where + 1).filter((t) => t.value !== ';'),
            'sqlite',
          ),
    using: null,
  };
}

/** An index item: `"a" ASC` -> `a`, `b DESC` -> `b desc`, an expression normalised. */
export function indexItem(tokens: Token[]): string {
  const last = tokens[tokens.length - 1];
  const body = isWord(last, 'asc') ? tokens.slice(0, -1) : tokens;
  return joinTokens(body, 'sqlite');
}

/** A `CREATE ...` statement normalised, without `IF NOT EXISTS` (the object exists either way). */
export function createText(sql: string): string {
  return normaliseSql(sql, 'sqlite').replace(/^create (temp |temporary )?(\w+( \w+)?) if not exists /, 'create $1$2 ');
}

/** The view's definition after its name: `select ...`, or `(a, b) as select ...` with a column list. */
export function viewBody(sql: string): string {
  const tokens = tokenize(sql, 'sqlite');
  const as = tokens.findIndex((t) => isWord(t, 'as') || (t.kind === 'punct' && t.value === '('));
  if (as < 0) return normaliseSql(sql, 'sqlite');
  const rest = tokens.slice(as);
  return joinTokens(isWord(rest[0], 'as') ? rest.slice(1) : rest, 'sqlite').replace(/;$/, '');
}
