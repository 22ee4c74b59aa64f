/** MySQL/MariaDB's ALTER pieces for `drift --adopt` (src/schema/render-alter.ts). */
import { writeName } from '../../../schema/normalise.js';
import type { AlterDialect } from '../../../schema/render-alter.js';
import type { ColumnModel, ConstraintModel, ForeignKeyModel } from '../../../schema/schema-model.js';

const q = (name: string) => writeName(name, 'mysql');

/** A column's whole definition, as ADD COLUMN and MODIFY COLUMN take it. */
function columnDefinition(column: ColumnModel): string {
  let text = `${q(column.name)} ${column.type}`;
  if (column.collation) text += ` COLLATE ${column.collation}`;
  if (column.generated && column.generated !== 'auto_increment') {
    const [, kind, expression] = /^(stored|virtual) (.*)$/s.exec(column.generated) ?? [];
    if (expression) text += ` GENERATED ALWAYS AS (${expression}) ${kind!.toUpperCase()}`;
  }
  text += column.nullable ? ' NULL' : ' NOT NULL';
  if (column.default !== null) text += ` DEFAULT ${column.default}`;
  if (column.generated === 'auto_increment') text += ' AUTO_INCREMENT';
  return text;
}

function foreignKey(fk: ForeignKeyModel): string {
  const onUpdate = fk.onUpdate === 'no action' ? '' : ` ON UPDATE ${fk.onUpdate.toUpperCase()}`;
  const onDelete = fk.onDelete === 'no action' ? '' : ` ON DELETE ${fk.onDelete.toUpperCase()}`;
  return `FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${q(fk.referencedTable)} (${fk.referencedColumns.map(q).join(', ')})${onUpdate}${onDelete}`;
}

function constraint(c: ConstraintModel): string {
  return c.kind === 'check' ? `CHECK (${c.definition})` : `UNIQUE (${c.definition})`;
}

export const mysqlAlter: AlterDialect = {
  rebuildsTables: false,
  rebuildPrologue: [],
  rebuildEpilogue: [],
  renameTable: (from, to) => `RENAME TABLE ${q(from)} TO ${q(to)}`,
  dropTable: (name) => `DROP TABLE ${q(name)}`,
  addColumn: (table, column) => `ALTER TABLE ${q(table.name)} ADD COLUMN ${columnDefinition(column)}`,
  dropColumn: (table, column) => `ALTER TABLE ${q(table)} DROP COLUMN ${q(column)}`,
  renameColumn: (table, from, to) => `ALTER TABLE ${q(table)} RENAME COLUMN ${q(from)} TO ${q(to)}`,
  alterColumn: (table, _before, after) => [`ALTER TABLE ${q(table.name)} MODIFY COLUMN ${columnDefinition(after)}`],
  dropIndex: (table, index) => `DROP INDEX ${q(index.name)} ON ${q(table)}`,
  renameIndex: (table, from, to) => `ALTER TABLE ${q(table)} RENAME INDEX ${q(from)} TO ${q(to)}`,
  addForeignKey: (table, fk) => `ALTER TABLE ${q(table)} ADD ${fk.name ? `CONSTRAINT ${q(fk.name)} ` : ''}${foreignKey(fk)}`,
  dropForeignKey: (table, fk) => (fk.name ? `ALTER TABLE ${q(table)} DROP FOREIGN KEY ${q(fk.name)}` : undefined),
  addConstraint: (table, c) => `ALTER TABLE ${q(table)} ADD ${c.name ? `CONSTRAINT ${q(c.name)} ` : ''}${constraint(c)}`,
  dropConstraint: (table, c) => (c.name ? `ALTER TABLE ${q(table)} DROP CONSTRAINT ${q(c.name)}` : undefined),
  dropView: (view) => `DROP VIEW ${q(view.name)}`,
  renameView: (from, to) => `RENAME TABLE ${q(from)} TO ${q(to)}`,
  dropTrigger: (_table, trigger) => `DROP TRIGGER ${q(trigger.name)}`,
};
