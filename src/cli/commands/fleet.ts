/**
 * `strata fleet migrate | status | validate | drift`: a thin client of strata-migrate/fleet. The
 * targets come from flags (`--targets GLOB`, ...) or else the config's `fleet`; flags override
 * the config's rollout settings. Relative paths in flags are relative to the working directory,
 * those in the config to the config file.
 */
import { dirname } from 'node:path';
import { ErrorCode, StrataError, type FleetConfig, type FleetTargetsConfig, type StrataConfig } from 'strata-migrate';
import {
  fleetStatus,
  runFleet,
  type FleetEngineSettings,
  type FleetEvents,
  type FleetGroup,
  type FleetStatusReport,
  type FleetSummary,
  type TargetSource,
} from 'strata-migrate/fleet';
import { EventChannel } from 'strata-migrate';
import { integerOption, usage } from '../args.js';
import { backupSettings } from '../backup-options.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig, resolveSettings, type ConfigFlags } from '../config.js';
import { nearestName } from 'strata-migrate/tooling';
import { formatMs, table, type Output } from '../output.js';
import { createPostgresFleetState, isPostgresStateUrl, parseShard } from 'strata-migrate/fleet';
import { ProgressTicker } from '../progress-ticker.js';

const ACTIONS = ['migrate', 'status', 'validate', 'drift'] as const;
type Action = (typeof ACTIONS)[number];

const FLEET_KEYS: Record<keyof FleetConfig, true> = {
  targets: true,
  list: true,
  targetsQuery: true,
  control: true,
  schemas: true,
  schemasQuery: true,
  db: true,
  module: true,
  dir: true,
  groups: true,
  concurrency: true,
  canary: true,
  stages: true,
  maxFailures: true,
  continueOnError: true,
  only: true,
  exclude: true,
  stateDir: true,
  state: true,
};

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output, positionals } = ctx;
  const action = positionals[0];
  if (!action || !ACTIONS.includes(action as Action)) {
    const near = action ? nearestName(action, [...ACTIONS]) : undefined;
    throw usage(
      action ? `unknown fleet action '${action}'${near ? `; did you mean '${near}'?` : ''}` : 'strata fleet needs an action',
      `the actions are: ${ACTIONS.join(', ')}; e.g. strata fleet migrate --targets 'tenants/*.db'`,
    );
  }
  const string = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const strings = (name: string) => (Array.isArray(values[name]) ? (values[name] as unknown as string[]) : undefined);
  const cwd = process.cwd();
  const { file, fromFile } = await loadConfig({ config: string('config') }, cwd);
  const fleet = checkFleetConfig(fromFile.fleet, file);
  const flags: ConfigFlags = {
    db: string('db'),
    dir: string('dir'),
    format: string('format'),
    table: string('table'),
    lockTimeoutMs: integerOption(values['lock-timeout'], '--lock-timeout'),
    allowChanged: values['allow-changed'] === true || undefined,
    allowMissing: values['allow-missing'] === true || undefined,
    allowOutOfOrder: values['allow-out-of-order'] === true || undefined,
  };
  const { fleet: _, databases: __, ...shared } = fromFile;
  const settings = resolveSettings(shared, file, flags, process.env, cwd);
  const fromFlags = groupsFromFlags(ctx, settings.dir, settings.db);
  const base = fromFlags ? cwd : file ? dirname(file) : cwd;
  const groups = fromFlags ?? groupsFromConfig(fleet, fromFile, settings.dir, file);
  const scope = {
    groups,
    base,
    concurrency: integerOption(values.concurrency, '--concurrency', 1) ?? fleet.concurrency,
    only: strings('only') ?? fleet.only,
    exclude: strings('exclude') ?? fleet.exclude,
    settings: engineSettings(ctx, settings),
    ...(string('shard') ? { shard: parseShard(string('shard')!) } : {}),
  };
  // The journal lives beside the config (or here), whichever way the targets were given.
  const stateBase = file ? dirname(file) : cwd;
  const stateDir = string('state-dir') ?? fleet.stateDir;
  if (action !== 'migrate') {
    for (const flag of ['dry-run', 'resume', 'canary', 'stages', 'max-failures', 'continue-on-error'] as const) {
      if (values[flag] !== undefined) throw usage(`--${flag} only applies to strata fleet migrate`);
    }
    const sharedState = string('state') ?? fleet.state;
    if (sharedState !== undefined && !isPostgresStateUrl(sharedState))
      throw usage(
        `--state ${JSON.stringify(sharedState)} is not a postgres:// URL`,
        'the last run of runners sharing a PostgreSQL state: --state postgres://user@host/db',
      );
    const report = await fleetStatus({
      ...scope,
      ...(sharedState === undefined ? {} : { state: sharedState }),
      check: action as Exclude<Action, 'migrate'>,
      stateDir: stateDir === undefined ? undefined : absoluteFrom(string('state-dir') ? cwd : stateBase, stateDir),
      base,
      runId: string('run'),
    });
    output.data(report);
    printStatus(report, output);
    return report.ok ? 0 : 1;
  }
  const sharedState = string('state') ?? fleet.state;
  if (sharedState !== undefined && !isPostgresStateUrl(sharedState))
    throw usage(
      `--state ${JSON.stringify(sharedState)} is not a postgres:// URL`,
      'runners share a rollout through PostgreSQL: --state postgres://user@host/db (a journal folder on one machine is --state-dir)',
    );
  if (sharedState !== undefined && values.run === undefined)
    throw usage(
      'runners sharing --state join one rollout by its name: give --run ID (the same in every runner)',
      'e.g. --run release-42, or your CI pipeline id',
    );
  if (values.run !== undefined && values.resume !== true && sharedState === undefined)
    throw usage('--run names the run to resume: give --resume with it', 'e.g. strata fleet migrate --resume --run 20261203T093100Z-abc');
  const events = new EventChannel<FleetEvents>();
  const stopProgress = showFleetProgress(events, output);
  const controller = new AbortController();
  const cancel = () => {
    output.warn('\nstopping: targets running now finish, the rest stay pending (strata fleet migrate --resume goes on; Ctrl-C again to stop at once)');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', cancel);
  let summary: FleetSummary;
  try {
    summary = await runFleet({
      ...scope,
      canary: integerOption(values.canary, '--canary', 1) ?? fleet.canary,
      stages: string('stages') ?? fleet.stages,
      maxFailures: string('max-failures') ?? fleet.maxFailures,
      continueOnError: values['continue-on-error'] === true || fleet.continueOnError === true,
      dryRun: values['dry-run'] === true,
      stateDir: absoluteFrom(string('state-dir') ? cwd : stateBase, stateDir ?? '.strata/fleet'),
      resume: values.resume === true ? (string('run') ?? true) : undefined,
      ...(sharedState === undefined ? {} : { state: createPostgresFleetState(sharedState), runId: string('run') }),
      signal: controller.signal,
      events,
    });
  } finally {
    stopProgress();
    process.removeListener('SIGINT', cancel);
  }
  output.data(summary);
  printSummary(summary, output);
  return summary.ok ? 0 : 1;
}

