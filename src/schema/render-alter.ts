/**
 * The DDL that turns one schema into another, from their diff: what `strata drift --adopt`
 * writes (up: replayed -> live; down: live -> replayed). Whole objects (a new table, an index,
 * a view, a trigger) come from the schema renderer (render-ddl.ts); the ALTER pieces that differ
 * by dialect from its `AlterDialect` (targets/sql/<name>/<name>-alter.ts). A table change the
 * dialect cannot ALTER is written as a table rebuild where the dialect rebuilds (SQLite's
 * 12-step rebuild: new table, copy, drop, rename, then its indexes and triggers again);
 * otherwise the whole adoption is refused with DRIFT_NOT_EXPRESSIBLE, naming what.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import { describeChange } from './describe-change.js';
import type { SchemaChange } from './diff.js';
import { writeName } from './normalise.js';
import { renderStatements, type DdlDialect } from './render-ddl.js';
import type { ColumnModel, ConstraintModel, ForeignKeyModel, IndexModel, SchemaModel, TableModel, TriggerModel, ViewModel } from './schema-model.js';

export interface AlterDialect {
  /** Table changes beyond adding, dropping and renaming a column are a rebuild (SQLite); false: each is an ALTER or refused. */
  readonly rebuildsTables: boolean;
  /** Statements that must wrap a rebuild (SQLite: foreign keys off, so the DROP does not cascade). */
  readonly rebuildPrologue: readonly string[];
  readonly rebuildEpilogue: readonly string[];
  renameTable(from: string, to: string): string;
  dropTable(name: string): string;
  addColumn(table: TableModel, column: ColumnModel): string;
  dropColumn(table: string, column: string): string;
  renameColumn(table: string, from: string, to: string): string;
  /** A column's type/default/nullability/... changed; undefined: not expressible as ALTER. */
  alterColumn?(table: TableModel, before: ColumnModel, after: ColumnModel): string[];
  dropIndex(table: string, index: IndexModel): string;
  /** Absent: a renamed index is dropped and created again. */
  renameIndex?(table: string, from: string, to: string): string;
  /** Constraints and foreign keys by ALTER TABLE; absent (SQLite): the table is rebuilt. */
  addForeignKey?(table: string, fk: ForeignKeyModel): string;
  dropForeignKey?(table: string, fk: ForeignKeyModel): string | undefined;
  addConstraint?(table: string, constraint: ConstraintModel): string;
  dropConstraint?(table: string, constraint: ConstraintModel): string | undefined;
  dropView(view: ViewModel): string;
  /** Absent: a renamed view is dropped and created again. */
  renameView?(from: string, to: string): string;
  dropTrigger(table: string, trigger: TriggerModel): string;
}

/** Table-level change kinds an ALTER-only dialect cannot write. */
const NOT_ALTERABLE = new Set(['column order', 'primary key', 'table options']);

