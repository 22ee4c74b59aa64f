/**
 * The model in canonical form, whatever order the catalog listed things in: tables, views and
 * objects by name, each table's indexes, keys, constraints and triggers sorted; columns keep
 * their declared order (SELECT * depends on it). Every object is rebuilt with its keys in
 * sorted order, so `JSON.stringify` of the result is the canonical JSON the fingerprint hashes
 * (the same text `canonicalJson` gives, without walking the model key by key).
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

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const by =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number =>
    byText(key(a), key(b));

// Keys in sorted order, by hand: the order of an object literal is the order JSON.stringify writes.
const column = (c: ColumnModel): ColumnModel => ({
  collation: c.collation,
  default: c.default,
  generated: c.generated,
  name: c.name,
  nullable: c.nullable,
  type: c.type,
});
const index = (i: IndexModel): IndexModel => ({ columns: [...i.columns], name: i.name, unique: i.unique, using: i.using ?? null, where: i.where });
const foreignKey = (f: ForeignKeyModel): ForeignKeyModel => ({
  columns: [...f.columns],
  name: f.name,
  onDelete: f.onDelete,
  onUpdate: f.onUpdate,
  referencedColumns: [...f.referencedColumns],
  referencedTable: f.referencedTable,
});
const constraint = (c: ConstraintModel): ConstraintModel => ({ definition: c.definition, kind: c.kind, name: c.name });
const trigger = (t: TriggerModel): TriggerModel => ({ definition: t.definition, name: t.name });
const view = (v: ViewModel): ViewModel => ({ definition: v.definition, materialized: v.materialized, name: v.name });
const other = (o: OtherObjectModel): OtherObjectModel => ({ definition: o.definition, kind: o.kind, name: o.name });

function table(t: TableModel): TableModel {
  return {
    columns: t.columns.map(column),
    constraints: t.constraints.map(constraint).sort(by((c) => `${c.kind}\u0000${c.name ?? ''}\u0000${c.definition}`)),
    foreignKeys: t.foreignKeys
      .map(foreignKey)
      .sort(by((fk) => `${fk.name ?? ''}\u0000${fk.columns.join('\u0001')}\u0000${fk.referencedTable}\u0000${fk.referencedColumns.join('\u0001')}`)),
    indexes: t.indexes.map(index).sort(by((i) => i.name)),
    name: t.name,
    options: Object.fromEntries(Object.entries(t.options).sort(([a], [b]) => byText(a, b))),
    primaryKey: t.primaryKey ? [...t.primaryKey] : null,
    triggers: t.triggers.map(trigger).sort(by((tr) => tr.name)),
  };
}

export function canonicalModel(model: SchemaModel): SchemaModel {
  return {
    family: model.family,
    others: model.others.map(other).sort(by((o) => `${o.kind}\u0000${o.name}`)),
    tables: model.tables.map(table).sort(by((t) => t.name)),
    views: model.views.map(view).sort(by((v) => v.name)),
  };
}

/** JSON with object keys sorted at every level, for any value: the same value gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => byText(a, b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