function absoluteFrom(base: string, path: string): string {
  return path.startsWith('/') || /^[a-z]:[\\/]/i.test(path) ? path : `${base}/${path}`;
}

/** The targets named by flags: one group, the `--dir` (or config's) folder; undefined when no flag names any. */
function groupsFromFlags(ctx: CommandContext, dir: string, db: string): FleetGroup[] | undefined {
  const { values } = ctx;
  const string = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const globs = Array.isArray(values.targets) ? (values.targets as unknown as string[]) : undefined;
  const sources: TargetSource[] = [];
  if (globs?.length) sources.push({ glob: globs });
  if (string('list'))
    sources.push({
      list: string('list')!
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    });
  if (string('targets-query')) {
    const control = string('control');
    if (!control)
      throw usage('--targets-query runs on a control database: give --control URL', "e.g. --targets-query 'SELECT url FROM tenants' --control postgres://...");
    sources.push({ query: string('targets-query')!, control });
  } else if (string('control')) throw usage('--control is the database --targets-query runs on: give --targets-query too');
  if (string('schemas') || string('schemas-query')) {
    if (string('schemas') && string('schemas-query')) throw usage('--schemas and --schemas-query both name the tenant schemas: give one');
    sources.push({
      db,
      schemas: string('schemas')
        ? string('schemas')!
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : { query: string('schemas-query')! },
    });
  }
  if (string('targets-module')) sources.push({ module: string('targets-module')! });
  if (sources.length > 1) throw usage('give the targets one way: --targets, --list, --targets-query, --schemas(-query) or --targets-module');
  return sources.length ? [{ targets: sources[0]!, dir }] : undefined;
}

