import type { EngineEvents, EventChannel } from 'strata-migrate';
import type { RunReport } from 'strata-migrate';
import { migrationLabel } from 'strata-migrate';
import { usage } from '../args.js';
import type { CommandContext, DatabaseHandle } from '../command-context.js';
import { describeOutcomes, eachDatabase } from '../multi-database.js';
import { formatMs, showProgress, type Output } from '../output.js';
import { attachDryRunPrinter } from './dry-run.js';
import { dumpSchemaPath, writeSchemaDump } from './schema.js';

/**
 * One database: as always. Several (a multi-database config): each in turn, in config order, with
 * its own lock, ledger and backup; the first failure stops the run (the databases after it are
 * not started) and exits 1, the report saying which succeeded, which failed and which did not run.
 */
export async function run(ctx: CommandContext): Promise<number> {
  const { values, output } = ctx;
  if (!(await ctx.project()).multi) {
    const report = await migrateOne(await ctx.database(), ctx);
    output.data(report);
    return 0;
  }
  const selected = await ctx.databases();
  if (values.to !== undefined && selected.length > 1) {
    throw usage(
      `--to names a version of one database, and this run migrates ${selected.length}: ${selected.map((d) => d.name).join(', ')}`,
      `pick one with --database NAME, e.g. strata migrate --to ${String(values.to)} --database ${selected[0]!.name}`,
    );
  }
  const outcomes = await eachDatabase(ctx, { stopOnFailure: true }, (db) => migrateOne(db, ctx));
  const failed = outcomes.find((o) => o.status === 'failed');
  output.data({
    ok: !failed,
    databases: outcomes.map(({ name, status, database, value, error }) => ({
      name,
      status,
      ...(database ? { database } : {}),
      ...value,
      ...(error ? { error } : {}),
    })),
    ...(failed ? { error: { ...failed.error, database: failed.name } } : {}),
  });
  if (selected.length > 1 || failed) {
    output.line();
    output.line(`databases: ${describeOutcomes(outcomes)}`);
  }
  if (failed) {
    const later = outcomes.filter((o) => o.status === 'not-run').map((o) => o.name);
    output.failure(
      `stopped at ${failed.name}${later.length ? ` (not started: ${later.join(', ')})` : ''}: fix it and run 'strata migrate' again; the databases already migrated are up to date and change nothing`,
    );
    return 1;
  }
  return 0;
}

async function migrateOne(db: DatabaseHandle, ctx: CommandContext) {
  const { values, output } = ctx;
  const dryRun = values['dry-run'] === true;
  // --trace: the same run on a copy first; unexpected loss (or a failure) there stops it before the live database is opened.
  const trace = values.trace === true && !dryRun ? await traceFirst(db, ctx) : undefined;
  const migrator = db.migrator();
  const printed = dryRun ? attachDryRunPrinter(migrator.events, output) : undefined;
  if (!dryRun) showProgress(migrator.events, output);
  const warnings = warnOnEmptySteps(migrator.events, output);
  warnOnDrift(migrator.events, output, warnings);
  warnOnPlanFindings(migrator.events, output, warnings);
  const report = await migrator.migrate({
    drift: driftOption(values.drift),
    to: typeof values.to === 'string' ? values.to : undefined,
    dryRun,
    singleTransaction: values['single-transaction'] === true,
    resume: values.resume === true,
  });
  summarise(report, output, db.config.db);
  const dumpPath = dumpSchemaPath(ctx, db);
  const schemaDump = dumpPath && !dryRun ? await writeSchemaDump(db, dumpPath, output) : undefined;
  return { ...report, ...(printed ? { plan: printed.plan } : {}), warnings, ...(schemaDump ? { schemaDump } : {}), ...(trace ? { trace } : {}) };
}

/**
 * `migrate --trace`: the trace on a copy, and TRACE_DATA_LOSS / TRACE_RUN_FAILED before the live
 * database is opened. The whole trace is printed when it stops the run, and on servers, where
 * its locks and rewrites are the point (nothing there stops the run: rows are counted on SQLite).
 */
