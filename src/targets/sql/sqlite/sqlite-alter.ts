/**
 * SQLite's ALTER pieces for `drift --adopt` (src/schema/render-alter.ts). SQLite alters little in
 * place (rename a table or column, add or drop a column with restrictions), so every column
 * change but a rename rebuilds the table, with foreign keys off around it (the engine lifts the
 * PRAGMA out of the transaction and checks the keys before commit).
 */
import { writeName } from '../../../schema/normalise.js';
import type { AlterDialect } from '../../../schema/render-alter.js';
import { sqliteDdl } from './sqlite-ddl.js';

const q = (name: string) => writeName(name, 'sqlite');

export const sqliteAlter: AlterDialect = {
  rebuildsTables: true,
  rebuildPrologue: ['PRAGMA foreign_keys = OFF'],
  rebuildEpilogue: [],
  renameTable: (from, to) => `ALTER TABLE ${q(from)} RENAME TO ${q(to)}`,
  dropTable: (name) => `DROP TABLE ${q(name)}`,
  addColumn: (table, column) => `ALTER TABLE ${q(table.name)} ADD COLUMN ${sqliteDdl.column(column, table)}`,
  dropColumn: (table, column) => `ALTER TABLE ${q(table)} DROP COLUMN ${q(column)}`,
  renameColumn: (table, from, to) => `ALTER TABLE ${q(table)} RENAME COLUMN ${q(from)} TO ${q(to)}`,
  dropIndex: (_table, index) => `DROP INDEX ${q(index.name)}`,
  dropView: (view) => `DROP VIEW ${q(view.name)}`,
  dropTrigger: (_table, trigger) => `DROP TRIGGER ${q(trigger.name)}`,
};
