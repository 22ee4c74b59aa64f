/**
 * PostgreSQL rules about columns and constraints on existing tables: the forms that scan or
 * rewrite the whole table under ACCESS EXCLUSIVE, and the one that fails once the table has rows.
 */
import type { LintFindingDraft, LintRule, SchemaBefore } from '../lint-rule.js';
import { alterTableCmds, describeTable, isExisting, pgStatements, relationName, strings, type PgNode, type PgStatement } from './postgres-ast.js';

const ALTER_DOCS = 'https://www.postgresql.org/docs/current/sql-altertable.html';

/** Each ALTER TABLE subcommand of the file on a table that exists before it, with its table. */
function existingTableCmds(entries: readonly PgStatement[], schema: SchemaBefore): { entry: PgStatement; table: string; cmd: PgNode }[] {
  const out: { entry: PgStatement; table: string; cmd: PgNode }[] = [];
  for (const entry of entries) {
    const table = relationName(entry.node?.relation);
    const cmds = alterTableCmds(entry);
    if (cmds.length === 0 || !isExisting(table, entry, schema)) continue;
    for (const cmd of cmds) out.push({ entry, table, cmd });
  }
  return out;
}

export const constraintNotValid: LintRule = {
  id: 'postgres/constraint-not-valid',
  families: ['postgres'],
  defaultSeverity: 'error',
  summary: 'ADD CONSTRAINT (foreign key or check) on an existing table without NOT VALID',
  docs: {
    catches: '`ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY` or `CHECK` on an existing table without `NOT VALID`.',
    why: `Without NOT VALID, PostgreSQL checks every existing row while holding the ALTER's lock: ACCESS EXCLUSIVE for a CHECK (no reads or writes), SHARE ROW EXCLUSIVE on both tables for a foreign key (no writes to either), for as long as the scan takes (${ALTER_DOCS}, "NOT VALID").`,
    safe: 'Add the constraint `NOT VALID` (instant: only new rows are checked), then `ALTER TABLE ... VALIDATE CONSTRAINT name` in a later statement or file: validation takes only SHARE UPDATE EXCLUSIVE, which lets reads and writes run.',
    setup:
      'CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\nCREATE INDEX orders_customer_idx ON orders (customer_id);',
    bad: "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n",
    good: "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\n",
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const { entry, table, cmd } of existingTableCmds(pgStatements(file), schema)) {
      const constraint = cmd.def?.Constraint;
      if (cmd.subtype !== 'AT_AddConstraint' || constraint?.skip_validation) continue;
      if (constraint?.contype !== 'CONSTR_FOREIGN' && constraint?.contype !== 'CONSTR_CHECK') continue;
      const kind = constraint.contype === 'CONSTR_FOREIGN' ? 'foreign key' : 'check constraint';
      findings.push({
        statement: entry.statement,
        message: `adding the ${kind}${constraint.conname ? ` ${constraint.conname}` : ''} checks every row of ${describeTable(table, schema)} while writes${kind === 'check constraint' ? ' and reads' : ''} wait`,
        hint: 'add it NOT VALID, then VALIDATE CONSTRAINT in a later statement',
      });
    }
    return findings;
  },
};

/** The column a `CHECK (col IS NOT NULL)` expression tests, lower-cased. */
function notNullCheckColumn(expression: PgNode): string | undefined {
  const test = expression?.NullTest;
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  return strings(test.arg?.ColumnRef?.fields).at(-1)?.toLowerCase();
}

/** Whether the schema before the file holds a CHECK (col IS NOT NULL) on the table (the catalog only lists validated ones as such). */
function schemaHasNotNullCheck(schema: SchemaBefore, table: string, column: string): boolean {
  const pattern = new RegExp(`\\(?"?${column}"?\\)? is not null`, 'i');
  return (schema.table(table)?.constraints ?? []).some((constraint) => constraint.kind === 'check' && pattern.test(constraint.definition));
}

