/**
 * The parse worker of the Dexie reader: reads the table's rows and posts them to the reading thread,
 * at most `ahead` messages before it has taken them: as stretches of decoded text cut at `},{` for
 * the reading thread to parse (mode 'chunks', the default: it only reads, cuts and decodes), parsed
 * and revived (mode 'rows'; structured clone carries Dates, binary data, BigInt, Map/Set...), or as
 * decoded text of exactly found rows (mode 'text').
 *
 * In mode 'chunks' the worker first posts 'ready' and waits for 'start': the reading thread reads
 * the table's first stretches itself while the worker starts, and says where to go on from.
 * The worker cannot tell a cut in the wrong place (inside a string) and does not
 * count rows: where it finds no cut it posts 'stop', and the reading thread, which knows how many
 * rows it has parsed, answers 'resume' with that count and where to go on from (the same 'resume'
 * as when a stretch did not parse there). From then on the worker reads in mode 'rows'.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { checkTableEnd, errorToData, readRows, SPECULATE_BYTES } from './dexie-rows.js';
import { JsonCursor, type Level } from './json-cursor.js';
import type { ReviveOptions } from './typeson-revive.js';

export interface WorkerJob {
  path: string;
  table: string;
  inbound: boolean;
  rowsOffset: number;
  levels: Level[];
  size: number;
  ahead: number;
  /** 'chunks': post stretches of text cut at `},{`; 'rows': parse and revive here and post the rows; 'text': post the decoded text of each batch. */
  mode: 'chunks' | 'rows' | 'text';
  chunkSize: number | undefined;
  /** Bytes per stretch on the fast paths (default SPECULATE_BYTES). */
  stretchBytes: number | undefined;
  options: ReviveOptions;
}

/**
 * Reading thread to worker (mode 'chunks'): 'start': cut stretches from file offset `at` (row
 * `firstRow`), where this thread stopped reading while the worker started; 'resume': go on in mode
 * 'rows' from there.
 */
export interface ResumeMessage {
  type: 'resume' | 'start';
  at: number;
  /** The rows array's level at `at`: true before its first element. */
  first: boolean;
  firstRow: number;
}

export type WorkerMessage =
  /** mode 'chunks': started; waits for a ResumeMessage of type 'start'. */
  | { type: 'ready' }
  /** mode 'chunks': `[...]` text of whole rows, to JSON.parse; `at`/`first` say where to resume if it does not parse. */
  | { type: 'chunk'; text: string; at: number; first: boolean }
  /** mode 'chunks': no cut found from `at` on; the worker waits for a ResumeMessage. */
  | { type: 'stop'; at: number; first: boolean }
  | { type: 'rows'; batch: number; rows: unknown[] }
  /** A batch whose values cannot be cloned across threads (Intl objects): the reading thread takes over from its first row. */
  | { type: 'uncloneable'; batch: number; firstRow: number }
  /** mode 'text': a batch's rows as found and decoded, for the reading thread to parse. */
  | { type: 'text'; batch: number; text: string; offsets: number[]; count: number; firstRow: number }
  | { type: 'done'; batches: number; rows: number }
  | { type: 'error'; error: ReturnType<typeof errorToData> };

/**
 * Nice levels below the reading thread (mode 'chunks'). Measured at 200k rows with a load average
 * of 5 on 2 cores (bench/import.ts prints the inserting thread's run-queue wait): 0.7-2.3 us a row
 * of waiting for a CPU at +5 against 1.9-4.5 at +0. The cost: on a machine that busy the worker
 * sometimes falls behind for a while (the reading thread then waits ~0.4 ms a stretch).
 */
const WORKER_NICE = 5;

const port = parentPort!;
const job = workerData as WorkerJob;
// Only where the worker is read-ahead beside the reading thread's work; in modes 'rows' and 'text'
// it does most of the reading, and a lower priority starved it on a busy machine (1M rows at a
// load average of 12: 'rows' blocked the reading thread 10 us a row against 0.4-1.6 for the others).
if (job.mode === 'chunks') lowerPriority(WORKER_NICE);
let credits = job.ahead;
let wake: (() => void) | undefined;
let resume: ResumeMessage | undefined;
let start: ResumeMessage | undefined;
port.on('message', (message: unknown) => {
  if (typeof message === 'number') credits += message;
  else if ((message as ResumeMessage | null)?.type === 'resume') {
    resume = message as ResumeMessage;
    // The reading thread drops what was in flight and credits only what follows.
    credits = job.ahead;
  } else if ((message as ResumeMessage | null)?.type === 'start') start = message as ResumeMessage;
  else return;
  wake?.();
  wake = undefined;
});

