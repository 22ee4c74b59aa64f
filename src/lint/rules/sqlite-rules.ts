/**
 * The SQLite rules. The rebuild rules (the headline: a rebuild that cascade-deletes child rows)
 * are in sqlite-rebuild-rules.ts; the statement parsing they share in sqlite-statements.ts.
 */
import type { LintFindingDraft, LintRule } from '../lint-rule.js';
import { bareName } from '../schema-before.js';
import { actingReferences, describeReferences, isRebuildDrop, SQLITE_REBUILD_RULES } from './sqlite-rebuild-rules.js';
import { referencesTo } from './schema-helpers.js';
import { createdBefore, key, mentions, rebuildsOf, sqliteShape } from './sqlite-statements.js';

const addColumnNotNullWithoutDefault: LintRule = {
  id: 'sqlite/add-column-not-null-without-default',
  families: ['sqlite'],
  defaultSeverity: 'error',
  summary: 'ALTER TABLE ... ADD COLUMN ... NOT NULL without a DEFAULT',
  docs: {
    catches: 'An `ADD COLUMN` with `NOT NULL` and no `DEFAULT` (or `DEFAULT NULL`).',
    why: 'SQLite refuses it as soon as the table holds one row ("Cannot add a NOT NULL column with default value NULL"), and accepts it on an empty table: the migration passes on a fresh development or test database and fails at deploy time on production data, after everything before it in the run was applied.',
    safe: "Give the column a constant default (`ADD COLUMN status TEXT NOT NULL DEFAULT 'active'`), or add it nullable, backfill it, and rebuild the table with NOT NULL later.",
    setup: 'CREATE TABLE orders (id INTEGER PRIMARY KEY);',
    bad: 'ALTER TABLE orders ADD COLUMN status TEXT NOT NULL;\n',
    good: "ALTER TABLE orders ADD COLUMN status TEXT NOT NULL DEFAULT 'new';\n",
  },
  check(file) {
    return file.up.flatMap((statement): LintFindingDraft[] => {
      const shape = sqliteShape(statement);
      if (shape.kind !== 'add-column' || !shape.column.notNull || shape.column.generated) return [];
      // A table the file itself created is empty: SQLite accepts the column there.
      if (createdBefore(file, statement).has(key(shape.table))) return [];
      const value = shape.column.default;
      if (value && !(value.length === 1 && value[0]!.value === 'null')) return [];
      return [
        {
          statement,
          message: `ADD COLUMN ${shape.column.name} is NOT NULL without a default: SQLite refuses it once ${shape.table} holds a row ("Cannot add a NOT NULL column with default value NULL"), so it passes on an empty database and fails on production data`,
          hint: `give it a constant default: ALTER TABLE ${shape.table} ADD COLUMN ${shape.column.name} ${shape.column.type || 'TEXT'} NOT NULL DEFAULT <value>`,
        },
      ];
    });
  },
};

const NON_CONSTANT = new Set(['current_timestamp', 'current_date', 'current_time']);