export const setNotNull: LintRule = {
  id: 'postgres/set-not-null',
  families: ['postgres'],
  defaultSeverity: 'error',
  summary: 'SET NOT NULL on an existing column without a validated CHECK (col IS NOT NULL)',
  docs: {
    catches:
      '`ALTER TABLE ... ALTER COLUMN ... SET NOT NULL` on an existing table when no validated `CHECK (col IS NOT NULL)` constraint stands on the column (before the file, or added and validated earlier in it).',
    why: `SET NOT NULL scans the whole table to prove no row is null, under ACCESS EXCLUSIVE: no reads or writes for the length of the scan. Since PostgreSQL 12 the scan is skipped when a valid CHECK constraint already proves it (${ALTER_DOCS}, "SET/DROP NOT NULL").`,
    safe: 'Add `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it (reads and writes keep running), then `SET NOT NULL` (instant), then drop the check.',
    setup: 'CREATE TABLE users (id bigint PRIMARY KEY, email text);',
    bad: "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n",
    good: "SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT users_email_not_null;\n",
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    const notValid = new Map<string, string>(); // constraint name -> table.column, checks added NOT VALID
    const proven = new Set<string>(); // table.column with a validated check
    for (const { entry, table, cmd } of existingTableCmds(pgStatements(file), schema)) {
      const constraint = cmd.def?.Constraint;
      if (cmd.subtype === 'AT_AddConstraint' && constraint?.contype === 'CONSTR_CHECK') {
        const column = notNullCheckColumn(constraint.raw_expr);
        if (column && constraint.skip_validation) notValid.set(String(constraint.conname ?? '').toLowerCase(), `${table}.${column}`);
        else if (column) proven.add(`${table}.${column}`);
      }
      if (cmd.subtype === 'AT_ValidateConstraint') {
        const key = notValid.get(String(cmd.name ?? '').toLowerCase());
        if (key) proven.add(key);
      }
      if (cmd.subtype !== 'AT_SetNotNull') continue;
      const column = String(cmd.name).toLowerCase();
      if (proven.has(`${table}.${column}`) || schemaHasNotNullCheck(schema, table, column)) continue;
      findings.push({
        statement: entry.statement,
        message: `SET NOT NULL on ${table}.${column} scans every row of ${describeTable(table, schema)} under ACCESS EXCLUSIVE`,
        hint: `add CHECK (${column} IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL`,
      });
    }
    return findings;
  },
};

/** Functions whose value changes per row (pg_proc.provolatile = 'v'): a default calling one is evaluated for every existing row. */
const VOLATILE_FUNCTIONS = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'setseed',
  'txid_current',
  'random_normal',
]);

/** The volatile calls inside an expression tree, by name. */
function volatileCalls(expression: PgNode, found: string[] = []): string[] {
  if (Array.isArray(expression)) {
    for (const item of expression) volatileCalls(item, found);
  } else if (expression && typeof expression === 'object') {
    if (expression.FuncCall) {
      const name = strings(expression.FuncCall.funcname).at(-1)?.toLowerCase() ?? '';
      if (VOLATILE_FUNCTIONS.has(name)) found.push(`${name}()`);
    }
    for (const value of Object.values(expression)) volatileCalls(value, found);
  }
  return found;
}

const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** Why adding this column rewrites the table, or undefined when it does not. */
function addColumnRewrite(column: PgNode): string | undefined {
  const type = strings(column.typeName?.names).at(-1)?.toLowerCase() ?? '';
  if (SERIAL_TYPES.has(type)) return `its type ${type} fills it from a sequence (nextval(), volatile)`;
  for (const { Constraint: constraint } of column.constraints ?? []) {
    if (constraint?.contype === 'CONSTR_DEFAULT') {
      const calls = volatileCalls(constraint.raw_expr);
      if (calls.length > 0) return `its default calls ${calls.join(', ')}, which is volatile`;
    }
    if (constraint?.contype === 'CONSTR_IDENTITY') return 'it is an identity column, filled from a sequence';
    if (constraint?.contype === 'CONSTR_GENERATED') return 'it is a stored generated column, computed for every row';
  }
  return undefined;
}

