/**
 * The backup benchmark: Strata's BackupManager on a SQLite database of realistic rows (500 MB
 * by default), against the plain ways to copy and hash the same file (the limit).
 *
 *   node --import tsx bench/backup.ts                  # 500 MB, 3 interleaved rounds
 *   node --import tsx bench/backup.ts --quick          # 100 MB, 1 round: checks the harness
 *   node --import tsx bench/backup.ts --size-mb 300 --rounds 5 --json bench/.work/backup.json
 *
 * Rows (each operation runs in its own child process, `node --import tsx bench/backup.ts --child`,
 * which times the operation itself, node start-up excluded, and reports its peak RSS):
 * - limits: `cp --reflink=never`, fs.copyFileSync, copyFileSync + fsync, `sha256sum`,
 *   better-sqlite3 `db.backup()` in one step (what Strata's provider calls), and
 *   `PRAGMA integrity_check` alone (the check Strata runs on every verify and restore, and on
 *   create with --backup-check full), `cp` + `sync FILE` (a durable copy), node's gzip level 1
 *   stream on one core;
 * - Strata `create` plain, plain with --backup-check full, gzip 1, zstd 1 (where Node has it),
 *   AES-256-GCM; `verify` of each; `restore --to` of plain (structure- and fully checked) and
 *   gzip 1; plain `create` and `restore` of a small database too (peak RSS must not grow with the
 *   database);
 * - the issue's targets, each against limits measured in the same round: create and restore
 *   within 1.3x of max(durable copy, sha256); verify within 1.3x of max(sha256, integrity_check);
 *   compressed create within 1.3x of (gzip -1 on one core / cores); MET/MISS lines;
 * - writer impact: another process commits small transactions in a loop while a plain `create`
 *   runs, against the same loop with no backup, in WAL and in DELETE journal mode.
 *
 * Scratch files go to bench/.work/ (gitignored). The generated databases are kept and reused
 * (bench/.work/backup-<N>mb.db, with a .json stamp); everything else is deleted as it goes.
 * Not a test: it prints a table (stdout); progress goes to stderr. bench/README.md explains it.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BackupManager } from '../src/backup/backup-manager.js';
import { SqliteBackupProvider } from '../src/backup/providers/sqlite-provider.js';
import { EventChannel } from '../src/engine/events.js';
import { zstdAvailable } from '../src/backup/compression.js';
import { commitLabel, median, rotate } from './stats.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const SELF = fileURLToPath(import.meta.url);
const WORK = join(BENCH_DIR, '.work');
const MB = 1024 * 1024;
/** As in Strata's provider: all remaining pages in one step, one read transaction. */
const ALL_PAGES = 2 ** 31 - 1;
/** A fixed raw key (no scrypt): the cost measured is the cipher's, not the KDF's (~100 ms). */
const KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);

// ---- the operations -------------------------------------------------------------------------

interface Variant {
  gzip: number | null;
  codec?: 'zstd';
  encrypt: boolean;
  /** The create-time check (default structure). */
  check?: 'full';
}

const VARIANTS = {
  plain: { gzip: null, encrypt: false },
  plainFull: { gzip: null, encrypt: false, check: 'full' },
  gzip1: { gzip: 1, encrypt: false },
  zstd1: { gzip: 1, codec: 'zstd', encrypt: false },
  enc: { gzip: null, encrypt: true },
} as const satisfies Record<string, Variant>;
type VariantId = keyof typeof VARIANTS;
/** zstd only where this Node's zlib has it (22.15 / 23.8 on). */
const VARIANT_IDS = (Object.keys(VARIANTS) as VariantId[]).filter((id) => id !== 'zstd1' || zstdAvailable());
const VARIANT_LABELS: Record<VariantId, string> = {
  plain: 'plain',
  plainFull: 'plain, --backup-check full',
  gzip1: 'gzip 1',
  zstd1: 'zstd 1',
  enc: 'AES-256-GCM',
};
const RESTORED: readonly VariantId[] = ['plain', 'plainFull', 'gzip1'];

/** What a child process is asked to do. */
type Task =
  | { op: 'noop' }
  | { op: 'copy' | 'copy-fsync' | 'sqlite-backup'; db: string; out: string }
  | { op: 'integrity' | 'hash' | 'gzip1'; db: string }
  | { op: 'create'; db: string; dir: string; variant: VariantId }
  | { op: 'verify'; db: string; dir: string; variant: VariantId; id: string }
  | { op: 'restore'; db: string; dir: string; variant: VariantId; id: string; to: string }
  | { op: 'writer'; db: string; pauseMs: number };

interface ChildResult {
  /** The operation alone, timed inside the child. */
  ms: number;
  /** Epoch ms (performance.timeOrigin based) of the operation's start and end. */
  startedAt: number;
  endedAt: number;
  /** process.resourceUsage().maxRSS at exit, KiB (includes worker threads). */
  maxRssKib: number;
  /** CPU time (user + system) of the operation, ms, all threads. */
  cpuMs: number;
  /** create: the backup's id and stored size; phases from Strata's progress events. */
  id?: string;
  size?: number;
  phases?: Record<string, number>;
  /** writer: [epoch start, latency ms] of every commit. */
  commits?: [number, number][];
}

const epoch = () => performance.timeOrigin + performance.now();

