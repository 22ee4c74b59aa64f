/**
 * Benchmark: a progressive backfill of 1,000,000 rows on SQLite.
 *
 *   node --import tsx bench/backfill.ts                          # 1M rows, batches of 100 and 10,000, 3 rounds
 *   node --import tsx bench/backfill.ts --rows 200000 --rounds 1 # quicker
 *   node --import tsx bench/backfill.ts --json bench/.work/backfill.json
 *
 * The work: `email_lower = lower(email)` on every row of `items (id INTEGER PRIMARY KEY, email
 * TEXT, email_lower TEXT)`. Each run starts from a fresh copy of the same file (WAL,
 * synchronous = NORMAL, Strata's defaults). Modes, interleaved over the rounds (order rotated),
 * the median reported:
 *
 * - single: one `UPDATE items SET email_lower = lower(email)` in one transaction: the limit.
 * - raw batches: better-sqlite3, prepared statements, per batch `BEGIN IMMEDIATE`, the batch's
 *   bounds (`SELECT count(*), min(id), max(id) FROM (SELECT id ... WHERE id > ? ORDER BY id LIMIT n)`,
 *   as Strata reads them), `UPDATE ... WHERE id >= first AND id <= last`, `COMMIT`.
 *   No checkpoint: a killed run cannot know where it stopped.
 * - raw batches + checkpoint: the same, plus Strata's checkpoint work in each transaction (read
 *   the state row, update it). The difference to raw batches is the cost of the checkpoints.
 * - strata backfill: `backfill({ db, table, set, batchSize })`, the library as users call it.
 *
 * Every run is checked: no row left with email_lower <> lower(email).
 */
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { backfill } from '../src/progressive/backfill.js';
import { stateTableSql } from '../src/progressive/backfill-state.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const WORK = join(HERE, '.work', 'backfill');

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    batches: { type: 'string', default: '100,10000' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const ROWS = Number(values.rows);
const BATCHES = values.batches!.split(',').map(Number);
const ROUNDS = Number(values.rounds);

function template(): string {
  const path = join(WORK, `template-${ROWS}.db`);
  if (existsSync(path)) return path;
  mkdirSync(WORK, { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, email TEXT NOT NULL, email_lower TEXT)');
  const insert = db.prepare('INSERT INTO items (id, email) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= ROWS; i++) insert.run(i, `User.${i}.Name@Example-${i % 97}.COM`);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return path;
}

function freshCopy(source: string): string {
  const path = join(WORK, 'run.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  copyFileSync(source, path);
  return path;
}

function open(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

function check(path: string): void {
  const db = new Database(path, { readonly: true });
  const { bad } = db.prepare('SELECT count(*) AS bad FROM items WHERE email_lower IS NULL OR email_lower <> lower(email)').get() as { bad: number };
  db.close();
  if (bad !== 0) throw new Error(`${bad} rows were not backfilled`);
}

type Mode = { label: string; batch: number | null; run: (path: string) => Promise<void> | void };

function rawBatches(batch: number, checkpoint: boolean): (path: string) => void {
  return (path) => {
    const db = open(path);
    if (checkpoint) {
      db.exec(stateTableSql('sqlite', 'strata_backfills'));
      db.prepare(
        "INSERT INTO strata_backfills (name, table_name, key_column, status, started_at, updated_at) VALUES ('bench', 'items', 'id', 'running', ?, ?)",
      ).run(new Date().toISOString(), new Date().toISOString());
    }
    const begin = db.prepare('BEGIN IMMEDIATE');
    const commit = db.prepare('COMMIT');
    // The batch's bounds, as Strata's `set` mode reads them (one row back, not `batch` rows).
    const first = db.prepare(`SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM (SELECT id FROM items ORDER BY id LIMIT ${batch})`);
    const next = db.prepare(`SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM (SELECT id FROM items WHERE id > ? ORDER BY id LIMIT ${batch})`);
    const update = db.prepare('UPDATE items SET email_lower = lower(email) WHERE id >= ? AND id <= ?');
    const readState = checkpoint ? db.prepare("SELECT * FROM strata_backfills WHERE name = 'bench'") : undefined;
    const writeState = checkpoint
      ? db.prepare("UPDATE strata_backfills SET last_key = ?, rows_done = rows_done + ?, batches = batches + 1, updated_at = ?, pid = ? WHERE name = 'bench'")
      : undefined;
    let last: number | null = null;
    for (;;) {
      begin.run();
      readState?.get();
      const b = (last === null ? first.get() : next.get(last)) as { n: number; lo: number; hi: number };
      if (b.n) {
        update.run(b.lo, b.hi);
        last = b.hi;
        writeState?.run(JSON.stringify(last), b.n, new Date().toISOString(), process.pid);
      }
      commit.run();
      if (b.n < batch) break;
    }
    db.close();
  };
}

const modes: Mode[] = [
  {
    label: 'single UPDATE (the limit)',
    batch: null,
    run: (path) => {
      const db = open(path);
      db.exec('BEGIN IMMEDIATE; UPDATE items SET email_lower = lower(email); COMMIT');
      db.close();
    },
  },
  ...BATCHES.flatMap((batch): Mode[] => [
    { label: 'raw batches, no checkpoint', batch, run: rawBatches(batch, false) },
    { label: 'raw batches + checkpoint', batch, run: rawBatches(batch, true) },
    {
      label: 'strata backfill',
      batch,
      run: async (path) => {
        const report = await backfill({ db: path, name: 'bench', table: 'items', set: 'email_lower = lower(email)', batchSize: batch });
        if (report.done !== ROWS) throw new Error(`backfill did ${report.done} rows`);
      },
    },
  ]),
];

const source = template();
console.log(
  `backfill benchmark: ${ROWS.toLocaleString('en-US')} rows, batches ${BATCHES.join(' / ')}, ${ROUNDS} round(s); load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const samples = new Map<Mode, number[]>(modes.map((m) => [m, []]));
/** CPU time (user + system) of this process: the work done, less disturbed by a busy machine than wall time. */
const cpuSamples = new Map<Mode, number[]>(modes.map((m) => [m, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = modes.map((_, i) => modes[(i + round) % modes.length]!);
  for (const mode of order) {
    const path = freshCopy(source);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await mode.run(path);
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    check(path);
    samples.get(mode)!.push(ms);
    cpuSamples.get(mode)!.push(cpuMs);
    console.log(`  round ${round + 1}: ${mode.label}${mode.batch ? ` (${mode.batch})` : ''}: ${Math.round(ms)} ms wall, ${Math.round(cpuMs)} ms cpu`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bareOf = (mode: Mode) => modes.find((m) => m.batch === mode.batch && m.label === 'raw batches, no checkpoint');
const rows = modes.map((mode) => {
  const ms = median(samples.get(mode)!);
  const cpuMs = median(cpuSamples.get(mode)!);
  const bare = mode.batch !== null && mode !== bareOf(mode) ? bareOf(mode) : undefined;
  return {
    mode: mode.label,
    batch: mode.batch,
    ms,
    cpuMs,
    rowsPerSecond: (ROWS * 1000) / ms,
    ofLimit: median(samples.get(modes[0]!)!) / ms,
    overheadWall: bare ? ms / median(samples.get(bare)!) - 1 : undefined,
    overheadCpu: bare ? cpuMs / median(cpuSamples.get(bare)!) - 1 : undefined,
  };
});
const pct = (x: number | undefined) => (x === undefined ? '' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)} %`);
console.log();
console.log('| mode | batch | wall (median) | rows/s (wall) | vs single UPDATE | CPU (median) | vs no checkpoint: wall / CPU |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const overhead = r.overheadWall === undefined ? '' : `${pct(r.overheadWall)} / ${pct(r.overheadCpu)}`;
  console.log(
    `| ${r.mode} | ${r.batch?.toLocaleString('en-US') ?? 'all'} | ${(r.ms / 1000).toFixed(2)} s | ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} | ${(r.ofLimit * 100).toFixed(0)} % | ${(r.cpuMs / 1000).toFixed(2)} s | ${overhead} |`,
  );
}
console.log(
  `\nload average at end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
if (values.json)
  writeFileSync(
    values.json,
    JSON.stringify(
      {
        rows: ROWS,
        rounds: ROUNDS,
        samples: modes.map((m) => ({ mode: m.label, batch: m.batch, ms: samples.get(m), cpuMs: cpuSamples.get(m) })),
        results: rows,
      },
      null,
      2,
    ),
  );
for (const suffix of ['', '-wal', '-shm']) rmSync(join(WORK, 'run.db') + suffix, { force: true });