export const volatileDefault: LintRule = {
  id: 'postgres/volatile-default',
  families: ['postgres'],
  defaultSeverity: 'error',
  summary: 'ADD COLUMN with a volatile default (or serial, identity, stored generated) on an existing table',
  docs: {
    catches:
      '`ADD COLUMN` on an existing table whose default calls a volatile function (`random()`, `gen_random_uuid()`, `uuid_generate_v4()`, `clock_timestamp()`, `nextval()`...), or whose type is serial, or that is an identity or stored generated column. `now()` and `CURRENT_TIMESTAMP` are stable (one value per transaction) and stay quiet.',
    why: `Since PostgreSQL 11 a column added with a constant or stable default is a catalog change; a volatile default must be computed for every existing row, so the whole table and its indexes are rewritten under ACCESS EXCLUSIVE: no reads or writes until the copy ends (${ALTER_DOCS}, Notes: "Adding a column with a volatile DEFAULT ... will require the entire table and its indexes to be rewritten").`,
    safe: 'Add the column with no default (or a constant one), set the default for new rows with `ALTER COLUMN ... SET DEFAULT`, and backfill existing rows in batches in a data step.',
    setup: 'CREATE TABLE orders (id bigint PRIMARY KEY);',
    bad: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();\n",
    good: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN public_id uuid;\nALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();\n",
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const { entry, table, cmd } of existingTableCmds(pgStatements(file), schema)) {
      if (cmd.subtype !== 'AT_AddColumn') continue;
      const reason = addColumnRewrite(cmd.def?.ColumnDef ?? {});
      if (!reason) continue;
      findings.push({
        statement: entry.statement,
        message: `adding column ${table}.${cmd.def.ColumnDef.colname} rewrites ${describeTable(table, schema)} under ACCESS EXCLUSIVE: ${reason}`,
        hint: 'add the column without the default, SET DEFAULT afterwards, and backfill existing rows in batches',
      });
    }
    return findings;
  },
};

export const addColumnRequired: LintRule = {
  id: 'postgres/add-column-required',
  families: ['postgres'],
  defaultSeverity: 'error',
  summary: 'ADD COLUMN ... NOT NULL without a default on an existing table',
  docs: {
    catches: '`ADD COLUMN` with `NOT NULL` (or `PRIMARY KEY`) and no `DEFAULT` on an existing table.',
    why: `Existing rows get NULL in the new column, which the constraint refuses: the migration fails on any table that holds a row ("column contains null values"), typically in production after passing on an empty development database (${ALTER_DOCS}).`,
    safe: 'Add the column with a constant default (`NOT NULL DEFAULT 0` is a catalog change since PostgreSQL 11), or add it nullable, backfill, then set NOT NULL safely.',
    setup: 'CREATE TABLE orders (id bigint PRIMARY KEY);',
    bad: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN quantity integer NOT NULL;\n",
    good: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN quantity integer NOT NULL DEFAULT 1;\n",
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const { entry, table, cmd } of existingTableCmds(pgStatements(file), schema)) {
      if (cmd.subtype !== 'AT_AddColumn') continue;
      const column = cmd.def?.ColumnDef ?? {};
      const kinds = new Set((column.constraints ?? []).map((c: PgNode) => c.Constraint?.contype));
      const type = strings(column.typeName?.names).at(-1)?.toLowerCase() ?? '';
      const required = kinds.has('CONSTR_NOTNULL') || kinds.has('CONSTR_PRIMARY');
      const filled = kinds.has('CONSTR_DEFAULT') || kinds.has('CONSTR_IDENTITY') || kinds.has('CONSTR_GENERATED') || SERIAL_TYPES.has(type);
      if (!required || filled) continue;
      findings.push({
        statement: entry.statement,
        message: `adding ${table}.${column.colname} NOT NULL without a default fails as soon as ${describeTable(table, schema)} holds a row`,
        hint: 'give it a constant DEFAULT, or add it nullable, backfill, then SET NOT NULL',
      });
    }
    return findings;
  },
};

/** A type as `name` plus its modifiers, with PostgreSQL's spellings folded to the internal names. */
interface PgType {
  name: string;
  mods: number[];
  array: boolean;
}

const TYPE_ALIASES: Record<string, string> = {
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  integer: 'int4',
  int: 'int4',
  bigint: 'int8',
  smallint: 'int2',
  'bit varying': 'varbit',
  decimal: 'numeric',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
  'double precision': 'float8',
  real: 'float4',
  boolean: 'bool',
};

function canonicalType(name: string): string {
  const lower = name.trim().toLowerCase();
  return TYPE_ALIASES[lower] ?? lower;
}

/** A type as the catalog prints it (`character varying(20)`, `numeric(10,2)`, `integer[]`). */
export function parseCatalogType(text: string): PgType | undefined {
  const match = /^\s*([a-z_][a-z0-9_ ]*?)\s*(?:\(([\d\s,]*)\))?\s*(\[\])?\s*$/i.exec(text);
  if (!match) return undefined;
  const mods = (match[2] ?? '')
    .split(',')
    .filter((part) => part.trim() !== '')
    .map(Number);
  return { name: canonicalType(match[1]!), mods, array: Boolean(match[3]) };
}

