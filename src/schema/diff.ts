/**
 * Object-level differences between two SchemaModels: what `strata drift` reports and what
 * `drift --adopt` turns into DDL. `before` is the schema the history builds (the replay), `after`
 * the one the database has (live). Pure: no I/O, deterministic order.
 *
 * Renames are reported as renames, not as a drop plus an add, when the object is otherwise the
 * same: a table with the same columns, keys, indexes and options under a new name; a column with
 * the same type, default, nullability, generation and collation at the same position; an index,
 * foreign key, constraint, view or other object with the same definition under a new name. A
 * rename pairs one removed object with exactly one added one; when several candidates fit, the
 * objects are reported as removed and added, since guessing would be worse.
 */
import type {
  ColumnModel,
  ConstraintModel,
  ForeignKeyModel,
  IndexModel,
  OtherObjectModel,
  SchemaModel,
  TableModel,
  TriggerModel,
  ViewModel,
} from './schema-model.js';

export type ChangeKind = 'added' | 'removed' | 'changed' | 'renamed';

/** What kind of object changed; table parts carry their table's name in `table`. */
export type ObjectKind =
  | 'table'
  | 'column'
  | 'column order'
  | 'primary key'
  | 'index'
  | 'foreign key'
  | 'constraint'
  | 'trigger'
  | 'table options'
  | 'view'
  | string;

export interface SchemaChange {
  change: ChangeKind;
  object: ObjectKind;
  /** The object's name now (after a rename: its new name); for `others`, `kind name`. */
  name: string;
  /** The table a column, index, key, constraint or trigger belongs to (its name now). */
  table?: string;
  /** A rename: the name it had. */
  from?: string;
  /** A change: the fields that differ (`type`, `default`, `nullable`, `columns`, ...). */
  fields?: string[];
  /** The object as the history builds it; absent when added. */
  before?: unknown;
  /** The object as the database has it; absent when removed. */
  after?: unknown;
}

/** The differences that turn `before` into `after`, in a deterministic order. */
export function diffSchemas(before: SchemaModel, after: SchemaModel): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const tables = pairObjects(before.tables, after.tables, (t) => t.name, tableShape);
  const renamedTables = new Map(tables.renamed.map(([b, a]) => [b.name, a.name]));
  const tableChanges: { name: string; changes: SchemaChange[] }[] = [];
  for (const table of tables.removed)
    tableChanges.push({ name: table.name, changes: [{ change: 'removed', object: 'table', name: table.name, before: table }] });
  for (const table of tables.added) tableChanges.push({ name: table.name, changes: [{ change: 'added', object: 'table', name: table.name, after: table }] });
  const columnRenames = new Map<string, Map<string, string>>();
  const pairs = [...tables.renamed, ...tables.same];
  for (const [b, a] of pairs) columnRenames.set(b.name, pairColumns(b, a).renames);
  for (const [b, a] of pairs) {
    const own: SchemaChange[] = [];
    if (b.name !== a.name) own.push({ change: 'renamed', object: 'table', name: a.name, from: b.name });
    own.push(...diffTable(b, a, renamedTables, columnRenames));
    if (own.length) tableChanges.push({ name: a.name, changes: own });
  }
  tableChanges.sort((x, y) => compareText(x.name, y.name));
  for (const t of tableChanges) changes.push(...t.changes);
  changes.push(...diffNamed('view', before.views, after.views, viewShape, (v) => v.name));
  changes.push(...diffOthers(before.others, after.others));
  return changes;
}

// ---- tables ----------------------------------------------------------------------------

/** A table without its name, nor the names of its parts (an index keeps its name on a table rename, a trigger's text does not). */
function tableShape(table: TableModel): string {
  return canonical({
    columns: table.columns,
    primaryKey: table.primaryKey,
    indexes: table.indexes.map(indexShape).sort(),
    foreignKeys: table.foreignKeys.map((fk) => canonical({ ...fk, name: null })).sort(),
    constraints: table.constraints.map((c) => canonical({ ...c, name: null })).sort(),
    options: table.options,
  });
}

