/**
 * Benchmark: reading a large dexie-export-import file into SQLite.
 *
 *   node --import tsx bench/import.ts                      # 100k and 1M rows (about 32 and 315 MB)
 *   node --import tsx bench/import.ts --rows 200000        # one size
 *   node --import tsx bench/import.ts --rows 100000,1000000 --rounds 3 --json bench/.work/import.json
 *
 * For each size it generates a Dexie export (the exact layout exportDB writes: `$types` dates,
 * unicode and escapes in strings), then runs each mode in its own child process, interleaved over
 * the rounds, and reports the median rows/s and the peak RSS (process.resourceUsage().maxRSS):
 *
 * - raw: the same rows generated in memory (no file, no parsing), inserted with a prepared
 *   statement in 1,000-row transactions. The limit.
 * - naive: readFile + JSON.parse of the whole file + the same inserts.
 * - stream: openDexieExport(file).table('messages').batches(1000) + the same inserts, the reader's
 *   defaults: on 2+ cores a worker thread reads, cuts ~128 KiB stretches at `},{` and decodes them
 *   (workerMode 'chunks'); this thread parses, revives and inserts.
 * - stream-main: `{ workers: 0 }`: reading, parsing and reviving on the inserting thread.
 * - stream-worker-rows: `{ workers: 1, workerMode: 'rows' }`: the worker also parses and revives,
 *   and sends the rows by structured clone; this thread only inserts (the default before issue 19).
 * - stream-worker-text: `{ workers: 1, workerMode: 'text' }`: the worker finds every row boundary
 *   exactly and decodes the text; this thread parses, revives and inserts.
 *
 * Targets (issue 19), on the largest size: stream at least 0.6x of raw in every round (each
 * round's stream run against that round's raw run), peak RSS at most 150 MiB: MET/MISS lines.
 *
 * SQLite: a fresh file per run, journal_mode = WAL, synchronous = NORMAL.
 */
import Database from 'better-sqlite3';
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDexieExport } from '../src/import/readers/dexie-export.js';
import { median } from './stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const WORK = join(HERE, '.work', 'import');
const BATCH = 1000;

// ---- the rows ------------------------------------------------------------------------------

interface Message {
  id: number;
  topicId: string;
  assistantId: string;
  role: string;
  content: string;
  status: string;
  tokens: number;
  createdAt: Date;
}

const WORDS = [
  'lorem',
  'ipsum',
  'dolor',
  'sit',
  'amet',
  'consectetur',
  'adipiscing',
  'elit',
  'sed',
  'do',
  'eiusmod',
  'tempor',
  'café',
  'naïve',
  '数据',
  'emoji 🙂',
  'a "quoted" word',
  'back\\slash',
  'tab\there',
  'line\nbreak',
];

/** Deterministic rows (~315 bytes each as JSON), the same in the file and in memory. */
function makeRow(i: number): Message {
  let seed = (i * 2654435761) >>> 0;
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed;
  };
  const words: string[] = [];
  let length = 0;
  const target = 110 + (next() % 50);
  while (length < target) {
    const word = WORDS[next() % WORDS.length]!;
    words.push(word);
    length += word.length + 1;
  }
  return {
    id: i + 1,
    topicId: `topic-${String(Math.floor(i / 20)).padStart(8, '0')}`,
    assistantId: `assistant-${next() % 50}`,
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: words.join(' '),
    status: 'success',
    tokens: next() % 4000,
    createdAt: new Date(1_700_000_000_000 + i * 1000),
  };
}

/** One row as exportDB writes it: typeson's encapsulation (the Date as a number plus `$types`). */
function encodeRow(row: Message): string {
  return JSON.stringify({ ...row, createdAt: row.createdAt.getTime(), $types: { createdAt: 'date' } });
}

