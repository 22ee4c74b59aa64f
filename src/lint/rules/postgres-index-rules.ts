/**
 * PostgreSQL rules about indexes and the operations that rebuild a table under its heaviest
 * lock: building, dropping and rebuilding indexes, keys that build one, VACUUM FULL and CLUSTER.
 */
import type { LintFindingDraft, LintRule } from '../lint-rule.js';
import {
  alterTableCmds,
  describeTable,
  hasOption,
  isExisting,
  isVacuumFull,
  pgStatements,
  relationName,
  strings,
  type PgNode,
  type PgStatement,
} from './postgres-ast.js';

const DOCS_INDEX = 'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY';

export const indexNotConcurrent: LintRule = {
  id: 'postgres/index-not-concurrent',
  families: ['postgres'],
  defaultSeverity: 'error',
  summary: 'CREATE INDEX without CONCURRENTLY on an existing table',
  docs: {
    catches: 'A `CREATE INDEX` (or `CREATE UNIQUE INDEX`) without `CONCURRENTLY` on a table that exists before the migration.',
    why: `A plain CREATE INDEX holds a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE waits until the index is built, which on a large table is minutes (${DOCS_INDEX}).`,
    safe: 'Build it with `CREATE INDEX CONCURRENTLY` in a file marked `-- strata:no-transaction` (CONCURRENTLY cannot run in a transaction); if the build fails it leaves an INVALID index to drop and retry.',
    setup: 'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);',
    bad: 'CREATE INDEX orders_customer_idx ON orders (customer_id);\n',
    good: '-- strata:no-transaction\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const entry of pgStatements(file)) {
      if (entry.kind !== 'IndexStmt' || entry.node.concurrent) continue;
      const table = relationName(entry.node.relation);
      if (!isExisting(table, entry, schema)) continue;
      findings.push({
        statement: entry.statement,
        message: `CREATE INDEX${entry.node.idxname ? ` ${entry.node.idxname}` : ''} on ${describeTable(table, schema)} blocks all writes to it until the index is built`,
        hint: 'use CREATE INDEX CONCURRENTLY in a file marked -- strata:no-transaction',
      });
    }
    return findings;
  },
};