const addColumnNonConstantDefault: LintRule = {
  id: 'sqlite/add-column-non-constant-default',
  families: ['sqlite'],
  defaultSeverity: 'error',
  summary: 'ALTER TABLE ... ADD COLUMN with a non-constant DEFAULT (CURRENT_TIMESTAMP, a function call) or a STORED generated column',
  docs: {
    catches:
      "An `ADD COLUMN` whose default is `CURRENT_TIMESTAMP`/`CURRENT_DATE`/`CURRENT_TIME` or an expression calling a function (`(datetime('now'))`, `(random())`), or a `GENERATED ALWAYS AS (...) STORED` column.",
    why: 'SQLite cannot fill existing rows with a value computed per row when it adds a column, so it refuses as soon as the table holds one row ("Cannot add a column with non-constant default", "cannot add a STORED column"). On an empty table it accepts it: the migration passes on a fresh development or test database and fails at deploy time on production data. The same default is fine in a CREATE TABLE, which is why it also passes review.',
    safe: "Add the column with a constant default or none, then fill it: `ALTER TABLE t ADD COLUMN created_at TEXT; UPDATE t SET created_at = datetime('now');` (a trigger or the app sets it for new rows), or rebuild the table with the default. Use a VIRTUAL generated column instead of STORED.",
    setup: 'CREATE TABLE events (id INTEGER PRIMARY KEY);',
    bad: 'ALTER TABLE events ADD COLUMN created_at TEXT DEFAULT CURRENT_TIMESTAMP;\n',
    good: "ALTER TABLE events ADD COLUMN created_at TEXT;\nUPDATE events SET created_at = datetime('now') WHERE created_at IS NULL;\n",
  },
  check(file) {
    return file.up.flatMap((statement): LintFindingDraft[] => {
      const shape = sqliteShape(statement);
      if (shape.kind !== 'add-column' || createdBefore(file, statement).has(key(shape.table))) return [];
      const stored = shape.column.generated && /\bstored\b/i.test(statement.normalized);
      const value = shape.column.default ?? [];
      const volatile = value.some(
        (t, k) => (t.kind === 'word' && NON_CONSTANT.has(t.value)) || ((t.kind === 'word' || t.kind === 'ident') && value[k + 1]?.value === '('),
      );
      if (!stored && !volatile) return [];
      return [
        {
          statement,
          message: stored
            ? `ADD COLUMN ${shape.column.name} is a STORED generated column: SQLite refuses it once ${shape.table} holds a row ("cannot add a STORED column"), so it passes on an empty database and fails on production data`
            : `ADD COLUMN ${shape.column.name} has a non-constant default (${value.map((t) => t.text).join('')}): SQLite refuses it once ${shape.table} holds a row ("Cannot add a column with non-constant default"), so it passes on an empty database and fails on production data`,
          hint: stored
            ? 'make it VIRTUAL, or rebuild the table with the stored column'
            : `add it without the default and fill it with an UPDATE (or rebuild ${shape.table} with the default)`,
        },
      ];
    });
  },
};

const dropColumnInUse: LintRule = {
  id: 'sqlite/drop-column-in-use',
  families: ['sqlite'],
  defaultSeverity: 'error',
  summary: 'ALTER TABLE ... DROP COLUMN of a column an index, key, view or trigger uses',
  docs: {
    catches:
      'A `DROP COLUMN` of a column that is indexed, part of the primary key or a UNIQUE constraint, in a foreign key (either side), or named by a view, a trigger or a CHECK.',
    why: 'SQLite refuses to drop a column anything else in the schema depends on ("cannot drop UNIQUE column", "error in view v: no such column"), so the step fails at deploy time; and where it can drop it, a view or trigger naming the column breaks at its next use.',
    safe: 'Drop what uses the column first (`DROP INDEX`, recreate the view without it), then the column; for a key column, rebuild the table.',
    setup: 'CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, nickname TEXT);\nCREATE INDEX customers_email ON customers (email);',
    bad: 'ALTER TABLE customers DROP COLUMN email;\n',
    good: 'DROP INDEX customers_email;\nALTER TABLE customers DROP COLUMN email;\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    const dropped = new Set<string>();
    for (const statement of file.up) {
      const shape = sqliteShape(statement);
      if (shape.kind === 'other' && /^DROP (INDEX|VIEW|TRIGGER)\b/i.test(statement.normalized)) {
        const name = statement.normalized.replace(/^DROP \w+ (IF EXISTS )?/i, '').trim();
        dropped.add(bareName(name));
      }
      if (shape.kind !== 'drop-column') continue;
      const table = schema.table(shape.table);
      if (!table) continue;
      const column = key(shape.column);
      const uses: string[] = [];
      for (const index of table.indexes) if (!dropped.has(key(index.name)) && index.columns.some((c) => key(c) === column)) uses.push(`index ${index.name}`);
      if (table.primaryKey?.some((c) => key(c) === column)) uses.push('the primary key');
      for (const fk of table.foreignKeys) if (fk.columns.some((c) => key(c) === column)) uses.push(`its foreign key to ${fk.referencedTable}`);
      for (const { table: other, foreignKey } of referencesTo(schema, table.name)) {
        if (foreignKey.referencedColumns.some((c) => key(c) === column)) uses.push(`the foreign key of ${other}`);
      }
      for (const view of schema.model?.views ?? []) {
        if (!dropped.has(key(view.name)) && mentions(view.definition, table.name) && mentions(view.definition, shape.column)) uses.push(`view ${view.name}`);
      }
      for (const trigger of table.triggers)
        if (!dropped.has(key(trigger.name)) && mentions(trigger.definition, shape.column)) uses.push(`trigger ${trigger.name}`);
      for (const check of table.constraints) if (mentions(check.definition, shape.column)) uses.push(`a CHECK (${check.definition})`);
      if (!uses.length) continue;
      findings.push({
        statement,
        message: `DROP COLUMN ${table.name}.${shape.column}: ${uses.join(', ')} use${uses.length === 1 ? 's' : ''} it; SQLite refuses the drop (or leaves the view/trigger broken) and the step fails`,
        hint: `drop or change ${uses[0]} first, in this file before the DROP COLUMN${uses.some((u) => u.includes('key')) ? '; a key column needs a table rebuild' : ''}`,
      });
    }
    return findings;
  },
};