function generateExport(path: string, rows: number): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(`${path}.tmp`, 'w');
  const header = {
    formatName: 'dexie',
    formatVersion: 1,
    data: {
      databaseName: 'bench',
      databaseVersion: 1,
      tables: [
        { name: 'settings', schema: '', rowCount: 1 },
        { name: 'messages', schema: '++id,topicId,createdAt', rowCount: rows },
      ],
      data: [] as unknown[],
    },
  };
  const json = JSON.stringify(header);
  writeSync(fd, json.slice(0, json.lastIndexOf(']')));
  writeSync(fd, '{"tableName":"settings","inbound":false,"rows":[["theme","dark"]]},');
  writeSync(fd, '{"tableName":"messages","inbound":true,"rows":[');
  let chunk: string[] = [];
  for (let i = 0; i < rows; i++) {
    chunk.push(encodeRow(makeRow(i)));
    if (chunk.length === 2000 || i === rows - 1) {
      writeSync(fd, (i >= chunk.length ? ',' : '') + chunk.join(','));
      chunk = [];
    }
  }
  writeSync(fd, ']}]}}');
  closeSync(fd);
  renameSync(`${path}.tmp`, path);
}

// ---- one mode, in a child process ----------------------------------------------------------

function openTarget(path: string): { db: Database.Database; insert: (rows: Message[]) => void } {
  rmSync(path, { force: true });
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE message (id INTEGER PRIMARY KEY, topic_id TEXT NOT NULL, assistant_id TEXT, role TEXT NOT NULL, content TEXT NOT NULL, status TEXT, tokens INTEGER, created_at INTEGER NOT NULL)',
  );
  const stmt = db.prepare('INSERT INTO message VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insert = db.transaction((rows: Message[]) => {
    for (const r of rows) stmt.run(r.id, r.topicId, r.assistantId, r.role, r.content, r.status, r.tokens, r.createdAt.getTime());
  });
  return { db, insert };
}

interface ModeResult {
  mode: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  maxRssMiB: number;
  /** The calling (inserting) thread's CPU time and run-queue wait over the timed part, µs a row (Linux). */
  mainCpuUsPerRow?: number;
  mainWaitUsPerRow?: number;
  error?: string;
}

/** This thread's time on a CPU and waiting for one, in ns (Linux's /proc/thread-self/schedstat), or undefined elsewhere. */
function threadTimes(): { cpu: number; wait: number } | undefined {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return cpu === undefined || wait === undefined ? undefined : { cpu, wait };
  } catch {
    return undefined;
  }
}

async function runMode(mode: string, file: string, rows: number, dbPath: string): Promise<ModeResult> {
  const { db, insert } = openTarget(dbPath);
  let done = 0;
  let started = 0;
  let times: { cpu: number; wait: number } | undefined;
  if (mode === 'raw') {
    const all: Message[] = [];
    for (let i = 0; i < rows; i++) all.push(makeRow(i));
    started = performance.now();
    times = threadTimes();
    for (let i = 0; i < all.length; i += BATCH) {
      const batch = all.slice(i, i + BATCH);
      insert(batch);
      done += batch.length;
    }
  } else if (mode === 'naive') {
    started = performance.now();
    times = threadTimes();
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { data: { data: { tableName: string; rows: (Message & { $types?: unknown })[] }[] } };
    const table = parsed.data.data.find((t) => t.tableName === 'messages')!;
    for (let i = 0; i < table.rows.length; i += BATCH) {
      const batch = table.rows.slice(i, i + BATCH);
      for (const r of batch) {
        r.createdAt = new Date(r.createdAt as unknown as number);
        delete r.$types;
      }
      insert(batch);
      done += batch.length;
    }
  } else if (mode.startsWith('stream')) {
    started = performance.now();
    times = threadTimes();
    // stream: the reader's defaults; the others name the worker's mode.
    const options = {
      stream: {},
      'stream-main': { workers: 0 },
      'stream-worker-rows': { workers: 1, workerMode: 'rows' },
      'stream-worker-text': { workers: 1, workerMode: 'text' },
    } as const;
    const source = await openDexieExport(file, options[mode as keyof typeof options]);
    for await (const batch of source.table<Message>('messages').batches(BATCH)) {
      insert(batch);
      done += batch.length;
    }
  } else throw new Error(`unknown mode ${mode}`);
  const seconds = (performance.now() - started) / 1000;
  const after = threadTimes();
  const count = (db.prepare('SELECT count(*) AS n FROM message').get() as { n: number }).n;
  db.close();
  if (count !== rows || done !== rows) throw new Error(`${mode}: inserted ${count} of ${rows} rows`);
  const thread = times && after ? { mainCpuUsPerRow: (after.cpu - times.cpu) / 1000 / rows, mainWaitUsPerRow: (after.wait - times.wait) / 1000 / rows } : {};
  return { mode, rows, seconds, rowsPerSecond: rows / seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...thread };
}

