/**
 * SQLite's table rebuild (create the new table, copy the rows, drop the old one, rename the new
 * one over it): the only way SQLite changes a column's type, constraints or keys, and where its
 * worst silent losses happen.
 */
import type { ForeignKeyModel, TableModel } from '../../schema/schema-model.js';
import type { LintFile, LintFindingDraft, LintRule, LintStatement, SchemaBefore } from '../lint-rule.js';
import { referencesTo } from './schema-helpers.js';
import { affinityOf, foreignKeysOffBefore, key, type Rebuild, rebuildsOf, sqliteShape } from './sqlite-statements.js';

const LOSSY_ACTIONS = new Set(['cascade', 'set null', 'set default']);

/** The foreign keys of other tables that act when rows of `table` are deleted. */
export function actingReferences(schema: SchemaBefore, table: string): { table: string; key: ForeignKeyModel }[] {
  return referencesTo(schema, table)
    .filter(({ foreignKey }) => LOSSY_ACTIONS.has(foreignKey.onDelete.toLowerCase()))
    .map(({ table: child, foreignKey }) => ({ table: child, key: foreignKey }));
}

export function describeReferences(references: { table: string; key: ForeignKeyModel }[]): string {
  return references
    .map(({ table, key: fk }) =>
      fk.onDelete.toLowerCase() === 'cascade'
        ? `every row of ${table} (ON DELETE CASCADE on ${fk.columns.join(', ')}) is deleted`
        : `${table}.${fk.columns.join(', ')} is set to ${fk.onDelete.toLowerCase() === 'set null' ? 'NULL' : 'its default'} (ON DELETE ${fk.onDelete.toUpperCase()})`,
    )
    .join('; ');
}

const rebuildWithCascade: LintRule = {
  id: 'sqlite/rebuild-with-cascade',
  families: ['sqlite'],
  defaultSeverity: 'error',
  summary: 'a table rebuild drops a table that other tables reference with ON DELETE CASCADE / SET NULL',
  docs: {
    catches:
      'A table rebuild (create the new table, copy the rows, `DROP TABLE` the old one, rename the new one) of a table that other tables reference with `ON DELETE CASCADE`, `SET NULL` or `SET DEFAULT`, when the `DROP TABLE` can run with foreign keys on: no `PRAGMA foreign_keys = OFF` before it, or one that the runner ignores because it stands inside a transaction.',
    why: "With foreign keys on, SQLite's `DROP TABLE` first deletes every row of the table, and that delete fires the children's `ON DELETE` actions: every child row is deleted (CASCADE) or loses its parent (SET NULL), and the migration reports success. `PRAGMA foreign_keys = OFF` prevents it only outside a transaction: inside one it is silently a no-op. Strata lifts the pragma out of its own transaction (and runs `PRAGMA foreign_key_check` before commit), so the pragma works when `strata migrate` runs the file; drizzle-kit's migrator, Prisma's, wrangler for Cloudflare D1 and a plain `BEGIN ... COMMIT` in the sqlite3 shell keep it inside the transaction, and the children's rows are lost. Without the pragma, the rows are lost under every runner, Strata included.",
    safe: 'Put `PRAGMA foreign_keys = OFF;` before the rebuild and `PRAGMA foreign_keys = ON;` after it, and run the file with Strata (or mark it `-- strata:no-transaction` so any runner executes the pragma outside a transaction). On D1, avoid rebuilding a parent table: add the new columns with `ALTER TABLE ... ADD COLUMN` instead.',
    setup:
      'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE);',
    bad: 'CREATE TABLE new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\nINSERT INTO new_users (id, email) SELECT id, email FROM users;\nDROP TABLE users;\nALTER TABLE new_users RENAME TO users;\n',
    good: '-- strata:no-transaction\nPRAGMA foreign_keys = OFF;\nBEGIN;\nCREATE TABLE new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\nINSERT INTO new_users (id, email) SELECT id, email FROM users;\nDROP TABLE users;\nALTER TABLE new_users RENAME TO users;\nPRAGMA foreign_key_check;\nCOMMIT;\nPRAGMA foreign_keys = ON;\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const rebuild of rebuildsOf(file)) {
      const references = actingReferences(schema, rebuild.table);
      if (!references.length) continue;
      const off = foreignKeysOffBefore(file, rebuild.drop);
      const lost = `${describeReferences(references)}`;
      const hint =
        'put PRAGMA foreign_keys = OFF; before the rebuild and PRAGMA foreign_keys = ON; after it (Strata runs it outside the transaction), or add the column with ALTER TABLE instead of rebuilding';
      if (!off) {
        findings.push({
          statement: rebuild.drop,
          message: `this rebuild drops ${rebuild.table} with foreign keys on (no PRAGMA foreign_keys = OFF before it): SQLite deletes its rows first and ${lost}, under every runner, Strata included`,
          hint,
        });
      } else if (file.runtime === 'd1') {
        findings.push({
          statement: rebuild.drop,
          message: `this rebuild drops ${rebuild.table} on Cloudflare D1, which runs the file in a transaction where PRAGMA foreign_keys = OFF (line ${off.line}) does nothing: ${lost}`,
          hint: 'on D1, change the table without rebuilding it (ALTER TABLE ... ADD COLUMN), or move the child rows aside and back; PRAGMA defer_foreign_keys defers the checks but not the ON DELETE actions',
        });
      } else if (off.inTransaction) {
        findings.push({
          statement: rebuild.drop,
          severity: 'warn',
          message: `PRAGMA foreign_keys = OFF (line ${off.line}) stands inside a transaction here: 'strata migrate' lifts it out and this rebuild of ${rebuild.table} is safe, but drizzle-kit migrate, Prisma, wrangler (D1) or a BEGIN in the sqlite3 shell run the DROP with foreign keys on and ${lost}`,
          hint: 'if only Strata runs this file, say so: -- strata-ignore sqlite/rebuild-with-cascade: run by strata migrate only; else mark it -- strata:no-transaction so the pragma runs outside any transaction',
        });
      }
    }
    return findings;
  },
};