const renameInUse: LintRule = {
  id: 'sqlite/rename-in-use',
  families: ['sqlite'],
  defaultSeverity: 'warn',
  summary: 'renaming a table or column that views or triggers name',
  docs: {
    catches: '`ALTER TABLE t RENAME TO u` or `ALTER TABLE t RENAME COLUMN a TO b` when a view or trigger names the table or column.',
    why: "SQLite 3.26+ rewrites the names inside views and triggers, but only with `legacy_alter_table` off: with it on (some tools and older runtimes set it), or on SQLite before 3.25, the view or trigger keeps the old name and fails at its next use, long after the migration succeeded. Either way, the application's queries that use the view's columns or the old name break at once, while old app servers still run during the deploy.",
    safe: 'Add the new name first and keep the old one working (a view under the old name, or both columns kept in sync) until no deployed code uses it; or drop and recreate the dependent views and triggers in the same file, so the result does not depend on the runtime.',
    setup: 'CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT);\nCREATE VIEW member_names AS SELECT id, name FROM members;',
    bad: 'ALTER TABLE members RENAME COLUMN name TO full_name;\n',
    good: 'DROP VIEW member_names;\nALTER TABLE members RENAME COLUMN name TO full_name;\nCREATE VIEW member_names AS SELECT id, full_name AS name FROM members;\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    const droppedViews = new Set<string>();
    const rebuildRenames = new Set(rebuildsOf(file).map((r) => r.rename));
    for (const statement of file.up) {
      if (/^DROP (VIEW|TRIGGER)\b/i.test(statement.normalized)) droppedViews.add(bareName(statement.normalized.replace(/^DROP \w+ (IF EXISTS )?/i, '')));
      const shape = sqliteShape(statement);
      if ((shape.kind !== 'rename-table' && shape.kind !== 'rename-column') || rebuildRenames.has(statement)) continue;
      const table = schema.table(shape.table);
      if (!table) continue;
      const name = shape.kind === 'rename-column' ? shape.column : shape.table;
      const users = [
        ...(schema.model?.views ?? [])
          .filter((v) => !droppedViews.has(key(v.name)) && mentions(v.definition, table.name) && mentions(v.definition, name))
          .map((v) => `view ${v.name}`),
        ...(schema.model?.tables ?? [])
          .flatMap((t) => t.triggers)
          .filter((t) => !droppedViews.has(key(t.name)) && mentions(t.definition, table.name) && mentions(t.definition, name))
          .map((t) => `trigger ${t.name}`),
      ];
      if (!users.length) continue;
      const what = shape.kind === 'rename-column' ? `column ${table.name}.${shape.column} to ${shape.to}` : `table ${table.name} to ${shape.to}`;
      findings.push({
        statement,
        message: `renames ${what}, which ${users.join(', ')} name${users.length === 1 ? 's' : ''}: SQLite rewrites them only with legacy_alter_table off (3.26+), and queries still using the old name break during the deploy`,
        hint: `drop and recreate ${users.join(', ')} in this file around the rename, or keep the old name working until no deployed code uses it`,
      });
    }
    return findings;
  },
};

