/**
 * The parse worker of the Dexie reader: reads the table's rows and posts them to the reading thread,
 * at most `ahead` messages before it has taken them: parsed and revived (mode 'rows', the default;
 * structured clone carries Dates, binary data, BigInt, Map/Set...) or as decoded text for the
 * reading thread to parse (mode 'text').
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkTableEnd, errorToData, readRows } from './dexie-rows.js';
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
  /** 'rows': parse and revive here and post the rows; 'text': post the decoded text of each batch. */
  mode: 'rows' | 'text';
  chunkSize: number | undefined;
  options: ReviveOptions;
}

export type WorkerMessage =
  | { type: 'rows'; batch: number; rows: unknown[] }
  /** A batch whose values cannot be cloned across threads (Intl objects): the reading thread takes over from its first row. */
  | { type: 'uncloneable'; batch: number; firstRow: number }
  /** mode 'text': a batch's rows as found and decoded, for the reading thread to parse. */
  | { type: 'text'; batch: number; text: string; offsets: number[]; count: number; firstRow: number }
  | { type: 'done'; batches: number; rows: number }
  | { type: 'error'; error: ReturnType<typeof errorToData> };

const port = parentPort!;
const job = workerData as WorkerJob;
let credits = job.ahead;
let wake: (() => void) | undefined;
port.on('message', (message: unknown) => {
  if (message === 'credit') {
    credits++;
    wake?.();
    wake = undefined;
  }
});

/** Waits for a credit and takes it; true when it had to wait. */
async function takeCredit(): Promise<boolean> {
  const waited = credits === 0;
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits--;
  return waited;
}

async function run(): Promise<void> {
  const cursor = await JsonCursor.open(job.path, 0, job.chunkSize);
  try {
    cursor.seek(job.rowsOffset, job.levels);
    if (job.mode === 'text') {
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
    let rows = 0;
    for await (const out of readRows(cursor, job.size, { path: job.path, table: job.table, inbound: job.inbound, options: job.options })) {
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