// ---- the parent ----------------------------------------------------------------------------

/**
 * The inserting thread's time per row, split: on a CPU, runnable but waiting for one (the other
 * threads and processes had the cores), and the rest, blocked (on the reader, or in SQLite's I/O).
 * On a busy machine the ratio of wall times moves a lot; these say which part moved.
 */
function threadLine(result: ModeResult): string {
  if (result.mainCpuUsPerRow === undefined || result.mainWaitUsPerRow === undefined) return '';
  const idle = (result.seconds * 1e6) / result.rows - result.mainCpuUsPerRow - result.mainWaitUsPerRow;
  return `; inserting thread ${result.mainCpuUsPerRow.toFixed(2)} us/row on CPU, ${result.mainWaitUsPerRow.toFixed(2)} waiting for one, ${idle.toFixed(2)} blocked`;
}

/** MET/MISS for the default reader: its rate over raw's in each round, and its peak RSS. */
function targetLines(rows: number, samples: Map<string, ModeResult[]>): string[] {
  const raw = samples.get('raw') ?? [];
  const stream = samples.get('stream') ?? [];
  if (raw.length === 0 || stream.length === 0) return [`${rows} rows: no raw or stream runs: the targets are not measured`, ''];
  const ratios = stream.map((run, round) => run.rowsPerSecond / (raw[round]?.rowsPerSecond ?? Number.NaN));
  const rss = Math.max(...stream.map((run) => run.maxRssMiB));
  const verdict = (met: boolean) => (met ? 'MET' : 'MISS');
  return [
    `${verdict(ratios.every((r) => r >= TARGET_RATIO))}: ${rows.toLocaleString('en')} rows, stream / raw of the same round >= ${TARGET_RATIO} in every round: ${ratios.map((r) => r.toFixed(2)).join(' ')}`,
    `${verdict(rss <= TARGET_RSS_MIB)}: ${rows.toLocaleString('en')} rows, stream peak RSS <= ${TARGET_RSS_MIB} MiB: ${rss.toFixed(0)} MiB`,
  ];
}

const MODES = ['raw', 'naive', 'stream', 'stream-main', 'stream-worker-rows', 'stream-worker-text'] as const;
/** Issue 19: the default reader against the raw inserts of the same round, and its peak RSS. */
const TARGET_RATIO = 0.6;
const TARGET_RSS_MIB = 150;

/**
 * The children run this file bundled to plain JS (esbuild, better-sqlite3 left external): under
 * `--import tsx` every process would carry tsx's loader thread (~30 MiB of RSS) that no user has.
 */
