/**
 * One line per schema change, for people: `+ index items_name on items`, `~ column items.name:
 * type varchar(100) -> text`, `> table items renamed from goods`. The --json report carries the
 * SchemaChange objects themselves.
 */
import type { SchemaChange } from './diff.js';

const MARK = { added: '+', removed: '-', changed: '~', renamed: '>' } as const;

export function describeChange(change: SchemaChange): string {
  const subject = subjectOf(change);
  switch (change.change) {
    case 'added':
      return `${MARK.added} ${subject} added`;
    case 'removed':
      return `${MARK.removed} ${subject} removed`;
    case 'renamed':
      return `${MARK.renamed} ${subject} renamed from ${change.from}`;
    case 'changed':
      return `${MARK.changed} ${subject} changed: ${fieldsOf(change)}`;
  }
}

function subjectOf(change: SchemaChange): string {
  if (change.object === 'column') return `column ${change.table}.${change.name}`;
  if (change.object === 'column order' || change.object === 'primary key' || change.object === 'table options') return `${change.object} of ${change.table}`;
  return change.table === undefined ? `${change.object} ${change.name}` : `${change.object} ${change.name} on ${change.table}`;
}

function fieldsOf(change: SchemaChange): string {
  if (change.object === 'column order' || change.object === 'primary key') return `${show(change.before)} -> ${show(change.after)}`;
  const before = (change.before ?? {}) as Record<string, unknown>;
  const after = (change.after ?? {}) as Record<string, unknown>;
  return (change.fields ?? []).map((field) => `${field} ${show(before[field])} -> ${show(after[field])}`).join('; ');
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) return `(${value.map(show).join(', ')})`;
  if (typeof value === 'string') return value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
