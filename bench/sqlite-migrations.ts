/**
 * The core engine's benchmark: 1,000 small SQL migrations on SQLite, Strata against knex,
 * kysely's Migrator, umzug and a raw better-sqlite3 loop (the limit).
 *
 * Scenarios (each tool on a fresh database file, WAL + synchronous=NORMAL for all):
 * - apply 1,000 migrations, one transaction per migration with its ledger row;
 * - apply 1,000 migrations in one transaction (Strata's --single-transaction);
 * - the no-op migrate with 1,000 applied, in process: one open migrator, warmed up, median call;
 * - the no-op migrate with 1,000 applied, as a whole process (node start-up included), median
 *   run, and the peak RSS of such a process.
 *
 * Not a test: it prints a table. bench/run.ts runs it; bench/README.md says how to read it.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMigrator } from '../dist/index.js';
// The ledger's exact SQL is internal (not exported): the raw limit writes the same row Strata writes.
import { ledgerSql } from '../dist/targets/sql/ledger-sql.js';
import { RAW_INSERT, RAW_LEDGER, tools as peers, type NoopSession, type Tool } from './tools.mjs';
import { commitLabel, median, rotate } from './stats.js';

// The limit must write exactly Strata's ledger row, or the apply ratios compare different work.
if (RAW_LEDGER !== ledgerSql('sqlite').create || RAW_INSERT !== ledgerSql('sqlite').insertApplied) {
  throw new Error("bench/tools.mjs: RAW_LEDGER / RAW_INSERT no longer match Strata's ledgerSql('sqlite'); copy them again");
}

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const STRATA_CLI = join(ROOT, 'dist', 'cli', 'main.cjs');
const NOOP_PROCESS = join(BENCH_DIR, 'noop-process.mjs');
const REPORT_RSS = pathToFileURL(join(BENCH_DIR, 'report-rss.mjs')).href;

// ---- the tools ------------------------------------------------------------------------------

export const TOOL_IDS = ['raw', 'rawSha', 'strata', 'knex', 'kysely', 'umzug', 'umzugList'] as const;
export type ToolId = (typeof TOOL_IDS)[number];

export const TOOL_LABELS: Record<ToolId, string> = {
  raw: 'raw',
  rawSha: 'raw+sha256',
  strata: 'Strata',
  knex: 'knex',
  kysely: 'kysely',
  umzug: 'umzug (glob)',
  umzugList: 'umzug (readdir)',
};

/** Strata through its public API, built into dist/ (the CLI is used for the whole-process row). */
const strata: Tool = {
  async apply(file, dir, { single }) {
    const migrator = createMigrator({ db: file, dir });
    try {
      return (await migrator.migrate({ singleTransaction: single })).results.length;
    } finally {
      await migrator.close();
    }
  },
  open(file, dir): NoopSession {
    const migrator = createMigrator({ db: file, dir });
    return {
      noop: async () => (await migrator.migrate()).results.length,
      close: () => migrator.close(),
    };
  },
};

const TOOLS: Record<ToolId, Tool> = { ...peers, strata };

/** Which tools run the apply scenarios: raw+sha256 applies exactly like raw (both hash), so once. */
const APPLIERS: readonly ToolId[] = ['raw', 'strata', 'knex', 'kysely', 'umzug', 'umzugList'];
/** Whose database each tool's no-op reads. */
const DATABASE_OF: Record<ToolId, ToolId> = {
  raw: 'raw',
  rawSha: 'raw',
  strata: 'strata',
  knex: 'knex',
  kysely: 'kysely',
  umzug: 'umzug',
  umzugList: 'umzugList',
};

// ---- options and results --------------------------------------------------------------------