const foreignKeysPragmaInTransaction: LintRule = {
  id: 'sqlite/foreign-keys-pragma-in-transaction',
  families: ['sqlite'],
  defaultSeverity: 'warn',
  summary: 'PRAGMA foreign_keys inside a transaction the file itself opens (a no-op there)',
  docs: {
    catches:
      '`PRAGMA foreign_keys = ...` after a `BEGIN` written in the file, before its `COMMIT`. (A pragma in a file Strata wraps in its own transaction is not flagged: Strata lifts it out; `sqlite/rebuild-with-cascade` flags the rebuilds that depend on it.)',
    why: "SQLite ignores `PRAGMA foreign_keys` inside a transaction, without an error. A file that opens a transaction and then turns foreign keys off reads as safe and is not: run by the sqlite3 shell, drizzle-kit or any runner that keeps the file's BEGIN, every statement after the pragma still enforces foreign keys and fires ON DELETE actions. Strata drops a file's BEGIN/COMMIT when it wraps the step, and lifts the pragma, which is why the file works under Strata and fails elsewhere.",
    safe: 'Put the pragma before the `BEGIN` (and the `= ON` after the `COMMIT`), with `-- strata:no-transaction` so Strata runs the file as written.',
    bad: 'BEGIN;\nPRAGMA foreign_keys = OFF;\nCREATE TABLE audit_copy (id INTEGER PRIMARY KEY);\nCOMMIT;\n',
    good: '-- strata:no-transaction\nPRAGMA foreign_keys = OFF;\nBEGIN;\nCREATE TABLE audit_copy (id INTEGER PRIMARY KEY);\nCOMMIT;\nPRAGMA foreign_keys = ON;\n',
  },
  check(file) {
    let open = false;
    const findings: LintFindingDraft[] = [];
    for (const statement of file.up) {
      const shape = sqliteShape(statement);
      if (shape.kind === 'begin') open = true;
      else if (shape.kind === 'commit') open = false;
      else if (shape.kind === 'pragma-foreign-keys' && open) {
        findings.push({
          statement,
          message: `PRAGMA foreign_keys = ${shape.on ? 'ON' : 'OFF'} stands inside the transaction this file opens: SQLite ignores it there, so any runner that keeps the BEGIN runs what follows with foreign keys unchanged (Strata lifts the pragma, which hides the problem)`,
          hint: 'move the pragma before BEGIN (and the ON after COMMIT), and mark the file -- strata:no-transaction',
        });
      }
    }
    return findings;
  },
};

