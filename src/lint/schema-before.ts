/**
 * What the rules know of the schema before a file runs (SchemaBefore), three ways:
 * - `unknownSchema()`: files linted alone, with nothing to read: every question answers "unknown";
 * - `schemaOfModel(model)`: a model read from the database (the dialect's readSchema);
 * - `SqliteReplay`: an in-memory SQLite database that the folder's files are replayed into one
 *   after the other (schema only, no rows, so a replay costs microseconds per statement); the
 *   schema before file k is read from it after files 1..k-1 ran. It is read lazily and
 *   synchronously, one table at a time, with the pragma table functions: the rules ask about a
 *   few tables per file, and reading the whole catalog of a 1,000-table schema for each of 1,000
 *   files would cost seconds.
 */
import Database from 'better-sqlite3';
import { normaliseSql, normaliseType } from '../schema/normalise.js';
import type { ForeignKeyModel, IndexModel, SchemaModel, TableModel } from '../schema/schema-model.js';
import { parseCreateTable } from '../targets/sql/sqlite/sqlite-schema.js';
import type { BetterSqlite3Database, BetterSqlite3Statement } from '../targets/sql/sqlite/better-sqlite3-database.js';
import type { LintFile, SchemaBefore } from './lint-rule.js';

/** A name as the rules compare it: unquoted, schema prefix dropped, lower case. */
export function bareName(name: string): string {
  const unquoted = name.trim().replace(/^["`[]|["`\]]$/g, '');
  const dot = unquoted.lastIndexOf('.');
  return (dot === -1 ? unquoted : unquoted.slice(dot + 1)).replace(/^["`[]|["`\]]$/g, '').toLowerCase();
}

export function unknownSchema(): SchemaBefore {
  return { known: false, model: undefined, table: () => undefined, exists: () => undefined };
}

/** `pendingRun`: the files are pending steps applied together, so `createdSince` tables are new in the run (createdInRun). */
export function schemaOfModel(model: SchemaModel, createdSince: ReadonlySet<string> = new Set(), pendingRun = false): SchemaBefore {
  const tables = new Map(model.tables.map((t) => [bareName(t.name), t]));
  return {
    known: true,
    model,
    table: (name) => tables.get(bareName(name)),
    // A table an earlier pending file creates exists before this one, though the model (read before the run) lacks it.
    exists: (name) => tables.has(bareName(name)) || createdSince.has(bareName(name)),
    createdInRun: (name) => pendingRun && !tables.has(bareName(name)) && createdSince.has(bareName(name)),
  };
}

/** The statements that change nothing a schema reader sees, or that cannot run in a replay. */
const NOT_REPLAYED = /^(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA|VACUUM|ANALYZE|REINDEX|ATTACH|DETACH|INSERT|UPDATE|DELETE|REPLACE|SELECT|WITH)\b/i;

export class SqliteReplay {
  private readonly db: BetterSqlite3Database;
  private readonly tables = new Map<string, TableModel | null>();
  /** Prepared once: SQLite re-prepares a statement by itself after a schema change. */
  private readonly statements = new Map<string, BetterSqlite3Statement>();
  private modelCache: SchemaModel | undefined;
  /**
   * False once a statement failed in the replay (a collation, module or function only the app's
   * runtime has): the replay then lacks what that statement made, so a table it does not have may
   * still exist, and exists() must say "unknown" rather than "no" (or a DROP of it would pass).
   * Statements run lazily (see `pending`): this tells what the statements run so far did.
   */
  complete = true;
  /**
   * Statements applied but not yet run: they run when a rule next asks about the schema. Most
   * files' rules ask nothing (a CREATE TABLE is checked on its own text), and running every
   * statement of 1,000 pending files cost ~40 ms of each migrate that linted them.
   */
  private readonly pending: string[] = [];

  constructor() {
    this.db = new Database(':memory:') as unknown as BetterSqlite3Database;
    this.db.pragma('foreign_keys = OFF');
  }

  /** Starts from a database's schema: its `sqlite_schema` rows (tables first, then indexes, views, triggers). */
  seed(rows: readonly { type: string; name: string; sql: string | null }[]): void {
    const order = ['table', 'index', 'view', 'trigger'];
    this.flush();
    const sorted = rows.filter((r) => r.sql && !r.name.startsWith('sqlite_')).sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
    for (const row of sorted) this.tryExec(row.sql!);
    this.changed();
  }

  /** Starts from DDL statements (a schema model rendered by renderSchemaStatements). */
  seedStatements(statements: readonly string[]): void {
    this.flush();
    for (const sql of statements) this.tryExec(sql);
    this.changed();
  }

  /** Runs a file's up into the replay. Statements that fail (a table the history never made, SQL another tool's runtime adds) are skipped: the replay is a best effort at the schema, never a verdict on the file; it is marked incomplete instead. */
  apply(file: LintFile): void {
    for (const statement of file.up) {
      if (NOT_REPLAYED.test(statement.normalized)) continue;
      this.pending.push(statement.sql);
    }
  }

  /** Runs DDL text (a rule's `setup`). */
  applySql(sql: string): void {
    this.flush();
    this.tryExec(sql);
    this.changed();
  }

  /**
   * The schema as it stands after the files applied so far; valid until the next apply(). `known: false` when the replay did
   * not start from the whole history: a table it lacks may still exist (exists() says undefined).
   */
  schema(known = true): SchemaBefore {
    const replay = this;
    // Whether what the replay lacks is known not to exist: only after the statements before it ran, and all of them ran.
    const knows = () => {
      replay.flush();
      return known && replay.complete;
    };
    return {
      get known() {
        return knows();
      },
      get model() {
        return replay.model();
      },
      table: (name) => this.table(name),
      exists: (name) => (this.table(name) !== undefined ? true : knows() ? false : undefined),
      referencedBy: (name) => this.referencedBy(name),
    };
  }

  close(): void {
    this.db.close();
  }

  /** Runs the applied statements not run yet; every read of the replay goes through here (prepared()). */
  private flush(): void {
    if (!this.pending.length) return;
    for (const sql of this.pending.splice(0)) this.tryExec(sql);
    this.changed();
  }

  private prepared(sql: string): BetterSqlite3Statement {
    this.flush();
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private tryExec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch {
      // See apply() and `complete`.
      this.complete = false;
    }
  }

  private changed(): void {
    this.tables.clear();
    this.modelCache = undefined;
  }

  /** One query: only the tables whose CREATE text names the table are asked for their foreign keys. */
  private referencedBy(name: string): { table: string; foreignKey: ForeignKeyModel }[] {
    const target = bareName(name);
    const rows = this.prepared(
      'SELECT m.name AS tbl, f.id, f."from" AS "from", f."to" AS "to", f."table" AS ref, f.on_update, f.on_delete FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = \'table\' AND instr(lower(m.sql), ?) > 0 AND lower(m.name) <> ? AND lower(f."table") = ? ORDER BY m.name, f.id, f.seq',
    ).all(target, target, target) as { tbl: string; id: number; from: string; to: string | null; ref: string; on_update: string; on_delete: string }[];
    const keys = new Map<string, { table: string; foreignKey: ForeignKeyModel }>();
    for (const row of rows) {
      const id = `${row.tbl}\u0000${row.id}`;
      const entry = keys.get(id) ?? {
        table: row.tbl,
        foreignKey: {
          name: null,
          columns: [],
          referencedTable: row.ref,
          referencedColumns: [],
          onUpdate: row.on_update.toLowerCase(),
          onDelete: row.on_delete.toLowerCase(),
        },
      };
      entry.foreignKey.columns.push(row.from);
      if (row.to) entry.foreignKey.referencedColumns.push(row.to);
      keys.set(id, entry);
    }
    return [...keys.values()];
  }

  private model(): SchemaModel {
    this.flush();
    if (this.modelCache) return this.modelCache;
    const rows = this.prepared("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
      type: string;
      name: string;
      sql: string | null;
    }[];
    const model: SchemaModel = { family: 'sqlite', tables: [], views: [], others: [] };
    for (const row of rows) {
      if (row.type === 'table') {
        const table = this.table(row.name);
        if (table) model.tables.push(table);
      } else if (row.type === 'view' && row.sql) {
        model.views.push({ name: row.name, definition: normaliseSql(row.sql.replace(/^[\s\S]*?\bAS\b/i, ''), 'sqlite'), materialized: false });
      }
    }
    this.modelCache = model;
    return model;
  }

  private table(name: string): TableModel | undefined {
    this.flush();
    const key = bareName(name);
    const cached = this.tables.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const table = this.readTable(key);
    this.tables.set(key, table ?? null);
    return table;
  }

  private readTable(key: string): TableModel | undefined {
    const row = this.prepared("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND lower(name) = ?").get(key) as
      | { name: string; sql: string | null }
      | undefined;
    if (!row?.sql || /^\s*create\s+virtual/i.test(row.sql)) return undefined;
    const { name } = row;
    const columns = this.prepared('SELECT name, type, "notnull" AS not_null, dflt_value, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid').all(name) as {
      name: string;
      type: string;
      not_null: number;
      dflt_value: string | null;
      pk: number;
      hidden: number;
    }[];
    const parsed = parseCreateTable(row.sql);
    const keys = this.prepared(
      'SELECT id, seq, "table" AS ref, "from" AS "from", "to" AS "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq',
    ).all(name) as {
      id: number;
      ref: string;
      from: string;
      to: string | null;
      on_update: string;
      on_delete: string;
    }[];
    const foreignKeys = new Map<number, TableModel['foreignKeys'][number]>();
    for (const k of keys) {
      const fk = foreignKeys.get(k.id) ?? {
        name: null,
        columns: [],
        referencedTable: k.ref,
        referencedColumns: [],
        onUpdate: k.on_update.toLowerCase(),
        onDelete: k.on_delete.toLowerCase(),
      };
      fk.columns.push(k.from);
      if (k.to) fk.referencedColumns.push(k.to);
      foreignKeys.set(k.id, fk);
    }
    const indexRows = this.prepared(
      'SELECT il.name AS idx, il."unique" AS uniq, il.origin, ii.name AS col, m.sql FROM pragma_index_list(?) il JOIN pragma_index_info(il.name) ii LEFT JOIN sqlite_schema m ON m.name = il.name AND m.type = \'index\' ORDER BY il.name, ii.seqno',
    ).all(name) as { idx: string; uniq: number; origin: string; col: string | null; sql: string | null }[];
    const indexes = new Map<string, IndexModel>();
    for (const r of indexRows) {
      const index = indexes.get(r.idx) ?? {
        name: r.idx,
        unique: r.uniq === 1,
        columns: [],
        where: r.sql && /\bwhere\b/i.test(r.sql) ? normaliseSql(r.sql.replace(/^[\s\S]*\bwhere\b/i, ''), 'sqlite') : null,
        using: null,
      };
      index.columns.push(r.col ?? '<expression>');
      indexes.set(r.idx, index);
    }
    const triggers = this.prepared("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ? ORDER BY name").all(name) as {
      name: string;
      sql: string;
    }[];
    const primary = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    return {
      name,
      columns: columns
        .filter((c) => c.hidden !== 1)
        .map((c) => ({
          name: c.name,
          type: normaliseType(c.type, 'sqlite'),
          nullable: c.not_null === 0,
          default: c.dflt_value === null ? null : normaliseSql(c.dflt_value, 'sqlite'),
          generated: parsed.columns.get(c.name.toLowerCase())?.generated ?? null,
          collation: parsed.columns.get(c.name.toLowerCase())?.collation ?? null,
        })),
      primaryKey: primary.length ? primary.map((c) => c.name) : null,
      indexes: [...indexes.values()],
      foreignKeys: [...foreignKeys.values()],
      constraints: parsed.checks,
      triggers: triggers.map((t) => ({ name: t.name, definition: normaliseSql(t.sql, 'sqlite') })),
      options: parsed.options,
    };
  }
}