export interface BenchOptions {
  /** Migrations to generate and apply. */
  count: number;
  /** Fresh-database apply runs per tool and mode (median reported). */
  applyRounds: number;
  /** Timed in-process no-op calls per tool after `noopWarmup` untimed ones (median reported). */
  noopCalls: number;
  noopWarmup: number;
  /** Timed whole-process runs per tool (median reported), after one untimed run. */
  processRuns: number;
  /** Separate runs per tool measuring peak RSS (median reported). */
  rssRuns: number;
  /** Tools to run (raw and raw+sha256 always run: they are the limit). */
  only?: readonly ToolId[];
  /** Scratch folder (default bench/.work). */
  workDir?: string;
  log?: (line: string) => void;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  count: 1000,
  applyRounds: 7,
  noopCalls: 50,
  noopWarmup: 5,
  processRuns: 20,
  rssRuns: 3,
};

export type ScenarioId = 'apply' | 'applySingle' | 'noopInProcess' | 'noopProcess' | 'noopProcessRss';

export interface Measurement {
  /** Median: ms, or KiB for the RSS row. */
  value: number;
  samples: number[];
}

export interface BenchResults {
  environment: Record<string, string>;
  options: Omit<BenchOptions, 'log'>;
  tools: ToolId[];
  /** Bare `node -e 0`: start-up alone, for the whole-process rows. */
  nodeStartup?: Measurement;
  nodeStartupRss?: Measurement;
  scenarios: Record<ScenarioId, Partial<Record<ToolId, Measurement>>>;
}

// ---- the run --------------------------------------------------------------------------------

