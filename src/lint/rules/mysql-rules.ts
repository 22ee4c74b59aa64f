/**
 * The MySQL/MariaDB rule set, on the statements' normalized text (see mysql-alter.ts for why no
 * parser and how ALTER clauses are classified). The costs are InnoDB's on MariaDB 10.11, checked
 * against the server by test/lint-mysql.test.ts; MySQL 8 agrees on every operation flagged here
 * (it also adds columns instantly and copies for type changes), and MySQL 8.0.29+ drops columns
 * instantly as MariaDB does.
 */
import type { TableModel } from '../../schema/schema-model.js';
import type { LintFile, LintFindingDraft, LintRule, LintStatement, SchemaBefore } from '../lint-rule.js';
import { type AlterClause, alterTableOf, bareMysqlName, classifyAlter, columnType, enumValues, normalizeMysqlType, splitTopLevel } from './mysql-alter.js';

const ONLINE_DDL_DOCS = 'https://mariadb.com/kb/en/innodb-online-ddl-overview/';

/** One statement with what the file did before it. */
interface MysqlStatement {
  statement: LintStatement;
  text: string;
  /** Tables (bare, lower-case) the file created before this statement. */
  createdBefore: ReadonlySet<string>;
  /** Whether `SET foreign_key_checks = 0` is in force. */
  fkChecksOff: boolean;
}

const CREATE_TABLE = /^CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(`[^`]+`|"[^"]+"|[\w$.`]+)/i;
const FK_CHECKS = /^SET\s+(?:SESSION\s+|@@(?:SESSION\.)?)?FOREIGN_KEY_CHECKS\s*=\s*(\w+)/i;

function mysqlStatements(file: LintFile): MysqlStatement[] {
  const created = new Set<string>();
  let fkChecksOff = false;
  return file.up.map((statement) => {
    const text = statement.normalized;
    const entry = { statement, text, createdBefore: new Set(created), fkChecksOff };
    const table = CREATE_TABLE.exec(text);
    if (table) created.add(bareMysqlName(table[1]!));
    const checks = FK_CHECKS.exec(text);
    if (checks) fkChecksOff = /^(0|OFF|FALSE)$/i.test(checks[1]!);
    return entry;
  });
}

function isExisting(table: string, at: MysqlStatement, schema: SchemaBefore): boolean {
  if (at.createdBefore.has(table) || schema.createdInRun?.(table)) return false;
  return schema.exists(table) ?? true;
}

function describeTable(table: string, schema: SchemaBefore): string {
  return schema.known ? `existing table ${table}` : `table ${table} (not created in this file, so assumed to exist and hold rows)`;
}

/** Each ALTER TABLE of the file on an existing table, its clauses classified. */
function existingAlters(
  file: LintFile,
  schema: SchemaBefore,
): { entry: MysqlStatement; table: string; model: TableModel | undefined; clauses: AlterClause[] }[] {
  return mysqlStatements(file).flatMap((entry) => {
    const alter = alterTableOf(entry.text);
    if (!alter || !isExisting(alter.table, entry, schema)) return [];
    const model = schema.table(alter.table);
    return [{ entry, table: alter.table, model, clauses: classifyAlter(alter.clauses, model, entry.fkChecksOff) }];
  });
}