/** The statements (without `;`) that turn `from` into `to`, given `changes = diffSchemas(from, to)`. */
export function renderAlter(changes: readonly SchemaChange[], from: SchemaModel, to: SchemaModel, ddl: DdlDialect, alter: AlterDialect): string[] {
  const q = (name: string) => writeName(name, ddl.family);
  const tableFrom = (name: string) => from.tables.find((t) => t.name === name)!;
  const tableTo = (name: string) => to.tables.find((t) => t.name === name)!;
  const refuse = (which: readonly SchemaChange[], why: string): never => {
    throw new StrataError(
      ErrorCode.DRIFT_NOT_EXPRESSIBLE,
      `cannot write these changes as ${ddl.family} DDL (${why}): ${which.map(describeChange).join('; ')}`,
      {
        hint: 'write the migration by hand (strata create NAME), apply the same change to it, then record it with strata repair VERSION --applied, or undo the change in the database',
        details: { changes: which },
      },
    );
  };

  const first: string[] = []; // drops of what depends on tables: views, triggers, keys and constraints
  const firstIndexes: string[] = []; // then indexes (MySQL: after the foreign key that needs one)
  const middle: string[] = []; // tables: renames, drops, alters, rebuilds, creates
  const last: string[] = []; // creates of what depends on tables
  const byTable = new Map<string, SchemaChange[]>();
  for (const change of changes) {
    if (change.object === 'table' || change.table === undefined) continue;
    byTable.set(change.table, [...(byTable.get(change.table) ?? []), change]);
  }

  const rebuilt = new Set([...byTable].filter(([, own]) => needsRebuild(own, alter)).map(([name]) => name));
  if (rebuilt.size && !alter.rebuildsTables) {
    const which = [...rebuilt].flatMap((name) => byTable.get(name)!.filter((c) => NOT_ALTERABLE.has(c.object)));
    refuse(which, `${ddl.family} cannot alter them in place`);
  }
  // Renaming the rebuilt table checks every view against the schema (SQLite), and a view on the
  // dropped table would fail it: around a rebuild, every view is dropped and created again.
  if (rebuilt.size) {
    for (const view of from.views) first.push(alter.dropView(view));
    last.push(...renderStatements({ family: to.family, tables: [], views: to.views, others: [] }, ddl));
  }
  // Views first dropped, last created: they may read any table.
  for (const change of rebuilt.size ? [] : changes.filter((c) => c.object === 'view')) {
    const before = change.before as ViewModel | undefined;
    const after = change.after as ViewModel | undefined;
    if (change.change === 'renamed' && alter.renameView) middle.push(alter.renameView(change.from!, change.name));
    else {
      if (before) first.push(alter.dropView(before));
      if (after) last.push(ddl.createView(after));
    }
  }
  const others = changes.filter((c) => c.object !== 'view' && c.object !== 'table' && c.table === undefined);
  for (const change of others) {
    if (change.change !== 'added') refuse([change], `Strata writes only new ${change.object}s`);
    last.push(...renderStatements({ family: to.family, tables: [], views: [], others: [change.after as SchemaModel['others'][number]] }, ddl));
  }

  // New tables together, so the renderer orders them by their foreign keys.
  const added = changes.filter((c) => c.object === 'table' && c.change === 'added').map((c) => c.after as TableModel);
  if (added.length) middle.push(...renderStatements({ family: to.family, tables: added, views: [], others: [] }, ddl));
  for (const change of changes.filter((c) => c.object === 'table' && c.change === 'removed')) {
    const table = change.before as TableModel;
    for (const trigger of table.triggers) first.push(alter.dropTrigger(table.name, trigger));
    middle.push(alter.dropTable(table.name));
  }
  for (const change of changes.filter((c) => c.object === 'table' && c.change === 'renamed')) middle.push(alter.renameTable(change.from!, change.name));

  for (const [name, own] of [...byTable].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const after = tableTo(name);
    const renamedFrom = changes.find((c) => c.object === 'table' && c.change === 'renamed' && c.name === name)?.from;
    const before = tableFrom(renamedFrom ?? name);
    if (rebuilt.has(name)) {
      middle.push(...rebuild(before, after, own, ddl, alter, q));
      continue;
    }
    for (const change of own) {
      const b = change.before;
      const a = change.after;
      switch (change.object) {
        case 'column':
          if (change.change === 'added') middle.push(alter.addColumn(after, a as ColumnModel));
          else if (change.change === 'removed') middle.push(alter.dropColumn(name, change.name));
          else if (change.change === 'renamed') middle.push(alter.renameColumn(name, change.from!, change.name));
          else middle.push(...alter.alterColumn!(after, b as ColumnModel, a as ColumnModel));
          break;
        case 'index':
          if (change.change === 'renamed' && alter.renameIndex) middle.push(alter.renameIndex(name, change.from!, change.name));
          else {
            if (b) firstIndexes.push(alter.dropIndex(name, b as IndexModel));
            if (a) last.push(ddl.createIndex(after, a as IndexModel));
          }
          break;
        case 'trigger':
          if (b) first.push(alter.dropTrigger(name, b as TriggerModel));
          if (a) last.push(ddl.createTrigger(after, a as TriggerModel));
          break;
        case 'foreign key': {
          const drop = b ? alter.dropForeignKey!(name, b as ForeignKeyModel) : '';
          if (b && drop === undefined) refuse([change], 'the foreign key has no name to drop it by');
          if (drop) first.push(drop);
          if (a) last.push(alter.addForeignKey!(name, a as ForeignKeyModel));
          break;
        }
        case 'constraint': {
          const drop = b ? alter.dropConstraint!(name, b as ConstraintModel) : '';
          if (b && drop === undefined) refuse([change], 'the constraint has no name to drop it by');
          if (drop) first.push(drop);
          if (a) last.push(alter.addConstraint!(name, a as ConstraintModel));
          break;
        }
        default:
          refuse([change], 'not a change Strata writes');
      }
    }
  }
  return [...first, ...firstIndexes, ...middle, ...last];
}

/** Whether a table's changes need a rebuild: always for what ALTER cannot say; for any column but a rename where the dialect rebuilds. */
function needsRebuild(own: readonly SchemaChange[], alter: AlterDialect): boolean {
  return own.some(
    (c) =>
      NOT_ALTERABLE.has(c.object) ||
      (c.object === 'column' && c.change !== 'renamed' && (alter.rebuildsTables || (c.change === 'changed' && !alter.alterColumn))) ||
      ((c.object === 'foreign key' || c.object === 'constraint') && !(alter.addForeignKey && alter.addConstraint)),
  );
}

/**
 * SQLite's table rebuild (https://www.sqlite.org/lang_altertable.html#otheralter): the new
 * table under a temporary name, the rows of the columns both have copied, the old one dropped,
 * the new one renamed, then its indexes and triggers. Renamed columns are copied from their old
 * names; added ones take their default.
 */
function rebuild(
  before: TableModel,
  after: TableModel,
  own: readonly SchemaChange[],
  ddl: DdlDialect,
  alter: AlterDialect,
  q: (name: string) => string,
): string[] {
  const temporary = `_strata_rebuild_${after.name}`;
  const renames = new Map(own.filter((c) => c.object === 'column' && c.change === 'renamed').map((c) => [c.name, c.from!]));
  const beforeColumns = new Set(before.columns.map((c) => c.name));
  const copied = after.columns.filter((c) => beforeColumns.has(renames.get(c.name) ?? c.name) && !c.generated?.match(/^(stored|virtual) /));
  // Its indexes and triggers go with the DROP TABLE.
  const statements = [...alter.rebuildPrologue];
  const [create] = renderStatements({ family: ddl.family, tables: [{ ...after, name: temporary, indexes: [], triggers: [] }], views: [], others: [] }, ddl);
  statements.push(create!);
  statements.push(
    `INSERT INTO ${q(temporary)} (${copied.map((c) => q(c.name)).join(', ')}) SELECT ${copied.map((c) => q(renames.get(c.name) ?? c.name)).join(', ')} FROM ${q(after.name)}`,
  );
  statements.push(alter.dropTable(after.name));
  statements.push(alter.renameTable(temporary, after.name));
  for (const index of after.indexes) statements.push(ddl.createIndex(after, index));
  for (const trigger of after.triggers) statements.push(ddl.createTrigger(after, trigger));
  statements.push(...alter.rebuildEpilogue);
  return statements;
}