export async function runSqliteMigrationsBench(partial: Partial<BenchOptions> = {}): Promise<BenchResults> {
  const options: BenchOptions = { ...DEFAULT_OPTIONS, ...partial };
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const wanted = new Set<ToolId>(['raw', 'rawSha', ...(options.only ?? TOOL_IDS)]);
  const toolIds = TOOL_IDS.filter((id) => wanted.has(id));
  const appliers = APPLIERS.filter((id) => wanted.has(id) || toolIds.some((t) => DATABASE_OF[t] === id));

  const work = resolve(options.workDir ?? join(BENCH_DIR, '.work'));
  const migrationsDir = join(work, 'migrations');
  const dbDir = join(work, 'db');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(dbDir, { recursive: true });
  generateMigrations(migrationsDir, options.count);

  const results: BenchResults = {
    environment: environment(),
    options: { ...options, log: undefined } as Omit<BenchOptions, 'log'>,
    tools: toolIds,
    scenarios: { apply: {}, applySingle: {}, noopInProcess: {}, noopProcess: {}, noopProcessRss: {} },
  };
  const gc = exposeGc();
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  results.environment['load average at start'] = load();

  // 0. Untimed warm-up: each tool's library is imported and its code run once, on a small folder.
  const warmDir = join(work, 'warm-up');
  generateMigrations(warmDir, Math.min(20, options.count));
  for (const tool of appliers) {
    for (const single of [false, true]) {
      const file = join(dbDir, `warm-up-${tool}.db`);
      removeDatabase(file);
      await TOOLS[tool].apply(file, warmDir, { single });
      removeDatabase(file);
    }
  }

  // 1. Apply, both modes, fresh file each time; the tool order rotates between rounds so no tool
  //    always runs first or right after the same neighbour.
  const dbFile = (tool: ToolId, single: boolean) => join(dbDir, `${tool}${single ? '-single' : ''}.db`);
  const applySamples = new Map<string, number[]>();
  for (let round = 0; round < options.applyRounds; round++) {
    log(`apply: round ${round + 1}/${options.applyRounds}`);
    const order = rotate(appliers, round);
    for (const single of [false, true]) {
      for (const tool of order) {
        const file = dbFile(tool, single);
        removeDatabase(file);
        gc();
        const started = performance.now();
        const applied = await TOOLS[tool].apply(file, migrationsDir, { single });
        const ms = performance.now() - started;
        if (applied !== options.count) throw new Error(`${tool} applied ${applied} of ${options.count} migrations`);
        checkApplied(file, options.count, tool);
        push(applySamples, `${tool}:${single}`, ms);
      }
    }
  }
  for (const tool of appliers) {
    results.scenarios.apply[tool] = summary(applySamples.get(`${tool}:false`)!);
    results.scenarios.applySingle[tool] = summary(applySamples.get(`${tool}:true`)!);
  }
  // raw+sha256 applies with raw's code: the same figure.
  if (results.scenarios.apply.raw) results.scenarios.apply.rawSha = results.scenarios.apply.raw;
  if (results.scenarios.applySingle.raw) results.scenarios.applySingle.rawSha = results.scenarios.applySingle.raw;

  // 2. The no-op in process: one open session per tool on its per-migration database, all open
  //    at once and called in turn, so a slow spell of the machine hits every tool alike.
  log('no-op in process');
  const sessions = new Map<ToolId, NoopSession>();
  try {
    for (const tool of toolIds) sessions.set(tool, await TOOLS[tool].open(dbFile(DATABASE_OF[tool], false), migrationsDir));
    for (let k = 0; k < options.noopWarmup; k++) {
      for (const [tool, session] of sessions) await noop(session, tool);
    }
    gc();
    const noopSamples = new Map<string, number[]>();
    for (let k = 0; k < options.noopCalls; k++) {
      for (const [tool, session] of rotate([...sessions], k)) {
        const started = performance.now();
        await noop(session, tool);
        push(noopSamples, tool, performance.now() - started);
      }
    }
    for (const tool of toolIds) results.scenarios.noopInProcess[tool] = summary(noopSamples.get(tool)!);
  } finally {
    for (const session of sessions.values()) await session.close();
  }

  // 3. The no-op as a whole process: bare node, then each tool's command, round-robin.
  const commands = new Map<ToolId | 'node', string[]>([['node', ['-e', '0']]]);
  for (const tool of toolIds) {
    const file = dbFile(DATABASE_OF[tool], false);
    commands.set(tool, tool === 'strata' ? [STRATA_CLI, 'migrate', '--db', file, '--dir', migrationsDir] : [NOOP_PROCESS, tool, file, migrationsDir]);
  }
  const processSamples = new Map<string, number[]>();
  const rssSamples = new Map<string, number[]>();
  gc(); // nothing of the in-process runs left for V8's background threads while children run
  for (const [name, args] of commands) runProcess(name, args, work); // untimed: page cache, lazy files
  for (let round = 0; round < options.processRuns; round++) {
    if (round % 5 === 0) log(`no-op whole process: round ${round + 1}/${options.processRuns}`);
    for (const [name, args] of rotate([...commands], round)) push(processSamples, name, runProcess(name, args, work).ms);
  }
  for (let round = 0; round < options.rssRuns; round++) {
    for (const [name, args] of commands) push(rssSamples, name, runProcess(name, ['--import', REPORT_RSS, ...args], work).rssKib!);
  }
  results.nodeStartup = summary(processSamples.get('node')!);
  results.nodeStartupRss = summary(rssSamples.get('node')!);
  for (const tool of toolIds) {
    results.scenarios.noopProcess[tool] = summary(processSamples.get(tool)!);
    results.scenarios.noopProcessRss[tool] = summary(rssSamples.get(tool)!);
  }
  results.environment['load average at end'] = load();
  return results;
}

async function noop(session: NoopSession, tool: ToolId): Promise<void> {
  const applied = await session.noop();
  if (applied !== 0) throw new Error(`${tool} applied ${applied} migration(s) in a no-op`);
}

function runProcess(name: string, args: string[], cwd: string): { ms: number; rssKib: number | undefined } {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
  const ms = performance.now() - started;
  if (child.status !== 0 || (name !== 'node' && !/up to date/.test(child.stdout))) {
    throw new Error(`${name}: ${[process.execPath, ...args].join(' ')} exited ${child.status}\n${child.stdout}${child.stderr}`);
  }
  const rss = /bench-max-rss-kib=(\d+)/.exec(child.stderr);
  return { ms, rssKib: rss ? Number(rss[1]) : undefined };
}

// ---- fixtures -------------------------------------------------------------------------------