export const copyingAlter: LintRule = {
  id: 'mysql/copying-alter',
  families: ['mysql'],
  defaultSeverity: 'error',
  summary: 'an ALTER TABLE that copies the table (or blocks writes) on an existing table',
  docs: {
    catches:
      'An ALTER TABLE on an existing table with a clause InnoDB cannot run `ALGORITHM=INSTANT` or `ALGORITHM=INPLACE, LOCK=NONE`: a column type change (INT to BIGINT, signedness, a VARCHAR narrowed or widened across 255 bytes, a character set), `CONVERT TO CHARACTER SET`, an ENUM reordered, `DROP PRIMARY KEY` alone, `ADD FOREIGN KEY` with foreign_key_checks on, `ADD CHECK`, a stored generated column, an AUTO_INCREMENT column added. A MODIFY/CHANGE whose current type the linter cannot see is reported as a possible copy. A statement that names `ALGORITHM=INSTANT|INPLACE|NOCOPY` is trusted: the server refuses it rather than copy.',
    why: `ALGORITHM=COPY builds a new table row by row while writes to the old one wait (LOCK=SHARED), then swaps them: the table is read-only for minutes to hours on a large table, and the copy needs the table's size again in free disk. MySQL and MariaDB pick COPY silently when nothing else can do the change (${ONLINE_DDL_DOCS}, https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html).`,
    safe: 'Write `ALGORITHM=INPLACE, LOCK=NONE` (or `ALGORITHM=INSTANT`) in the ALTER, so the server refuses instead of copying; for a change that must copy, use an online schema change tool (gh-ost, pt-online-schema-change) or add a new column and backfill it.',
    setup: 'CREATE TABLE orders (id int PRIMARY KEY, quantity int);',
    bad: 'ALTER TABLE orders MODIFY quantity bigint;\n',
    good: 'ALTER TABLE orders ADD COLUMN quantity_big bigint, ALGORITHM=INSTANT;\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const { entry, table, clauses } of existingAlters(file, schema)) {
      const algorithm = /\bALGORITHM\s*=?\s*(\w+)/i.exec(entry.text)?.[1]?.toUpperCase();
      if (algorithm && algorithm !== 'COPY' && algorithm !== 'DEFAULT') continue;
      const costly = clauses.filter((clause) => clause.cost === 'copy' || clause.cost === 'lock' || (clause.cost === 'unknown' && clause.column));
      if (costly.length === 0 && algorithm !== 'COPY') continue;
      const reasons = costly.length > 0 ? costly.map((clause) => clause.what).join('; ') : 'ALGORITHM=COPY is written in the statement';
      const unsure = costly.length > 0 && costly.every((clause) => clause.cost === 'unknown');
      findings.push({
        statement: entry.statement,
        message: `ALTER TABLE ${table} ${unsure ? 'may copy' : 'copies or write-locks'} ${describeTable(table, schema)}: ${reasons}`,
        hint: 'add ALGORITHM=INPLACE, LOCK=NONE so the server refuses instead of copying, or use an online schema change tool (gh-ost, pt-online-schema-change)',
      });
    }
    return findings;
  },
};

const DDL = /^(CREATE|ALTER|DROP|RENAME|TRUNCATE)\b/i;
const DML = /^(INSERT|UPDATE|DELETE|REPLACE|LOAD\s+DATA)\b/i;

export const ddlDmlMixed: LintRule = {
  id: 'mysql/ddl-dml-mixed',
  families: ['mysql'],
  defaultSeverity: 'warn',
  summary: 'DDL and DML in the same file',
  docs: {
    catches:
      'A file whose up has both schema statements (CREATE, ALTER, DROP, RENAME, TRUNCATE) and data statements (INSERT, UPDATE, DELETE, REPLACE, LOAD DATA).',
    why: 'In MySQL and MariaDB every DDL statement commits the open transaction implicitly, so a file that mixes them cannot be atomic: when a statement fails, the data changes before the last DDL are committed and the rest are not, and the file can be neither retried nor rolled back as a whole (https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html).',
    safe: 'Put schema changes and data changes in separate migrations (the data one then runs in one transaction), and make each statement of a DDL file safe to re-run (`IF NOT EXISTS`).',
    bad: "CREATE TABLE plans (id int PRIMARY KEY, name varchar(50));\nINSERT INTO plans VALUES (1, 'free');\n",
    good: 'CREATE TABLE plans (id int PRIMARY KEY, name varchar(50));\nCREATE INDEX plans_name ON plans (name);\n',
  },
  check(file) {
    const ddl = file.up.find((s) => DDL.test(s.normalized));
    const dml = file.up.filter((s) => DML.test(s.normalized));
    if (!ddl || dml.length === 0) return [];
    const first = dml[0]!;
    return [
      {
        statement: first,
        message: `statement ${first.index} changes data in a file that also changes the schema (statement ${ddl.index}): DDL commits implicitly in MySQL, so the file cannot run atomically`,
        hint: 'move the data statements to a migration of their own',
      },
    ];
  },
};

