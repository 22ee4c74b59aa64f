/**
 * The schema as a database reports it, in one canonical shape for every dialect: what
 * `schemaFingerprint` hashes, what `strata drift` compares and what `strata schema dump`
 * renders. Canonical means: names as stored, lists sorted by name, types and expressions as
 * the catalog prints them after whitespace/case normalisation (src/schema/normalise.ts), so
 * two databases with the same schema give equal models, whatever order the DDL ran in.
 * Strata's own tables (ledger, journal, backfill state) are never part of it.
 */
export interface SchemaModel {
  /** 'sqlite' | 'postgres' | 'mysql': the SQL family the model's types and expressions are in. */
  family: string;
  tables: TableModel[];
  views: ViewModel[];
  /** Sequences, enums, functions: what a dialect has beyond tables and views, by kind then name. */
  others: OtherObjectModel[];
}

export interface TableModel {
  name: string;
  /** In declaration order (the order is part of the schema: SELECT * depends on it). */
  columns: ColumnModel[];
  primaryKey: string[] | null;
  indexes: IndexModel[];
  foreignKeys: ForeignKeyModel[];
  /** CHECK and UNIQUE constraints declared on the table (unique indexes are in `indexes`). */
  constraints: ConstraintModel[];
  triggers: TriggerModel[];
  /** Dialect extras that matter to behaviour: SQLite `WITHOUT ROWID`/`STRICT`, MySQL engine/charset. */
  options: Record<string, string>;
}

export interface ColumnModel {
  name: string;
  /** Normalised type as the catalog reports it: `integer`, `varchar(255)`, `text`. */
  type: string;
  nullable: boolean;
  /** Normalised default expression, null when none. */
  default: string | null;
  /** Generated/identity/auto-increment, normalised; null when plain. */
  generated: string | null;
  /** Collation when it differs from the table's default; null otherwise. */
  collation: string | null;
}

export interface IndexModel {
  name: string;
  unique: boolean;
  /** Column names, or normalised expressions, in index order (with ` desc` where descending). */
  columns: string[];
  /** Normalised partial-index predicate, null when none. */
  where: string | null;
  /** The access method when not the dialect's default (PostgreSQL `gin`, MySQL `fulltext`); null for the default. */
  using: string | null;
}

export interface ForeignKeyModel {
  /** The constraint's name, null where the dialect does not name it (SQLite). */
  name: string | null;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onUpdate: string;
  onDelete: string;
}

export interface ConstraintModel {
  name: string | null;
  kind: 'check' | 'unique' | 'exclude';
  /** CHECK: the normalised expression; UNIQUE: the column list joined by ', '; EXCLUDE: its definition. */
  definition: string;
}

export interface TriggerModel {
  name: string;
  /** The normalised trigger definition as the catalog holds it. */
  definition: string;
}

export interface ViewModel {
  name: string;
  /** The normalised view definition (its SELECT). */
  definition: string;
  materialized: boolean;
}

export interface OtherObjectModel {
  kind: string;
  name: string;
  definition: string;
}

/** What a reader needs to know beyond the connection. */
export interface ReadSchemaOptions {
  /** The schema to read (PostgreSQL); default: the connection's current schema. */
  schema?: string;
  /** Table names (unqualified) left out: Strata's own tables. */
  exclude: readonly string[];
}
