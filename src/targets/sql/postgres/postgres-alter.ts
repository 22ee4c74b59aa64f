/** PostgreSQL's ALTER pieces for `drift --adopt` (src/schema/render-alter.ts); PGlite shares them. */
import { writeName } from '../../../schema/normalise.js';
import type { AlterDialect } from '../../../schema/render-alter.js';
import type { ConstraintModel, ForeignKeyModel } from '../../../schema/schema-model.js';

const q = (name: string) => writeName(name, 'postgres');

function foreignKey(fk: ForeignKeyModel): string {
  const target = fk.referencedColumns.length ? ` (${fk.referencedColumns.map(q).join(', ')})` : '';
  const onUpdate = fk.onUpdate === 'no action' ? '' : ` ON UPDATE ${fk.onUpdate.toUpperCase()}`;
  const onDelete = fk.onDelete === 'no action' ? '' : ` ON DELETE ${fk.onDelete.toUpperCase()}`;
  return `FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${q(fk.referencedTable)}${target}${onUpdate}${onDelete}`;
}

function constraint(c: ConstraintModel): string {
  return c.kind === 'check' ? `CHECK (${c.definition})` : c.kind === 'unique' ? `UNIQUE (${c.definition})` : `EXCLUDE ${c.definition}`;
}

export const postgresAlter: AlterDialect = {
  rebuildsTables: false,
  rebuildPrologue: [],
  rebuildEpilogue: [],
  renameTable: (from, to) => `ALTER TABLE ${q(from)} RENAME TO ${q(to)}`,
  dropTable: (name) => `DROP TABLE ${q(name)}`,
  addColumn: (table, column) =>
    `ALTER TABLE ${q(table.name)} ADD COLUMN ${q(column.name)} ${column.type}${column.nullable ? '' : ' NOT NULL'}${column.default === null ? '' : ` DEFAULT ${column.default}`}${column.collation ? ` COLLATE ${q(column.collation)}` : ''}`,
  dropColumn: (table, column) => `ALTER TABLE ${q(table)} DROP COLUMN ${q(column)}`,
  renameColumn: (table, from, to) => `ALTER TABLE ${q(table)} RENAME COLUMN ${q(from)} TO ${q(to)}`,
  alterColumn(table, before, after) {
    const alter = `ALTER TABLE ${q(table.name)} ALTER COLUMN ${q(after.name)}`;
    const statements: string[] = [];
    if (before.type !== after.type || before.collation !== after.collation) {
      statements.push(`${alter} TYPE ${after.type}${after.collation ? ` COLLATE ${q(after.collation)}` : ''} USING ${q(after.name)}::${after.type}`);
    }
    if (before.default !== after.default) statements.push(after.default === null ? `${alter} DROP DEFAULT` : `${alter} SET DEFAULT ${after.default}`);
    if (before.nullable !== after.nullable) statements.push(`${alter} ${after.nullable ? 'DROP' : 'SET'} NOT NULL`);
    if (before.generated !== after.generated) {
      // Identity and generated columns change shape in ways ALTER COLUMN spells differently per case: refused upstream.
      statements.push(`-- generated: ${before.generated ?? 'none'} -> ${after.generated ?? 'none'} (not altered: write it by hand)`);
    }
    return statements;
  },
  dropIndex: (_table, index) => `DROP INDEX ${q(index.name)}`,
  renameIndex: (_table, from, to) => `ALTER INDEX ${q(from)} RENAME TO ${q(to)}`,
  addForeignKey: (table, fk) => `ALTER TABLE ${q(table)} ADD ${fk.name ? `CONSTRAINT ${q(fk.name)} ` : ''}${foreignKey(fk)}`,
  dropForeignKey: (table, fk) => (fk.name ? `ALTER TABLE ${q(table)} DROP CONSTRAINT ${q(fk.name)}` : undefined),
  addConstraint: (table, c) => `ALTER TABLE ${q(table)} ADD ${c.name ? `CONSTRAINT ${q(c.name)} ` : ''}${constraint(c)}`,
  dropConstraint: (table, c) => (c.name ? `ALTER TABLE ${q(table)} DROP CONSTRAINT ${q(c.name)}` : undefined),
  dropView: (view) => `DROP ${view.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${q(view.name)}`,
  renameView: (from, to) => `ALTER VIEW ${q(from)} RENAME TO ${q(to)}`,
  dropTrigger: (table, trigger) => `DROP TRIGGER ${q(trigger.name)} ON ${q(table)}`,
};