function diffTable(before: TableModel, after: TableModel, renamedTables: Map<string, string>, columnRenames: Map<string, Map<string, string>>): SchemaChange[] {
  const table = after.name;
  const changes: SchemaChange[] = [];
  const columns = pairColumns(before, after);
  const renames = columns.renames;
  for (const column of columns.removed) changes.push({ change: 'removed', object: 'column', table, name: column.name, before: column });
  for (const column of columns.added) changes.push({ change: 'added', object: 'column', table, name: column.name, after: column });
  for (const [b, a] of columns.pairs) {
    if (b.name !== a.name) changes.push({ change: 'renamed', object: 'column', table, name: a.name, from: b.name });
    const fields = differingFields(b, a, ['type', 'nullable', 'default', 'generated', 'collation']);
    if (fields.length) changes.push({ change: 'changed', object: 'column', table, name: a.name, fields, before: b, after: a });
  }
  // The order of the columns both have, after renames: SELECT * depends on it.
  const kept = new Set(columns.pairs.map(([, a]) => a.name));
  const orderBefore = before.columns.map((c) => renames.get(c.name) ?? c.name).filter((n) => kept.has(n));
  const orderAfter = after.columns.map((c) => c.name).filter((n) => kept.has(n));
  if (orderBefore.join('\0') !== orderAfter.join('\0'))
    changes.push({ change: 'changed', object: 'column order', table, name: table, before: orderBefore, after: orderAfter });

  const mapColumn = (name: string) => renames.get(name) ?? name;
  const primaryBefore = before.primaryKey?.map(mapColumn) ?? null;
  if (canonical(primaryBefore) !== canonical(after.primaryKey)) {
    changes.push({ change: 'changed', object: 'primary key', table, name: table, before: before.primaryKey, after: after.primaryKey });
  }
  // Parts that name columns or tables are compared with the renames applied, so a renamed
  // column does not also show as a changed index on it.
  const indexesBefore = before.indexes.map((i) => ({ ...i, columns: i.columns.map(mapColumn) }));
  changes.push(
    ...withTable(
      table,
      diffNamed('index', indexesBefore, after.indexes, indexShape, (i) => i.name, before.indexes),
    ),
  );
  const fksBefore = before.foreignKeys.map((fk) => {
    const referenced = renamedTables.get(fk.referencedTable) ?? fk.referencedTable;
    const referencedRenames = columnRenames.get(fk.referencedTable);
    return {
      ...fk,
      columns: fk.columns.map(mapColumn),
      referencedTable: referenced,
      referencedColumns: fk.referencedColumns.map((c) => referencedRenames?.get(c) ?? c),
    };
  });
  changes.push(...withTable(table, diffKeyed('foreign key', fksBefore, after.foreignKeys, foreignKeyKey, foreignKeyShape, before.foreignKeys)));
  changes.push(...withTable(table, diffKeyed('constraint', before.constraints, after.constraints, constraintKey, constraintShape)));
  changes.push(
    ...withTable(
      table,
      diffNamed(
        'trigger',
        before.triggers,
        after.triggers,
        (t: TriggerModel) => t.definition,
        (t) => t.name,
      ),
    ),
  );
  const optionFields = [...new Set([...Object.keys(before.options), ...Object.keys(after.options)])]
    .sort()
    .filter((k) => before.options[k] !== after.options[k]);
  if (optionFields.length) {
    changes.push({ change: 'changed', object: 'table options', table, name: table, fields: optionFields, before: before.options, after: after.options });
  }
  return changes;
}

function withTable(table: string, changes: SchemaChange[]): SchemaChange[] {
  return changes.map((c) => ({ ...c, table }));
}

/**
 * Columns by name; then a removed and an added column at the same position with the same
 * definition are one renamed column.
 */
function pairColumns(
  before: TableModel,
  after: TableModel,
): { pairs: [ColumnModel, ColumnModel][]; removed: ColumnModel[]; added: ColumnModel[]; renames: Map<string, string> } {
  const afterByName = new Map(after.columns.map((c) => [c.name, c]));
  const beforeNames = new Set(before.columns.map((c) => c.name));
  const pairs: [ColumnModel, ColumnModel][] = [];
  const removed: ColumnModel[] = [];
  const renames = new Map<string, string>();
  const claimed = new Set<string>();
  before.columns.forEach((column, position) => {
    const same = afterByName.get(column.name);
    if (same) return pairs.push([column, same]);
    const candidate = after.columns[position];
    if (candidate && !beforeNames.has(candidate.name) && !claimed.has(candidate.name) && columnShape(candidate) === columnShape(column)) {
      claimed.add(candidate.name);
      renames.set(column.name, candidate.name);
      return pairs.push([column, candidate]);
    }
    removed.push(column);
  });
  const added = after.columns.filter((c) => !beforeNames.has(c.name) && !claimed.has(c.name));
  return { pairs, removed, added, renames };
}

function columnShape(column: ColumnModel): string {
  return canonical({ ...column, name: null });
}

/** Everything but the name (uniqueness, columns, predicate, access method...). */
function indexShape(index: IndexModel): string {
  return canonical({ ...index, name: null });
}

/** Named foreign keys by name; unnamed ones (SQLite) by their columns. */
function foreignKeyKey(fk: ForeignKeyModel): string {
  return fk.name ?? `(${fk.columns.join(', ')})`;
}

