/**
 * The import's fault-injection trials that stay (issue 18): a process running `runImport` on a
 * real SQLite file is SIGKILLed at a random moment (opening, creating its status, mid-batch,
 * validating, completing), then an independent reader checks what it left: no status and no
 * rows, or a `running` status over a set of distinct rows no larger than the source, or a
 * `completed` status over exactly the source's rows. Then the next run finishes the import
 * with every row exactly once and the table it must not touch untouched.
 *
 * STRATA_KILL_TRIALS sets the trials (default 8); the diagnostic line gives trials, kills
 * mid-way and failures for the closing note's table.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { runImport, tableImporter, type TableReader } from '../src/import/index.js';
import { exec, ROOT, tempDir } from './helpers.js';

const TRIALS = Number(process.env.STRATA_KILL_TRIALS ?? 8);
const ROWS = 3000;
const BATCH = 150;
const SCHEMA = `
CREATE TABLE app_state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE untouched (v TEXT);
INSERT INTO untouched VALUES ('keep me');
`;

const rows = Array.from({ length: ROWS }, (_, k) => ({ id: k + 1, name: `author ${k + 1}` }));

/** The same source in the child and here: ROWS rows in batches, a short pause between them. */
function reader(): TableReader<{ id: number; name: string }> {
  return {
    name: 'authors',
    count: async () => rows.length,
    sample: async (n: number) => rows.slice(0, n),
    async *batches(size: number) {
      for (let start = 0; start < rows.length; start += size) {
        await new Promise((resolve) => setTimeout(resolve, 15));
        yield rows.slice(start, start + size);
      }
    },
  } as TableReader<{ id: number; name: string }>;
}

const importer = () =>
  tableImporter<{ authors: TableReader<{ id: number; name: string }> }>({
    id: 'authors',
    order: 1,
    source: (s) => s.authors,
    table: 'author',
    map: (r) => r,
    batchSize: BATCH,
  });

function childScript(dir: string): string {
  const src = (p: string) => pathToFileURL(join(ROOT, 'src', p)).href;
  const file = join(dir, 'child.mts');
  writeFileSync(
    file,
    `import { runImport, tableImporter } from ${JSON.stringify(src('import/index.ts'))};
const rows = Array.from({ length: ${ROWS} }, (_, k) => ({ id: k + 1, name: 'author ' + (k + 1) }));
process.stdout.write('ready\\n');
const reader = { name: 'authors', count: async () => rows.length, sample: async (n) => rows.slice(0, n),
  async *batches(size) { for (let s = 0; s < rows.length; s += size) { await new Promise((r) => setTimeout(r, 15)); yield rows.slice(s, s + size); } } };
await runImport({ db: process.argv[2], backup: false, sources: { authors: reader },
  importers: [tableImporter({ id: 'authors', order: 1, source: (s) => s.authors, table: 'author', map: (r) => r, batchSize: ${BATCH} })] });
`,
  );
  return file;
}

interface Left {
  state: string;
  count: number;
  distinct: number;
  untouched: string[];
}

/**
 * What the killed run left, read by a connection of the test's own. Read-write, as the app's next
 * open would be: a kill inside a rollback-journal write leaves a hot journal, which only a
 * connection that may write rolls back (a read-only one fails with SQLITE_READONLY_ROLLBACK).
 */
function observe(db: string): Left {
  const conn = new Database(db);
  try {
    const raw = conn.prepare("SELECT value FROM app_state WHERE key = 'migration_v2_status'").pluck().get() as string | undefined;
    const [count, distinct] = conn.prepare('SELECT count(*), count(DISTINCT id) FROM author').raw().get() as [number, number];
    const untouched = conn.prepare('SELECT v FROM untouched').pluck().all() as string[];
    return { state: raw ? (JSON.parse(raw) as { state: string }).state : 'not-started', count, distinct, untouched };
  } finally {
    conn.close();
  }
}

function problems(left: Left): string[] {
  const found: string[] = [];
  if (left.count !== left.distinct) found.push(`${left.count - left.distinct} duplicate rows`);
  if (left.untouched.join() !== 'keep me') found.push(`the untouched table holds ${JSON.stringify(left.untouched)}`);
  if (left.state === 'not-started' && left.count !== 0) found.push(`no import recorded, yet ${left.count} rows`);
  if (left.state === 'running' && left.count > ROWS) found.push(`running with ${left.count} rows of ${ROWS}`);
  if (left.state === 'completed' && left.count !== ROWS) found.push(`completed with ${left.count} rows of ${ROWS}`);
  if (!['not-started', 'running', 'completed'].includes(left.state)) found.push(`status ${left.state}`);
  return found;
}

/** A fresh target database with the app's tables. */
function freshTarget(): string {
  const db = join(tempDir('strata-import-kill-'), 'app.db');
  exec(db, SCHEMA);
  return db;
}

/**
 * Runs the child on `db`, SIGKILLing it `killAfter` ms after it says its modules are loaded (tsx
 * start-up varies with the machine's load), or never: whether it was killed, and how long it ran
 * from that moment.
 */
async function runChild(db: string, killAfter: number | undefined): Promise<{ killed: boolean; ranMs: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript(dirname(db)), db], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  let timer: NodeJS.Timeout | undefined;
  let ready = Number.NaN;
  child.stdout.once('data', () => {
    ready = performance.now();
    if (killAfter !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfter);
  });
  return new Promise((resolve) =>
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', ranMs: performance.now() - ready });
    }),
  );
}

test(`import SIGKILLed at ${TRIALS} random moments: each leaves no rows, a running import of distinct rows, or a complete one; the next run completes it exactly once`, async (t) => {
  // One run to its end first: how long an import takes on this machine now, so the kills fall
  // over the whole of it (opening, the status row, each batch, validation, completion) whatever
  // the load.
  const calibration = freshTarget();
  const whole = await runChild(calibration, undefined);
  assert.equal(observe(calibration).state, 'completed', 'the import runs to its end when not killed');
  let killedMidWay = 0;
  const failures: string[] = [];
  for (let trial = 1; trial <= TRIALS; trial++) {
    const db = freshTarget();
    const killAfter = Math.floor(Math.random() * whole.ranMs * 1.1);
    const { killed } = await runChild(db, killAfter);
    const left = observe(db);
    t.diagnostic(`trial ${trial}: killed ${killed} after ${killAfter} ms of ${Math.round(whole.ranMs)}: ${left.state}, ${left.count} rows`);
    if (killed && left.state === 'running') killedMidWay++;
    const wrong = problems(left);
    if (wrong.length) failures.push(`trial ${trial} (killed ${killAfter} ms in, ${left.state}, ${left.count} rows): ${wrong.join('; ')}`);
    if (left.state !== 'completed') {
      await runImport({ db, backup: false, sources: { authors: reader() }, importers: [importer()] });
    }
    const after = observe(db);
    if (after.state !== 'completed' || after.count !== ROWS || after.distinct !== ROWS || after.untouched.join() !== 'keep me') {
      failures.push(`trial ${trial}: the next run left ${JSON.stringify(after)}`);
    }
  }
  t.diagnostic(`import kill trials: ${TRIALS}, killed mid-import: ${killedMidWay}, failures: ${failures.length}`);
  assert.deepEqual(failures, []);
});