const vacuumInTransaction: LintRule = {
  id: 'sqlite/vacuum-in-transaction',
  families: ['sqlite'],
  defaultSeverity: 'error',
  summary: 'VACUUM inside a transaction',
  docs: {
    catches: '`VACUUM` in a file Strata wraps in a transaction, or after a `BEGIN` the file writes.',
    why: 'SQLite refuses VACUUM inside a transaction ("cannot VACUUM from within a transaction"): the step fails at deploy time. VACUUM also rewrites the whole database file and holds an exclusive lock while it does.',
    safe: 'Put VACUUM in a file of its own marked `-- strata:no-transaction` (and expect it to take as long as copying the database).',
    bad: 'DELETE FROM sessions WHERE expires_at < 1700000000;\nVACUUM;\n',
    good: '-- strata:no-transaction\nVACUUM;\n',
    setup: 'CREATE TABLE sessions (id INTEGER PRIMARY KEY, expires_at INTEGER);',
  },
  check(file) {
    return file.up
      .filter((s) => s.inTransaction && sqliteShape(s).kind === 'vacuum')
      .map((statement) => ({
        statement,
        message: `VACUUM runs inside ${file.transaction ? "Strata's transaction" : 'the transaction this file opens'}: SQLite refuses it ("cannot VACUUM from within a transaction") and the step fails`,
        hint: 'move VACUUM to a file of its own with -- strata:no-transaction at the top',
      }));
  },
};

const d1TransactionStatements: LintRule = {
  id: 'sqlite/d1-transaction-statements',
  families: ['sqlite'],
  defaultSeverity: 'error',
  summary: 'BEGIN / COMMIT / SAVEPOINT in a file meant for Cloudflare D1',
  docs: {
    catches: '`BEGIN`, `COMMIT`, `END`, `ROLLBACK`, `SAVEPOINT` or `RELEASE` in a migration of a D1 folder (`format: "d1"`, or `strata lint --target d1`).',
    why: 'D1 runs each migration file in its own transaction and rejects transaction statements in it: `wrangler d1 migrations apply` fails on the file, and the statements before it in the same deploy stay applied.',
    safe: 'Leave transaction control to D1: remove BEGIN/COMMIT; each file already applies all or nothing.',
    runtime: 'd1',
    bad: 'BEGIN TRANSACTION;\nCREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);\nCOMMIT;\n',
    good: 'CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);\n',
  },
  check(file) {
    if (file.runtime !== 'd1') return [];
    return file.up
      .filter((s) => ['begin', 'commit', 'savepoint'].includes(sqliteShape(s).kind))
      .map((statement) => ({
        statement,
        message: `${statement.normalized.split(' ')[0]!.toUpperCase()} in a D1 migration: D1 runs each file in its own transaction and rejects transaction statements, so the deploy fails on this file`,
        hint: 'remove the transaction statements: D1 applies each file all or nothing already',
      }));
  },
};

const d1ForeignKeysPragma: LintRule = {
  id: 'sqlite/d1-foreign-keys-pragma',
  families: ['sqlite'],
  defaultSeverity: 'error',
  summary: 'PRAGMA foreign_keys in a file meant for Cloudflare D1 (a no-op there)',
  docs: {
    catches: '`PRAGMA foreign_keys = OFF` (or ON) in a migration of a D1 folder.',
    why: "D1 runs each file inside a transaction, where SQLite ignores `PRAGMA foreign_keys`: foreign keys stay enforced and ON DELETE actions still fire, so a rebuild written for plain SQLite deletes or orphans child rows on D1. D1's own `PRAGMA defer_foreign_keys = true` only postpones the constraint checks to the commit; it does not stop CASCADE or SET NULL.",
    safe: 'Use `PRAGMA defer_foreign_keys = true` for the checks, and never drop a table that others reference with ON DELETE actions on D1: change it with ALTER TABLE instead of a rebuild.',
    runtime: 'd1',
    bad: 'PRAGMA foreign_keys = OFF;\nCREATE TABLE labels (id INTEGER PRIMARY KEY);\n',
    good: 'PRAGMA defer_foreign_keys = true;\nCREATE TABLE labels (id INTEGER PRIMARY KEY);\n',
  },
  check(file) {
    if (file.runtime !== 'd1') return [];
    return file.up
      .filter((s) => sqliteShape(s).kind === 'pragma-foreign-keys')
      .map((statement) => ({
        statement,
        message: 'PRAGMA foreign_keys does nothing on D1 (the file runs inside a transaction): foreign keys stay on and ON DELETE actions still fire',
        hint: 'use PRAGMA defer_foreign_keys = true for the checks, and avoid dropping tables others reference with ON DELETE actions',
      }));
  },
};

