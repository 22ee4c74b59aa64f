/**
 * The PostgreSQL benchmark: 200 small SQL migrations, Strata against knex 3, node-pg-migrate 8
 * and a raw `pg` loop (the limit), each tool reading its own folder in its own native format and
 * applying to its own fresh database.
 *
 *   node --import tsx bench/postgres-migrations.ts            # the full run (a few minutes)
 *   node --import tsx bench/postgres-migrations.ts --quick    # 1 round of everything
 *   node --import tsx bench/postgres-migrations.ts --rounds 3 --calls 20 --runs 10 --url postgres://postgres@127.0.0.1:5432
 *
 * Rows:
 * 1. apply N, one txn per migration, in process, on a fresh database (CREATE DATABASE per tool
 *    per round, untimed; dropped after the round): connect, apply all, disconnect;
 * 2. the no-op migrate in process: one open instance per tool with all N applied, warmed up;
 * 3. the no-op migrate as a whole process, through each tool's own CLI (node start-up included);
 * 4. the peak RSS of that whole process.
 * Then, untimed, the number of queries (round trips) each tool sends for each row.
 *
 * Not a test: it prints a table. bench/README.md ("Benchmark: PostgreSQL") says how to read it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import { createMigrator } from '../dist/index.js';
// The ledger's exact SQL is internal (not exported): the raw limit writes the same row Strata writes.
import { ledgerSql } from '../dist/targets/sql/ledger-sql.js';
// @ts-expect-error plain JavaScript helper, no declarations
import { RAW_PG_INSERT, RAW_PG_LEDGER, rawApply, rawSession } from './postgres-raw.mjs';
import { commitLabel, median, rotate } from './stats.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const require = createRequire(import.meta.url);
const STRATA_CLI = join(ROOT, 'dist', 'cli', 'main.cjs');
const KNEX_CLI = join(ROOT, 'node_modules', 'knex', 'bin', 'cli.js');
const NPM_CLI = join(ROOT, 'node_modules', 'node-pg-migrate', 'bin', 'node-pg-migrate.js');
const RAW_CLI = join(BENCH_DIR, 'postgres-raw.mjs');
const REPORT_RSS = pathToFileURL(join(BENCH_DIR, 'report-rss.mjs')).href;

// The limit must write exactly Strata's ledger row, or the apply ratios compare different work.
if (RAW_PG_LEDGER !== ledgerSql('postgres').create || RAW_PG_INSERT !== ledgerSql('postgres').insertApplied) {
  throw new Error("bench/postgres-raw.mjs: RAW_PG_LEDGER / RAW_PG_INSERT no longer match Strata's ledgerSql('postgres'); copy them again");
}

// ---- options --------------------------------------------------------------------------------

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    rounds: { type: 'string' },
    calls: { type: 'string' },
    runs: { type: 'string' },
    count: { type: 'string' },
    url: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

const DEFAULTS = { count: 200, rounds: 5, calls: 50, warmup: 5, runs: 20, rssRuns: 3 };
if (flags.help) {
  process.stdout.write(
    [
      'usage: node --import tsx bench/postgres-migrations.ts [--quick] [--rounds R] [--calls N] [--runs M] [--count C] [--url URL] [--json FILE]',
      `  --rounds  fresh-database applies per tool (default ${DEFAULTS.rounds}; --quick: 1)`,
      `  --calls   timed in-process no-op calls per tool (default ${DEFAULTS.calls}; --quick: 10)`,
      `  --runs    timed whole processes per tool (default ${DEFAULTS.runs}; --quick: 3)`,
      `  --count   migrations (default ${DEFAULTS.count})`,
      '  --url     server URL without a database (default postgres://postgres@127.0.0.1:5432)',
      '  --json    also write every sample to FILE',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

const quick = flags.quick === true;
const COUNT = positive('count', flags.count, DEFAULTS.count);
const ROUNDS = positive('rounds', flags.rounds, quick ? 1 : DEFAULTS.rounds);
const CALLS = positive('calls', flags.calls, quick ? 10 : DEFAULTS.calls);
const WARMUP = quick ? 2 : DEFAULTS.warmup;
const RUNS = positive('runs', flags.runs, quick ? 3 : DEFAULTS.runs);
const RSS_RUNS = quick ? 1 : DEFAULTS.rssRuns;
const SERVER = (flags.url ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');
const urlOf = (database: string) => `${SERVER}/${database}`;
const DB_PREFIX = 'strata_pgbench_';

// ---- fixtures: one folder per tool, each in the tool's own format ---------------------------

const WORK = join(BENCH_DIR, '.work', 'postgres');
const DIRS = { strata: join(WORK, 'strata'), raw: join(WORK, 'strata'), knex: join(WORK, 'knex'), npm: join(WORK, 'node-pg-migrate') };
const KNEXFILE = join(WORK, 'knexfile.cjs');

const up = (n: number) => `CREATE TABLE t${n} (id INTEGER PRIMARY KEY, name TEXT);`;
const down = (n: number) => `DROP TABLE t${n};`;

function generateFixtures(count: number): void {
  rmSync(WORK, { recursive: true, force: true });
  for (const dir of new Set(Object.values(DIRS))) mkdirSync(dir, { recursive: true });
  const width = Math.max(4, String(count).length);
  for (let n = 1; n <= count; n++) {
    const seq = String(n).padStart(width, '0');
    // Strata: dbmate's format, NNNN_name.sql.
    writeFileSync(join(DIRS.strata, `${seq}_t${n}.sql`), `-- migrate:up\n${up(n)}\n\n-- migrate:down\n${down(n)}\n`);
    // knex: a CommonJS migration file per migration; its own transaction (see the knexfile).
    writeFileSync(
      join(DIRS.knex, `${seq}_t${n}.cjs`),
      `exports.config = { transaction: true };\nexports.up = (knex) => knex.raw(${JSON.stringify(up(n))});\nexports.down = (knex) => knex.raw(${JSON.stringify(down(n))});\n`,
    );
    // node-pg-migrate: its SQL format, with the 13-digit timestamp prefix it parses.
    writeFileSync(join(DIRS.npm, `${1_700_000_000_000 + n}_t${n}.sql`), `-- Up Migration\n${up(n)}\n\n-- Down Migration\n${down(n)}\n`);
  }
  // knex: disableTransactions turns off its default (every pending migration in ONE transaction);
  // each file's config.transaction = true then gives each migration its own.
  writeFileSync(
    KNEXFILE,
    `module.exports = {\n  client: 'pg',\n  connection: process.env.BENCH_PG_URL,\n  migrations: ${JSON.stringify(knexMigrations(), null, 2).replace(/\n/g, '\n  ')},\n};\n`,
  );
}

function knexMigrations() {
  return { directory: DIRS.knex, loadExtensions: ['.cjs'], disableTransactions: true };
}

// ---- the tools ------------------------------------------------------------------------------

interface Session {
  noop(): Promise<number>;
  close(): Promise<void>;
}
interface Tool {
  label: string;
  /** Its ledger table, for the checks. */
  ledger: string;
  transaction: string;
  apply(url: string): Promise<number>;
  open(url: string): Promise<Session>;
  /** The whole-process no-op: node arguments, extra environment, what stdout says when nothing is pending. */
  command(url: string): { args: string[]; env: Record<string, string>; ok: RegExp };
}