/** The new table's columns, from its CREATE TABLE in the file. */
function stagingColumns(rebuild: Rebuild): Map<string, string> | undefined {
  const shape = rebuild.create ? sqliteShape(rebuild.create) : undefined;
  if (shape?.kind !== 'create-table' || shape.asSelect) return undefined;
  return new Map(shape.columns.map((c) => [key(c.name), c.type]));
}

/** The copy's (target column, source column) pairs: undefined where the source is an expression. */
function copiedPairs(copy: LintStatement, into: Map<string, string>, old: TableModel): { target: string; source: string | undefined }[] | undefined {
  const shape = sqliteShape(copy);
  if (shape.kind !== 'insert-select') return undefined;
  const targets = shape.columns ?? [...into.keys()];
  if (shape.star) return targets.map((target, k) => ({ target, source: old.columns[k]?.name }));
  return targets.map((target, k) => ({ target, source: shape.selected[k] }));
}

const rebuildColumnMismatch: LintRule = {
  id: 'sqlite/rebuild-copy-mismatch',
  families: ['sqlite'],
  defaultSeverity: 'error',
  summary: "a rebuild's INSERT ... SELECT names a column the old table lacks, skips one both tables have, or copies SELECT * into another column order",
  docs: {
    catches:
      "In a table rebuild, the copy `INSERT INTO new_t ... SELECT ... FROM t`: a selected name that is not a column of the old table; a column both tables have that the copy leaves out; `SELECT *` into a new table whose columns are in another order than the old one's.",
    why: 'SQLite reads an unknown name in double quotes as a string literal, so `SELECT "emial"` copies the text `emial` into every row instead of failing. A column left out of the copy is filled with its default in every row: the values are gone once the old table is dropped. `SELECT *` copies by position, so a reordered column list puts every value into the wrong column, silently when the types allow it.',
    safe: 'Name the columns on both sides, in the same order: `INSERT INTO new_t (id, email, name) SELECT id, email, name FROM t`; check each name against the old table.',
    setup: 'CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT, name TEXT);',
    bad: 'CREATE TABLE new_accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\nINSERT INTO new_accounts (id, email) SELECT id, email FROM accounts;\nDROP TABLE accounts;\nALTER TABLE new_accounts RENAME TO accounts;\n',
    good: 'CREATE TABLE new_accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\nINSERT INTO new_accounts (id, email, name) SELECT id, email, name FROM accounts;\nDROP TABLE accounts;\nALTER TABLE new_accounts RENAME TO accounts;\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const rebuild of rebuildsOf(file)) {
      const old = schema.table(rebuild.table);
      const into = stagingColumns(rebuild);
      if (!old || !into || !rebuild.copy) continue;
      const pairs = copiedPairs(rebuild.copy, into, old);
      if (!pairs) continue;
      const oldColumns = new Set(old.columns.map((c) => key(c.name)));
      const shape = sqliteShape(rebuild.copy);
      if (shape.kind === 'insert-select' && shape.star && !shape.columns) {
        const newOrder = [...into.keys()];
        const oldOrder = old.columns.map((c) => key(c.name));
        if (newOrder.join() !== oldOrder.join()) {
          findings.push({
            statement: rebuild.copy,
            message: `SELECT * copies ${rebuild.table}'s columns by position (${oldOrder.join(', ')}) into ${rebuild.staging} (${newOrder.join(', ')}): values land in the wrong columns`,
            hint: `name the columns on both sides: INSERT INTO ${rebuild.staging} (${newOrder.filter((c) => oldColumns.has(c)).join(', ')}) SELECT ${newOrder.filter((c) => oldColumns.has(c)).join(', ')} FROM ${rebuild.table}`,
          });
        }
        continue;
      }
      for (const { source } of pairs) {
        if (source !== undefined && !oldColumns.has(key(source))) {
          findings.push({
            statement: rebuild.copy,
            message: `the copy selects ${source}, which ${rebuild.table} does not have: SQLite fails with "no such column", or, when the name is in double quotes, copies the text '${source}' into every row`,
            hint: `${rebuild.table}'s columns are: ${old.columns.map((c) => c.name).join(', ')}`,
          });
        }
      }
      const copied = new Set(pairs.map((p) => key(p.target)));
      const skipped = old.columns.filter((c) => into.has(key(c.name)) && !copied.has(key(c.name)));
      if (skipped.length) {
        findings.push({
          statement: rebuild.copy,
          message: `the copy leaves out ${skipped.map((c) => c.name).join(', ')}, which both ${rebuild.table} and ${rebuild.staging} have: every row gets the default instead of its value, and the values are gone when ${rebuild.table} is dropped`,
          hint: `add ${skipped.map((c) => c.name).join(', ')} to both column lists of the INSERT ... SELECT`,
        });
      }
    }
    return findings;
  },
};