function manager(db: string, dir: string, variant: VariantId, events?: EventChannel): BackupManager {
  const v: Variant = VARIANTS[variant];
  return new BackupManager({
    provider: new SqliteBackupProvider(db),
    dir,
    compression: v.gzip ?? false,
    ...('codec' in v ? { codec: v.codec } : {}),
    encrypt: v.encrypt,
    ...(v.check ? { check: v.check } : {}),
    key: { key: KEY },
    retention: { keepCount: 1000, keepDays: 1000 },
    ...(events ? { events } : {}),
  });
}

/** Runs in the child: one operation, then its figures on stdout. */
async function runTask(task: Task): Promise<ChildResult> {
  const cpu0 = process.resourceUsage();
  const started = epoch();
  const extra: Partial<ChildResult> = {};
  // Strata's progress events: when each phase last reported (the snapshot's end, the stream's end).
  const events = new EventChannel();
  const phases: Record<string, number> = {};
  events.on('backup:progress', ({ phase, bytes, totalBytes }) => {
    if (bytes > 0 && bytes >= totalBytes) phases[phase] = epoch() - started;
  });
  switch (task.op) {
    case 'noop':
      break;
    case 'copy':
      copyFileSync(task.db, task.out);
      break;
    case 'copy-fsync': {
      copyFileSync(task.db, task.out);
      const fd = openSync(task.out, 'r+');
      fsyncSync(fd);
      closeSync(fd);
      break;
    }
    case 'sqlite-backup': {
      const db = new Database(task.db, { readonly: true, fileMustExist: true });
      await db.backup(task.out, { progress: () => ALL_PAGES });
      db.close();
      break;
    }
    case 'hash': {
      // What Strata's hashing worker does: a 1 MB read stream into sha256 (OpenSSL).
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(task.db, { highWaterMark: MB })) hash.update(chunk as Buffer);
      hash.digest('hex');
      break;
    }
    case 'gzip1':
      // One zlib stream: one core. The compressed-create target divides it by the cores.
      await pipeline(createReadStream(task.db, { highWaterMark: MB }), createGzip({ level: 1 }), createWriteStream('/dev/null'));
      break;
    case 'integrity': {
      const db = new Database(task.db, { readonly: true, fileMustExist: true });
      const rows = db.pragma('integrity_check') as Record<string, unknown>[];
      db.close();
      if (rows.length !== 1 || Object.values(rows[0]!)[0] !== 'ok') throw new Error(`integrity_check: ${JSON.stringify(rows.slice(0, 3))}`);
      break;
    }
    case 'create': {
      const { backup } = await manager(task.db, task.dir, task.variant, events).create();
      if (!backup.verified) throw new Error(`backup ${backup.id} is not verified`);
      Object.assign(extra, { id: backup.id, size: backup.size, phases });
      break;
    }
    case 'verify':
      await manager(task.db, task.dir, task.variant, events).verify(task.id);
      extra.phases = phases;
      break;
    case 'restore':
      await manager(task.db, task.dir, task.variant, events).restore(task.id, { to: task.to });
      extra.phases = phases;
      break;
    case 'writer':
      extra.commits = await writerLoop(task.db, task.pauseMs);
      break;
  }
  const endedAt = epoch();
  const cpu1 = process.resourceUsage();
  const cpuMs = (cpu1.userCPUTime - cpu0.userCPUTime + cpu1.systemCPUTime - cpu0.systemCPUTime) / 1000;
  return { ms: endedAt - started, startedAt: started, endedAt, maxRssKib: cpu1.maxRSS, cpuMs, ...extra };
}

/**
 * Another application writing: one small transaction (an UPDATE and an upsert of a ~200-byte
 * row) every `pauseMs`, until a line arrives on stdin. Each commit's BEGIN IMMEDIATE..COMMIT is
 * timed. busy_timeout 60 s, so a blocked writer waits (and shows it) rather than failing.
 */
async function writerLoop(file: string, pauseMs: number): Promise<[number, number][]> {
  const db = new Database(file, { timeout: 60_000 });
  db.pragma('synchronous = NORMAL');
  const bump = db.prepare('UPDATE counters SET n = n + 1, at = ? WHERE id = ?');
  const note = db.prepare('INSERT INTO recent (slot, at, note) VALUES (?, ?, ?) ON CONFLICT (slot) DO UPDATE SET at = excluded.at, note = excluded.note');
  const write = db.transaction((i: number, at: number, text: string) => {
    bump.run(at, (i % 1000) + 1);
    note.run(i % 1000, at, text);
  });
  let stop = false;
  process.stdin.on('data', () => (stop = true));
  process.stdout.write('writer-ready\n');
  const commits: [number, number][] = [];
  for (let i = 0; !stop; i++) {
    const text = `event ${i} ${randomBytes(80).toString('hex')}`;
    const at = epoch();
    const t0 = performance.now();
    write.immediate(i, Math.round(at), text);
    commits.push([at, performance.now() - t0]);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  process.stdin.destroy();
  db.close();
  return commits;
}

// ---- child processes ------------------------------------------------------------------------

interface Spawned {
  result: Promise<ChildResult>;
  /** Resolves when the child printed `writer-ready`. */
  ready: Promise<void>;
  /** Sends the stop line (the writer). */
  stop(): void;
}

function child(task: Task): Spawned {
  const proc = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', JSON.stringify(task)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (out.includes('writer-ready')) readyResolve();
  });
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const result = new Promise<ChildResult>((resolvePromise, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = /bench-result=(.*)/.exec(out);
      if (code !== 0 || !line) reject(new Error(`child ${task.op} exited ${code}\n${out}${err}`));
      else resolvePromise(JSON.parse(line[1]!) as ChildResult);
    });
  });
  return { result, ready, stop: () => proc.stdin.end('stop\n') };
}

