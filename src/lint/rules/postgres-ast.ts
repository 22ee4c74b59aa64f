/**
 * What the PostgreSQL rules share: reading libpg-query's trees (one key per node, the node's
 * type), following which tables the file itself creates (an index on a table made three lines
 * up locks nobody), and the lock each statement takes, from the table in PostgreSQL's docs
 * (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES).
 */
import type { LintFile, LintStatement, SchemaBefore } from '../lint-rule.js';

/** A libpg-query node: `{ IndexStmt: {...} }`; the trees are JSON, read loosely. */
export type PgNode = any;

/** One up statement with its tree unwrapped and what the file created before it. */
export interface PgStatement {
  statement: LintStatement;
  /** The node type (`IndexStmt`, `AlterTableStmt`...), '' when the parser did not run or refused it. */
  kind: string;
  node: PgNode;
  /** Tables (lower-case, no schema) the file created before this statement: empty, so no lock risk. */
  createdBefore: ReadonlySet<string>;
}

/** The file's up statements, each with what the file created before it. */
export function pgStatements(file: LintFile): PgStatement[] {
  const created = new Set<string>();
  const out: PgStatement[] = [];
  for (const statement of file.up) {
    const [kind = '', node] = Object.entries((statement.ast ?? {}) as Record<string, PgNode>)[0] ?? [];
    out.push({ statement, kind, node, createdBefore: new Set(created) });
    if (kind === 'CreateStmt' || kind === 'CreateTableAsStmt') {
      const relation = kind === 'CreateStmt' ? node.relation : node.into?.rel;
      if (relation) created.add(relationName(relation));
    }
  }
  return out;
}

/** A RangeVar's table name, lower-cased, without its schema. */
export function relationName(rangeVar: PgNode): string {
  return String(rangeVar?.relname ?? '').toLowerCase();
}

/** The strings of a `[{ String: { sval } }]` list (qualified names, column lists). */
export function strings(list: PgNode): string[] {
  return Array.isArray(list) ? list.map((item: PgNode) => String(item?.String?.sval ?? '')) : [];
}

/**
 * Whether `table` may hold rows and be in use when the statement runs: false when the file
 * created it earlier; the schema's answer when known; true (the cautious reading) when unknown.
 */
export function isExisting(table: string, at: PgStatement, schema: SchemaBefore): boolean {
  if (at.createdBefore.has(table) || schema.createdInRun?.(table)) return false;
  return schema.exists(table) ?? true;
}

/** How a message names an existing table, noting when its existence is assumed. */
export function describeTable(table: string, schema: SchemaBefore): string {
  return schema.known ? `existing table ${table}` : `table ${table} (not created in this file, so assumed to exist and hold rows)`;
}

/** The AlterTableCmds of an ALTER TABLE (not ALTER INDEX/VIEW/...). */
export function alterTableCmds(entry: PgStatement): PgNode[] {
  if (entry.kind !== 'AlterTableStmt' || entry.node.objtype !== 'OBJECT_TABLE') return [];
  return (entry.node.cmds ?? []).map((cmd: PgNode) => cmd.AlterTableCmd).filter(Boolean);
}

/** A statement's 1-based line and column of a node's `location` (a character offset in the statement). */
export function positionOf(statement: LintStatement, location: unknown): { line: number; column: number } {
  if (typeof location !== 'number' || location < 0) return { line: statement.line, column: statement.column };
  const before = statement.sql.slice(0, location).split('\n');
  if (before.length === 1) return { line: statement.line, column: statement.column + location };
  return { line: statement.line + before.length - 1, column: before.at(-1)!.length + 1 };
}