async function traceFirst(db: DatabaseHandle, ctx: CommandContext) {
  const [{ traceDatabase, printTrace }, { assertTraceClean }] = await Promise.all([import('./trace.js'), import('strata-migrate/tooling')]);
  const report = await traceDatabase(db, ctx);
  if (report.failure || report.rowsLost > 0 || report.dialect !== 'sqlite') printTrace(report, ctx.output);
  assertTraceClean(report);
  const outcome = report.dialect === 'sqlite' ? 'no row lost' : 'traced';
  ctx.output.line(`trace: ${report.steps.length} migration(s) on a copy of ${report.target}: ${outcome} (${formatMs(report.durationMs)}); migrating for real`);
  return report;
}

/** `--drift error|warn|off`, over the config's `drift`. */
function driftOption(value: unknown): 'error' | 'warn' | 'off' | undefined {
  if (value === undefined) return undefined;
  if (value === 'error' || value === 'warn' || value === 'off') return value;
  throw usage(
    `--drift must be error, warn or off, got ${JSON.stringify(value)}`,
    'e.g. strata migrate --drift error (refuse to run on a schema changed outside the migrations)',
  );
}

/** The schema changed outside the migrations (drift: "warn"): said on stderr, and in `warnings` with --json. */
export function warnOnDrift(events: EventChannel<EngineEvents>, output: Output, warnings: string[]): void {
  events.on('drift', (e) => {
    const warning = `${e.message}; 'strata drift' shows what changed`;
    warnings.push(warning);
    output.warn(`warning: ${warning}`);
  });
}

/** Warnings of the plan's inspection (the linter's, a plugin's): on stderr, and in `warnings` with --json. */
export function warnOnPlanFindings(events: EventChannel<EngineEvents>, output: Output, warnings: string[]): void {
  const seen = new Set<string>();
  events.on('plan:warnings', (e) => {
    for (const finding of e.warnings) {
      const where = finding.file ? `${finding.file}${finding.line === undefined ? '' : `:${finding.line}`}: ` : '';
      const warning = `${where}${finding.message} (${finding.rule})`;
      // Plans are inspected before the lock and again under it when they changed: say each once.
      if (seen.has(warning)) continue;
      seen.add(warning);
      warnings.push(warning);
      output.warn(`warning: ${warning}`);
    }
  });
}

/**
 * An up with no statement is recorded as applied and changes nothing: most often a scaffold
 * saved before its SQL was written. Said on stderr, and in `warnings` with --json.
 */
export function warnOnEmptySteps(events: EventChannel<EngineEvents>, output: Output): string[] {
  const warnings: string[] = [];
  events.on('migrating', (e) => {
    if (e.statements !== 0) return;
    const warning = `${migrationLabel(e)} has no statement in its up: it is recorded as applied and changes nothing`;
    warnings.push(warning);
    output.warn(`warning: ${warning}`);
  });
  return warnings;
}

export function summarise(report: RunReport, output: Output, db: string): void {
  const verb = report.direction === 'up' ? 'applied' : 'reverted';
  const version = report.currentVersion ?? '0 (nothing applied)';
  if (report.dryRun) {
    output.line(
      report.results.length
        ? `dry run: ${report.results.length} migration(s) would be ${verb}: ${report.results.map(migrationLabel).join(', ')}; nothing was changed`
        : `dry run: nothing to ${report.direction === 'up' ? 'apply' : 'roll back'}; current version ${version}`,
    );
    return;
  }
  if (report.results.length === 0) {
    output.line(report.direction === 'up' ? `${db} is up to date (version ${version})` : `nothing to roll back (version ${version})`);
    return;
  }
  output.line(`${report.results.length} migration(s) ${verb} in ${formatMs(report.durationMs)}; now at version ${version}`);
}