const runChild = (task: Task) => child(task).result;

/**
 * An external command (cp, sha256sum) under bash, timed from here (the spawns cost a few ms);
 * bash's `times` gives the command's CPU time.
 */
async function runCommand(cmd: string, args: string[]): Promise<ChildResult> {
  const started = epoch();
  const script = `"$@" >/dev/null || exit $?; times`;
  const output = await new Promise<string>((resolvePromise, reject) => {
    const proc = spawn('bash', ['-c', script, 'bash', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
  const endedAt = epoch();
  // `times`: the shell's user/sys, then its children's: "0m0.003s 0m0.046s".
  const children =
    output
      .trim()
      .split('\n')
      .at(-1)!
      .match(/(\d+)m([\d.]+)s/g) ?? [];
  const cpuMs = children.reduce((sum, t) => {
    const [, m, sec] = /(\d+)m([\d.]+)s/.exec(t)!;
    return sum + (Number(m) * 60 + Number(sec)) * 1000;
  }, 0);
  return { ms: endedAt - started, startedAt: started, endedAt, maxRssKib: 0, cpuMs };
}

// ---- the database ---------------------------------------------------------------------------

const WORDS = (
  'account order invoice customer shipment payment refund status pending active archived draft ' +
  'the a of to and in for on with by from at as is was be this that it not or are an which ' +
  'migration schema table index column record value update insert delete select warehouse ' +
  'product price quantity discount total tax currency region north south east west central ' +
  'delivered returned cancelled processing review approved rejected priority normal low high ' +
  'note comment summary description address street city country postal phone email contact ' +
  'monday tuesday wednesday thursday friday january february march april may june july august'
).split(' ');

/** xorshift32: fast, deterministic text. */
function prng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function sentence(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  return out.join(' ');
}

interface DbStamp {
  sizeMb: number;
  rows: number;
  bytes: number;
}

/**
 * A database of ~`sizeMb` MiB: `docs` rows of text (title, 300-900 chars of body) and a blob
 * (a JSON-ish attribute block and 64-320 random bytes: images, hashes, tokens), with an index on
 * (account, created); plus the writer's two small tables. WAL mode, checkpointed at rest.
 * Reused when its stamp says the same size.
 */
function ensureDatabase(sizeMb: number): { file: string; stamp: DbStamp } {
  const file = join(WORK, `backup-${sizeMb}mb.db`);
  const stampFile = `${file}.json`;
  if (existsSync(file) && existsSync(stampFile)) {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as DbStamp;
    if (stamp.sizeMb === sizeMb) {
      const db = new Database(file);
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('journal_mode = WAL');
      db.close();
      return { file, stamp: { ...stamp, bytes: statSync(file).size } };
    }
  }
  log(`generating ${file} (${sizeMb} MB)`);
  for (const suffix of ['', '-wal', '-shm', '.json']) rmSync(file + suffix, { force: true });
  const started = performance.now();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -65536');
  db.exec(`
    CREATE TABLE docs (id INTEGER PRIMARY KEY, account INTEGER NOT NULL, created TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, payload BLOB NOT NULL);
    CREATE INDEX docs_account_created ON docs (account, created);
    CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, at INTEGER NOT NULL);
    CREATE TABLE recent (slot INTEGER PRIMARY KEY, at INTEGER NOT NULL, note TEXT NOT NULL);
  `);
  const insert = db.prepare('INSERT INTO docs (account, created, title, body, payload) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    const c = db.prepare('INSERT INTO counters (id, n, at) VALUES (?, 0, 0)');
    for (let i = 1; i <= 1000; i++) c.run(i);
  })();
  const rand = prng(sizeMb * 7919);
  const target = sizeMb * MB;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const batch = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) {
      const account = Math.floor(rand() * 50_000);
      const created = new Date(1_600_000_000_000 + Math.floor(rand() * 150_000_000_000)).toISOString();
      const attrs = JSON.stringify({
        status: sentence(rand, 1),
        region: sentence(rand, 1),
        qty: Math.floor(rand() * 1000),
        tags: sentence(rand, 4).split(' '),
        note: sentence(rand, 12),
      });
      const payload = Buffer.concat([Buffer.from(attrs), randomBytes(64 + Math.floor(rand() * 256))]);
      insert.run(account, created, sentence(rand, 4 + Math.floor(rand() * 6)), sentence(rand, 50 + Math.floor(rand() * 100)), payload);
    }
  });
  let rows = 0;
  while ((db.pragma('page_count', { simple: true }) as number) * pageSize < target) {
    batch(5000);
    rows += 5000;
    if (rows % 100_000 === 0) log(`  ${rows} rows, ${(((db.pragma('page_count', { simple: true }) as number) * pageSize) / MB).toFixed(0)} MB`);
  }
  db.pragma('synchronous = FULL');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const stamp: DbStamp = { sizeMb, rows, bytes: statSync(file).size };
  writeFileSync(stampFile, JSON.stringify(stamp));
  log(`  ${rows} rows, ${(stamp.bytes / MB).toFixed(0)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { file, stamp };
}

function setJournalMode(file: string, mode: 'wal' | 'delete'): void {
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const now = db.pragma(`journal_mode = ${mode}`, { simple: true });
  db.close();
  if (now !== mode) throw new Error(`${file}: journal_mode is ${String(now)}, not ${mode}`);
}

// ---- the benchmark --------------------------------------------------------------------------

interface Options {
  sizeMb: number;
  rounds: number;
  smallMb: number;
  writer: boolean;
  deleteMode: boolean;
  /** Rounds that also run the DELETE-journal writer test (it is the slow one). */
  deleteRounds: number;
  pauseMs: number;
  json?: string;
  /** --only: the rows to run (see `selectRows`); all when absent. */
  only?: ReadonlySet<string>;
}

interface Row {
  key: string;
  label: string;
  group: 'floor' | 'limit' | 'create' | 'verify' | 'restore' | 'scale';
  samples: ChildResult[];
  /** Stored bytes (the output), when the row writes one. */
  size?: number;
  /** Plain bytes processed, for MB/s. */
  plainBytes: number;
}

interface WriterStats {
  commits: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  over100ms: number;
}

interface WriterRow {
  mode: 'wal' | 'delete';
  idle: WriterStats[];
  busy: WriterStats[];
  backupMs: number[];
}

function log(message: string): void {
  process.stderr.write(`[backup bench] ${message}\n`);
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function writerStats(commits: [number, number][], from: number, to: number): WriterStats {
  const inWindow = commits.filter(([at, ms]) => at + ms >= from && at <= to);
  const lat = inWindow.map(([, ms]) => ms).sort((a, b) => a - b);
  return {
    commits: lat.length,
    perSecond: lat.length / ((to - from) / 1000),
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat.at(-1) ?? NaN,
    over100ms: lat.filter((ms) => ms > 100).length,
  };
}

/**
 * The limit rows each target is measured against: asking for a target's row (`--only
 * create:gzip1`) runs its limits too, or its MET/MISS line would have nothing to divide by.
 */
const LIMITS_OF: Record<string, readonly string[]> = {
  'create:plain': ['copyFsync', 'cpSync', 'hash'],
  'restore:plain': ['copyFsync', 'cpSync', 'hash', 'integrity'],
  'restore:plainFull': ['copyFsync', 'cpSync', 'hash'],
  'verify:plain': ['hash', 'integrity'],
  'create:gzip1': ['gzip1'],
  'create:zstd1': ['gzip1'],
};

/**
 * The row keys `--only` selects. A name is a row key (`cp`, `gzip1`, `create:gzip1`,
 * `verify:enc`, `restore:plain`, `scale:small`, `writer`) or a variant id, which stands for its
 * create and that create's limits (`gzip1` = the compressed-create target: the one-core gzip
 * stream and `create, gzip 1`). A verify or restore needs its create, so that runs too.
 */
function selectRows(names: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const name of names) {
    keys.add(name);
    if ((VARIANT_IDS as readonly string[]).includes(name)) keys.add(`create:${name}`);
    const [op, variant] = name.split(':');
    if ((op === 'verify' || op === 'restore') && variant) keys.add(`create:${variant}`);
  }
  for (const key of [...keys]) for (const limit of LIMITS_OF[key] ?? []) keys.add(limit);
  return keys;
}

async function runBench(options: Options) {
  const wanted = (key: string) => !options.only || options.only.has(key);
  mkdirSync(WORK, { recursive: true });
  const environment: Record<string, string> = { 'load average at start': load() };
  const main = ensureDatabase(options.sizeMb);
  // --only without the small-database rows needs no small database.
  const smallWanted = wanted('scale:small') || wanted('scale:small-restore');
  const small = smallWanted && options.smallMb !== options.sizeMb ? ensureDatabase(options.smallMb) : main;
  const dbBytes = statSync(main.file).size;
  const backups = join(WORK, 'backups');
  const out = (name: string) => join(WORK, name);
  const cleanOutputs = () => {
    rmSync(backups, { recursive: true, force: true });
    for (const name of ['copy.db', 'sqlite-backup.db', 'restored-small.db', ...RESTORED.map((variant) => `restored-${variant}.db`)])
      rmSync(out(name), { force: true });
  };
  cleanOutputs();

  const rows = new Map<string, Row>();
  const add = (key: string, label: string, group: Row['group'], plainBytes: number, sample: ChildResult, size?: number) => {
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { key, label, group, samples: [], plainBytes }));
    row.samples.push(sample);
    if (size !== undefined) row.size = size;
  };

  // Untimed warm-up: the database in the page cache (every run reads it from memory, as a
  // backup of a busy database would), tsx's compile cache filled, one child's start-up paid.
  log('warm-up');
  await runCommand('sha256sum', [main.file]);
  if (small !== main) await runCommand('sha256sum', [small.file]);
  add('noop', 'child process, nothing done (RSS floor)', 'floor', 0, await runChild({ op: 'noop' }));

  const allLimits: [string, string, () => Promise<ChildResult>, boolean][] = [
    ['cp', 'cp --reflink=never', () => runCommand('cp', ['--reflink=never', main.file, out('copy.db')]), true],
    ['copyFileSync', 'fs.copyFileSync', () => runChild({ op: 'copy', db: main.file, out: out('copy.db') }), true],
    ['copyFsync', 'fs.copyFileSync + fsync', () => runChild({ op: 'copy-fsync', db: main.file, out: out('copy.db') }), true],
    [
      'cpSync',
      'cp --reflink=never + sync FILE',
      () => runCommand('sh', ['-c', 'cp --reflink=never "$1" "$2" && sync "$2"', 'sh', main.file, out('copy.db')]),
      true,
    ],
    ['sha256sum', 'sha256sum (coreutils)', () => runCommand('sha256sum', [main.file]), false],
    ['hash', "node sha256 stream (as Strata's worker)", () => runChild({ op: 'hash', db: main.file }), false],
    ['sqliteBackup', 'better-sqlite3 db.backup(), one step', () => runChild({ op: 'sqlite-backup', db: main.file, out: out('sqlite-backup.db') }), true],
    ['integrity', 'PRAGMA integrity_check alone', () => runChild({ op: 'integrity', db: main.file }), false],
    ['gzip1', 'node gzip -1 stream, one core', () => runChild({ op: 'gzip1', db: main.file }), false],
  ];
  const limits = allLimits.filter(([key]) => wanted(key));
  const variants = VARIANT_IDS.filter((variant) => wanted(`create:${variant}`));

  const writerRows: WriterRow[] = [];
  const writerModes: ('wal' | 'delete')[] = options.writer && wanted('writer') ? (options.deleteMode ? ['wal', 'delete'] : ['wal']) : [];
  for (const mode of writerModes) writerRows.push({ mode, idle: [], busy: [], backupMs: [] });

  for (let round = 0; round < options.rounds; round++) {
    // Phase A: the limits and every create, in an order rotated every round.
    const created = new Map<VariantId, string>();
    const phaseA: [string, () => Promise<void>][] = [
      ...limits.map(([key, label, run, writes]): [string, () => Promise<void>] => [
        key,
        async () => {
          add(key, label, 'limit', dbBytes, await run(), writes ? dbBytes : undefined);
          rmSync(out('copy.db'), { force: true });
          rmSync(out('sqlite-backup.db'), { force: true });
        },
      ]),
      ...variants.map((variant): [string, () => Promise<void>] => [
        `create ${variant}`,
        async () => {
          const r = await runChild({ op: 'create', db: main.file, dir: backups, variant });
          created.set(variant, r.id!);
          add(`create:${variant}`, `create, ${VARIANT_LABELS[variant]}`, 'create', dbBytes, r, r.size);
        },
      ]),
    ];
    if (smallWanted)
      phaseA.push([
        'create plain, small db',
        async () => {
          const dir = join(WORK, 'backups-small');
          const r = await runChild({ op: 'create', db: small.file, dir, variant: 'plain' });
          add('scale:small', `create, plain, ${options.smallMb} MB database`, 'scale', small.stamp.bytes, r, r.size);
          const to = out('restored-small.db');
          rmSync(to, { force: true });
          const restored = await runChild({ op: 'restore', db: small.file, dir, variant: 'plain', id: r.id!, to });
          add('scale:small-restore', `restore --to, plain, ${options.smallMb} MB database`, 'scale', small.stamp.bytes, restored, small.stamp.bytes);
          rmSync(to, { force: true });
          rmSync(dir, { recursive: true, force: true });
        },
      ]);
    for (const [name, run] of rotate(phaseA, round)) {
      const t0 = performance.now();
      await run();
      log(`round ${round + 1}/${options.rounds}: ${name}: ${formatMs(performance.now() - t0)} (load ${load()})`);
    }
    // Phase B: verify each backup of this round, restore two of them to a new path.
    const phaseB: [string, () => Promise<void>][] = [
      ...variants
        .filter((variant) => variant !== 'plainFull' && wanted(`verify:${variant}`))
        .map((variant): [string, () => Promise<void>] => [
          `verify ${variant}`,
          async () =>
            add(
              `verify:${variant}`,
              `verify, ${VARIANT_LABELS[variant]}`,
              'verify',
              dbBytes,
              await runChild({ op: 'verify', db: main.file, dir: backups, variant, id: created.get(variant)! }),
            ),
        ]),
      ...RESTORED.filter((variant) => wanted(`restore:${variant}`)).map((variant): [string, () => Promise<void>] => [
        `restore ${variant}`,
        async () => {
          const to = out(`restored-${variant}.db`);
          rmSync(to, { force: true });
          const r = await runChild({ op: 'restore', db: main.file, dir: backups, variant, id: created.get(variant)!, to });
          // The writer runs of an earlier round may have grown the database by a few pages.
          const expected = statSync(main.file).size;
          if (statSync(to).size !== expected) throw new Error(`restore ${variant}: ${to} is ${statSync(to).size} bytes, not ${expected}`);
          rmSync(to, { force: true });
          add(`restore:${variant}`, `restore --to, ${VARIANT_LABELS[variant]}`, 'restore', dbBytes, r, dbBytes);
        },
      ]),
    ];
    for (const [name, run] of rotate(phaseB, round)) {
      const t0 = performance.now();
      await run();
      log(`round ${round + 1}/${options.rounds}: ${name}: ${formatMs(performance.now() - t0)} (load ${load()})`);
    }
    cleanOutputs();

    // Writer impact: a plain create with a writer running, then the writer alone for as long.
    for (const row of writerRows) {
      if (row.mode === 'delete' && round >= options.deleteRounds) continue;
      if (row.mode === 'delete') setJournalMode(main.file, 'delete');
      try {
        log(`round ${round + 1}/${options.rounds}: writer, ${row.mode}, with a backup (load ${load()})`);
        const writer = child({ op: 'writer', db: main.file, pauseMs: options.pauseMs });
        await writer.ready;
        await sleep(1000);
        const backup = await runChild({ op: 'create', db: main.file, dir: backups, variant: 'plain' });
        await sleep(500);
        writer.stop();
        const busy = await writer.result;
        row.busy.push(writerStats(busy.commits!, backup.startedAt, backup.endedAt));
        row.backupMs.push(backup.ms);
        log(`  create ${formatMs(backup.ms)}; writer max ${formatMs(row.busy.at(-1)!.max)}`);
        cleanOutputs();
        log(`round ${round + 1}/${options.rounds}: writer, ${row.mode}, alone`);
        const alone = child({ op: 'writer', db: main.file, pauseMs: options.pauseMs });
        await alone.ready;
        await sleep(1000);
        const from = epoch();
        await sleep(backup.ms);
        const to = epoch();
        alone.stop();
        row.idle.push(writerStats((await alone.result).commits!, from, to));
      } finally {
        setJournalMode(main.file, 'wal');
      }
    }
    // The table so far, in case a long run has to be stopped: bench/.work/backup-partial.txt.
    const partial = {
      environment: { ...environment, 'load average at end': load(), 'rounds done': String(round + 1) },
      rows: [...rows.values()],
      writerRows,
      dbBytes,
      main,
      small,
    };
    writeFileSync(join(WORK, 'backup-partial.txt'), `${report({ ...options, rounds: round + 1 }, partial)}\n`);
  }
  cleanOutputs();
  environment['load average at end'] = load();
  return { environment, rows: [...rows.values()], writerRows, dbBytes, main, small };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- the report -----------------------------------------------------------------------------

function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function formatBytes(bytes: number): string {
  return `${(bytes / MB).toFixed(bytes >= 100 * MB ? 0 : 1)} MB`;
}

function table(rows: string[][], rightFrom = 1): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c < rightFrom ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function environmentLines(
  options: Options,
  main: { file: string; stamp: DbStamp },
  small: { file: string; stamp: DbStamp },
  env: Record<string, string>,
): Record<string, string> {
  const db = new Database(':memory:');
  const sqlite = db.prepare('SELECT sqlite_version()').pluck().get() as string;
  db.close();
  const commit = commitLabel(ROOT, 'src/backup');
  const fs = statfsSync(WORK);
  const cpu = cpus();
  const bsql = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string }).version;
  return {
    node: process.version,
    cpu: `${cpu[0]?.model ?? '?'} x ${cpu.length}`,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GB (the database stays in the page cache)`,
    sqlite,
    'better-sqlite3': bsql,
    'strata (src/ at)': commit,
    database: `${main.file.replace(`${ROOT}/`, '')}: ${formatBytes(main.stamp.bytes)}, ${main.stamp.rows} rows, WAL`,
    ...(small !== main ? { 'small database': `${small.file.replace(`${ROOT}/`, '')}: ${formatBytes(small.stamp.bytes)}, ${small.stamp.rows} rows` } : {}),
    'disk free (bench/.work)': `${((fs.bavail * fs.bsize) / 1024 ** 3).toFixed(1)} GB`,
    rounds: String(options.rounds),
    ...(options.only ? { 'rows (--only)': [...options.only].join(', ') } : {}),
    ...env,
  };
}