function groupsFromConfig(fleet: FleetConfig, config: StrataConfig, dir: string, file: string | undefined): FleetGroup[] {
  const where = file ?? 'the config';
  const hint = `e.g. strata fleet migrate --targets 'tenants/*.db' --dir migrations, or "fleet": { "targets": "tenants/*.db" } in ${file ? file : 'strata.config.json'}`;
  const groupOf = (entry: FleetTargetsConfig, name: string | undefined): FleetGroup | undefined => {
    const sources: TargetSource[] = [];
    if (entry.targets !== undefined) sources.push({ glob: entry.targets });
    if (entry.list !== undefined) sources.push({ list: entry.list });
    if (entry.targetsQuery !== undefined) {
      if (!entry.control) throw configInvalid(`${where}: fleet${name ? `.groups.${name}` : ''}.targetsQuery needs "control" (the database it runs on)`, hint);
      sources.push({ query: entry.targetsQuery, control: entry.control });
    }
    const schemaDb = entry.db ?? config.db;
    if (entry.schemas !== undefined || entry.schemasQuery !== undefined) {
      if (!schemaDb) throw configInvalid(`${where}: fleet schemas need "db" (the PostgreSQL database holding them)`, hint);
      sources.push({ db: schemaDb, schemas: entry.schemas ?? { query: entry.schemasQuery! } });
    }
    if (entry.module !== undefined) sources.push({ module: entry.module });
    if (sources.length > 1)
      throw configInvalid(
        `${where}: fleet${name ? `.groups.${name}` : ''} names its targets more than one way`,
        'give one of targets, list, targetsQuery, schemas, schemasQuery, module',
      );
    if (!sources.length) return undefined;
    const groupDir = entry.dir ?? (name ? undefined : fleet.dir) ?? (fleet.dir || dir);
    return { ...(name ? { name } : {}), targets: sources[0]!, dir: groupDir };
  };
  if (fleet.groups) {
    return Object.entries(fleet.groups).map(([name, entry]) => {
      const group = groupOf(entry, name);
      if (!group) throw configInvalid(`${where}: fleet.groups.${name} names no targets`, hint);
      return group;
    });
  }
  const one = groupOf(fleet, undefined);
  if (!one) throw usage('strata fleet needs targets: --targets GLOB, --list, --targets-query, --schemas or --targets-module, or "fleet" in the config', hint);
  return [one];
}

function configInvalid(message: string, hint: string): StrataError {
  return new StrataError(ErrorCode.CONFIG_INVALID, message, { hint });
}

function checkFleetConfig(value: unknown, file: string | undefined): FleetConfig {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw configInvalid(`${file}: "fleet" must be an object of settings`, 'e.g. "fleet": { "targets": "tenants/*.db" }');
  for (const key of Object.keys(value)) {
    if (!(key in FLEET_KEYS)) {
      const near = nearestName(key, Object.keys(FLEET_KEYS));
      throw configInvalid(
        `${file}: unknown fleet setting "${key}"${near ? `; did you mean "${near}"?` : ''}`,
        `known fleet settings: ${Object.keys(FLEET_KEYS).join(', ')}`,
      );
    }
  }
  return value as FleetConfig;
}

/** What each target's engine gets: the config's shared settings with the flags over them. */
function engineSettings(ctx: CommandContext, settings: ReturnType<typeof resolveSettings>): FleetEngineSettings {
  const { values } = ctx;
  const pattern = settings.placeholderPattern;
  return {
    table: settings.table,
    format: settings.format,
    lockTimeoutMs: settings.lockTimeoutMs,
    allowChanged: settings.allowChanged,
    allowMissing: settings.allowMissing,
    allowOutOfOrder: settings.allowOutOfOrder,
    pragmas: settings.pragmas,
    placeholders: settings.placeholders,
    // A RegExp cannot cross to a worker thread; its /source/flags string means the same.
    placeholderPattern: pattern instanceof RegExp ? `/${pattern.source}/${pattern.flags}` : pattern,
    statementTimeout: settings.statementTimeout,
    dbLockTimeout: settings.dbLockTimeout,
    drift: settings.drift,
    journal: settings.journal as FleetEngineSettings['journal'],
    backup: values['no-backup'] === true || settings.backup === false ? false : backupSettings(values, settings.backup),
  };
}