const affinityChange: LintRule = {
  id: 'sqlite/affinity-change',
  families: ['sqlite'],
  defaultSeverity: 'warn',
  summary: 'a rebuild copies a column into one of another type affinity, which rewrites the stored values',
  docs: {
    catches:
      "A table rebuild whose new table declares a copied column with another type affinity than the old one (TEXT to INTEGER, INTEGER to TEXT, NUMERIC to REAL...; SQLite's affinity rules, https://sqlite.org/datatype3.html).",
    why: "SQLite converts each value to the new column's affinity as it is copied: the text '007' becomes the integer 7, '1e3' becomes 1000, the integer 42 becomes the text '42' (which no longer equals 42 in comparisons or joins against an INTEGER column). Nothing fails; the data is quietly different, and a STRICT table refuses the rows that do not convert.",
    safe: "Keep the affinity, or convert on purpose in the copy (`CAST(code AS INTEGER)`) after checking the values: `SELECT code FROM t WHERE CAST(code AS INTEGER) || '' <> code`.",
    setup: 'CREATE TABLE products (id INTEGER PRIMARY KEY, code TEXT);',
    bad: 'CREATE TABLE new_products (id INTEGER PRIMARY KEY, code INTEGER);\nINSERT INTO new_products (id, code) SELECT id, code FROM products;\nDROP TABLE products;\nALTER TABLE new_products RENAME TO products;\n',
    good: 'CREATE TABLE new_products (id INTEGER PRIMARY KEY, code TEXT NOT NULL);\nINSERT INTO new_products (id, code) SELECT id, code FROM products;\nDROP TABLE products;\nALTER TABLE new_products RENAME TO products;\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const rebuild of rebuildsOf(file)) {
      const old = schema.table(rebuild.table);
      const into = stagingColumns(rebuild);
      if (!old || !into || !rebuild.copy) continue;
      for (const { target, source } of copiedPairs(rebuild.copy, into, old) ?? []) {
        const from = source === undefined ? undefined : old.columns.find((c) => key(c.name) === key(source));
        const to = into.get(key(target));
        if (!from || to === undefined) continue;
        const [before, after] = [affinityOf(from.type), affinityOf(to)];
        if (before === after) continue;
        findings.push({
          statement: rebuild.create ?? rebuild.copy,
          message: `${rebuild.table}.${from.name} changes affinity from ${before.toUpperCase()} (${from.type || 'no type'}) to ${after.toUpperCase()} (${to || 'no type'}): SQLite converts the values as they are copied (${example(before, after)})`,
          hint: `keep a ${before.toUpperCase()} type for ${from.name}, or convert on purpose with CAST in the copy after checking which values change`,
        });
      }
    }
    return findings;
  },
};

function example(before: string, after: string): string {
  if (before === 'text' && (after === 'integer' || after === 'numeric' || after === 'real')) return "the text '007' becomes 7";
  if (after === 'text') return "the number 42 becomes the text '42', which no longer equals 42";
  if (before === 'real' && after === 'integer') return '3.0 becomes 3';
  return 'values that look like numbers change type';
}

export const SQLITE_REBUILD_RULES: readonly LintRule[] = [rebuildWithCascade, foreignKeysPragmaInTransaction, rebuildColumnMismatch, affinityChange];

/** For the other SQLite rules: whether the DROP at `statement` is a rebuild's (the rows were copied first). */
export function isRebuildDrop(file: LintFile, statement: LintStatement): boolean {
  return rebuildsOf(file).some((r) => r.drop === statement);
}
