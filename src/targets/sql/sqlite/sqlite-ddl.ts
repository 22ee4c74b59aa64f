/** How SQLite writes a SchemaModel back as DDL: the dialect pieces of src/schema/render-ddl.ts. */
import { writeName } from '../../../schema/normalise.js';
import type { DdlDialect } from '../../../schema/render-ddl.js';

const q = (name: string) => writeName(name, 'sqlite');

export const sqliteDdl: DdlDialect = {
  family: 'sqlite',
  forwardReferences: true,
  column(column) {
    let text = column.type ? `${q(column.name)} ${column.type}` : q(column.name);
    if (column.generated === 'autoincrement') text += ' PRIMARY KEY AUTOINCREMENT';
    if (!column.nullable) text += ' NOT NULL';
    if (column.default !== null) text += ` DEFAULT ${column.default}`;
    if (column.collation) text += ` COLLATE ${column.collation}`;
    if (column.generated && column.generated !== 'autoincrement') {
      const [, kind, expression] = /^(stored|virtual) (.*)$/s.exec(column.generated) ?? [];
      text += ` GENERATED ALWAYS AS ${expression} ${kind?.toUpperCase()}`;
    }
    return text;
  },
  tableOptions(table) {
    const options = [table.options.withoutRowid ? 'WITHOUT ROWID' : '', table.options.strict ? 'STRICT' : ''].filter(Boolean);
    return options.length ? ` ${options.join(', ')}` : '';
  },
  createIndex(table, index) {
    const where = index.where ? ` WHERE ${index.where}` : '';
    return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${q(table.name)} (${index.columns.join(', ')})${where}`;
  },
  createView: (view) => `CREATE VIEW ${q(view.name)} ${view.definition.startsWith('(') ? view.definition : `AS ${view.definition}`}`,
  // The catalog keeps a trigger's whole statement; the model holds it normalised.
  createTrigger: (_table, trigger) => trigger.definition,
  otherKinds: [
    { kind: 'virtual table', phase: 'before-tables' },
    { kind: 'trigger', phase: 'last' },
  ],
  createOther: (other) => other.definition,
};