/** Renames in a statement: `RENAME TABLE a TO b, c TO d`, or an ALTER's RENAME TO / RENAME COLUMN / CHANGE old new. */
function renames(entry: MysqlStatement, schema: SchemaBefore): { table: string; what: string }[] {
  const out: { table: string; what: string }[] = [];
  const renameTable = /^RENAME\s+TABLES?\s+(.*)$/is.exec(entry.text);
  if (renameTable) {
    for (const pair of splitTopLevel(renameTable[1]!)) {
      const m = /^(\S+)\s+TO\s+(\S+)$/i.exec(pair);
      if (m) out.push({ table: bareMysqlName(m[1]!), what: `table ${bareMysqlName(m[1]!)} to ${bareMysqlName(m[2]!)}` });
    }
  }
  const alter = alterTableOf(entry.text);
  for (const clause of alter?.clauses ?? []) {
    let m: RegExpExecArray | null;
    if ((m = /^RENAME\s+(?:TO\s+|AS\s+)?(?!COLUMN\b|INDEX\b|KEY\b)(\S+)$/i.exec(clause)))
      out.push({ table: alter!.table, what: `table ${alter!.table} to ${bareMysqlName(m[1]!)}` });
    if ((m = /^RENAME\s+COLUMN\s+(\S+)\s+TO\s+(\S+)/i.exec(clause)))
      out.push({ table: alter!.table, what: `column ${alter!.table}.${bareMysqlName(m[1]!)} to ${bareMysqlName(m[2]!)}` });
    if (
      (m = /^CHANGE\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(`[^`]+`|[\w$]+)\s+(`[^`]+`|[\w$]+)\s/i.exec(clause)) &&
      bareMysqlName(m[1]!) !== bareMysqlName(m[2]!)
    ) {
      out.push({ table: alter!.table, what: `column ${alter!.table}.${bareMysqlName(m[1]!)} to ${bareMysqlName(m[2]!)}` });
    }
  }
  return out.filter(({ table }) => isExisting(table, entry, schema));
}

export const mysqlRenameInUse: LintRule = {
  id: 'mysql/rename-in-use',
  families: ['mysql'],
  defaultSeverity: 'error',
  summary: 'renaming an existing table or column',
  docs: {
    catches: '`RENAME TABLE`, `ALTER TABLE ... RENAME TO`, `RENAME COLUMN`, and `CHANGE old new` with a new name, on a table that exists before the migration.',
    why: 'The rename is instant, but the application instances still running the old code name the old table or column: every one of their queries fails from the moment it runs until the last old instance is gone. Views that name it stop working too (MySQL does not rewrite view definitions).',
    safe: 'Expand and contract: add the new column, write both, backfill, switch the reads, and drop the old one in a later release; or ignore the rule with the reason when no running code uses the name.',
    setup: 'CREATE TABLE users (id int PRIMARY KEY, mail varchar(200));',
    bad: 'ALTER TABLE users RENAME COLUMN mail TO email;\n',
    good: 'ALTER TABLE users ADD COLUMN email varchar(200), ALGORITHM=INSTANT;\n',
  },
  check(file, schema) {
    return mysqlStatements(file).flatMap((entry) =>
      renames(entry, schema).map(({ what }) => ({
        statement: entry.statement,
        message: `renaming ${what} breaks every running query that still uses the old name`,
        hint: 'add the new name beside the old one, switch the code, and drop the old name in a later migration',
      })),
    );
  },
};