/** Waits for a credit and takes it; true when it had to wait. */
async function takeCredit(): Promise<boolean> {
  const waited = credits === 0;
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits--;
  return waited;
}

/** Mode 'chunks': stretches of text from where the reading thread says to start, until it says to resume; then where to read on from. */
async function postChunks(cursor: JsonCursor): Promise<ResumeMessage> {
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
  while (!start) await new Promise<void>((resolve) => (wake = resolve));
  cursor.seek(start.at, [...job.levels, { kind: 'array', first: start.first }]);
  const stretch = job.stretchBytes ?? SPECULATE_BYTES;
  for (;;) {
    if (resume) return resume;
    const chunk = await cursor.cut(stretch);
    if (!chunk) {
      const level = cursor.levels().pop()!;
      port.postMessage({ type: 'stop', at: cursor.offset, first: level.first } satisfies WorkerMessage);
      while (!resume) await new Promise<void>((resolve) => (wake = resolve));
      return resume;
    }
    await takeCredit();
    if (resume) return resume;
    port.postMessage({ type: 'chunk', text: chunk.text, at: chunk.at, first: chunk.first } satisfies WorkerMessage);
  }
}

async function run(): Promise<void> {
  const cursor = await JsonCursor.open(job.path, 0, job.chunkSize);
  try {
    cursor.seek(job.rowsOffset, job.levels);
    let from: number | undefined;
    if (job.mode === 'chunks') {
      const at = await postChunks(cursor);
      cursor.seek(at.at, [...job.levels, { kind: 'array', first: at.first }]);
      from = at.firstRow;
    } else if (job.mode === 'text') {
      // Read, find the rows' boundaries and decode: the reading thread parses (strings clone cheaply).
      const table = job.table;
      await cursor.enterArray({ table, part: 'rows' });
      let batch = 0;
      let firstRow = 0;
      for (;;) {
        const first = firstRow;
        const elements = await cursor.elements(job.size, (i) => ({ table, row: first + i + 1 }));
        if (elements.count > 0) {
          await takeCredit();
          port.postMessage({ type: 'text', batch, text: elements.text, offsets: elements.offsets, count: elements.count, firstRow } satisfies WorkerMessage);
          batch++;
        }
        firstRow += elements.count;
        if (elements.done) break;
      }
      await checkTableEnd(cursor, table);
      port.postMessage({ type: 'done', batches: batch, rows: firstRow } satisfies WorkerMessage);
      return;
    }
    let batch = 0;
    let rows = from ?? 0;
    const ctx = { path: job.path, table: job.table, inbound: job.inbound, options: job.options };
    for await (const out of readRows(cursor, job.size, ctx, { stretchBytes: job.stretchBytes, ...(from === undefined ? {} : { from }) })) {
      await takeCredit();
      try {
        port.postMessage({ type: 'rows', batch, rows: out } satisfies WorkerMessage);
      } catch {
        // Values structured clone cannot carry (Intl objects): the reading thread re-reads this batch.
        port.postMessage({ type: 'uncloneable', batch, firstRow: rows } satisfies WorkerMessage);
        return;
      }
      batch++;
      rows += out.length;
    }
    port.postMessage({ type: 'done', batches: batch, rows } satisfies WorkerMessage);
  } finally {
    await cursor.close();
  }
}

run().catch((error: unknown) => {
  port.postMessage({ type: 'error', error: errorToData(error) } satisfies WorkerMessage);
});

/**
 * Linux: this thread runs a few nice levels below the reading thread. It only fills a read-ahead
 * buffer, yet each time a credit woke it on a machine with no idle core, the kernel gave it the
 * reading thread's core for its whole burst (measured: 15-20 % of those wakes stalled the reading
 * thread ~3 ms). A thread's nice value is its own on Linux (setpriority(2) on its thread id); the
 * process and its other threads keep theirs. Elsewhere, or where /proc is not mounted: unchanged.
 */
function lowerPriority(by: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    // Never the process's main thread (its id is the pid), whatever /proc says.
    if (!Number.isInteger(tid) || tid <= 0 || tid === process.pid) return;
    setPriority(tid, Math.min(19, getPriority(tid) + by));
  } catch {
    // Not Linux, no /proc, or not allowed: the worker runs at the process's priority.
  }
}