/** NNNN_tN.sql, each one CREATE TABLE (the folder is rebuilt on every run). */
function generateMigrations(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  const width = Math.max(4, String(count).length);
  for (let n = 1; n <= count; n++) {
    writeFileSync(join(dir, `${String(n).padStart(width, '0')}_t${n}.sql`), `CREATE TABLE t${n} (id INTEGER PRIMARY KEY, name TEXT);\n`);
  }
  if (readdirSync(dir).length !== count) throw new Error(`expected ${count} files in ${dir}`);
}

function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal', '.strata-lock']) rmSync(file + suffix, { force: true });
}

/** Every table is there and the file is in WAL mode (the one journal setting a file keeps). */
function checkApplied(file: string, count: number, tool: ToolId): void {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*'").pluck().get() as number;
    const mode = db.pragma('journal_mode', { simple: true });
    if (tables !== count) throw new Error(`${tool}: ${tables} of ${count} tables in ${file}`);
    if (mode !== 'wal') throw new Error(`${tool}: ${file} is in journal_mode ${String(mode)}, not wal`);
  } finally {
    db.close();
  }
}

// ---- helpers --------------------------------------------------------------------------------

/** A real gc() between measurements, so one tool's garbage is not collected on another's time. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return () => gc?.();
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function summary(samples: number[]): Measurement {
  return { value: median(samples), samples: samples.map((s) => Math.round(s * 1000) / 1000) };
}

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

function environment(): Record<string, string> {
  const db = new Database(':memory:');
  const sqlite = db.prepare('SELECT sqlite_version()').pluck().get() as string;
  db.close();
  const commit = commitLabel(ROOT, 'src');
  const cpu = cpus();
  return {
    node: process.version,
    cpu: `${cpu[0]?.model ?? '?'} x ${cpu.length}`,
    sqlite,
    'strata (dist/ built from)': commit,
    'better-sqlite3': version('better-sqlite3'),
    knex: version('knex'),
    kysely: version('kysely'),
    umzug: version('umzug'),
  };
}

// ---- the report -----------------------------------------------------------------------------

const SCENARIO_LABELS: Record<ScenarioId, string> = {
  apply: 'apply N, one txn per migration',
  applySingle: 'apply N, one txn for all',
  noopInProcess: 'no-op migrate, in process',
  noopProcess: 'no-op migrate, whole process',
  noopProcessRss: 'no-op whole process, peak RSS',
};

/**
 * The limit each row's ratios are taken against: raw for the applies (it reads and hashes the
 * files it applies, as Strata does); for the no-ops raw+sha256, which also reads and hashes
 * every file on every run, because Strata verifies every applied file's checksum.
 */
export const BASELINE: Record<ScenarioId, ToolId> = {
  apply: 'raw',
  applySingle: 'raw',
  noopInProcess: 'rawSha',
  noopProcess: 'rawSha',
  noopProcessRss: 'rawSha',
};

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function formatValue(scenario: ScenarioId, value: number): string {
  return scenario === 'noopProcessRss' ? `${(value / 1024).toFixed(1)} MB` : formatMs(value);
}

function ratio(value: number, base: number): string {
  return `${(value / base).toFixed(2)}x`;
}