export const mysqlDropInUse: LintRule = {
  id: 'mysql/drop-in-use',
  families: ['mysql'],
  defaultSeverity: 'warn',
  summary: 'dropping an existing table or column',
  docs: {
    catches: '`DROP TABLE` of a table, and `ALTER TABLE ... DROP COLUMN` of a column of a table, that exists before the migration.',
    why: 'Running code that still reads the table or column fails from the moment the statement runs, and DDL commits at once in MySQL: the data is gone with no rollback, only a backup. Views that use it fail when queried.',
    safe: 'Stop using it in a release first, then drop it in a later migration, ignoring the rule with that reason (`-- strata-ignore mysql/drop-in-use: unused since v4.2`).',
    setup: 'CREATE TABLE users (id int PRIMARY KEY, legacy_flag tinyint);',
    bad: 'ALTER TABLE users DROP COLUMN legacy_flag;\n',
    good: "ALTER TABLE users MODIFY legacy_flag tinyint COMMENT 'unused since v4.2: dropped in a later release';\n",
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    const views = (name: string) =>
      (schema.model?.views ?? []).filter((view) => new RegExp(`\\b${name}\\b`, 'i').test(view.definition)).map((view) => view.name);
    const report = (entry: MysqlStatement, what: string, name: string) => {
      const using = views(name);
      findings.push({
        statement: entry.statement,
        message: `dropping ${what} breaks running code that still uses it${using.length > 0 ? `; views using it: ${using.join(', ')}` : ''}`,
        hint: 'stop using it in a release first, then drop it, with -- strata-ignore mysql/drop-in-use: <the reason it is unused>',
      });
    };
    for (const entry of mysqlStatements(file)) {
      const drop = /^DROP\s+(?:TEMPORARY\s+)?TABLES?\s+(?:IF\s+EXISTS\s+)?(.*?)(\s+(RESTRICT|CASCADE))?$/i.exec(entry.text);
      if (drop) {
        for (const name of splitTopLevel(drop[1]!).map(bareMysqlName)) if (isExisting(name, entry, schema)) report(entry, `table ${name}`, name);
      }
      const alter = alterTableOf(entry.text);
      if (!alter || !isExisting(alter.table, entry, schema)) continue;
      for (const clause of classifyAlter(alter.clauses, undefined, false)) {
        if (clause.what === 'a column dropped' && clause.column) report(entry, `column ${alter.table}.${clause.column}`, clause.column);
      }
    }
    return findings;
  },
};