function report(options: Options, results: Awaited<ReturnType<typeof runBench>>): string {
  const { rows, writerRows, main, small } = results;
  const env = environmentLines(options, main, small, results.environment);
  const out: string[] = [
    Object.entries(env)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
    '',
  ];
  // NaN (an empty column) when --only left cp out.
  const cp = median(rows.find((r) => r.key === 'cp')?.samples.map((s) => s.ms) ?? []);
  const header = ['operation', 'time', 'x cp', 'MB/s', 'CPU', 'output', 'peak RSS', 'where the time went (median)'];
  const body: string[][] = [header];
  const groups: [Row['group'], string][] = [
    ['limit', 'limits'],
    ['create', 'Strata create'],
    ['verify', 'Strata verify'],
    ['restore', 'Strata restore'],
    ['scale', 'RSS vs db size'],
  ];
  for (const [group, title] of groups) {
    body.push([title, '', '', '', '', '', '', '']);
    for (const row of rows.filter((r) => r.group === group)) {
      if (row.samples.length === 0) continue;
      const ms = median(row.samples.map((s) => s.ms));
      const rss = median(row.samples.map((s) => s.maxRssKib));
      const phaseNames = Object.keys(row.samples[0]!.phases ?? {});
      const phases = phaseNames.map(
        (p) => `${p === 'write' || p === 'verify' || p === 'restore' ? 'stream' : p} ${formatMs(median(row.samples.map((s) => s.phases?.[p] ?? NaN)))}`,
      );
      body.push([
        `  ${row.label}`,
        formatMs(ms),
        row.group === 'scale' || Number.isNaN(cp) ? '' : `${(ms / cp).toFixed(2)}x`,
        row.plainBytes ? (row.plainBytes / MB / (ms / 1000)).toFixed(0) : '',
        formatMs(median(row.samples.map((s) => s.cpuMs))),
        row.size !== undefined ? formatBytes(row.size) : '',
        rss ? `${(rss / 1024).toFixed(0)} MB` : '-',
        phases.length ? `${phases.join(', ')} (from start)` : '',
      ]);
    }
    if (group === 'scale') {
      for (const [key, label] of [
        ['create:plain', 'create'],
        ['restore:plain', 'restore --to'],
      ] as const) {
        const big = rows.find((r) => r.key === key);
        if (!big) continue;
        body.push([
          `  ${label}, plain, ${options.sizeMb} MB database (above)`,
          formatMs(median(big.samples.map((s) => s.ms))),
          '',
          (big.plainBytes / MB / (median(big.samples.map((s) => s.ms)) / 1000)).toFixed(0),
          formatMs(median(big.samples.map((s) => s.cpuMs))),
          formatBytes(big.size ?? 0),
          `${(median(big.samples.map((s) => s.maxRssKib)) / 1024).toFixed(0)} MB`,
          '',
        ]);
      }
      const noop = rows.find((r) => r.key === 'noop');
      if (noop?.samples.length)
        body.push(['  child process, nothing done (floor)', '', '', '', '', '', `${(median(noop.samples.map((s) => s.maxRssKib)) / 1024).toFixed(0)} MB`, '']);
    }
  }
  out.push(table(body, 1));
  out.push(
    '',
    `time: median of ${options.rounds} (order rotated every round), the operation alone, timed inside its child process (node start-up excluded); cp and sha256sum timed around the command.`,
    'x cp: time / `cp --reflink=never` time. MB/s: database bytes / time. output: bytes written (stored backup size for creates).',
    'CPU: user + system CPU time of the operation, all threads (cp, sha256sum: from bash `times`); unlike wall time it hardly moves with the load.',
    'create = snapshot (from 32 MiB: a file copy in a child process, started before the database is opened, run under a read transaction, hashed as written, synced every 64 MB),',
    '  then the structure check beside the encode stream (plain: nothing more to write); --backup-check full: integrity_check (worker) beside it;',
    '  gzip, zstd, AES-256-GCM: the encode stream reads the snapshot as the copy process reports it written, so it starts with the copy (stream ends after snapshot);',
    'verify, plain = sha256 (worker) beside integrity_check of the stored file in place; others: decode to a temp file, then integrity_check;',
    'restore --to, plain = one pass on a worker thread (read, sha256 of the same buffers, write, fsync every 64 MB) beside integrity_check of the stored file,',
    '  which is skipped when the manifest says the full check passed at create (and the sha256 proves the same bytes); others: decode + fsync, then integrity_check; then a hard link to the target.',
    'durable copy = the faster of fs.copyFileSync + fsync and cp + sync FILE, in the same round.',
    'peak RSS: process.resourceUsage().maxRSS of the child (node + tsx + the operation, worker threads included); cp and sha256sum not measured.',
    "where the time went: when Strata's progress events reported each phase complete, from the start (stream = the encode/decode pass, before its fsync).",
  );
  out.push('', ...targetLines(options, rows));
  const load = Number(results.environment['load average at start']?.split(' ')[0]);
  if (load > 1) out.push(`warning: load average ${load} at start; another process was using the CPU, every figure is inflated`);

  if (writerRows.length) {
    const w: string[][] = [['writer commits (another process)', 'commits', 'per s', 'p50', 'p99', 'max', '> 100 ms', 'backup ran']];
    for (const row of writerRows) {
      for (const [label, stats] of [
        ['no backup', row.idle],
        ['during a plain create', row.busy],
      ] as const) {
        const m = (f: (s: WriterStats) => number) => median(stats.map(f));
        w.push([
          `${row.mode.toUpperCase()}, ${label}`,
          m((s) => s.commits).toFixed(0),
          m((s) => s.perSecond).toFixed(0),
          formatMs(m((s) => s.p50)),
          formatMs(m((s) => s.p99)),
          formatMs(m((s) => s.max)),
          m((s) => s.over100ms).toFixed(0),
          label === 'no backup' ? '' : formatMs(median(row.backupMs)),
        ]);
      }
    }
    out.push(
      '',
      table(w, 1),
      '',
      `writer: one BEGIN IMMEDIATE / UPDATE / upsert / COMMIT every ${options.pauseMs} ms (synchronous=NORMAL, busy_timeout 60 s), latency = BEGIN..COMMIT;`,
      `medians over ${options.rounds} round(s) of: the commits that overlap the create's run, and the same loop alone over an equally long window.`,
    );
  }
  return out.join('\n');
}