type ToolId = 'raw' | 'strata' | 'knex' | 'npm';
const TOOL_IDS: readonly ToolId[] = ['raw', 'strata', 'knex', 'npm'];
const PEERS: readonly ToolId[] = ['knex', 'npm'];

const silent = () => undefined;

const TOOLS: Record<ToolId, Tool> = {
  raw: {
    label: 'raw pg',
    ledger: 'strata_migrations',
    transaction: 'own txn, ledger row inside',
    apply: (url) => rawApply(url, DIRS.raw) as Promise<number>,
    open: (url) => rawSession(url, DIRS.raw) as Promise<Session>,
    command: (url) => ({ args: [RAW_CLI, 'noop', url, DIRS.raw], env: {}, ok: /up to date/ }),
  },
  strata: {
    label: 'Strata',
    ledger: 'strata_migrations',
    transaction: 'own txn, ledger row inside',
    async apply(url) {
      const migrator = createMigrator({ db: url, dir: DIRS.strata, backup: false });
      try {
        return (await migrator.migrate()).results.length;
      } finally {
        await migrator.close();
      }
    },
    async open(url) {
      const migrator = createMigrator({ db: url, dir: DIRS.strata, backup: false });
      return { noop: async () => (await migrator.migrate()).results.length, close: () => migrator.close() };
    },
    command: (url) => ({ args: [STRATA_CLI, 'migrate', '--db', url, '--dir', DIRS.strata, '--no-backup'], env: {}, ok: /up to date/ }),
  },
  knex: {
    label: 'knex',
    ledger: 'knex_migrations',
    transaction: 'own txn, ledger row after COMMIT (autocommit)',
    async apply(url) {
      const k = await openKnex(url);
      try {
        const [, log] = (await k.migrate.latest()) as [number, string[]];
        return log.length;
      } finally {
        await k.destroy();
      }
    },
    async open(url) {
      const k = await openKnex(url);
      return {
        noop: async () => ((await k.migrate.latest()) as [number, string[]])[1].length,
        close: () => k.destroy(),
      };
    },
    command: (url) => ({ args: [KNEX_CLI, 'migrate:latest', '--knexfile', KNEXFILE], env: { BENCH_PG_URL: url }, ok: /Already up to date/ }),
  },
  npm: {
    label: 'node-pg-migrate',
    ledger: 'pgmigrations',
    transaction: 'own txn, ledger row inside',
    async apply(url) {
      const { runner } = await import('node-pg-migrate');
      // singleTransaction false: BEGIN / the file / ledger INSERT / COMMIT per migration.
      const run = await runner({ databaseUrl: url, dir: DIRS.npm, direction: 'up', migrationsTable: 'pgmigrations', singleTransaction: false, log: silent });
      return run.length;
    },
    async open(url) {
      const { runner } = await import('node-pg-migrate');
      // An open client of its own (dbClient), kept between calls, as the other tools keep theirs.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return {
        noop: async () =>
          (await runner({ dbClient: client, dir: DIRS.npm, direction: 'up', migrationsTable: 'pgmigrations', singleTransaction: false, log: silent })).length,
        close: () => client.end(),
      };
    },
    command: (url) => ({ args: [NPM_CLI, 'up', '-m', DIRS.npm], env: { DATABASE_URL: url }, ok: /No migrations to run/ }),
  },
};