/** The leading columns of each index, key and foreign key of a table: the schema's, then the file's. */
function indexPrefixes(file: readonly MysqlStatement[], schema: SchemaBefore): Map<string, string[][]> {
  const byTable = new Map<string, string[][]>();
  const add = (table: string, columns: readonly string[]) => {
    const list = byTable.get(table) ?? [];
    list.push(columns.map((c) => bareMysqlName(c.replace(/\(\d+\)$/, ''))));
    byTable.set(table, list);
  };
  for (const table of schema.model?.tables ?? []) {
    if (table.primaryKey) add(table.name.toLowerCase(), table.primaryKey);
    for (const index of table.indexes) add(table.name.toLowerCase(), index.columns);
  }
  const keyColumns = (text: string) =>
    /\(([^()]*(?:\(\d+\)[^()]*)*)\)/
      .exec(text)?.[1]
      ?.split(',')
      .map((c) => c.trim()) ?? [];
  for (const entry of file) {
    const create = /^CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+\S+\s+ON\s+(\S+)\s*(\(.*\))/i.exec(entry.text);
    if (create) add(bareMysqlName(create[1]!), keyColumns(create[2]!));
    const alter = alterTableOf(entry.text);
    for (const clause of alter?.clauses ?? []) {
      const key = /^ADD\s+(?:CONSTRAINT\s+(?:\S+\s+)?)?(?:UNIQUE|PRIMARY\s+KEY|INDEX|KEY)\b[^(]*(\(.*\))/i.exec(clause);
      if (key) add(alter!.table, keyColumns(key[1]!));
    }
  }
  return byTable;
}

export const mysqlForeignKeyWithoutIndex: LintRule = {
  id: 'mysql/fk-without-index',
  families: ['mysql'],
  defaultSeverity: 'warn',
  summary: 'a foreign key added to an existing table with no index on its columns',
  docs: {
    catches:
      '`ALTER TABLE ... ADD FOREIGN KEY` on an existing table when no index, primary key or unique key of the table (before the file or added in it before the key) starts with the referencing columns.',
    why: 'InnoDB requires such an index and silently builds one inside the ALTER, on every existing row, named after the constraint; together with the foreign key check (ALGORITHM=COPY while foreign_key_checks is on) the table is copied with writes blocked. The implicit index is also dropped silently later when another index happens to cover the columns (https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html).',
    safe: 'Create the index first, with `ALGORITHM=INPLACE, LOCK=NONE`, and name it; then add the foreign key (`SET foreign_key_checks = 0` around it makes that in place, at the cost of not checking existing rows).',
    setup: 'CREATE TABLE customers (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, customer_id int);',
    bad: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n',
    good: 'ALTER TABLE orders ADD INDEX orders_customer_idx (customer_id), ALGORITHM=INPLACE, LOCK=NONE;\nSET foreign_key_checks = 0;\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id), ALGORITHM=INPLACE;\nSET foreign_key_checks = 1;\n',
  },
  check(file, schema) {
    const entries = mysqlStatements(file);
    const findings: LintFindingDraft[] = [];
    entries.forEach((entry, position) => {
      const alter = alterTableOf(entry.text);
      if (!alter || !isExisting(alter.table, entry, schema)) return;
      const indexed = indexPrefixes(entries.slice(0, position + 1), schema).get(alter.table) ?? [];
      for (const clause of alter.clauses) {
        const fk = /^ADD\s+(?:CONSTRAINT\s+(?:\S+\s+)?)?FOREIGN\s+KEY\s*(?:\S+\s*)?\(([^)]*)\)\s*REFERENCES\s+(\S+)/i.exec(clause);
        if (!fk) continue;
        const columns = fk[1]!.split(',').map(bareMysqlName);
        if (indexed.some((index) => columns.every((column, i) => index[i] === column))) continue;
        findings.push({
          statement: entry.statement,
          message: `the foreign key ${alter.table} (${columns.join(', ')}) -> ${bareMysqlName(fk[2]!)} has no index on ${describeTable(alter.table, schema)}: InnoDB builds one implicitly inside this ALTER`,
          hint: `add the index first: ALTER TABLE ${alter.table} ADD INDEX (${columns.join(', ')}), ALGORITHM=INPLACE, LOCK=NONE`,
        });
      }
    });
    return findings;
  },
};

