/**
 * `strata lint [FILES...]`: the migration linter. No FILES: the pending migrations of the
 * configured database(s), against the schema read from it; FILES: those files and folders. Text
 * (`file:line:col  severity  rule  message`, then the fix), --json, or --format sarif for GitHub
 * code scanning. Exit 1 when any finding is an error.
 */
import { ErrorCode, StrataError, readMigrationFolder } from 'strata-migrate';
import type { LintFamily, LintFinding, LintGroup, LintRuleSetting } from 'strata-migrate/lint';
import { folderInputs, groupsForPaths, hasErrors, LINT_RULES, lintSequence, requirePostgresParser, ruleSeverities, toSarif } from 'strata-migrate/lint';
import { readSchema } from 'strata-migrate/schema';
import { formatNamed } from 'strata-migrate/tooling';
import { usage } from '../args.js';
import type { CommandContext, DatabaseHandle } from '../command-context.js';
import { nearestName } from 'strata-migrate/tooling';
import type { Output } from '../output.js';

const FAMILIES: readonly LintFamily[] = ['sqlite', 'postgres', 'mysql'];
const SETTINGS: readonly LintRuleSetting[] = ['error', 'warn', 'off'];

export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals, output } = ctx;
  const format = outputFormat(values.format, values.json === true);
  if (values['list-rules'] === true) return listRules(output, format);
  const overrides = ruleOverrides(values.rule);
  const runtime = runtimeOption(values.target);
  let groups: LintGroup[];
  let configured: Record<string, LintRuleSetting> | undefined;
  if (positionals.length) {
    const config = await ctx.config().catch((error: unknown) => {
      // Files linted with --dialect need no config; a broken one is still an error.
      if (values.dialect !== undefined && !(error instanceof StrataError && error.code === ErrorCode.CONFIG_INVALID)) return undefined;
      throw error;
    });
    configured = lintRulesOf(config);
    const family = familyOption(values.dialect) ?? (await ctx.spec()).dialect.family;
    groups = await groupsForPaths(positionals, { family, ...(runtime ? { runtime, format: 'd1' } : {}) });
  } else {
    groups = [];
    for (const db of await ctx.databases()) {
      if (db.name === undefined) await ctx.database();
      groups.push(await pendingGroup(db, runtime, familyOption(values.dialect)));
      configured = { ...configured, ...lintRulesOf(db.config) };
    }
  }
  const severities = ruleSeverities({ ...configured, ...overrides }, 'the config file');
  // The PostgreSQL rules need PostgreSQL's parser: without it, say how to install it rather than lint silently.
  if (groups.some((group) => group.inputs.some((input) => input.family === 'postgres'))) await requirePostgresParser();
  const findings: LintFinding[] = [];
  let files = 0;
  for (const group of groups) {
    const result = await lintSequence(group.inputs, { start: group.start, severities, pendingRun: group.pendingRun === true });
    findings.push(...result.findings);
    files += result.files;
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  if (format === 'sarif') {
    const { packageVersion } = await import('../package-version.js');
    process.stdout.write(`${JSON.stringify(toSarif(findings, LINT_RULES, packageVersion()), null, 2)}\n`);
  } else {
    output.data({ ok: errors === 0, files, errors, warnings, findings });
    printFindings(findings, output);
    const summary = `${files} file(s) linted: ${errors} error(s), ${warnings} warning(s)`;
    if (errors) output.failure(`error: ${summary}`);
    else output.line(files ? summary : 'no migration to lint');
  }
  return hasErrors(findings) ? 1 : 0;
}