function bundleChild(): string {
  const out = join(WORK, 'bench-import-child.mjs');
  buildSync({
    entryPoints: [fileURLToPath(import.meta.url)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', 'esbuild'],
    outfile: out,
    logLevel: 'error',
  });
  // The reader starts its parse worker from the file next to it: bundle that one too.
  buildSync({
    entryPoints: [join(HERE, '..', 'src', 'import', 'readers', 'dexie-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(WORK, 'dexie-worker.js'),
    logLevel: 'error',
  });
  // The bundle lives in bench/.work/import/: resolve better-sqlite3 from the repository.
  writeFileSync(join(WORK, 'package.json'), '{"type":"module"}\n');
  return out;
}

let childScript: string | undefined;

function childRun(mode: string, file: string, rows: number): ModeResult {
  childScript ??= bundleChild();
  const result = spawnSync(process.execPath, [childScript, '--child', mode, '--file', file, '--rows', String(rows)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ModeResult;
  } catch {
    const why = (
      result.stderr
        .trim()
        .split('\n')
        .find((l) => /Error|heap|memory/i.test(l)) ?? `exit ${result.status} ${result.signal ?? ''}`
    ).slice(0, 120);
    return { mode, rows, seconds: Number.NaN, rowsPerSecond: Number.NaN, maxRssMiB: Number.NaN, error: why };
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      rounds: { type: 'string' },
      json: { type: 'string' },
      child: { type: 'string' },
      file: { type: 'string' },
      modes: { type: 'string' },
      keep: { type: 'boolean' },
    },
  });
  if (values.child) {
    const rows = Number(values.rows);
    // The target database goes next to the export (the bundled child does not live in bench/).
    const target = join(dirname(values.file!), `target-${values.child}-${process.pid}.db`);
    const result = await runMode(values.child, values.file!, rows, target);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const sizes = (values.rows ?? '100000,1000000').split(',').map((s) => Number(s.replace(/_/g, '')));
  const rounds = Number(values.rounds ?? 3);
  const modes = values.modes ? values.modes.split(',') : [...MODES];
  mkdirSync(WORK, { recursive: true });
  process.stderr.write(
    `load average at start: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}\n`,
  );
  const all: ModeResult[] = [];
  const verdicts: string[] = [];
  const table: string[] = ['| rows | file | mode | rows/s (median) | vs raw | peak RSS (MiB, max) | runs |', '|---:|---:|---|---:|---:|---:|---|'];
  for (const rows of sizes) {
    const file = join(WORK, `dexie-export-${rows}.json`);
    const t0 = performance.now();
    generateExport(file, rows);
    const mb = statSync(file).size / 1e6;
    process.stderr.write(`${rows} rows: ${mb.toFixed(0)} MB export (${((performance.now() - t0) / 1000).toFixed(1)} s to generate)\n`);
    const samples = new Map<string, ModeResult[]>();
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so that no mode always runs first (or last) on a busy machine.
      const order = modes.map((_, i) => modes[(i + round) % modes.length]!);
      for (const mode of order) {
        const result = childRun(mode, file, rows);
        all.push(result);
        (samples.get(mode) ?? samples.set(mode, []).get(mode)!).push(result);
        process.stderr.write(
          `  round ${round + 1} ${mode}: ${result.error ?? `${Math.round(result.rowsPerSecond)} rows/s, ${result.maxRssMiB.toFixed(0)} MiB${threadLine(result)}`}\n`,
        );
      }
    }
    const rawRate = median((samples.get('raw') ?? []).map((r) => r.rowsPerSecond));
    for (const mode of modes) {
      const runs = samples.get(mode) ?? [];
      const ok = runs.filter((r) => !r.error);
      if (ok.length === 0) {
        table.push(`| ${rows.toLocaleString('en')} | ${mb.toFixed(0)} MB | ${mode} | failed: ${runs[0]?.error ?? '?'} | | | ${runs.length} |`);
        continue;
      }
      const rate = median(ok.map((r) => r.rowsPerSecond));
      const rss = Math.max(...ok.map((r) => r.maxRssMiB));
      table.push(
        `| ${rows.toLocaleString('en')} | ${mb.toFixed(0)} MB | ${mode} | ${Math.round(rate).toLocaleString('en')} | ${mode === 'raw' ? '1.00' : (rate / rawRate).toFixed(2)} | ${rss.toFixed(0)} | ${ok.map((r) => `${Math.round(r.rowsPerSecond / 1000)}k`).join(' ')}${ok.length < runs.length ? ` (${runs.length - ok.length} failed)` : ''} |`,
      );
    }
    if (!values.keep) rmSync(file, { force: true });
    verdicts.push(...targetLines(rows, samples));
  }
  process.stderr.write(
    `load average at end: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}\n`,
  );
  process.stdout.write(`${table.join('\n')}\n`);
  // The targets are for the largest size.
  process.stdout.write(`${verdicts.slice(-2).join('\n')}\n`);
  if (values.json) {
    mkdirSync(dirname(resolve(values.json)), { recursive: true });
    writeFileSync(values.json, JSON.stringify({ loadavg: loadavg(), results: all }, null, 2));
  }
}

await main();