export const enumChange: LintRule = {
  id: 'mysql/enum-change',
  families: ['mysql'],
  defaultSeverity: 'error',
  summary: "changing an ENUM or SET column's existing values (not appending)",
  docs: {
    catches:
      'A `MODIFY`/`CHANGE` of an ENUM or SET column whose new value list does not start with the old one, value for value: a value removed, renamed or reordered. Appending at the end stays quiet. The old list comes from the schema; with no schema known the rule cannot tell and stays quiet.',
    why: 'ENUM values are stored as their position in the list. Changing the list makes the server copy the table (writes blocked) and map every row by value: rows holding a removed or renamed value become the empty string with a warning in non-strict mode, or the ALTER fails part-way in strict mode; a reorder changes how rows sort (https://mariadb.com/kb/en/enum/, https://dev.mysql.com/doc/refman/8.0/en/enum.html).',
    safe: 'Append new values at the end of the list (instant). To rename or remove one: append the new value, migrate the rows with an UPDATE in a data migration, then drop the old value once no row holds it.',
    setup: "CREATE TABLE orders (id int PRIMARY KEY, status enum('new','paid','shipped'));",
    bad: "ALTER TABLE orders MODIFY status enum('new','paid','sent');\n",
    good: "ALTER TABLE orders MODIFY status enum('new','paid','shipped','refunded'), ALGORITHM=INSTANT;\n",
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const { entry, table, model, clauses } of existingAlters(file, schema)) {
      for (const clause of clauses) {
        const m = /^(?:MODIFY\s+(?:COLUMN\s+)?(\S+)|CHANGE\s+(?:COLUMN\s+)?(\S+)\s+\S+)\s+(.*)$/is.exec(clause.text);
        if (!m) continue;
        const old = model?.columns.find((c) => c.name.toLowerCase() === bareMysqlName(m[1] ?? m[2]!));
        const before = old ? enumValues(normalizeMysqlType(old.type)) : undefined;
        const after = enumValues(columnType(m[3]!));
        if (!before || !after || before.every((value, i) => after[i] === value)) continue;
        const lost = before.filter((value) => !after.includes(value));
        findings.push({
          statement: entry.statement,
          message: `${table}.${old!.name} changes its existing values (${before.join(', ')} -> ${after.join(', ')})${lost.length > 0 ? `: rows holding ${lost.join(', ')} lose their value` : ': the stored positions change'}, and the table is copied`,
          hint: 'append new values at the end; move rows off an old value with an UPDATE before removing it',
        });
      }
    }
    return findings;
  },
};

export const notNullWithoutDefault: LintRule = {
  id: 'mysql/not-null-without-default',
  families: ['mysql'],
  defaultSeverity: 'warn',
  summary: 'ADD COLUMN ... NOT NULL without a DEFAULT on an existing table',
  docs: {
    catches: '`ADD COLUMN` with `NOT NULL` and no `DEFAULT` (nor AUTO_INCREMENT or a generated expression) on a table that exists before the migration.',
    why: "MySQL and MariaDB do not refuse it: existing rows get the type's implicit default (0, '', or a zero date that strict modes then refuse to write back), silently. The application cannot tell a real 0 from one the migration invented, and a DATE/DATETIME column holds '0000-00-00' values that later UPDATEs fail on (https://dev.mysql.com/doc/refman/8.0/en/data-type-defaults.html).",
    safe: 'Give the column an explicit DEFAULT that is a real value, or add it NULL, backfill it, then make it NOT NULL.',
    setup: 'CREATE TABLE orders (id int PRIMARY KEY);',
    bad: 'ALTER TABLE orders ADD COLUMN shipped_at datetime NOT NULL;\n',
    good: 'ALTER TABLE orders ADD COLUMN shipped_at datetime NULL, ALGORITHM=INSTANT;\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const { entry, table, clauses } of existingAlters(file, schema)) {
      for (const clause of clauses) {
        if (clause.what !== 'a column added') continue;
        if (!/\bNOT\s+NULL\b/i.test(clause.text) || /\b(DEFAULT|AUTO_INCREMENT|AS|GENERATED)\b/i.test(clause.text)) continue;
        findings.push({
          statement: entry.statement,
          message: `adding ${table}.${clause.column} NOT NULL without a DEFAULT fills the rows of ${describeTable(table, schema)} with the type's implicit default, silently`,
          hint: 'give it an explicit DEFAULT, or add it NULL, backfill, then make it NOT NULL',
        });
      }
    }
    return findings;
  },
};

export const MYSQL_RULES: readonly LintRule[] = [
  copyingAlter,
  ddlDmlMixed,
  mysqlRenameInUse,
  mysqlDropInUse,
  mysqlForeignKeyWithoutIndex,
  enumChange,
  notNullWithoutDefault,
];