/** Rows = scenarios, columns = tools, cells = median and ratio to the row's limit (1.00x). */
export function formatTable(results: BenchResults): string {
  const n = results.options.count;
  const header = [`scenario (N = ${n})`, ...results.tools.map((t) => TOOL_LABELS[t])];
  const rows: string[][] = [header];
  for (const scenario of Object.keys(SCENARIO_LABELS) as ScenarioId[]) {
    const row = results.scenarios[scenario];
    const base = row[BASELINE[scenario]]?.value;
    rows.push([
      SCENARIO_LABELS[scenario],
      ...results.tools.map((tool) => {
        const m = row[tool];
        if (!m) return '-';
        if ((scenario === 'apply' || scenario === 'applySingle') && tool === 'rawSha') return '(= raw)';
        return `${formatValue(scenario, m.value)} ${base ? ratio(m.value, base) : ''}`.trim();
      }),
    ]);
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  if (results.nodeStartup) {
    out.push('', `bare node start-up (node -e 0): ${formatMs(results.nodeStartup.value)}, peak RSS ${(results.nodeStartupRss!.value / 1024).toFixed(1)} MB`);
  }
  const load = Number(results.environment['load average at start']?.split(' ')[0]);
  if (load > 1) out.push(`warning: load average ${load} at start; another process was using the CPU, every figure is inflated`);
  out.push(
    "cells: median; ratio to the row's limit (1.00x): raw for the applies, raw+sha256 for the no-ops.",
    `medians of ${results.options.applyRounds} fresh-file applies, ${results.options.noopCalls} warm calls, ${results.options.processRuns} processes (${results.options.rssRuns} for RSS).`,
  );
  return out.join('\n');
}

/** Each target of the issue, with the figure it is judged on, and whether Strata is fastest. */
export function formatTargets(results: BenchResults): string {
  const s = results.scenarios;
  const lines: string[] = [];
  const get = (scenario: ScenarioId, tool: ToolId) => s[scenario][tool]?.value;
  const check = (label: string, value: number | undefined, base: number | undefined, target: number, extra = '') => {
    if (value === undefined || base === undefined) return;
    const r = value / base;
    lines.push(`${r <= target ? 'MET ' : 'MISS'}  ${label}: ${r.toFixed(2)}x (target <= ${target}x)${extra}`);
  };
  check('apply, one txn per migration, Strata / raw', get('apply', 'strata'), get('apply', 'raw'), 1.2);
  check('apply, one txn for all, Strata / raw', get('applySingle', 'strata'), get('applySingle', 'raw'), 1.2);
  const inProcess = get('noopInProcess', 'strata');
  const rawInProcess = get('noopInProcess', 'raw');
  check(
    'no-op in process, Strata / raw+sha256',
    inProcess,
    get('noopInProcess', 'rawSha'),
    2,
    inProcess !== undefined && rawInProcess !== undefined ? `; against raw without hashing: ${(inProcess / rawInProcess).toFixed(2)}x` : '',
  );
  const whole = get('noopProcess', 'strata');
  const rawWhole = get('noopProcess', 'raw');
  const rawShaWhole = get('noopProcess', 'rawSha');
  const node = results.nodeStartup?.value;
  const extra =
    whole !== undefined && rawWhole !== undefined && rawShaWhole !== undefined && node !== undefined
      ? `; against raw without hashing: ${(whole / rawWhole).toFixed(2)}x; above bare node start-up: Strata +${formatMs(whole - node)}, raw+sha256 +${formatMs(rawShaWhole - node)}, raw +${formatMs(rawWhole - node)}`
      : '';
  check('no-op whole process, Strata / raw+sha256', whole, rawShaWhole, 1.3, extra);
  const peers: ToolId[] = ['knex', 'kysely', 'umzug', 'umzugList'];
  for (const scenario of ['apply', 'applySingle', 'noopInProcess', 'noopProcess'] as ScenarioId[]) {
    const mine = get(scenario, 'strata');
    if (mine === undefined) continue;
    const beaten = peers.filter((p) => get(scenario, p) !== undefined && get(scenario, p)! <= mine);
    const ran = peers.filter((p) => get(scenario, p) !== undefined);
    if (ran.length === 0) continue;
    const fastest = Math.min(...ran.map((p) => get(scenario, p)!));
    lines.push(
      beaten.length === 0
        ? `MET   faster than every peer, ${SCENARIO_LABELS[scenario]}: next best is ${ratio(fastest, mine)} Strata's time`
        : `MISS  faster than every peer, ${SCENARIO_LABELS[scenario]}: ${beaten.map((p) => `${TOOL_LABELS[p]} ${formatMs(get(scenario, p)!)}`).join(', ')} vs Strata ${formatMs(mine)}`,
    );
  }
  return lines.join('\n');
}

export function formatEnvironment(results: BenchResults): string {
  return Object.entries(results.environment)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}