const uniqueIndexWithoutDedupe: LintRule = {
  id: 'sqlite/unique-index-without-dedupe',
  families: ['sqlite'],
  defaultSeverity: 'warn',
  summary: 'a new UNIQUE index on a table that already holds rows, with no dedupe before it',
  docs: {
    catches:
      '`CREATE UNIQUE INDEX` on a table that existed before the file (or may have: no schema known), when the file does not first delete or update rows of that table.',
    why: 'If the existing rows hold one duplicate, SQLite refuses the index ("UNIQUE constraint failed") and the step fails at deploy time, on the production data that review never saw. Building it also scans the whole table under the write lock.',
    safe: 'Remove or merge the duplicates in the same file, before the index: `DELETE FROM t WHERE rowid NOT IN (SELECT min(rowid) FROM t GROUP BY email);` then `CREATE UNIQUE INDEX ...`. Check first with `SELECT email, count(*) FROM t GROUP BY email HAVING count(*) > 1`.',
    setup: 'CREATE TABLE subscribers (id INTEGER PRIMARY KEY, email TEXT);',
    bad: 'CREATE UNIQUE INDEX subscribers_email ON subscribers (email);\n',
    good: 'DELETE FROM subscribers WHERE rowid NOT IN (SELECT min(rowid) FROM subscribers GROUP BY email);\nCREATE UNIQUE INDEX subscribers_email ON subscribers (email);\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    const cleaned = new Set<string>();
    for (const statement of file.up) {
      const shape = sqliteShape(statement);
      if (shape.kind === 'delete' || shape.kind === 'update') cleaned.add(key(shape.table));
      if (shape.kind !== 'create-index' || !shape.unique) continue;
      const table = key(shape.table);
      if (cleaned.has(table) || createdBefore(file, statement).has(table) || schema.exists(shape.table) === false) continue;
      findings.push({
        statement,
        message: `CREATE UNIQUE INDEX ${shape.name} on ${shape.table}, which ${schema.known ? 'already exists' : 'may already hold rows (no schema known)'}: one duplicate (${shape.columns.join(', ')}) in the existing rows makes SQLite refuse the index and the step fail`,
        hint: `dedupe first in this file: DELETE FROM ${shape.table} WHERE rowid NOT IN (SELECT min(rowid) FROM ${shape.table} GROUP BY ${shape.columns.join(', ')})`,
      });
    }
    return findings;
  },
};