function foreignKeyShape(fk: ForeignKeyModel): string {
  return canonical({ ...fk, name: null });
}

/** Named constraints by name; unnamed ones (SQLite's CHECKs) by what they say. */
function constraintKey(constraint: ConstraintModel): string {
  return constraint.name ?? `${constraint.kind} ${constraint.definition}`;
}

function constraintShape(constraint: ConstraintModel): string {
  return canonical({ kind: constraint.kind, definition: constraint.definition });
}

function viewShape(view: ViewModel): string {
  return canonical({ definition: view.definition, materialized: view.materialized });
}

function diffOthers(before: OtherObjectModel[], after: OtherObjectModel[]): SchemaChange[] {
  return diffKeyed(
    'other',
    before,
    after,
    (o) => `${o.kind} ${o.name}`,
    (o) => canonical({ kind: o.kind, definition: o.definition }),
  ).map((c) => {
    const now = (c.after ?? c.before) as OtherObjectModel;
    return { ...c, object: now.kind, name: now.name, ...(c.from === undefined ? {} : { from: (c.before as OtherObjectModel).name }) };
  });
}

// ---- generic pairing -------------------------------------------------------------------

interface Paired<T> {
  same: [T, T][];
  renamed: [T, T][];
  removed: T[];
  added: T[];
}

/**
 * Pairs objects by key; of those left, a removed and an added one with the same shape are a
 * rename when each is the other's only match.
 */
function pairObjects<T>(before: readonly T[], after: readonly T[], key: (item: T) => string, shape: (item: T) => string): Paired<T> {
  const afterByKey = new Map(after.map((item) => [key(item), item]));
  const beforeKeys = new Set(before.map(key));
  const same: [T, T][] = [];
  const gone: T[] = [];
  for (const item of before) {
    const match = afterByKey.get(key(item));
    if (match === undefined) gone.push(item);
    else same.push([item, match]);
  }
  const fresh = after.filter((item) => !beforeKeys.has(key(item)));
  const shapesGone = countBy(gone, shape);
  const shapesFresh = countBy(fresh, shape);
  const renamed: [T, T][] = [];
  const renamedFresh = new Set<T>();
  const removed: T[] = [];
  for (const item of gone) {
    const s = shape(item);
    const match = shapesGone.get(s) === 1 && shapesFresh.get(s) === 1 ? fresh.find((f) => shape(f) === s) : undefined;
    if (match === undefined) removed.push(item);
    else {
      renamed.push([item, match]);
      renamedFresh.add(match);
    }
  }
  const added = fresh.filter((item) => !renamedFresh.has(item));
  return { same, renamed, removed, added };
}

/** Objects identified by their name (indexes, triggers, views). `originals`: the before objects as reported, when `before` had renames applied. */
function diffNamed<T extends { name: string }>(
  object: ObjectKind,
  before: readonly T[],
  after: readonly T[],
  shape: (item: T) => string,
  key: (item: T) => string,
  originals?: readonly T[],
): SchemaChange[] {
  return diffKeyed(object, before, after, key, shape, originals);
}

function diffKeyed<T>(
  object: ObjectKind,
  before: readonly T[],
  after: readonly T[],
  key: (item: T) => string,
  shape: (item: T) => string,
  originals?: readonly T[],
): SchemaChange[] {
  const original = (item: T) => (originals ? originals[before.indexOf(item)] : item);
  const paired = pairObjects(before, after, key, shape);
  const changes: SchemaChange[] = [];
  for (const item of paired.removed) changes.push({ change: 'removed', object, name: key(item), before: original(item) });
  for (const item of paired.added) changes.push({ change: 'added', object, name: key(item), after: item });
  for (const [b, a] of paired.renamed) changes.push({ change: 'renamed', object, name: key(a), from: key(b), before: original(b), after: a });
  for (const [b, a] of paired.same) {
    if (shape(b) === shape(a)) continue;
    const fields = differingFields(original(b) as Record<string, unknown>, a as Record<string, unknown>);
    changes.push({ change: 'changed', object, name: key(a), fields, before: original(b), after: a });
  }
  return changes.sort((x, y) => compareText(x.name, y.name) || compareText(x.change, y.change));
}

function differingFields<T extends object>(before: T, after: T, fields?: readonly (keyof T & string)[]): string[] {
  const names = fields ?? ([...new Set([...Object.keys(before), ...Object.keys(after)])].sort() as (keyof T & string)[]);
  return names.filter((field) => canonical(before[field]) !== canonical(after[field]));
}

function countBy<T>(items: readonly T[], by: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(by(item), (counts.get(by(item)) ?? 0) + 1);
  return counts;
}

/** JSON with object keys sorted, so equal values give equal text whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => compareText(a, b)))
      : v,
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