/** A redrawn line on a terminal; a line at least every 10 s in logs; each failure as it happens. */
function showFleetProgress(events: EventChannel<FleetEvents>, output: Output): () => void {
  if (output.json) return () => undefined;
  const ticker = new ProgressTicker(output);
  let latest: FleetEvents['fleet:progress'] | undefined;
  let drawn = 0;
  const describe = (p: FleetEvents['fleet:progress']) =>
    `fleet: ${p.done}/${p.toRun} done${p.failed ? `, ${p.failed} failed` : ''}, ${p.ratePerSecond.toFixed(1)}/s${p.etaMs !== null && p.done < p.toRun ? `, ETA ${formatMs(p.etaMs)}` : ''}`;
  events.on('fleet:start', (e) => {
    if (e.total === 0) output.warn('warning: no target found: check the glob, list or query (a fleet with no tenants yet has nothing to migrate)');
    output.line(
      `fleet run ${e.runId}${e.resumed ? ' (resumed)' : ''}${e.dryRun ? ' (dry run)' : ''}: ${e.toRun} of ${e.total} target(s) to run, ${e.concurrency} at a time${e.stages.length > 1 ? `, stages ending at ${e.stages.join(', ')}` : ''}`,
    );
    ticker.start(() => (latest ? describe(latest) : 'fleet: starting...'));
  });
  events.on('fleet:target', (e) => {
    if (e.state === 'failed' && e.error) {
      if (output.live) output.transient('');
      output.warn(`FAILED ${e.id}: ${e.error.code}: ${e.error.message}`);
    } else if (output.verbose)
      output.line(
        `${e.recovered ? 'recovered ' : ''}${e.id}: ${e.applied ? `${e.applied} step(s) applied, now at ${e.toVersion}` : `up to date (${e.toVersion ?? 'nothing applied'})`}`,
      );
  });
  events.on('fleet:progress', (p) => {
    latest = p;
    const now = performance.now();
    if (output.live && (now - drawn > 100 || p.done === p.toRun)) {
      drawn = now;
      const filled = p.toRun ? Math.round((p.done / p.toRun) * 20) : 20;
      output.transient(`[${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${describe(p)}`);
    }
  });
  return () => {
    ticker.stop();
    if (output.live) output.transient('');
  };
}

function printSummary(s: FleetSummary, output: Output): void {
  if (s.dryRun) {
    for (const plan of s.plans ?? []) output.line(`${plan.id}: ${plan.versions.length ? `would apply ${plan.versions.join(', ')}` : 'up to date'}`);
  }
  const parts = [`${s.succeeded} succeeded`, ...(s.migrated ? [`${s.migrated} migrated by this run`] : []), `${s.failed} failed`, `${s.skipped} skipped`];
  if (s.pending) parts.push(`${s.pending} not started`);
  if (s.recovered) parts.push(`${s.recovered} recovered from a dead runner`);
  if (s.resumedPast) parts.push(`${s.resumedPast} finished before this resume`);
  output.line(`fleet: ${s.total} target(s): ${parts.join(', ')} in ${formatMs(s.durationMs)}${s.dryRun ? ' (dry run: nothing was changed)' : ''}`);
  if (!s.dryRun) output.line(`journal: ${s.journal}`);
  for (const f of s.failures) output.problem(`  FAILED ${f.id}: ${f.code}: ${f.message}`);
  if (s.halted) output.failure(`halted: ${s.skipped} target(s) ${s.halted.message.replace(/^not started: /, 'not started: ')}`);
  if (s.cancelled) output.failure(`cancelled: ${s.pending} target(s) not started; 'strata fleet migrate --resume' goes on with them`);
  else if (s.failed || s.halted) output.failure("fix the failed targets and run 'strata fleet migrate' again: targets already migrated change nothing");
}

function printStatus(r: FleetStatusReport, output: Output): void {
  output.line(`fleet: ${r.total} target(s)${r.check !== 'status' ? `, ${r.check}` : ''} in ${formatMs(r.durationMs)}`);
  if (r.check === 'status') {
    const rows = [['VERSION', 'TARGETS']];
    for (const v of r.versions) rows.push([v.version ?? '(none)', String(v.count)]);
    for (const line of table(rows)) output.line(line);
    if (r.behind) output.line(`${r.behind} target(s) have migrations pending`);
    const stale = r.targets.filter((t) => t.sinceMs !== null).sort((a, b) => b.sinceMs! - a.sinceMs!)[0];
    if (stale) output.line(`longest since migrated: ${stale.id} (${formatMs(stale.sinceMs!)} ago, version ${stale.version})`);
  }
  for (const d of r.drifting) output.problem(`  DRIFT ${d}`);
  for (const p of r.problems) output.problem(`  ${p.id}: ${p.problems.join('; ')}`);
  for (const u of r.unreadable) output.problem(`  UNREADABLE ${u.id}: ${u.code}: ${u.message}`);
  if (r.lastRun?.failed.length) {
    output.problem(`last run ${r.lastRun.runId}: ${r.lastRun.failed.length} failed${r.lastRun.skipped ? `, ${r.lastRun.skipped} skipped` : ''}`);
    for (const f of r.lastRun.failed) output.problem(`  FAILED ${f.id}: ${f.code}: ${f.message}`);
  }
  if (r.ok)
    output.line(r.check === 'drift' ? 'no target drifts' : r.check === 'validate' ? 'every target is valid' : 'every target is readable and has no problem');
}
