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
import { excludedTables, readDriverSchema, readDriverStamp } from '../schema/read-schema.js';
import type { DatabaseSpec } from '../targets/sql/database-spec.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import { downFileOf } from './lint-inputs.js';
import type { LintFamily, LintFinding } from './lint-rule.js';
import type { LintInput } from './lint-source.js';
import { createStampMemo } from '../schema/stamp-memo.js';
import type { SchemaStart } from './linter.js';
import type { RuleSeverities } from './rule-severities.js';

export const LINT_PLUGIN_NAME = 'lint';

export interface LintPluginOptions {
  family: LintFamily;
  runtime?: 'd1';
  severities: RuleSeverities;
  /** The schema before the first pending step. */
  schemaStart(): Promise<SchemaStart>;
  /**
   * A value that names that schema exactly (SQLite's stamp: see StampMemo), read instead of the
   * schema itself to find an earlier run's findings; the schema is then read only to lint. null
   * or absent: the key holds the schema read.
   */
  schemaKey?(): Promise<string | null>;
  /** Where the steps' origins are relative to (default: the current directory, as the folder source shows them). */
  cwd?: string;
  /**
   * A migration file's text as the migrations' source read it (the text its checksum is over), by
   * absolute path; undefined, or no function: the file is read from disk. createMigrator passes
   * its folder read, so a file is linted as it was checksummed and not read a second time.
   */
  readText?(path: string): string | undefined;
}

export function lintPlugin<Ctx>(options: LintPluginOptions): MigratorPlugin<Ctx> {
  return {
    name: LINT_PLUGIN_NAME,
    async inspect(plan: InspectedPlan<Ctx>) {
      if (plan.direction !== 'up') return;
      const linted = plan.steps.filter(isSqlFileStep);
      if (!linted.length) return;
      // A fleet's tenants share a schema: naming it by its stamp (one query) instead of reading
      // it (a query per table) is what lets the second tenant of a schema skip the catalog.
      const named = (await options.schemaKey?.()) ?? null;
      let start = named === null ? await options.schemaStart() : undefined;
      const lint = async (): Promise<readonly PlanFinding[]> => {
        start ??= await options.schemaStart();
        const versions = new Map<string, string>();
        const inputs = linted.flatMap((step) => {
          const input = inputOfStep(step, options);
          if (input) versions.set(input.path, step.version);
          return input ? [input] : [];
        });
        if (!inputs.length) return [];
        // Loaded here: a migrate with nothing pending never loads the rules.
        const { lintSequence } = await import('./linter.js');
        const { findings } = await lintSequence(inputs, { start, severities: options.severities, pendingRun: true });
        return findings.map((finding) => planFinding(finding, versions.get(finding.file)));
      };
      const key = runKey(linted, named === null ? start! : { kind: 'named', key: named }, options);
      const found = key === undefined ? await lint() : await earlierRuns.get(key, lint);
      return found.map((finding) => ({ ...finding }));
    },
  };
}

/** A module function, not a closure made per run: it sees every pending step of every migrate (see sources/folder-source.ts). */
function isSqlFileStep<Ctx>(step: InspectedStep<Ctx>): boolean {
  return step.body.kind === 'sql' && step.origin.endsWith('.sql');
}

/**
 * The findings of the runs linted in this process, by everything they depend on (runKey): a
 * process that migrates fresh databases from one folder over and over (a test suite, a fleet's
 * worker) lints the folder once. Linting is a pure function of the key; the few most recent runs
 * are kept. The key names the schema before the run by the schema read, or by a stamp that is
 * the schema (schemaKey).
 */
const earlierRuns = createStampMemo(8);

/**
 * What a run's findings depend on: the rules' severities, the family, the schema before the run,
 * and each file's path and text, the text through the checksum the source computed over it.
 * Only sha256 checksums of Strata's own layout stand for the text (they cover a `.down.sql` pair
 * too); another tool's checksum (Flyway's CRC32 of the up only) or a file whose down lint would
 * read beside it (a Flyway `U` file) gives no key, and the run is linted afresh.
 *
 * The key is that text itself, not a hash of it: the checksums in it are hashes already, and a
 * thousand files make ~110 KB that a second sha256 pass (and JSON-escaping every file's line)
 * cost ~0.3 ms per run for nothing; the memo keeps 8 keys. Each file's part starts with its
 * path's length, so no path can run into the next file's.
 */
function runKey<Ctx>(
  steps: readonly InspectedStep<Ctx>[],
  start: SchemaStart | { kind: 'named'; key: string },
  options: LintPluginOptions,
): string | undefined {
  let files = '';
  for (const step of steps) {
    if (!step.checksum?.startsWith('sha256:') || step.body.kind !== 'sql') return undefined;
    if (mayBeFlywayVersioned(step.origin)) return undefined;
    files += `\n${step.origin.length}:${step.origin}${step.checksum}${step.body.transaction ? 1 : 0}`;
  }
  // Two JSON texts one after the other (each ends where its brackets close), then the files.
  return JSON.stringify([options.family, options.runtime ?? null, options.cwd ?? process.cwd(), start]) + severitiesKey(options.severities) + files;
}

/** Each severities map's JSON (every rule's ID and severity), written once per map: a fleet's migrators share the catalog's defaults (ruleSeverities). */
const severitiesKeys = new WeakMap<RuleSeverities, string>();

function severitiesKey(severities: RuleSeverities): string {
  let key = severitiesKeys.get(severities);
  if (key === undefined) {
    key = JSON.stringify([...severities]);
    severitiesKeys.set(severities, key);
  }
  return key;
}

/** A Flyway `V` file, whose `U` file lint reads beside it. */
function mayBeFlywayVersioned(origin: string): boolean {
  const name = origin.slice(Math.max(origin.lastIndexOf('/'), origin.lastIndexOf('\\')) + 1);
  return /^V\d/.test(name);
}

function inputOfStep<Ctx>(step: InspectedStep<Ctx>, options: LintPluginOptions): LintInput | undefined {
  if (step.body.kind !== 'sql' || !step.origin.endsWith('.sql')) return undefined;
  const file = resolve(options.cwd ?? process.cwd(), step.origin);
  let text: string;
  try {
    text = fileText(file, options);
  } catch {
    return undefined;
  }
  const down = downFileOf(file);
  return {
    path: step.origin,
    text,
    family: options.family,
    transaction: step.body.transaction,
    ...(down ? { downText: fileText(down, options) } : {}),
    ...(options.runtime ? { runtime: options.runtime } : {}),
  };
}

/** A file's text as the source read it, else as the disk holds it now. */
function fileText(path: string, options: LintPluginOptions): string {
  return options.readText?.(path) ?? readFileSync(path, 'utf8');
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

/**
 * LintPluginOptions.schemaKey through the migrator's own driver: the dialect's stamp where an
 * equal stamp is an equal schema (SQLite: the CREATE texts, Strata's tables included, so it is
 * stricter than the schema read, which leaves them out), with the tables the read leaves out;
 * null where the stamp does not identify a schema (PostgreSQL) or the database does not exist.
 */
export function driverSchemaKey(driver: SqlDriver, spec: DatabaseSpec): () => Promise<string | null> {
  return async () => {
    if (!driver.dialect.stampIdentifiesSchema || !driver.dialect.readSchema) return null;
    const { exists } = await driver.connect('read');
    if (!exists) return null;
    const stamp = await readDriverStamp(driver, { schema: spec.schema });
    return stamp === null ? null : JSON.stringify([stamp, spec.schema ?? null, excludedTables(spec)]);
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