// ---- the issue's targets --------------------------------------------------------------------

/** How far from its limit an operation may be: the issue's 1.3x. */
const TARGET_RATIO = 1.3;

/**
 * Each target against limits measured in the same round (the machine's load moves both), one
 * ratio per round and their median; MET when the median is within TARGET_RATIO.
 */
function targetLines(options: Options, rows: Row[]): string[] {
  const byKey = new Map(rows.map((row) => [row.key, row]));
  const at = (key: string, round: number) => byKey.get(key)?.samples[round]?.ms ?? NaN;
  const durable = (i: number) => Math.min(at('copyFsync', i), at('cpSync', i));
  const copyOrHash = (i: number) => Math.max(durable(i), at('hash', i));
  const cores = availableParallelism();
  const targets: [string, string, string, (round: number) => number][] = [
    ['create, plain', 'create:plain', 'max(durable copy, sha256)', copyOrHash],
    ['restore --to, plain, fully checked at create', 'restore:plainFull', 'max(durable copy, sha256)', copyOrHash],
    ['restore --to, plain (structure-checked at create)', 'restore:plain', 'max(durable copy, sha256)', copyOrHash],
    [
      'restore --to, plain (structure-checked at create)',
      'restore:plain',
      'max(durable copy, sha256, integrity_check)',
      (i) => Math.max(copyOrHash(i), at('integrity', i)),
    ],
    ['verify, plain', 'verify:plain', 'max(sha256, integrity_check)', (i) => Math.max(at('hash', i), at('integrity', i))],
    ['create, gzip 1', 'create:gzip1', `gzip -1 on one core / ${cores} cores`, (i) => at('gzip1', i) / cores],
    ['create, zstd 1', 'create:zstd1', `gzip -1 on one core / ${cores} cores`, (i) => at('gzip1', i) / cores],
  ];
  const lines = [`targets (each round against the limits measured in that round; MET when the median ratio is within ${TARGET_RATIO}x):`];
  for (const [label, key, limitLabel, limit] of targets) {
    const row = byKey.get(key);
    if (!row) continue;
    const ratios = row.samples.map((sample, round) => sample.ms / limit(round));
    const limits = row.samples.map((_, round) => limit(round));
    const m = median(ratios);
    lines.push(
      `  ${m <= TARGET_RATIO ? 'MET ' : 'MISS'} ${label}: ${formatMs(median(row.samples.map((s) => s.ms)))} vs ${limitLabel} ${formatMs(median(limits))}: ${ratios.map((r) => `${r.toFixed(2)}x`).join(' ')} (median ${m.toFixed(2)}x)`,
    );
  }
  // Flat: the big database's peak RSS within 10% of the small one's.
  for (const [label, big, small] of [
    ['create, plain', 'create:plain', 'scale:small'],
    ['restore --to, plain', 'restore:plain', 'scale:small-restore'],
  ] as const) {
    const rssBig = median(byKey.get(big)?.samples.map((s) => s.maxRssKib) ?? []) / 1024;
    const rssSmall = median(byKey.get(small)?.samples.map((s) => s.maxRssKib) ?? []) / 1024;
    if (!Number.isFinite(rssBig) || !Number.isFinite(rssSmall)) continue;
    lines.push(
      `  ${rssBig <= rssSmall * 1.1 ? 'MET ' : 'MISS'} peak RSS flat, ${label}: ${rssSmall.toFixed(0)} MB at ${options.smallMb} MB, ${rssBig.toFixed(0)} MB at ${options.sizeMb} MB (within 10%)`,
    );
  }
  return lines;
}

