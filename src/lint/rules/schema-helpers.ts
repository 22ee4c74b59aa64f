/** What rules of every family ask of the schema before a file, answered the cheapest way the SchemaBefore offers. */
import type { ForeignKeyModel } from '../../schema/schema-model.js';
import type { SchemaBefore } from '../lint-rule.js';
import { bareName } from '../schema-before.js';

/** The foreign keys of other tables that reference `table` ([] when the schema is not known). */
export function referencesTo(schema: SchemaBefore, table: string): readonly { table: string; foreignKey: ForeignKeyModel }[] {
  if (schema.referencedBy) return schema.referencedBy(table);
  const target = bareName(table);
  return (schema.model?.tables ?? []).flatMap((child) =>
    bareName(child.name) === target
      ? []
      : child.foreignKeys.filter((fk) => bareName(fk.referencedTable) === target).map((foreignKey) => ({ table: child.name, foreignKey })),
  );
}
