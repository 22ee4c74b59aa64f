/**
 * The linter: a file's rules (those of its family), their severities from config, the file's
 * `strata-ignore` comments, and the findings in file order. `lintSequence` lints the files of one
 * run in order, each against the schema the files before it leave (see schema-before.ts).
 */
import { renderSchemaStatements } from '../schema/read-schema.js';
import type { SchemaModel } from '../schema/schema-model.js';
import { readIgnores } from './ignores.js';
import type { LintFamily, LintFile, LintFinding, LintRule, SchemaBefore } from './lint-rule.js';
import { type LintInput, lintFileOf } from './lint-source.js';
import { attachAst } from './parse-ast.js';
import { type RuleSeverities, ruleSeverities } from './rule-severities.js';
import { LINT_RULES } from './rules/index.js';
import { bareName, schemaOfModel, SqliteReplay, unknownSchema } from './schema-before.js';

export type { LintRuleSetting, LintSettings, RuleSeverities } from './rule-severities.js';
export { ruleSeverities };

export interface LintRunOptions {
  severities?: RuleSeverities;
  registry?: readonly LintRule[];
}

/** One file against a schema: its findings, sorted by line and column. */
export function lintFile(file: LintFile, schema: SchemaBefore, options: LintRunOptions = {}): LintFinding[] {
  const registry = options.registry ?? LINT_RULES;
  const severities = options.severities ?? ruleSeverities(undefined, undefined, registry);
  const ignores = readIgnores(
    file,
    registry.map((rule) => rule.id),
  );
  const findings: LintFinding[] = [];
  for (const problem of ignores.problems) {
    const setting = severities.get(problem.rule);
    if (setting && setting !== 'off') findings.push({ ...problem, severity: setting });
  }
  for (const rule of registry) {
    if (!rule.families.includes(file.family)) continue;
    const setting = severities.get(rule.id) ?? rule.defaultSeverity;
    if (setting === 'off' || ignores.file.has(rule.id)) continue;
    for (const draft of rule.check(file, schema)) {
      if (draft.statement && ignores.statements.get(draft.statement)?.has(rule.id)) continue;
      const upIndex = draft.statement ? file.up.indexOf(draft.statement) : -1;
      findings.push({
        rule: rule.id,
        severity: draft.severity === 'warn' ? 'warn' : setting,
        file: file.path,
        line: draft.line ?? draft.statement?.line ?? 1,
        column: draft.column ?? draft.statement?.column ?? 1,
        message: draft.message,
        ...(draft.hint ? { hint: draft.hint } : {}),
        ...(upIndex >= 0 ? { statement: upIndex + 1 } : {}),
      });
    }
  }
  return findings.sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
}

/** Where the schema before the first file comes from. */
export type SchemaStart =
  /** Nothing known: files linted alone (`--dialect`). */
  | { kind: 'unknown' }
  /** An empty database: the files are the whole history (a folder linted from its first file). */
  | { kind: 'empty' }
  /** SQLite: a database's `sqlite_schema` rows, replayed into memory before the first file. */
  | { kind: 'sqlite-rows'; rows: readonly { type: string; name: string; sql: string | null }[] }
  /** Any family: the model the dialect's readSchema returned. */
  | { kind: 'model'; model: SchemaModel };

export interface LintSequenceOptions extends LintRunOptions {
  start?: SchemaStart;
  /** The inputs are the pending steps of one run (migrate, `strata lint` of pending files), applied together: a table an earlier one creates is new, not a table in use (SchemaBefore.createdInRun). Default false: a history. */
  pendingRun?: boolean;
}

export interface LintResult {
  findings: LintFinding[];
  /** How many files were linted. */
  files: number;
  /** Whether the rules knew the schema before the files (a database or a replayed history). */
  schemaKnown: boolean;
}

/**
 * The files of one run, in order, each linted against the schema the ones before it leave:
 * SQLite files are replayed into an in-memory database (seeded from the database's schema, or
 * empty; with no start known, the replay still tells the tables the files made, and every other
 * table is "unknown"); other families use the model read from the database for every file (tables created by
 * earlier files of the run count as existing), or nothing when there is no database.
 */
export async function lintSequence(inputs: readonly LintInput[], options: LintSequenceOptions = {}): Promise<LintResult> {
  const start = options.start ?? { kind: 'unknown' };
  const findings: LintFinding[] = [];
  const sqlite = inputs.some((input) => input.family === 'sqlite') ? new SqliteReplay() : undefined;
  if (sqlite && start.kind === 'sqlite-rows') sqlite.seed(start.rows);
  if (sqlite && start.kind === 'model') sqlite.seedStatements(renderSchemaStatements(start.model));
  const created = new Set<string>();
  let replayComplete = true;
  try {
    for (const input of inputs) {
      const file = lintFileOf(input);
      await attachAst(file);
      const schema: SchemaBefore =
        file.family === 'sqlite' && sqlite
          ? sqlite.schema(start.kind !== 'unknown')
          : start.kind === 'model'
            ? schemaOfModel(start.model, created, options.pendingRun)
            : start.kind === 'empty'
              ? schemaOfModel({ family: file.family, tables: [], views: [], others: [] }, created, options.pendingRun)
              : unknownSchema();
      if (!input.replayOnly) findings.push(...lintFile(file, schema, options));
      if (file.family === 'sqlite' && sqlite) sqlite.apply(file);
      else if (file.family !== 'sqlite') for (const name of createdTables(file)) created.add(name);
    }
    replayComplete = sqlite?.complete ?? true;
  } finally {
    sqlite?.close();
  }
  return { findings, files: inputs.filter((i) => !i.replayOnly).length, schemaKnown: start.kind !== 'unknown' && replayComplete };
}

const CREATE_TABLE =
  /^CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:[`"[]?[\w$]+[`"\]]?\.)?[`"[]?[\w$ ]+?[`"\]]?)(?=\s|\(|$)/i;

/** The tables a file's up creates (by name), for families without a replay. */
export function createdTables(file: LintFile): string[] {
  return file.up.flatMap((s) => {
    const match = CREATE_TABLE.exec(s.normalized);
    return match ? [bareName(match[1]!)] : [];
  });
}

/** Whether any finding is an error: `strata lint` exits 1, migrate refuses. */
export function hasErrors(findings: readonly LintFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

export type { LintFamily };
