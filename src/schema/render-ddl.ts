/**
 * A SchemaModel as deterministic DDL: the same model gives the same bytes. Order: the objects a
 * table may need (types, sequences), tables with their keys and checks in foreign-key order (a
 * referenced table first, then by name; a cycle is closed by ALTER TABLE at the end where the
 * dialect needs it), indexes, views in dependency order, routines, triggers. What differs by
 * dialect (a column's clauses, table options, how a view or trigger is written) is the
 * dialect's `DdlDialect` (targets/sql/<name>/<name>-ddl.ts); the order and layout live here.
 */
import type { SqlDialect } from '../sources/sql/split-statements.js';
import { writeName } from './normalise.js';
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

/** When an `others` object is created: before the tables (types), after views (routines), or last. */
export type OtherPhase = 'before-tables' | 'after-views' | 'last';

export interface DdlDialect {
  readonly family: SqlDialect;
  /** A foreign key may name a table created later (SQLite checks them only when used). */
  readonly forwardReferences: boolean;
  /** `name type ...` of one column inside CREATE TABLE. */
  column(column: ColumnModel, table: TableModel): string;
  /** After `CREATE TABLE t (...)`: ` WITHOUT ROWID`, ` ENGINE=InnoDB`, or ''. */
  tableOptions(table: TableModel): string;
  createIndex(table: TableModel, index: IndexModel): string;
  /** When given, indexes are written inside CREATE TABLE (MySQL: a foreign key makes its own index unless one exists). */
  indexClause?(index: IndexModel): string;
  createView(view: ViewModel): string;
  createTrigger(table: TableModel, trigger: TriggerModel): string;
  /** Ordered by kind inside a phase, as listed in `otherKinds`. */
  readonly otherKinds: readonly { kind: string; phase: OtherPhase }[];
  createOther(other: OtherObjectModel): string;
}

export function renderName(name: string, family: SqlDialect): string {
  return writeName(name, family);
}

/** The model as DDL statements (without their `;`). */
export function renderStatements(model: SchemaModel, ddl: DdlDialect): string[] {
  const q = (name: string) => writeName(name, ddl.family);
  const statements: string[] = [];
  const others = (phase: OtherPhase) => {
    for (const { kind, phase: p } of ddl.otherKinds) {
      if (p !== phase) continue;
      for (const other of model.others) if (other.kind === kind) statements.push(ddl.createOther(other));
    }
  };
  others('before-tables');

  const tableNames = new Set(model.tables.map((t) => t.name));
  const order = dependencyOrder(
    model.tables.map((t) => t.name),
    (name) =>
      model.tables
        .find((t) => t.name === name)!
        .foreignKeys.map((fk) => fk.referencedTable)
        .filter((ref) => tableNames.has(ref) && ref !== name),
  );
  const byName = new Map(model.tables.map((t) => [t.name, t]));
  const created = new Set<string>();
  const deferred: string[] = [];
  for (const name of order) {
    const table = byName.get(name)!;
    const items = table.columns.map((column) => `  ${ddl.column(column, table)}`);
    if (table.primaryKey && !table.columns.some((c) => c.generated === 'autoincrement')) items.push(`  PRIMARY KEY (${table.primaryKey.map(q).join(', ')})`);
    for (const fk of table.foreignKeys) {
      const later = !ddl.forwardReferences && fk.referencedTable !== name && tableNames.has(fk.referencedTable) && !created.has(fk.referencedTable);
      if (later) deferred.push(`ALTER TABLE ${q(name)} ADD ${foreignKey(fk, q)}`);
      else items.push(`  ${foreignKey(fk, q)}`);
    }
    if (ddl.indexClause) for (const index of table.indexes) items.push(`  ${ddl.indexClause(index)}`);
    for (const constraint of table.constraints) items.push(`  ${constraintClause(constraint, q)}`);
    statements.push(`CREATE TABLE ${q(name)} (\n${items.join(',\n')}\n)${ddl.tableOptions(table)}`);
    created.add(name);
  }
  statements.push(...deferred);
  for (const name of order) {
    const table = byName.get(name)!;
    if (!ddl.indexClause) for (const index of table.indexes) statements.push(ddl.createIndex(table, index));
  }
  const views = new Map(model.views.map((v) => [v.name, v]));
  const viewOrder = dependencyOrder(
    model.views.map((v) => v.name),
    (name) => model.views.filter((other) => other.name !== name && mentions(views.get(name)!.definition, other.name)).map((other) => other.name),
  );
  for (const name of viewOrder) statements.push(ddl.createView(views.get(name)!));
  others('after-views');
  for (const name of order) {
    const table = byName.get(name)!;
    for (const trigger of table.triggers) statements.push(ddl.createTrigger(table, trigger));
  }
  others('last');
  return statements;
}

/** The model as one DDL script: statements separated by a blank line, each ending in `;`. */
export function renderDdl(model: SchemaModel, ddl: DdlDialect): string {
  return renderStatements(model, ddl)
    .map((statement) => `${statement};\n`)
    .join('\n');
}

function foreignKey(fk: ForeignKeyModel, q: (name: string) => string): string {
  const name = fk.name ? `CONSTRAINT ${q(fk.name)} ` : '';
  const target = fk.referencedColumns.length ? ` (${fk.referencedColumns.map(q).join(', ')})` : '';
  const actions = `${fk.onUpdate === 'no action' ? '' : ` ON UPDATE ${fk.onUpdate.toUpperCase()}`}${fk.onDelete === 'no action' ? '' : ` ON DELETE ${fk.onDelete.toUpperCase()}`}`;
  return `${name}FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${q(fk.referencedTable)}${target}${actions}`;
}

function constraintClause(constraint: ConstraintModel, q: (name: string) => string): string {
  const name = constraint.name ? `CONSTRAINT ${q(constraint.name)} ` : '';
  switch (constraint.kind) {
    case 'check':
      return `${name}CHECK (${constraint.definition})`;
    case 'unique':
      return `${name}UNIQUE (${constraint.definition})`;
    default:
      return `${name}EXCLUDE ${constraint.definition}`;
  }
}

/** Whether SQL text names an object (a word of its own, bare or quoted). */
export function mentions(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}($|[^A-Za-z0-9_$])`, 'i').test(text);
}

/** Names so that each comes after what it depends on, ties by name; a cycle is broken at its smallest name. */
export function dependencyOrder(names: readonly string[], dependsOn: (name: string) => readonly string[]): string[] {
  const remaining = [...names].sort();
  const deps = new Map(remaining.map((name) => [name, new Set(dependsOn(name))]));
  const placed = new Set<string>();
  const order: string[] = [];
  while (remaining.length) {
    let k = remaining.findIndex((name) => [...deps.get(name)!].every((dep) => placed.has(dep) || !deps.has(dep)));
    if (k < 0) k = 0;
    const [name] = remaining.splice(k, 1);
    placed.add(name!);
    order.push(name!);
  }
  return order;
}
