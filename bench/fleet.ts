/**
 * Fleets: N SQLite tenant databases (default 10,000; `FLEET_N` or `--n`), each with a small
 * schema and about 100 KB of data, already on Strata (migration 0001 in their ledger), get one
 * additive migration (0002: a column with a default and an index). Timed, each on a fresh copy
 * of the same fleet:
 *
 * - the limit: this process looping over the files with better-sqlite3 (Strata's pragmas),
 *   reading the ledger's versions, applying the same SQL and writing the same ledger row (Strata's
 *   insert, with the schema stamp Strata stores) in one transaction per file;
 * - the shell loop: `strata migrate --db FILE --dir DIR --no-backup`, one process per file, on a
 *   sample of the fleet (`--shell-sample`, default 200), as users script it today;
 * - `strata fleet migrate` at concurrency 1, 2 and 4, backups off and on, as a child process
 *   (its start-up, discovery and journal included). Peak RSS of each, and again at a small N
 *   (`--rss-n`, default 1,000), to show memory flat in the number of targets.
 *
 * Then, unless `--pg-schemas 0`, the same on PostgreSQL schema-per-tenant: `--pg-schemas`
 * schemas (default 1,000) in one database of the local server; the limit there is one connection
 * applying the SQL and the ledger row in each schema.
 *
 * The fleet is built once into bench/.work/fleet/cache-N (gitignored) and copied before each run.
 *
 *   npm run build && node --import tsx bench/fleet.ts                 # N = 10,000: ~15 min on 2 busy cores
 *   FLEET_N=1000 node --import tsx bench/fleet.ts --shell-sample 50   # checks the harness in ~2 min
 *   node --import tsx bench/fleet.ts --concurrency 2 --no-backups-on --pg-schemas 0
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createMigrator } from '../src/index.js';
import { ledgerSql } from '../src/targets/sql/ledger-sql.js';
import { commitLabel } from './stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    n: { type: 'string' },
    'rss-n': { type: 'string' },
    'shell-sample': { type: 'string' },
    concurrency: { type: 'string' },
    'no-backups-on': { type: 'boolean' },
    'backups-n': { type: 'string' },
    'pg-schemas': { type: 'string' },
    'sqlite-only': { type: 'boolean' },
    'rss-only': { type: 'boolean' },
    build: { type: 'string' },
  },
});
/** The build measured: this checkout's, or another's (`--build /work/base`: a baseline in the same sitting, on the same prepared fleet). */
const BUILD = resolve(values.build ?? ROOT);
const CLI = join(BUILD, 'dist', 'cli', 'main.cjs');
const CHILD = join(ROOT, 'bench', 'fleet-child.mjs');
const RSS = join(ROOT, 'bench', 'report-rss.mjs');
const WORK = join(ROOT, 'bench', '.work', 'fleet');
const POSTGRES = process.env.STRATA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const N = Number(values.n ?? process.env.FLEET_N ?? 10_000);
const RSS_N = Math.min(N, Number(values['rss-n'] ?? 1000));
const SHELL_SAMPLE = Math.min(N, Number(values['shell-sample'] ?? 200));
const CONCURRENCY = (values.concurrency ?? '1,2,4').split(',').map(Number);
const BACKUPS = values['no-backups-on'] ? [false] : [false, true];
/** Backups on write a verified copy of every tenant: on a busy machine, a smaller fleet keeps the run short. */
const BACKUPS_N = Math.min(N, Number(values['backups-n'] ?? N));
/** Only the memory scenario: fleet migrate at N and at --rss-n (no limit, no shell loop, no PostgreSQL). */
const RSS_ONLY = values['rss-only'] === true;
const PG_SCHEMAS = values['sqlite-only'] || RSS_ONLY ? 0 : Number(values['pg-schemas'] ?? 1000);
const counts: [string, number][] = [
  ['N', N],
  ['--rss-n', RSS_N],
  ['--shell-sample', SHELL_SAMPLE],
  ['--backups-n', BACKUPS_N],
  ['--pg-schemas', PG_SCHEMAS],
  ...CONCURRENCY.map((c): [string, number] => ['--concurrency', c]),
];
for (const [name, value] of counts) {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got ${value}`);
}
if (!existsSync(CLI)) throw new Error('dist/ is missing: npm run build first');

// ---- the migrations ---------------------------------------------------------------------------

const INIT = `-- migrate:up
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, notes TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), total_cents INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX orders_customer ON orders (customer_id);
-- migrate:down
DROP TABLE orders;
DROP TABLE customers;
`;
// The tenants are small (their index builds in a blink), and the limit runs the same statements:
// the linter's advice for a production table (CONCURRENTLY, outside a transaction) is waived here.
const ADD_UP = `ALTER TABLE customers ADD COLUMN tier TEXT NOT NULL DEFAULT 'free';
-- strata-ignore postgres/index-not-concurrent: benchmark tenants hold a few hundred rows; the limit runs the same statement
CREATE INDEX customers_tier ON customers (tier);`;
const ADD = `-- migrate:up\n${ADD_UP}\n-- migrate:down\nDROP INDEX customers_tier;\nALTER TABLE customers DROP COLUMN tier;\n`;
const ADD_CHECKSUM = `sha256:${createHash('sha256').update(ADD).digest('hex')}`;

const MIGRATIONS = join(WORK, 'migrations');
const INIT_ONLY = join(WORK, 'migrations-init');
rmSync(MIGRATIONS, { recursive: true, force: true });
rmSync(INIT_ONLY, { recursive: true, force: true });
mkdirSync(MIGRATIONS, { recursive: true });
mkdirSync(INIT_ONLY, { recursive: true });
writeFileSync(join(MIGRATIONS, '0001_init.sql'), INIT);
writeFileSync(join(MIGRATIONS, '0002_add_tier.sql'), ADD);
writeFileSync(join(INIT_ONLY, '0001_init.sql'), INIT);

const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (ms: number) => ms / 1000;

// ---- the SQLite fleet ---------------------------------------------------------------------------

const TEMPLATE_VERSION = createHash('sha256').update(INIT).update('data v1').digest('hex').slice(0, 12);

/** One tenant, made by Strata (0001 in its ledger) and filled with ~100 KB of rows. */
async function buildTemplate(file: string): Promise<void> {
  rmSync(file, { force: true });
  const migrator = createMigrator({ db: file, dir: INIT_ONLY, backup: false });
  await migrator.migrate();
  await migrator.close();
  const db = new Database(file);
  const customer = db.prepare('INSERT INTO customers (id, name, email, notes) VALUES (?, ?, ?, ?)');
  const order = db.prepare('INSERT INTO orders (id, customer_id, total_cents, created_at) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let k = 1; k <= 400; k++) customer.run(k, `Customer ${k}`, `customer${k}@example.com`, `note ${k} `.repeat(14));
    for (let k = 1; k <= 1200; k++) order.run(k, 1 + (k % 400), k * 37, new Date(Date.UTC(2026, 0, 1) + k * 3_600_000).toISOString());
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** bench/.work/fleet/cache-N: N copies of the template, made once. */
async function fleetCache(n: number): Promise<string> {
  const cache = join(WORK, `cache-${n}`);
  const marker = join(cache, '.complete');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === TEMPLATE_VERSION) return cache;
  log(`building ${n.toLocaleString('en')} tenants in ${cache} (once)`);
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  const template = join(WORK, 'template.db');
  await buildTemplate(template);
  for (let k = 0; k < n; k++) copyFileSync(template, join(cache, tenantName(k)));
  writeFileSync(marker, TEMPLATE_VERSION);
  return cache;
}

const tenantName = (k: number) => `tenant-${String(k).padStart(5, '0')}.db`;

/** A fresh copy of the first `n` tenants of the cache (untimed), as `dir`. */
function freshFleet(cache: string, n: number, name: string): string {
  const dir = join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  if (n === Number(cache.split('-').at(-1))) execFileSync('cp', ['-r', cache, dir]);
  else {
    mkdirSync(dir);
    for (let k = 0; k < n; k++) copyFileSync(join(cache, tenantName(k)), join(dir, tenantName(k)));
  }
  rmSync(join(dir, '.complete'), { force: true });
  // The copy's dirty pages written out now, not during the next timed run (every close checkpoints and syncs).
  execFileSync('sync');
  return dir;
}

/** Every tenant has 0002 applied exactly once and its column. */
function checkFleet(dir: string, n: number): void {
  let ok = 0;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.db'))) {
    const db = new Database(join(dir, name), { readonly: true });
    try {
      const rows = db.prepare("SELECT status FROM strata_migrations WHERE version = '2'").all() as { status: string }[];
      const column = db.prepare("SELECT count(*) AS n FROM pragma_table_info('customers') WHERE name = 'tier'").get() as { n: number };
      if (rows.length === 1 && rows[0]!.status === 'applied' && column.n === 1) ok += 1;
    } finally {
      db.close();
    }
  }
  if (ok !== n) throw new Error(`${dir}: ${ok} of ${n} tenants migrated`);
}

/** The limit: one process, better-sqlite3, the same SQL and the same ledger row, one transaction per file. */
function sqliteLimit(dir: string): number {
  const ledger = ledgerSql('sqlite');
  const started = performance.now();
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.db')) continue;
    const db = new Database(join(dir, name));
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      db.exec('BEGIN IMMEDIATE');
      const applied = new Set(db.prepare('SELECT version FROM strata_migrations').pluck().all());
      if (!applied.has('2')) {
        const at = performance.now();
        db.exec(ADD_UP);
        // Strata's row: its schema stamp on SQLite is the CREATE texts in the table's own order.
        const text = db.prepare("SELECT group_concat(sql, char(30)) FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().get() as string;
        const stamp = `sqlite1:${createHash('sha256').update(text).digest('hex')}`;
        db.prepare(ledger.insertApplied).run('2', 'add_tier', ADD_CHECKSUM, new Date().toISOString(), performance.now() - at, 2, null, null, stamp);
      }
      db.exec('COMMIT');
    } finally {
      db.close();
    }
  }
  return performance.now() - started;
}

/** The shell loop: one `strata migrate` process per file. */
function shellLoop(dir: string): number {
  const started = performance.now();
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.db')) continue;
    const result = spawnSync(process.execPath, [CLI, 'migrate', '--db', join(dir, name), '--dir', MIGRATIONS, '--no-backup'], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`strata migrate --db ${name}: ${result.stderr}`);
  }
  return performance.now() - started;
}

const HAS_FLEET_CLI = spawnSync(process.execPath, [CLI, 'fleet', 'migrate', '--help'], { encoding: 'utf8' }).status === 0;

interface FleetRun {
  ms: number;
  rssMb: number;
  summary: Record<string, unknown> | undefined;
}

/** `strata fleet migrate` (or runFleet in a child while the CLI has no fleet command), timed as a whole process. */
function fleetRun(spec: {
  glob?: string;
  base?: string;
  db?: string;
  schemas?: { query: string };
  concurrency: number;
  backup: boolean;
  drift?: 'off';
  /** Through runFleet in bench/fleet-child.mjs even when the CLI has the command (settings the CLI has no flag for). */
  child?: boolean;
}): Promise<FleetRun> {
  const args =
    HAS_FLEET_CLI && !spec.child
      ? [
          CLI,
          'fleet',
          'migrate',
          ...(spec.glob ? ['--targets', spec.glob] : ['--db', spec.db!, '--schemas-query', spec.schemas!.query]),
          '--dir',
          MIGRATIONS,
          '--concurrency',
          String(spec.concurrency),
          '--continue-on-error',
          ...(spec.backup ? [] : ['--no-backup']),
          '--json',
        ]
      : [CHILD, JSON.stringify({ ...spec, dir: MIGRATIONS })];
  if (spec.glob && !spec.base) throw new Error('a glob needs its base folder');
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', RSS, ...args], { cwd: spec.base ?? WORK });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`fleet migrate exited ${code}: ${stderr.slice(-2000)} ${stdout.slice(-2000)}`));
      const kib = Number(/bench-max-rss-kib=(\d+)/.exec(stderr)?.[1]);
      let summary: Record<string, unknown> | undefined;
      try {
        summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
      } catch {
        summary = undefined;
      }
      resolvePromise({ ms, rssMb: kib / 1024, summary });
    });
  });
}

interface Row {
  label: string;
  targets: number;
  ms: number;
  rssMb?: number;
  note?: string;
}

const rate = (row: Row) => (row.targets * 1000) / row.ms;

function table(rows: Row[], limit: Row, shell: Row | undefined): string {
  const head = ['scenario', 'targets', 'time', 'targets/s', 'x limit', shell ? 'x shell loop' : '', 'peak RSS'];
  const body = rows.map((row) => [
    row.label,
    row.targets.toLocaleString('en'),
    `${seconds(row.ms).toFixed(2)} s`,
    rate(row).toFixed(1),
    `${(rate(row) / rate(limit)).toFixed(2)}x`,
    shell ? `${(rate(row) / rate(shell)).toFixed(1)}x` : '',
    row.rssMb ? `${row.rssMb.toFixed(1)} MB` : '',
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k]!.length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

const verdict = (met: boolean, text: string) => `${met ? 'MET ' : 'MISS'}  ${text}`;

async function sqliteBench(): Promise<string> {
  const cache = await fleetCache(N);
  const size = statSync(join(cache, tenantName(0))).size;
  const rows: Row[] = [];
  const targets: string[] = [];

  log(`limit: ${N} files`);
  let dir = freshFleet(cache, N, 'run');
  const limit: Row = { label: 'limit: one process, better-sqlite3', targets: N, ms: sqliteLimit(dir) };
  log(`  limit: ${rate(limit).toFixed(1)}/s`);
  checkFleet(dir, N);
  rows.push(limit);

  log(`shell loop: ${SHELL_SAMPLE} files`);
  dir = freshFleet(cache, SHELL_SAMPLE, 'run-shell');
  const shell: Row = { label: `shell loop of strata migrate (sample of ${SHELL_SAMPLE})`, targets: SHELL_SAMPLE, ms: shellLoop(dir) };
  log(`  shell loop: ${rate(shell).toFixed(2)}/s`);
  checkFleet(dir, SHELL_SAMPLE);
  rows.push(shell);

  const fleetRows: (Row & { concurrency: number; backup: boolean })[] = [];
  for (const backup of BACKUPS) {
    for (const concurrency of CONCURRENCY) {
      log(`fleet migrate: concurrency ${concurrency}, backups ${backup ? 'on' : 'off'}`);
      const n = backup ? BACKUPS_N : N;
      dir = freshFleet(cache, n, 'run');
      const run = await fleetRun({ glob: '*.db', base: dir, concurrency, backup });
      checkFleet(dir, n);
      const row = { label: `fleet migrate -c ${concurrency}, backups ${backup ? 'on' : 'off'}`, targets: n, ms: run.ms, rssMb: run.rssMb, concurrency, backup };
      log(`  ${row.label}: ${n} in ${seconds(run.ms).toFixed(1)} s, ${rate(row).toFixed(1)}/s, ${run.rssMb.toFixed(1)} MB`);
      fleetRows.push(row);
      rows.push(row);
    }
  }
  const best = fleetRows.filter((r) => !r.backup).sort((a, b) => a.ms - b.ms)[0]!;
  let small: FleetRun | undefined;
  if (RSS_N < N) {
    log(`fleet migrate at N = ${RSS_N} for memory: concurrency ${best.concurrency}, backups off`);
    dir = freshFleet(cache, RSS_N, 'run-small');
    small = await fleetRun({ glob: '*.db', base: dir, concurrency: best.concurrency, backup: false });
    checkFleet(dir, RSS_N);
    rows.push({ label: `fleet migrate -c ${best.concurrency}, backups off (memory at small N)`, targets: RSS_N, ms: small.ms, rssMb: small.rssMb });
  }
  rmSync(join(WORK, 'run'), { recursive: true, force: true });

  targets.push(
    verdict(
      rate(best) >= 0.7 * rate(limit),
      `fleet migrate without backups at its best concurrency (${best.concurrency}) / the limit: ${(rate(best) / rate(limit)).toFixed(2)}x (target >= 0.7x)`,
    ),
  );
  targets.push(
    verdict(rate(best) >= 20 * rate(shell), `fleet migrate without backups / the shell loop: ${(rate(best) / rate(shell)).toFixed(1)}x (target >= 20x)`),
  );
  if (small) {
    const grow = best.rssMb! / small.rssMb;
    targets.push(
      verdict(
        grow <= 1.25,
        `peak RSS flat in N: ${small.rssMb.toFixed(1)} MB at ${RSS_N.toLocaleString('en')} targets, ${best.rssMb!.toFixed(1)} MB at ${N.toLocaleString('en')} (${grow.toFixed(2)}x; target <= 1.25x)`,
      ),
    );
  }
  const curve = fleetRows
    .filter((r) => !r.backup)
    .map((r) => `c=${r.concurrency}: ${rate(r).toFixed(0)}/s`)
    .join(', ');
  const withBackups = fleetRows.filter((r) => r.backup).map((r) => `c=${r.concurrency}: ${rate(r).toFixed(0)}/s`);
  return [
    `SQLite: ${N.toLocaleString('en')} tenants of ${(size / 1024).toFixed(0)} KB (customers 400 rows, orders 1,200), migration 0002: ADD COLUMN with a default + CREATE INDEX`,
    `fleet runs through ${HAS_FLEET_CLI ? 'the CLI (strata fleet migrate)' : 'bench/fleet-child.mjs (runFleet from dist/; the CLI has no fleet command in this build)'}`,
    '',
    table(rows, limit, shell),
    '',
    `scaling (backups off): ${curve}`,
    ...(withBackups.length ? [`scaling (backups on): ${withBackups.join(', ')}`] : []),
    '',
    'Targets',
    ...targets,
  ].join('\n');
}

/** `--rss-only`: peak RSS of fleet migrate (backups off) at --rss-n and at N targets, at the first --concurrency. */
async function rssBench(): Promise<string> {
  const cache = await fleetCache(N);
  const concurrency = CONCURRENCY[0]!;
  const runs: { n: number; run: FleetRun }[] = [];
  for (const n of [RSS_N, N]) {
    log(`fleet migrate for memory: ${n} targets, concurrency ${concurrency}, backups off`);
    const dir = freshFleet(cache, n, 'run');
    const run = await fleetRun({ glob: '*.db', base: dir, concurrency, backup: false });
    checkFleet(dir, n);
    log(`  ${n} in ${seconds(run.ms).toFixed(1)} s, ${run.rssMb.toFixed(1)} MB`);
    runs.push({ n, run });
  }
  rmSync(join(WORK, 'run'), { recursive: true, force: true });
  const [small, large] = runs as [{ n: number; run: FleetRun }, { n: number; run: FleetRun }];
  const grow = large.run.rssMb / small.run.rssMb;
  return [
    `SQLite, fleet migrate -c ${concurrency}, backups off, through ${HAS_FLEET_CLI ? 'the CLI' : 'bench/fleet-child.mjs'}`,
    ...runs.map(
      ({ n, run }) => `${n.toLocaleString('en').padStart(7)} targets  ${seconds(run.ms).toFixed(2).padStart(7)} s  peak RSS ${run.rssMb.toFixed(1)} MB`,
    ),
    verdict(
      grow <= 1.25,
      `peak RSS flat in N: ${small.run.rssMb.toFixed(1)} MB at ${small.n.toLocaleString('en')} targets, ${large.run.rssMb.toFixed(1)} MB at ${large.n.toLocaleString('en')} (${grow.toFixed(2)}x; target <= 1.25x)`,
    ),
  ].join('\n');
}

// ---- PostgreSQL schema-per-tenant ---------------------------------------------------------------

const schemaName = (k: number) => `tenant_${String(k).padStart(4, '0')}`;
const SCHEMA_QUERY = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY nspname";

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function postgresBench(): Promise<string> {
  const database = `strata_bench_fleet_${process.pid}`;
  const url = new URL(POSTGRES);
  url.pathname = `/${database}`;
  const db = url.toString();
  await withClient(POSTGRES, (c) => c.query(`CREATE DATABASE ${database}`));
  try {
    log(`PostgreSQL: ${PG_SCHEMAS} tenant schemas in ${database}`);
    const queue = Array.from({ length: PG_SCHEMAS }, (_, k) => schemaName(k));
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let schema = queue.shift(); schema; schema = queue.shift()) {
          const migrator = createMigrator({ db, schema, dir: INIT_ONLY, backup: false });
          await migrator.migrate();
          await migrator.close();
        }
      }),
    );
    await withClient(db, async (c) => {
      for (let k = 0; k < PG_SCHEMAS; k++) {
        const s = schemaName(k);
        await c.query(`INSERT INTO ${s}.customers SELECT g, 'Customer ' || g, 'customer' || g || '@example.com', repeat('note ' || g || ' ', 14) FROM generate_series(1, 400) g;
          INSERT INTO ${s}.orders SELECT g, 1 + g % 400, g * 37, to_char(timestamp '2026-01-01' + g * interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS') FROM generate_series(1, 1200) g`);
      }
    });
    const reset = () =>
      withClient(db, async (c) => {
        for (let k = 0; k < PG_SCHEMAS; k++) {
          const s = schemaName(k);
          await c.query(`ALTER TABLE ${s}.customers DROP COLUMN IF EXISTS tier; DELETE FROM ${s}.strata_migrations WHERE version = '2'`);
        }
      });
    const check = () =>
      withClient(db, async (c) => {
        let ok = 0;
        for (let k = 0; k < PG_SCHEMAS; k++) {
          const { rows } = await c.query(`SELECT 1 FROM ${schemaName(k)}.strata_migrations WHERE version = '2' AND status = 'applied'`);
          ok += rows.length === 1 ? 1 : 0;
        }
        if (ok !== PG_SCHEMAS) throw new Error(`PostgreSQL: ${ok} of ${PG_SCHEMAS} schemas migrated`);
      });

    const ledger = ledgerSql('postgres');
    log('PostgreSQL limit: one connection');
    const limitMs = await withClient(db, async (c) => {
      const started = performance.now();
      for (let k = 0; k < PG_SCHEMAS; k++) {
        const s = schemaName(k);
        await c.query('BEGIN');
        await c.query(`SET LOCAL search_path TO ${s}`);
        const { rows } = await c.query<{ version: string }>('SELECT version FROM strata_migrations');
        if (!rows.some((r) => r.version === '2')) {
          const at = performance.now();
          await c.query(ADD_UP);
          await c.query(ledger.insertApplied, ['2', 'add_tier', ADD_CHECKSUM, new Date().toISOString(), performance.now() - at, 2, null, null, null]);
        }
        await c.query('COMMIT');
      }
      return performance.now() - started;
    });
    await check();
    const limit: Row = { label: 'limit: one connection, pg', targets: PG_SCHEMAS, ms: limitMs };
    const rows: Row[] = [limit];
    log(`  limit: ${rate(limit).toFixed(1)}/s`);
    const runs: { concurrency: number; drift?: 'off' }[] = [
      ...CONCURRENCY.map((concurrency) => ({ concurrency })),
      { concurrency: Math.max(...CONCURRENCY), drift: 'off' },
    ];
    for (const { concurrency, drift } of runs) {
      await reset();
      log(`PostgreSQL fleet migrate: concurrency ${concurrency}, backups off${drift ? ', drift check off' : ''}`);
      const run = await fleetRun({ db, schemas: { query: SCHEMA_QUERY }, concurrency, backup: false, ...(drift ? { drift, child: true } : {}) });
      await check();
      const row = {
        label: `fleet migrate -c ${concurrency}, backups off${drift ? ', drift off (runFleet)' : ''}`,
        targets: PG_SCHEMAS,
        ms: run.ms,
        rssMb: run.rssMb,
      };
      rows.push(row);
      log(`  ${row.label}: ${rate(row).toFixed(1)}/s`);
    }
    return [
      `PostgreSQL: ${PG_SCHEMAS.toLocaleString('en')} tenant schemas in one database of the local server, the same two migrations`,
      '',
      table(rows, limit, undefined),
    ].join('\n');
  } finally {
    await withClient(POSTGRES, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => undefined);
  }
}

const environment = [
  `node: ${process.version}`,
  `cpu: ${cpus()[0]?.model ?? '?'} x ${cpus().length}`,
  `strata (dist/ built from): ${commitLabel(BUILD, 'src')}`,
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
];
const started = performance.now();
const sections = [RSS_ONLY ? await rssBench() : await sqliteBench()];
if (PG_SCHEMAS > 0) sections.push(await postgresBench());
environment.push(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
process.stdout.write(`${environment.join('\n')}\n\n${sections.join('\n\n')}\n\n(${seconds(performance.now() - started).toFixed(0)} s)\n`);