/** PostgreSQL's table lock modes, weakest first. */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (ALTER TABLE's docs, per subform). */
const ALTER_LOCKS: Record<string, LockMode> = {
  AT_ValidateConstraint: 'SHARE UPDATE EXCLUSIVE',
  AT_SetStatistics: 'SHARE UPDATE EXCLUSIVE',
  AT_SetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ResetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ClusterOn: 'SHARE UPDATE EXCLUSIVE',
  AT_DropCluster: 'SHARE UPDATE EXCLUSIVE',
  AT_AttachPartition: 'SHARE UPDATE EXCLUSIVE',
  AT_EnableTrig: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrig: 'SHARE ROW EXCLUSIVE',
};

/** The strongest table lock a statement takes and on which table, when it takes one worth naming (SHARE UPDATE EXCLUSIVE or stronger). */
export function lockTaken(entry: PgStatement): { mode: LockMode; table: string } | undefined {
  const { kind, node } = entry;
  switch (kind) {
    case 'AlterTableStmt': {
      const cmds = alterTableCmds(entry);
      if (cmds.length === 0) return undefined;
      const modes = cmds.map((cmd): LockMode => {
        if (cmd.subtype === 'AT_AddConstraint' && cmd.def?.Constraint?.contype === 'CONSTR_FOREIGN') return 'SHARE ROW EXCLUSIVE';
        return ALTER_LOCKS[cmd.subtype] ?? 'ACCESS EXCLUSIVE';
      });
      return { mode: strongest(modes), table: relationName(node.relation) };
    }
    case 'RenameStmt':
      if (node.renameType === 'OBJECT_TABLE' || node.renameType === 'OBJECT_COLUMN') return { mode: 'ACCESS EXCLUSIVE', table: relationName(node.relation) };
      return undefined;
    case 'DropStmt':
      if (node.removeType === 'OBJECT_TABLE') return { mode: 'ACCESS EXCLUSIVE', table: strings(node.objects?.[0]?.List?.items).at(-1)!.toLowerCase() };
      return undefined;
    case 'TruncateStmt':
      return { mode: 'ACCESS EXCLUSIVE', table: relationName(node.relations?.[0]?.RangeVar) };
    case 'ClusterStmt':
      return node.relation ? { mode: 'ACCESS EXCLUSIVE', table: relationName(node.relation) } : undefined;
    case 'VacuumStmt':
      if (!isVacuumFull(node)) return undefined;
      return { mode: 'ACCESS EXCLUSIVE', table: relationName(node.rels?.[0]?.VacuumRelation?.relation) };
    case 'IndexStmt':
      return { mode: node.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', table: relationName(node.relation) };
    case 'CreateTrigStmt':
      return { mode: 'SHARE ROW EXCLUSIVE', table: relationName(node.relation) };
    case 'LockStmt': {
      const mode = LOCK_MODES[Number(node.mode) - 1] ?? 'ACCESS EXCLUSIVE';
      return { mode, table: relationName(node.relations?.[0]?.RangeVar) };
    }
    default:
      return undefined;
  }
}

function strongest(modes: readonly LockMode[]): LockMode {
  return modes.reduce((a, b) => (LOCK_MODES.indexOf(b) > LOCK_MODES.indexOf(a) ? b : a));
}

export function isVacuumFull(node: PgNode): boolean {
  return Boolean(node.is_vacuumcmd) && (node.options ?? []).some((option: PgNode) => option.DefElem?.defname === 'full');
}

/** Whether a DefElem list (REINDEX's params) holds `concurrently`. */
export function hasOption(options: PgNode, name: string): boolean {
  return (options ?? []).some((option: PgNode) => option.DefElem?.defname === name);
}

/** Whether the statement opens, ends or configures the session rather than touching data. */
export function isControl(kind: string): boolean {
  return kind === 'TransactionStmt' || kind === 'VariableSetStmt' || kind === 'VariableShowStmt' || kind === 'CommentStmt';
}

/** A view of the schema that names `name` (a table or a column), for messages about renames and drops. */
export function viewsNaming(schema: SchemaBefore, name: string): string[] {
  const word = new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i');
  return (schema.model?.views ?? []).filter((view) => word.test(view.definition)).map((view) => view.name);
}