async function openKnex(url: string) {
  const { default: knex } = await import('knex');
  return knex({ client: 'pg', connection: url, migrations: knexMigrations() });
}

// ---- databases ------------------------------------------------------------------------------

async function admin<T>(fn: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new pg.Client({ connectionString: urlOf(database) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function createDatabases(names: readonly string[]): Promise<void> {
  await admin(async (c) => {
    for (const name of names) {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${name}"`);
    }
  });
}

async function dropDatabases(names: readonly string[]): Promise<void> {
  await admin(async (c) => {
    for (const name of names) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

/** Leftovers of an interrupted run. */
async function dropAllBenchDatabases(): Promise<void> {
  const names = await admin(async (c) =>
    (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${DB_PREFIX}%`])).rows.map((r) => r.datname),
  );
  await dropDatabases(names);
}

/** Every table is there, and the tool's ledger has a row for each. */
async function checkApplied(database: string, tool: ToolId): Promise<void> {
  await admin(async (c) => {
    const tables = Number((await c.query("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'")).rows[0].n);
    const rows = Number((await c.query(`SELECT count(*) AS n FROM "${TOOLS[tool].ledger}"`)).rows[0].n);
    if (tables !== COUNT || rows !== COUNT) throw new Error(`${tool}: ${tables} tables and ${rows} ledger rows in ${database}, expected ${COUNT}`);
  }, database);
}

// ---- measurement helpers --------------------------------------------------------------------

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return () => gc?.();
}
const gc = exposeGc();

const samples: Record<string, Record<string, number[]>> = { apply: {}, noopInProcess: {}, noopProcess: {}, noopProcessRss: {} };
function push(row: string, tool: string, value: number): void {
  (samples[row]![tool] ??= []).push(Math.round(value * 1000) / 1000);
}

function runProcess(
  name: string,
  command: { args: string[]; env: Record<string, string>; ok: RegExp },
  preload: string[] = [],
): { ms: number; rssKib?: number } {
  const started = performance.now();
  const child = spawnSync(process.execPath, [...preload, ...command.args], {
    cwd: WORK,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', ...command.env },
  });
  const ms = performance.now() - started;
  if (child.status !== 0 || !command.ok.test(child.stdout)) {
    throw new Error(`${name}: ${[process.execPath, ...command.args].join(' ')} exited ${child.status}\n${child.stdout}${child.stderr}`);
  }
  const rss = /bench-max-rss-kib=(\d+)/.exec(child.stderr);
  return { ms, rssKib: rss ? Number(rss[1]) : undefined };
}

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

// ---- round trips: pg.Client#query counted, in a separate untimed pass ------------------------

/** Counts every query sent through `pg` (knex, node-pg-migrate and Strata all use this one module). */
function countQueries(): { take(): number; restore(): void } {
  const proto = (require('pg') as typeof pg).Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let n = 0;
  proto.query = function (this: unknown, ...args: unknown[]) {
    n++;
    return original.apply(this, args);
  };
  return {
    take: () => {
      const k = n;
      n = 0;
      return k;
    },
    restore: () => {
      proto.query = original;
    },
  };
}

// ---- the run --------------------------------------------------------------------------------

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const startedAll = performance.now();
  const env: Record<string, string> = {
    node: process.version,
    cpu: `${cpus()[0]?.model ?? '?'} x ${cpus().length}`,
    postgres: await admin(async (c) => (await c.query('SHOW server_version')).rows[0].server_version as string),
    'synchronous_commit / fsync': await admin(
      async (c) => `${(await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit} / ${(await c.query('SHOW fsync')).rows[0].fsync}`,
    ),
    'strata (dist/ built from)': commitLabel(ROOT, 'src'),
    pg: version('pg'),
    knex: version('knex'),
    'node-pg-migrate': version('node-pg-migrate'),
    'dist/cli/main.cjs modified': distStamp(),
    'load average at start': load(),
  };
  for (const [k, v] of Object.entries(env)) log(`${k}: ${v}`);

  await dropAllBenchDatabases();
  generateFixtures(COUNT);

  // 0. Untimed warm-up: every tool's library loaded and run once, on a fresh database.
  log('warm-up');
  const warm = TOOL_IDS.map((t) => `${DB_PREFIX}warm_${t}`);
  await createDatabases(warm);
  for (const tool of TOOL_IDS) {
    const applied = await TOOLS[tool].apply(urlOf(`${DB_PREFIX}warm_${tool}`));
    if (applied !== COUNT) throw new Error(`${tool} applied ${applied} of ${COUNT} in the warm-up`);
  }
  await dropDatabases(warm);

  // 1. Apply: every tool on its own fresh database, tool order rotated per round. The round's
  //    databases are created before it and dropped after it, both untimed.
  for (let round = 0; round < ROUNDS; round++) {
    log(`apply: round ${round + 1}/${ROUNDS}`);
    const names = TOOL_IDS.map((t) => `${DB_PREFIX}${t}_${round}`);
    await createDatabases(names);
    for (const tool of rotate(TOOL_IDS, round)) {
      const database = `${DB_PREFIX}${tool}_${round}`;
      gc();
      const started = performance.now();
      const applied = await TOOLS[tool].apply(urlOf(database));
      const ms = performance.now() - started;
      if (applied !== COUNT) throw new Error(`${tool} applied ${applied} of ${COUNT} migrations`);
      await checkApplied(database, tool);
      push('apply', tool, ms);
    }
    await dropDatabases(names);
  }

  // The no-op rows run on one database per tool with everything applied (untimed set-up).
  const noopDb = (tool: ToolId) => `${DB_PREFIX}noop_${tool}`;
  await createDatabases(TOOL_IDS.map(noopDb));
  for (const tool of TOOL_IDS) {
    await TOOLS[tool].apply(urlOf(noopDb(tool)));
    await checkApplied(noopDb(tool), tool);
  }

  // 2. No-op in process: every tool's instance open at once, called in turn, after warm-up calls.
  log('no-op in process');
  const sessions = new Map<ToolId, Session>();
  try {
    for (const tool of TOOL_IDS) sessions.set(tool, await TOOLS[tool].open(urlOf(noopDb(tool))));
    const call = async (tool: ToolId) => {
      const applied = await sessions.get(tool)!.noop();
      if (applied !== 0) throw new Error(`${tool} applied ${applied} migration(s) in a no-op`);
    };
    for (let k = 0; k < WARMUP; k++) for (const tool of TOOL_IDS) await call(tool);
    gc();
    for (let k = 0; k < CALLS; k++) {
      for (const tool of rotate(TOOL_IDS, k)) {
        const started = performance.now();
        await call(tool);
        push('noopInProcess', tool, performance.now() - started);
      }
    }
  } finally {
    for (const session of sessions.values()) await session.close();
  }

  // 3./4. No-op as a whole process through each tool's CLI; bare node start-up alongside.
  const commands = new Map<string, { args: string[]; env: Record<string, string>; ok: RegExp }>([['node', { args: ['-e', '0'], env: {}, ok: /^/ }]]);
  for (const tool of TOOL_IDS) commands.set(tool, TOOLS[tool].command(urlOf(noopDb(tool))));
  gc();
  for (const [name, command] of commands) runProcess(name, command); // untimed: page cache
  for (let round = 0; round < RUNS; round++) {
    if (round % 5 === 0) log(`no-op whole process: round ${round + 1}/${RUNS}`);
    for (const [name, command] of rotate([...commands], round)) push('noopProcess', name, runProcess(name, command).ms);
  }
  for (let round = 0; round < RSS_RUNS; round++) {
    for (const [name, command] of commands) push('noopProcessRss', name, runProcess(name, command, ['--import', REPORT_RSS]).rssKib!);
  }
  for (const tool of TOOL_IDS) await checkApplied(noopDb(tool), tool); // the no-ops changed nothing

  // 5. Round trips (untimed): queries each tool sends for an apply of N and for one no-op call.
  log('round trips (untimed)');
  const trips: Record<string, Partial<Record<ToolId, number>>> = { apply: {}, noopInProcess: {}, noopProcess: {} };
  const counter = countQueries();
  try {
    const names = TOOL_IDS.map((t) => `${DB_PREFIX}count_${t}`);
    await createDatabases(names);
    for (const tool of TOOL_IDS) {
      counter.take();
      await TOOLS[tool].apply(urlOf(`${DB_PREFIX}count_${tool}`));
      trips.apply![tool] = counter.take();
    }
    await dropDatabases(names);
    for (const tool of TOOL_IDS) {
      // A fresh instance, as in a whole process (its first call), then a warm call.
      counter.take();
      const session = await TOOLS[tool].open(urlOf(noopDb(tool)));
      await session.noop();
      trips.noopProcess![tool] = counter.take();
      await session.noop();
      trips.noopInProcess![tool] = counter.take();
      await session.close();
      counter.take();
    }
  } finally {
    counter.restore();
  }
  await dropDatabases(TOOL_IDS.map(noopDb));
  env['load average at end'] = load();
  // Others may rebuild dist/ while this runs: then the rows measured different builds.
  if (distStamp() !== env['dist/cli/main.cjs modified']) env.WARNING = `dist/ was rebuilt during the run (now ${distStamp()}): run again`;

  const seconds = ((performance.now() - startedAll) / 1000).toFixed(0);
  process.stdout.write(
    `${Object.entries(env)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n')}\n\n${formatTable(trips)}\n\n(${seconds} s)\n`,
  );
  if (flags.json) {
    const file = resolve(flags.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ environment: env, options: { COUNT, ROUNDS, CALLS, WARMUP, RUNS, RSS_RUNS }, samples, trips }, null, 2)}\n`);
    log(`samples written to ${file}`);
  }
}

function distStamp(): string {
  return statSync(STRATA_CLI).mtime.toISOString();
}

// ---- the report -----------------------------------------------------------------------------

const ROWS: { id: string; label: string; unit: 'ms' | 'MB' }[] = [
  { id: 'apply', label: `apply ${COUNT}, one txn per migration`, unit: 'ms' },
  { id: 'noopInProcess', label: 'no-op migrate, in process', unit: 'ms' },
  { id: 'noopProcess', label: 'no-op migrate, whole process (CLI)', unit: 'ms' },
  { id: 'noopProcessRss', label: 'no-op whole process, peak RSS', unit: 'MB' },
];

function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function formatTable(trips: Record<string, Partial<Record<ToolId, number>>>): string {
  const value = (row: string, tool: string) => {
    const list = samples[row]?.[tool];
    return list?.length ? median(list) : undefined;
  };
  const show = (unit: 'ms' | 'MB', v: number) => (unit === 'MB' ? `${(v / 1024).toFixed(1)} MB` : formatMs(v));
  const header = [`scenario (N = ${COUNT})`, ...TOOL_IDS.map((t) => TOOLS[t].label), 'Strata / fastest peer'];
  const rows: string[][] = [header];
  for (const row of ROWS) {
    const raw = value(row.id, 'raw')!;
    const peers = PEERS.map((p) => ({ p, v: value(row.id, p)! }));
    const fastest = peers.reduce((a, b) => (b.v < a.v ? b : a));
    const strata = value(row.id, 'strata')!;
    rows.push([
      row.label,
      ...TOOL_IDS.map((t) => `${show(row.unit, value(row.id, t)!)} ${(value(row.id, t)! / raw).toFixed(2)}x`),
      `${(strata / fastest.v).toFixed(2)}x (${TOOLS[fastest.p].label})`,
    ]);
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  // The apply row again as paired ratios: within a round the tools run back to back, so the
  // ratio of two tools in the same round is less exposed to the machine's drift between rounds.
  const paired = (a: ToolId, b: ToolId) => {
    const x = samples.apply?.[a] ?? [];
    const y = samples.apply?.[b] ?? [];
    const ratios = x.map((v, k) => v / y[k]!).filter(Number.isFinite);
    return ratios.length ? `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})` : '-';
  };
  out.push(
    '',
    `apply, per-round ratios (median, range over ${ROUNDS} rounds): Strata / raw ${paired('strata', 'raw')}, Strata / knex ${paired('strata', 'knex')}, Strata / node-pg-migrate ${paired('strata', 'npm')}`,
  );
  const node = value('noopProcess', 'node');
  const nodeRss = value('noopProcessRss', 'node');
  if (node !== undefined && nodeRss !== undefined)
    out.push('', `bare node start-up (node -e 0): ${formatMs(node)}, peak RSS ${(nodeRss / 1024).toFixed(1)} MB`);
  out.push(
    "cells: median, and its ratio to raw pg (1.00x); last column: Strata's median / the faster of knex and node-pg-migrate (<= 1.00x: target met).",
    `medians of ${ROUNDS} fresh-database applies, ${CALLS} warm in-process calls, ${RUNS} processes (${RSS_RUNS} for RSS).`,
    `transactions: ${TOOL_IDS.map((t) => `${TOOLS[t].label}: ${TOOLS[t].transaction}`).join('; ')}.`,
  );
  const loadStart = Number(loadavg()[0]);
  if (loadStart > 1)
    out.push(
      `warning: load average ${loadStart.toFixed(2)} at the end (on ${cpus().length} cores); other processes were using the CPU, every figure is inflated`,
    );
  const tripHeader = ['queries sent (round trips)', ...TOOL_IDS.map((t) => TOOLS[t].label)];
  const tripRows = [
    tripHeader,
    [`apply ${COUNT}`, ...TOOL_IDS.map((t) => String(trips.apply?.[t] ?? '-'))],
    ['no-op, first call of a fresh instance', ...TOOL_IDS.map((t) => String(trips.noopProcess?.[t] ?? '-'))],
    ['no-op, warm call', ...TOOL_IDS.map((t) => String(trips.noopInProcess?.[t] ?? '-'))],
  ];
  const tw = tripHeader.map((_, c) => Math.max(...tripRows.map((r) => r[c]!.length)));
  const tline = (r: string[]) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(tw[c]!) : cell.padStart(tw[c]!)))
      .join('  ')
      .trimEnd();
  out.push('', tline(tripRows[0]!), tw.map((w) => '-'.repeat(w)).join('  '), ...tripRows.slice(1).map(tline));
  out.push('(pg.Client#query calls, counted in process; connection set-up not included)');
  return out.join('\n');
}

await main();