/** The pending migrations of one database, against the schema read from it. */
async function pendingGroup(db: DatabaseHandle, runtime: 'd1' | undefined, dialect: LintFamily | undefined): Promise<LintGroup> {
  const spec = db.spec();
  const family = dialect ?? spec.dialect.family;
  const status = await db.migrator().status();
  const pending = new Set(status.migrations.filter((m) => m.state === 'pending').map((m) => m.version));
  if (!pending.size) return { inputs: [], start: { kind: 'unknown' } };
  const format = db.config.format === undefined || db.config.format === 'auto' ? 'auto' : formatNamed(db.config.format);
  const d1 = runtime ?? (format === 'd1' ? 'd1' : undefined);
  const migrations = readMigrationFolder(db.config.dir, { dialect: family, format }).filter((m) => pending.has(m.version));
  const inputs = await folderInputs(db.config.dir, { family, format, ...(d1 ? { runtime: d1 } : {}) }, process.cwd(), migrations);
  return { inputs, start: { kind: 'model', model: await readSchema(spec) }, pendingRun: true };
}

function printFindings(findings: readonly LintFinding[], output: Output): void {
  for (const f of findings) {
    output.problem(`${f.file}:${f.line}:${f.column}  ${f.severity === 'error' ? 'error' : 'warn '}  ${f.rule}  ${f.message}`);
    if (f.hint) output.problem(`    fix: ${f.hint}`);
  }
}

function listRules(output: Output, format: 'text' | 'json' | 'sarif'): number {
  const rules = LINT_RULES.map((rule) => ({ id: rule.id, families: rule.families, severity: rule.defaultSeverity, summary: rule.summary }));
  if (format === 'sarif') throw usage('--list-rules prints text or --json, not SARIF', 'strata lint --list-rules --json');
  output.data({ rules });
  const width = Math.max(...rules.map((r) => r.id.length));
  for (const rule of rules) output.line(`${rule.id.padEnd(width)}  ${rule.severity.padEnd(5)}  ${rule.summary}`);
  return 0;
}

function outputFormat(value: unknown, json: boolean): 'text' | 'json' | 'sarif' {
  if (value === undefined) return json ? 'json' : 'text';
  if (value === 'text' || value === 'json' || value === 'sarif') {
    if (json && value === 'sarif') throw usage('--json and --format sarif are two outputs: give one', 'strata lint --format sarif > lint.sarif');
    return value;
  }
  throw usage(`--format must be text, json or sarif, got ${JSON.stringify(value)}`, 'e.g. strata lint --format sarif > lint.sarif (for GitHub code scanning)');
}

function familyOption(value: unknown): LintFamily | undefined {
  if (value === undefined) return undefined;
  if (FAMILIES.includes(value as LintFamily)) return value as LintFamily;
  throw usage(`--dialect must be sqlite, postgres or mysql, got ${JSON.stringify(value)}`, 'e.g. strata lint --dialect postgres migrations/');
}

function runtimeOption(value: unknown): 'd1' | undefined {
  if (value === undefined) return undefined;
  if (value === 'd1') return 'd1';
  throw usage(`--target must be d1, got ${JSON.stringify(value)}`, 'e.g. strata lint --target d1 migrations/ (for Cloudflare D1)');
}

/** `--rule ID=severity` flags, checked against the registry. */
function ruleOverrides(value: unknown): Record<string, LintRuleSetting> {
  const given = value === undefined ? [] : Array.isArray(value) ? (value as string[]) : [String(value)];
  const ids = LINT_RULES.map((rule) => rule.id);
  const overrides: Record<string, LintRuleSetting> = {};
  for (const pair of given) {
    const eq = pair.lastIndexOf('=');
    const [id, setting] = eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    if (!ids.includes(id)) {
      const near = nearestName(id, ids);
      throw usage(`--rule names an unknown rule '${id}'${near ? `; did you mean '${near}'?` : ''}`, "'strata lint --list-rules' lists every rule ID");
    }
    if (!SETTINGS.includes(setting as LintRuleSetting)) throw usage(`--rule expects ID=error|warn|off, got '${pair}'`, `e.g. --rule ${id}=warn`);
    overrides[id] = setting as LintRuleSetting;
  }
  return overrides;
}

function lintRulesOf(config: { lint?: unknown } | undefined): Record<string, LintRuleSetting> | undefined {
  const lint = config?.lint;
  return lint && typeof lint === 'object' ? ((lint as { rules?: Record<string, LintRuleSetting> }).rules ?? undefined) : undefined;
}
