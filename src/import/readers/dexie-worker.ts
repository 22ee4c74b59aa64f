/**
 * The parse worker of the Dexie reader: reads the table's rows and posts them to the reading thread,
 * at most `ahead` messages before it has taken them, either parsed and revived (structured clone
 * carries Dates, binary data, BigInt, Map/Set...) or as decoded text for it to parse. Mode 'auto'
 * mixes the two so that both threads stay busy: a parsed stretch costs this thread a parse and a
 * clone and the reading thread a cheaper deserialization; a text stretch costs this thread a parse
 * that only checks where the stretch ends, and the reading thread the parse. When this thread has to
 * wait for credit, the reading thread is the slower one and gets more parsed stretches; when credit
 * is there, this thread is the slower one and sends more text. (The reading thread cannot tell: the
 * messages waiting for it are only dispatched when it returns to its event loop.)
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkTableEnd, errorToData, readRows, TableRows } from './dexie-rows.js';
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
  /** 'rows': parse and revive here and post the rows; 'text': post the decoded text of each batch; 'auto': both, balanced. */
  mode: 'rows' | 'text' | 'auto';
  chunkSize: number | undefined;
  options: ReviveOptions;
}

export type WorkerMessage =
  | { type: 'rows'; batch: number; rows: unknown[] }
  /** A batch whose values cannot be cloned across threads (Intl objects): the reading thread takes over from its first row. */
  | { type: 'uncloneable'; batch: number; firstRow: number }
  /** mode 'text': a batch's rows as found and decoded, for the reading thread to parse. */
  | ({ type: 'text'; batch: number; text: string; count: number; firstRow: number } & ({ offsets: number[] } | { start: number }))
  | { type: 'done'; batches: number; rows: number }
  | { type: 'error'; error: ReturnType<typeof errorToData> };

const port = parentPort!;
const job = workerData as WorkerJob;
let credits = job.ahead;
let wake: (() => void) | undefined;
/** Mode 'auto': the share of stretches sent as text, moved by whether this thread waits for credit. */
let textShare = 0.2;
const SHARE_STEP = 0.02;
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

/** Mode 'auto': text batches and parsed stretches in the current proportion, by error diffusion. */
async function runBalanced(cursor: JsonCursor): Promise<void> {
  const table = job.table;
  const rows = new TableRows(cursor, job.size, { path: job.path, table, inbound: job.inbound, options: job.options });
  await rows.open();
  let owed = 0;
  let batch = 0;
  while (!rows.done) {
    const waited = await takeCredit();
    textShare = Math.min(1, Math.max(0, textShare + (waited ? -SHARE_STEP : SHARE_STEP)));
    owed += textShare;
    const firstRow = rows.taken;
    if (owed >= 1) {
      owed -= 1;
      const text = await rows.speculativeText();
      if (text.count === 0) {
        credits++;
        continue;
      }
      port.postMessage({ type: 'text', batch, text: text.text, ...('offsets' in text ? { offsets: text.offsets } : { start: text.start }), count: text.count, firstRow } satisfies WorkerMessage);
    } else {
      const parsed = await rows.parsed();
      if (parsed.length === 0) {
        credits++;
        continue;
      }
      try {
        port.postMessage({ type: 'rows', batch, rows: parsed } satisfies WorkerMessage);
      } catch {
        port.postMessage({ type: 'uncloneable', batch, firstRow } satisfies WorkerMessage);
        return;
      }
    }
    batch++;
  }
  await checkTableEnd(cursor, table);
  port.postMessage({ type: 'done', batches: batch, rows: rows.taken } satisfies WorkerMessage);
}

async function run(): Promise<void> {
  const cursor = await JsonCursor.open(job.path, 0, job.chunkSize);
  try {
    cursor.seek(job.rowsOffset, job.levels);
    if (job.mode === 'auto') return await runBalanced(cursor);
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
