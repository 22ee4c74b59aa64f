/**
 * The model in canonical order, whatever order the catalog listed things in: tables, views and
 * objects by name, each table's indexes, keys, constraints and triggers sorted; columns keep
 * their declared order (SELECT * depends on it). Readers build a model, then return this.
 */
import type { SchemaModel, TableModel } from './schema-model.js';

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const by =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number =>
    byText(key(a), key(b));

function sortTable(table: TableModel): TableModel {
  return {
    ...table,
    indexes: [...table.indexes].sort(by((index) => index.name)),
    foreignKeys: [...table.foreignKeys].sort(by((fk) => JSON.stringify([fk.name ?? '', fk.columns, fk.referencedTable, fk.referencedColumns]))),
    constraints: [...table.constraints].sort(by((c) => JSON.stringify([c.kind, c.name ?? '', c.definition]))),
    triggers: [...table.triggers].sort(by((trigger) => trigger.name)),
    options: Object.fromEntries(Object.entries(table.options).sort(([a], [b]) => byText(a, b))),
  };
}

export function canonicalModel(model: SchemaModel): SchemaModel {
  return {
    family: model.family,
    tables: model.tables.map(sortTable).sort(by((table) => table.name)),
    views: [...model.views].sort(by((view) => view.name)),
    others: [...model.others].sort(by((other) => `${other.kind}\u0000${other.name}`)),
  };
}

/** JSON with object keys sorted at every level: the same model gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => byText(a, b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
