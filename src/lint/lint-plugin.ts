/**
 * The linter as a Migrator plugin, on by default in createMigrator (and so in `strata migrate`):
 * through the `inspect` hook it lints the pending steps' files before the lock is taken or
 * anything is touched; an error finding stops the run with PLAN_REJECTED (every finding in
 * `details.findings`), warnings are emitted as `plan:warnings` and the run goes on. Only `up`
 * plans are linted (a rollback runs the downs the ups were reviewed with).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InspectedPlan, InspectedStep, MigratorPlugin, PlanFinding } from '../engine/plugin.js';
import { excludedTables, readDriverSchema } from '../schema/read-schema.js';
import { sha256Hex } from '../sources/sha256.js';
import type { DatabaseSpec } from '../targets/sql/database-spec.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import { downFileOf } from './lint-inputs.js';
import type { LintFamily, LintFinding } from './lint-rule.js';
import type { LintInput } from './lint-source.js';
import { lintSequence, type RuleSeverities, type SchemaStart } from './linter.js';

export const LINT_PLUGIN_NAME = 'lint';

export interface LintPluginOptions {
  family: LintFamily;
  runtime?: 'd1';
  severities: RuleSeverities;
  /** The schema before the first pending step. */
  schemaStart(): Promise<SchemaStart>;
  /** Where the steps' origins are relative to (default: the current directory, as the folder source shows them). */
  cwd?: string;
  /**
   * Findings kept for the next database whose schema (before the run) has the same key: a plan's
   * findings depend only on its files, the rules and that schema. `schemaKey` names the schema
   * exactly (a stamp that identifies it), or is undefined when it cannot: then it is linted.
   */
  memo?: {
    /** A StampMemo (strata-migrate's fleet workers share one between their targets). */
    readonly memo: { get<T>(key: string, compute: () => Promise<T>): Promise<T> };
    schemaKey(): Promise<string | undefined>;
  };
}

export function lintPlugin<Ctx>(options: LintPluginOptions): MigratorPlugin<Ctx> {
  return {
    name: LINT_PLUGIN_NAME,
    async inspect(plan: InspectedPlan<Ctx>) {
      if (plan.direction !== 'up') return;
      const versions = new Map<string, string>();
      const inputs = plan.steps.flatMap((step) => {
        const input = inputOfStep(step, options);
        if (input) versions.set(input.path, step.version);
        return input ? [input] : [];
      });
      if (!inputs.length) return;
      const lint = async () => (await lintSequence(inputs, { start: await options.schemaStart(), severities: options.severities, pendingRun: true })).findings;
      const schemaKey = await options.memo?.schemaKey();
      const findings = schemaKey === undefined ? await lint() : await options.memo!.memo.get(lintKey(options, schemaKey, inputs), lint);
      return findings.map((finding) => planFinding(finding, versions.get(finding.file)));
    },
  };
}

/** Everything a plan's findings depend on: the rules, the schema before, each file as read now. */
function lintKey(options: LintPluginOptions, schemaKey: string, inputs: readonly LintInput[]): string {
  const files = inputs.map((input) =>
    [input.path, input.transaction, sha256Hex(input.text), input.downText === undefined ? '' : sha256Hex(input.downText)].join('\0'),
  );
  return ['lint', options.family, options.runtime ?? '', JSON.stringify(options.severities), schemaKey, ...files].join('\n');
}

function inputOfStep<Ctx>(step: InspectedStep<Ctx>, options: LintPluginOptions): LintInput | undefined {
  if (step.body.kind !== 'sql' || !step.origin.endsWith('.sql')) return undefined;
  const file = resolve(options.cwd ?? process.cwd(), step.origin);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const down = downFileOf(file);
  return {
    path: step.origin,
    text,
    family: options.family,
    transaction: step.body.transaction,
    ...(down ? { downText: readFileSync(down, 'utf8') } : {}),
    ...(options.runtime ? { runtime: options.runtime } : {}),
  };
}

function planFinding(finding: LintFinding, version: string | undefined): PlanFinding {
  return {
    severity: finding.severity === 'error' ? 'error' : 'warning',
    rule: finding.rule,
    message: finding.message,
    ...(finding.hint ? { hint: finding.hint } : {}),
    ...(version ? { version } : {}),
    file: finding.file,
    line: finding.line,
    ...(finding.statement ? { statement: finding.statement } : {}),
  };
}

/** A key naming the schema before the run exactly (see StampMemo), read through the migrator's own driver; undefined when the dialect's stamp cannot. */
export function driverSchemaKey(driver: SqlDriver, spec: DatabaseSpec): () => Promise<string | undefined> {
  return async () => {
    const stamp = driver.dialect.stampIdentifiesSchema ? driver.dialect.schemaStamp : undefined;
    if (!stamp || !driver.dialect.readSchema) return undefined;
    const { exists } = await driver.connect('read');
    if (!exists) return 'empty';
    const now = await stamp(driver, { schema: spec.schema });
    return now === null ? undefined : `${spec.schema ?? ''}\0${excludedTables(spec).join('\0')}\0${now}`;
  };
}

/** The schema before the run, read through the migrator's own driver: the dialect's catalog reader; nothing when the database does not exist yet. */
export function driverSchemaStart(driver: SqlDriver, spec: DatabaseSpec): () => Promise<SchemaStart> {
  return async () => {
    if (!driver.dialect.readSchema) return { kind: 'unknown' };
    const { exists } = await driver.connect('read');
    if (!exists) return { kind: 'empty' };
    return { kind: 'model', model: await readDriverSchema(driver, { schema: spec.schema, exclude: excludedTables(spec) }) };
  };
}