const dmlWithoutWhere: LintRule = {
  id: 'sqlite/delete-or-update-without-where',
  families: ['sqlite'],
  defaultSeverity: 'error',
  summary: 'DELETE or UPDATE without WHERE on an existing table in a schema migration',
  docs: {
    catches:
      '`DELETE FROM t` or `UPDATE t SET ...` with no `WHERE`, on a table that existed before the file. A DELETE is an error; an UPDATE (often a backfill of a new column) a warning.',
    why: 'A DELETE without WHERE empties the table in production, where it holds what the test database never did; an UPDATE without WHERE rewrites every row, holds the write lock for all of them, and overwrites values the migration author may not have meant to touch.',
    safe: 'Say which rows: `DELETE FROM sessions WHERE expires_at < ...`; for a backfill, `UPDATE t SET c = ... WHERE c IS NULL` (and for big tables, `strata backfill` in batches).',
    setup: 'CREATE TABLE carts (id INTEGER PRIMARY KEY, abandoned INTEGER);',
    bad: 'DELETE FROM carts;\n',
    good: 'DELETE FROM carts WHERE abandoned = 1;\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    const added = new Set<string>();
    for (const statement of file.up) {
      const shape = sqliteShape(statement);
      if (shape.kind === 'add-column') added.add(`${key(shape.table)}.${key(shape.column.name)}`);
      if ((shape.kind !== 'delete' && shape.kind !== 'update') || shape.where) continue;
      if (shape.kind === 'update' && shape.columns.length && shape.columns.every((c) => added.has(`${key(shape.table)}.${key(c)}`))) continue;
      if (createdBefore(file, statement).has(key(shape.table)) || schema.exists(shape.table) === false) continue;
      findings.push(
        shape.kind === 'delete'
          ? {
              statement,
              message: `DELETE FROM ${shape.table} has no WHERE: it deletes every row of ${shape.table}${describeCascade(schema, shape.table)}`,
              hint: `say which rows: DELETE FROM ${shape.table} WHERE ...`,
            }
          : {
              statement,
              severity: 'warn',
              message: `UPDATE ${shape.table} has no WHERE: it rewrites every row, under the write lock for all of them`,
              hint: `limit it to the rows that need it (WHERE new_column IS NULL), and use 'strata backfill' for big tables`,
            },
      );
    }
    return findings;
  },
};

function describeCascade(schema: Parameters<LintRule['check']>[1], table: string): string {
  const references = actingReferences(schema, table);
  return references.length ? `, and ${describeReferences(references)}` : '';
}

const dropTable: LintRule = {
  id: 'sqlite/drop-table',
  families: ['sqlite'],
  defaultSeverity: 'error',
  summary: 'DROP TABLE of a table that existed before the migration (not a rebuild)',
  docs: {
    catches:
      '`DROP TABLE` of a table that existed before the file (or may have: no schema known), outside a table rebuild (whose rows are copied first) and for tables the file did not create itself.',
    why: 'The rows are gone for good, with the down unable to bring them back; with foreign keys on, SQLite deletes the rows first and fires the ON DELETE actions of the tables that reference it (their rows go too). Old app servers still reading the table fail during the deploy.',
    safe: 'Stop using the table in a release first; then drop it in a later migration, with a backup, and say so: `-- strata-ignore sqlite/drop-table: unused since 2.4, backed up in 0042`.',
    setup: 'CREATE TABLE legacy_tokens (id INTEGER PRIMARY KEY, token TEXT);',
    bad: 'DROP TABLE legacy_tokens;\n',
    good: '-- strata-ignore sqlite/drop-table: unread since release 2.4; exported to the archive bucket first\nDROP TABLE legacy_tokens;\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const statement of file.up) {
      const shape = sqliteShape(statement);
      if (shape.kind !== 'drop-table' || isRebuildDrop(file, statement)) continue;
      if (createdBefore(file, statement).has(key(shape.table))) continue;
      // A rename-first rebuild drops the renamed old table.
      if (file.up.some((s) => s !== statement && sqliteShape(s).kind === 'rename-table' && key((sqliteShape(s) as { to: string }).to) === key(shape.table)))
        continue;
      const exists = schema.exists(shape.table);
      if (exists === false) continue;
      findings.push({
        statement,
        message: `DROP TABLE ${shape.table} deletes ${exists ? 'the table and its rows' : 'the table and any rows it holds (no schema known)'} for good${describeCascade(schema, shape.table)}`,
        hint: `if it is truly unused and backed up, say so: -- strata-ignore sqlite/drop-table: <why it is safe>`,
      });
    }
    return findings;
  },
};

export const SQLITE_RULES: readonly LintRule[] = [
  ...SQLITE_REBUILD_RULES,
  addColumnNotNullWithoutDefault,
  addColumnNonConstantDefault,
  dropColumnInUse,
  renameInUse,
  vacuumInTransaction,
  d1TransactionStatements,
  d1ForeignKeysPragma,
  uniqueIndexWithoutDedupe,
  dmlWithoutWhere,
  dropTable,
];