// ---- entry ----------------------------------------------------------------------------------

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    'size-mb': { type: 'string' },
    rounds: { type: 'string' },
    'small-mb': { type: 'string' },
    'pause-ms': { type: 'string' },
    'no-writer': { type: 'boolean' },
    'no-delete-mode': { type: 'boolean' },
    'delete-rounds': { type: 'string' },
    quick: { type: 'boolean' },
    json: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

if (values.child) {
  const result = await runTask(JSON.parse(values.child) as Task);
  process.stdout.write(`bench-result=${JSON.stringify(result)}\n`);
} else if (values.help) {
  process.stdout.write(
    [
      'usage: node --import tsx bench/backup.ts [--quick] [--size-mb N] [--rounds R] [--small-mb N] [--pause-ms P] [--no-writer] [--no-delete-mode] [--only ROWS] [--json FILE]',
      '  --size-mb         database size in MiB (default 500; --quick: 100); generated once into bench/.work/ and reused',
      '  --rounds          interleaved rounds, medians reported (default 3; --quick: 1)',
      '  --small-mb        the small database for the RSS-against-size row (default 100; --quick: 20)',
      "  --pause-ms        the writer's pause between transactions (default 2)",
      '  --no-writer       skip the writer-impact runs; --no-delete-mode: WAL only',
      '  --delete-rounds   rounds that also run the writer in DELETE journal mode (default 1)',
      '  --only            comma-separated rows to run, the rest skipped: a row key (cp, copyFsync, cpSync, sha256sum, hash,',
      '                    sqliteBackup, integrity, gzip1, create:VARIANT, verify:VARIANT, restore:VARIANT, scale:small, writer)',
      '                    or a variant (plain, plainFull, gzip1, zstd1, enc: its create); a target row brings its limits,',
      "                    a verify or restore its create. '--only gzip1' is the compressed-create target alone",
      '  --json            also write every sample to FILE',
      '',
    ].join('\n'),
  );
} else {
  const quick = values.quick === true;
  const options: Options = {
    sizeMb: positive('size-mb', values['size-mb'], quick ? 100 : 500),
    rounds: positive('rounds', values.rounds, quick ? 1 : 3),
    smallMb: positive('small-mb', values['small-mb'], quick ? 20 : 100),
    pauseMs: positive('pause-ms', values['pause-ms'], 2),
    writer: values['no-writer'] !== true,
    deleteMode: values['no-delete-mode'] !== true,
    deleteRounds: positive('delete-rounds', values['delete-rounds'], 1),
    ...(values.json ? { json: values.json } : {}),
    ...(values.only ? { only: selectRows(values.only.split(',').map((name) => name.trim())) } : {}),
  };
  const started = performance.now();
  const results = await runBench(options);
  process.stdout.write(`${report(options, results)}\n\n(${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  if (options.json) {
    const file = resolve(options.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ options, environment: results.environment, rows: results.rows, writer: results.writerRows }, null, 2));
  }
}