/** The statements PostgreSQL refuses inside a transaction block because they commit on their own. */
function concurrentOperation(entry: PgStatement): string | undefined {
  const { kind, node } = entry;
  if (kind === 'IndexStmt' && node.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (kind === 'DropStmt' && node.concurrent) return 'DROP INDEX CONCURRENTLY';
  if (kind === 'ReindexStmt' && hasOption(node.params, 'concurrently')) return 'REINDEX CONCURRENTLY';
  return undefined;
}

export const concurrentlyInTransaction: LintRule = {
  id: 'postgres/concurrently-in-transaction',
  families: ['postgres'],
  defaultSeverity: 'error',
  summary: 'CREATE/DROP INDEX or REINDEX CONCURRENTLY inside a transaction',
  docs: {
    catches:
      '`CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY` or `REINDEX CONCURRENTLY` in a file Strata runs in a transaction (no `-- strata:no-transaction` marker), or between a BEGIN and COMMIT written in the file.',
    why: `PostgreSQL refuses these inside a transaction block ("cannot run inside a transaction block"): the migration fails at that statement, after the ones before it took their locks (${DOCS_INDEX}).`,
    safe: 'Put the concurrent statement in a file of its own marked `-- strata:no-transaction`; keep each such file to one statement, so a failure leaves nothing half-done but an INVALID index.',
    setup: 'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);',
    bad: 'CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n',
    good: '-- strata:no-transaction\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n',
  },
  check(file) {
    const findings: LintFindingDraft[] = [];
    for (const entry of pgStatements(file)) {
      const operation = concurrentOperation(entry);
      if (!operation || !entry.statement.inTransaction) continue;
      findings.push({
        statement: entry.statement,
        message: `${operation} cannot run inside a transaction, and statement ${entry.statement.index} runs in one: PostgreSQL will refuse it`,
        hint: 'move it to its own file marked -- strata:no-transaction',
      });
    }
    return findings;
  },
};

export const reindexNotConcurrent: LintRule = {
  id: 'postgres/reindex-not-concurrent',
  families: ['postgres'],
  defaultSeverity: 'warn',
  summary: 'REINDEX without CONCURRENTLY',
  docs: {
    catches: '`REINDEX INDEX|TABLE|SCHEMA|DATABASE` without `CONCURRENTLY`.',
    why: 'A plain REINDEX takes a SHARE lock on the table (writes wait) and an ACCESS EXCLUSIVE lock on each index it rebuilds (reads that would use it wait) for the whole rebuild (https://www.postgresql.org/docs/current/sql-reindex.html).',
    safe: 'Use `REINDEX ... CONCURRENTLY` (PostgreSQL 12 and later) in a file marked `-- strata:no-transaction`.',
    bad: 'REINDEX INDEX orders_customer_idx;\n',
    good: '-- strata:no-transaction\nREINDEX INDEX CONCURRENTLY orders_customer_idx;\n',
  },
  check(file) {
    return pgStatements(file)
      .filter((entry) => entry.kind === 'ReindexStmt' && !hasOption(entry.node.params, 'concurrently'))
      .map((entry) => ({
        statement: entry.statement,
        message: 'REINDEX without CONCURRENTLY blocks writes to the table, and reads through the index, until the rebuild ends',
        hint: 'use REINDEX ... CONCURRENTLY in a file marked -- strata:no-transaction',
      }));
  },
};

/** The table an index belongs to, from the schema before the file or the file's own CREATE INDEX. */
function indexTable(
  name: string,
  entries: readonly PgStatement[],
  upTo: number,
  schema: { model?: { tables: { name: string; indexes: { name: string }[] }[] } | undefined },
): string | 'file' | undefined {
  for (const entry of entries.slice(0, upTo)) {
    if (entry.kind === 'IndexStmt' && String(entry.node.idxname ?? '').toLowerCase() === name) return 'file';
  }
  return schema.model?.tables.find((table) => table.indexes.some((index) => index.name.toLowerCase() === name))?.name;
}

export const dropIndexNotConcurrent: LintRule = {
  id: 'postgres/drop-index-not-concurrent',
  families: ['postgres'],
  defaultSeverity: 'warn',
  summary: 'DROP INDEX without CONCURRENTLY',
  docs: {
    catches: '`DROP INDEX` without `CONCURRENTLY` of an index the file did not create.',
    why: "A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: short once granted, but while it waits behind a long query every other query on the table queues behind it (https://www.postgresql.org/docs/current/sql-dropindex.html).",
    safe: 'Use `DROP INDEX CONCURRENTLY` in a file marked `-- strata:no-transaction`.',
    bad: 'DROP INDEX orders_customer_idx;\n',
    good: '-- strata:no-transaction\nDROP INDEX CONCURRENTLY orders_customer_idx;\n',
  },
  check(file, schema) {
    const entries = pgStatements(file);
    const findings: LintFindingDraft[] = [];
    entries.forEach((entry, position) => {
      if (entry.kind !== 'DropStmt' || entry.node.removeType !== 'OBJECT_INDEX' || entry.node.concurrent) return;
      for (const object of entry.node.objects ?? []) {
        const name = strings(object.List?.items).at(-1)?.toLowerCase() ?? '';
        const table = indexTable(name, entries, position, schema);
        if (table === 'file' || (table && !isExisting(table.toLowerCase(), entry, schema))) continue;
        findings.push({
          statement: entry.statement,
          message: `DROP INDEX ${name} takes an ACCESS EXCLUSIVE lock on ${table ? `table ${table}` : 'its table'}: every query on it queues while the drop waits for running ones`,
          hint: 'use DROP INDEX CONCURRENTLY in a file marked -- strata:no-transaction',
        });
      }
    });
    return findings;
  },
};

/** The columns a table's existing indexes, keys and unique constraints start with, lower-cased and joined. */
function indexedPrefixes(file: ReturnType<typeof pgStatements>, schema: Parameters<LintRule['check']>[1]): Map<string, string[][]> {
  const byTable = new Map<string, string[][]>();
  const add = (table: string, columns: readonly string[]) => {
    const list = byTable.get(table) ?? [];
    list.push(columns.map((column) => column.toLowerCase()));
    byTable.set(table, list);
  };
  for (const table of schema.model?.tables ?? []) {
    if (table.primaryKey) add(table.name.toLowerCase(), table.primaryKey);
    for (const index of table.indexes) add(table.name.toLowerCase(), index.columns);
    for (const constraint of table.constraints) if (constraint.kind === 'unique') add(table.name.toLowerCase(), constraint.definition.split(/\s*,\s*/));
  }
  for (const entry of file) {
    if (entry.kind === 'IndexStmt') {
      add(
        relationName(entry.node.relation),
        (entry.node.indexParams ?? []).map((param: PgNode) => String(param.IndexElem?.name ?? '(expression)')),
      );
    }
    if (entry.kind === 'CreateStmt') {
      const table = relationName(entry.node.relation);
      for (const element of entry.node.tableElts ?? []) {
        if (element.Constraint) addKey(table, element.Constraint, [], add);
        for (const constraint of element.ColumnDef?.constraints ?? []) addKey(table, constraint.Constraint, [element.ColumnDef.colname], add);
      }
    }
    for (const cmd of alterTableCmds(entry)) {
      if (cmd.subtype === 'AT_AddConstraint') addKey(relationName(entry.node.relation), cmd.def?.Constraint, [], add);
    }
  }
  return byTable;
}

function addKey(table: string, constraint: PgNode, columnOf: string[], add: (table: string, columns: readonly string[]) => void): void {
  if (constraint?.contype !== 'CONSTR_PRIMARY' && constraint?.contype !== 'CONSTR_UNIQUE') return;
  const keys = strings(constraint.keys);
  add(table, keys.length > 0 ? keys : columnOf);
}

/** Every foreign key the file declares: on which table, over which columns, at which statement. */
function foreignKeys(entries: readonly PgStatement[]): { entry: PgStatement; table: string; columns: string[]; references: string }[] {
  const out: { entry: PgStatement; table: string; columns: string[]; references: string }[] = [];
  const push = (entry: PgStatement, table: string, constraint: PgNode, column?: string) => {
    if (constraint?.contype !== 'CONSTR_FOREIGN') return;
    const columns = strings(constraint.fk_attrs);
    out.push({
      entry,
      table,
      columns: (columns.length > 0 ? columns : [column ?? '']).map((c) => c.toLowerCase()),
      references: relationName(constraint.pktable),
    });
  };
  for (const entry of entries) {
    if (entry.kind === 'CreateStmt') {
      const table = relationName(entry.node.relation);
      for (const element of entry.node.tableElts ?? []) {
        push(entry, table, element.Constraint);
        for (const constraint of element.ColumnDef?.constraints ?? []) push(entry, table, constraint.Constraint, element.ColumnDef.colname);
      }
    }
    for (const cmd of alterTableCmds(entry)) {
      if (cmd.subtype === 'AT_AddConstraint') push(entry, relationName(entry.node.relation), cmd.def?.Constraint);
      if (cmd.subtype === 'AT_AddColumn') {
        for (const constraint of cmd.def?.ColumnDef?.constraints ?? [])
          push(entry, relationName(entry.node.relation), constraint.Constraint, cmd.def.ColumnDef.colname);
      }
    }
  }
  return out;
}

export const foreignKeyWithoutIndex: LintRule = {
  id: 'postgres/fk-without-index',
  families: ['postgres'],
  defaultSeverity: 'warn',
  summary: 'a foreign key whose referencing columns no index starts with',
  docs: {
    catches:
      'A foreign key (in CREATE TABLE or ALTER TABLE) whose referencing columns are not the leading columns of any index, primary key or unique constraint of the table, before the file or anywhere in it.',
    why: 'PostgreSQL indexes the referenced side (it must be unique) but never the referencing side. Every DELETE or key UPDATE on the parent then scans the whole child table to check or cascade, holding its locks meanwhile: deletes that took milliseconds take seconds once the child grows (https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK).',
    safe: 'Create an index on the referencing columns in the same migration (CONCURRENTLY when the table exists and holds rows).',
    bad: 'CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));\n',
    good: 'CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));\nCREATE INDEX orders_customer_idx ON orders (customer_id);\n',
  },
  check(file, schema) {
    const entries = pgStatements(file);
    const indexed = indexedPrefixes(entries, schema);
    return foreignKeys(entries)
      .filter(({ table, columns }) => !(indexed.get(table) ?? []).some((index) => columns.every((column, i) => index[i] === column)))
      .map(({ entry, table, columns, references }) => ({
        statement: entry.statement,
        message: `the foreign key ${table} (${columns.join(', ')}) -> ${references} has no index on ${table} (${columns.join(', ')}): each delete on ${references} scans ${table}`,
        hint: `add CREATE INDEX ON ${table} (${columns.join(', ')})`,
      }));
  },
};

function keyWithoutIndexRule(id: string, contype: 'CONSTR_PRIMARY' | 'CONSTR_UNIQUE', what: string, docs: LintRule['docs']): LintRule {
  return {
    id,
    families: ['postgres'],
    defaultSeverity: 'error',
    summary: `${what} added to an existing table without a prebuilt unique index`,
    docs,
    check(file, schema) {
      const findings: LintFindingDraft[] = [];
      for (const entry of pgStatements(file)) {
        const table = relationName(entry.node?.relation);
        for (const cmd of alterTableCmds(entry)) {
          // ADD CONSTRAINT ... UNIQUE (cols), or ADD COLUMN c type UNIQUE: either builds the index under the ALTER's lock.
          const constraints =
            cmd.subtype === 'AT_AddConstraint'
              ? [cmd.def?.Constraint]
              : cmd.subtype === 'AT_AddColumn'
                ? (cmd.def?.ColumnDef?.constraints ?? []).map((c: PgNode) => c.Constraint)
                : [];
          const constraint = constraints.find((c: PgNode) => c?.contype === contype && !c.indexname);
          if (!constraint || !isExisting(table, entry, schema)) continue;
          findings.push({
            statement: entry.statement,
            message: `ADD ${what} on ${describeTable(table, schema)} builds its unique index under an ACCESS EXCLUSIVE lock: no reads or writes until it is built`,
            hint: `CREATE UNIQUE INDEX CONCURRENTLY first (own file, -- strata:no-transaction), then ADD ${contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'CONSTRAINT name UNIQUE'} USING INDEX`,
          });
        }
      }
      return findings;
    },
  };
}

const KEY_WHY =
  'Adding the constraint builds its unique index while the ALTER TABLE holds ACCESS EXCLUSIVE on the table: neither reads nor writes run until the whole table is indexed (https://www.postgresql.org/docs/current/sql-altertable.html, "ADD table_constraint_using_index").';

export const primaryKeyWithoutIndex = keyWithoutIndexRule('postgres/primary-key-without-index', 'CONSTR_PRIMARY', 'PRIMARY KEY', {
  catches: '`ALTER TABLE ... ADD PRIMARY KEY (cols)` on an existing table, rather than `ADD PRIMARY KEY USING INDEX` over a unique index built beforehand.',
  why: `${KEY_WHY} SET NOT NULL on the key columns also scans the table.`,
  safe: 'Build `CREATE UNIQUE INDEX CONCURRENTLY` in a file of its own (`-- strata:no-transaction`), then `ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX that_index` (a catalog change only).',
  setup: 'CREATE TABLE events (id bigint NOT NULL, payload text);\nCREATE UNIQUE INDEX events_id_idx ON events (id);',
  bad: 'ALTER TABLE events ADD PRIMARY KEY (id);\n',
  good: 'ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_id_idx;\n',
});

export const uniqueConstraintWithoutIndex = keyWithoutIndexRule('postgres/unique-constraint-without-index', 'CONSTR_UNIQUE', 'UNIQUE', {
  catches:
    '`ALTER TABLE ... ADD CONSTRAINT ... UNIQUE (cols)` or `ADD COLUMN ... UNIQUE` on an existing table, rather than `UNIQUE USING INDEX` over a unique index built beforehand.',
  why: KEY_WHY,
  safe: 'Build `CREATE UNIQUE INDEX CONCURRENTLY` in a file of its own (`-- strata:no-transaction`), then `ALTER TABLE t ADD CONSTRAINT name UNIQUE USING INDEX that_index`.',
  setup: 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE UNIQUE INDEX users_email_idx ON users (email);',
  bad: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n',
  good: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;\n',
});

export const vacuumFullOrCluster: LintRule = {
  id: 'postgres/vacuum-full-or-cluster',
  families: ['postgres'],
  defaultSeverity: 'error',
  summary: 'VACUUM FULL or CLUSTER in a migration',
  docs: {
    catches: '`VACUUM FULL` and `CLUSTER`, on one table or all of them.',
    why: 'Both rewrite the whole table into a new file under an ACCESS EXCLUSIVE lock: no reads or writes for as long as the copy takes, with twice the disk space needed meanwhile (https://www.postgresql.org/docs/current/sql-vacuum.html, https://www.postgresql.org/docs/current/sql-cluster.html). VACUUM also cannot run in a transaction.',
    safe: 'Leave space reclaiming to autovacuum, or run pg_repack (online) outside migrations; a plain `VACUUM (ANALYZE)` in a `-- strata:no-transaction` file takes no blocking lock.',
    bad: '-- strata:no-transaction\nVACUUM FULL orders;\n',
    good: '-- strata:no-transaction\nVACUUM (ANALYZE) orders;\n',
  },
  check(file) {
    return pgStatements(file)
      .filter((entry) => entry.kind === 'ClusterStmt' || (entry.kind === 'VacuumStmt' && isVacuumFull(entry.node)))
      .map((entry) => ({
        statement: entry.statement,
        message: `${entry.kind === 'ClusterStmt' ? 'CLUSTER' : 'VACUUM FULL'} rewrites the table under an ACCESS EXCLUSIVE lock: no reads or writes until the copy ends`,
        hint: 'drop it from the migration; use pg_repack outside migrations if the space matters',
      }));
  },
};

export const POSTGRES_INDEX_RULES: readonly LintRule[] = [
  indexNotConcurrent,
  concurrentlyInTransaction,
  reindexNotConcurrent,
  dropIndexNotConcurrent,
  foreignKeyWithoutIndex,
  primaryKeyWithoutIndex,
  uniqueConstraintWithoutIndex,
  vacuumFullOrCluster,
];