function astType(typeName: PgNode): PgType {
  const mods = (typeName?.typmods ?? []).map((mod: PgNode) => Number(mod.A_Const?.ival?.ival ?? 0));
  return { name: canonicalType(strings(typeName?.names).at(-1) ?? ''), mods, array: Boolean(typeName?.arrayBounds) };
}

/**
 * Whether changing `from` to `to` keeps the stored bytes, per ALTER TABLE's Notes: binary-coercible
 * types (varchar/text, cidr to inet), a varchar or varbit limit raised or removed, a numeric
 * precision raised at the same scale or removed. Anything else rewrites the table.
 */
export function typeChangeKeepsRows(from: PgType, to: PgType): boolean {
  if (from.array !== to.array) return false;
  const sameMods = from.mods.length === to.mods.length && from.mods.every((mod, i) => mod === to.mods[i]);
  if (from.name === to.name && sameMods) return true;
  const widened = to.mods.length === 0 || (from.mods.length > 0 && to.mods[0]! >= from.mods[0]!);
  if ((from.name === 'varchar' || from.name === 'varbit') && from.name === to.name) return widened;
  if (from.name === 'varchar' && to.name === 'text') return true;
  if (from.name === 'text' && to.name === 'varchar') return to.mods.length === 0;
  if (from.name === 'cidr' && to.name === 'inet') return true;
  if (from.name === 'numeric' && to.name === 'numeric') {
    if (to.mods.length === 0) return true;
    return from.mods.length > 0 && to.mods[0]! >= from.mods[0]! && (to.mods[1] ?? 0) === (from.mods[1] ?? 0);
  }
  return false;
}

function describeType(type: PgType): string {
  return `${type.name}${type.mods.length > 0 ? `(${type.mods.join(',')})` : ''}${type.array ? '[]' : ''}`;
}

export const typeChangeRewrite: LintRule = {
  id: 'postgres/type-change-rewrite',
  families: ['postgres'],
  defaultSeverity: 'error',
  summary: 'ALTER COLUMN ... TYPE that rewrites an existing table',
  docs: {
    catches:
      '`ALTER COLUMN ... TYPE` on an existing table, unless the change keeps the stored bytes: varchar(n) to a larger n, to varchar or to text; text to varchar without a limit; varbit(n) to a larger n; numeric(p,s) to numeric(q,s) with q >= p, or to numeric; cidr to inet; and no `USING`. When the old type is unknown (no database, no earlier file) it is reported.',
    why: `Any other type change rewrites the whole table and rebuilds its indexes under ACCESS EXCLUSIVE: no reads or writes until both finish (${ALTER_DOCS}, Notes: "changing the type of an existing column will normally cause the entire table and its indexes to be rewritten... increasing the length limit for a varchar or varbit column, or removing the limit altogether, no longer requires a table rewrite. Similarly, increasing the allowable precision of a numeric column...").`,
    safe: 'Add a column of the new type, write both (a trigger or the application), backfill in batches, switch reads, then drop the old column; or widen within the safe list above.',
    setup: 'CREATE TABLE users (id integer PRIMARY KEY, name varchar(50));',
    bad: "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN id TYPE bigint;\n",
    good: "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN name TYPE varchar(200);\n",
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const { entry, table, cmd } of existingTableCmds(pgStatements(file), schema)) {
      if (cmd.subtype !== 'AT_AlterColumnType') continue;
      const column = String(cmd.name);
      const to = astType(cmd.def?.ColumnDef?.typeName);
      const using = cmd.def?.ColumnDef?.raw_default !== undefined;
      const oldText = schema.table(table)?.columns.find((c) => c.name.toLowerCase() === column.toLowerCase())?.type;
      const from = oldText ? parseCatalogType(oldText) : undefined;
      if (!using && from && typeChangeKeepsRows(from, to)) continue;
      const reason = using
        ? 'its USING expression computes every row'
        : from
          ? `${describeType(from)} to ${describeType(to)} is not a change PostgreSQL makes without rewriting`
          : `the column's current type is unknown to the linter (no database or earlier file shows it), so the change to ${describeType(to)} may rewrite`;
      findings.push({
        statement: entry.statement,
        message: `changing the type of ${table}.${column} rewrites ${describeTable(table, schema)} and its indexes under ACCESS EXCLUSIVE: ${reason}`,
        hint: 'add a new column, backfill it in batches, switch to it, and drop the old one',
      });
    }
    return findings;
  },
};

export const POSTGRES_COLUMN_RULES: readonly LintRule[] = [constraintNotValid, setNotNull, volatileDefault, addColumnRequired, typeChangeRewrite];
