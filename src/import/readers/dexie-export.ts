/**
 * Reads files written by the npm package dexie-export-import (`exportDB`):
 *
 * ```json
 * {"formatName":"dexie","formatVersion":1,"data":{"databaseName":"app","databaseVersion":3,
 *   "tables":[{"name":"messages","schema":"++id,topicId","rowCount":2}],
 *   "data":[{"tableName":"messages","inbound":true,"rows":[{...,"$types":{"createdAt":"date"}},...]}]}}
 * ```
 *
 * Tables are streamed in batches with flat memory whatever the file size: the header is read with a
 * structural cursor; the rows are taken in stretches cut at `},{` (a worker thread reads, cuts and
 * decodes them, once it has started: the calling thread reads the first ones itself meanwhile)
 * and each stretch is parsed by one native JSON.parse, then revived from typeson's `$types` map;
 * a stretch that does not parse is read again with row boundaries found exactly.
 * Rows of tables with inbound keys are the stored objects; rows of tables with outbound keys
 * (written as `[key, value]` tuples) come back as `{ key, value }`.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  checkTableEnd,
  errorFromData,
  finishRows,
  parseRows,
  readRows,
  Rebatcher,
  TableRows,
  type DexieOutboundRow,
  type ParseContext,
  type RowBatch,
} from './dexie-rows.js';
import type { ResumeMessage, WorkerJob, WorkerMessage } from './dexie-worker.js';
import { COUNT_BATCH_ELEMENTS, JsonCursor, invalid, type Level } from './json-cursor.js';
import type { DexieExportReader, TableReader } from './reader-types.js';
import type { ReviveOptions } from './typeson-revive.js';

export type { DexieOutboundRow };

export interface DexieTableInfo {
  name: string;
  schema: string;
  rowCount: number;
}

export interface DexieExportOptions extends ReviveOptions {
  /** Bytes read from the file at a time (default 1 MiB). */
  chunkSize?: number;
  /**
   * 1 (the default where there are 2 cores or more): a worker thread reads ahead while the calling
   * thread inserts (workerMode). 0: everything on the calling thread: 15-50 % slower on a 1M-row
   * export here (the most on a busy machine), at about the same peak RSS (~125-130 MiB).
   * bench/README.md has the figures.
   */
  workers?: number;
  /**
   * With a worker: 'chunks' (the default) has it read, cut stretches of about `stretchBytes` at
   * `},{` and decode them, and this thread JSON.parse and revive them (a stretch that does not parse
   * is read again exactly, by the worker in mode 'rows' from then on; this thread reads the first
   * stretches itself while the worker starts, see startStretches); 'rows' has it read, parse and
   * revive, and send the rows by structured clone; 'text' has it read, find every row boundary
   * exactly and decode, and this thread parse and revive. bench/README.md has the figures.
   */
  workerMode?: 'chunks' | 'text' | 'rows';
  /** Bytes of rows cut and parsed at a time on the fast path (default 128 KiB in workerMode 'chunks', else 256 KiB). */
  stretchBytes?: number;
  /**
   * workerMode 'chunks': the most stretches this thread reads itself while the worker starts
   * (default: as many as it takes the worker to start, 50-150 ms here; 0: it waits for the worker).
   */
  startStretches?: number;
}

/** A dexie-export-import file: its tables are DexieTableReaders. */
export interface DexieExportFile extends DexieExportReader {
  table<Row = Record<string, unknown>>(name: string): DexieTableReader<Row>;
}

/** A Dexie table of the export. */
export interface DexieTableReader<Row> extends TableReader<Row> {
  readonly schema: string;
  /** The row count the export declares (what count() returns). */
  readonly rowCount: number;
  /** False for a table with outbound keys: its rows are `{ key, value }`. Known once the table's data has been reached (batches/sample/countRows). */
  inbound(): Promise<boolean>;
  /** Counts the rows actually in the file by a streaming pass (no JSON.parse); compare with rowCount. */
  countRows(signal?: AbortSignal): Promise<number>;
}

interface Located {
  /** Offset of the rows array's `[`. */
  rowsOffset: number;
  inbound: boolean | undefined;
}

class DexieExport implements DexieExportFile {
  /** Tables whose data element has been found. */
  private readonly located = new Map<string, Located>();
  /** Where the scan of data.data stopped: the next unscanned table element. */
  private scanFrom: { offset: number; first: boolean };

  constructor(
    readonly path: string,
    readonly databaseName: string,
    readonly databaseVersion: number,
    private readonly declared: DexieTableInfo[],
    /** The offset of data.data's `[` and the containers above it. */
    private readonly dataOffset: number,
    private readonly dataLevels: Level[],
    readonly options: DexieExportOptions,
  ) {
    this.scanFrom = { offset: dataOffset, first: true };
  }

  async tables(): Promise<DexieTableInfo[]> {
    return this.declared.map((table) => ({ ...table }));
  }

  table<Row = Record<string, unknown>>(name: string): DexieTableReader<Row> {
    const info = this.declared.find((table) => table.name === name);
    if (!info) {
      throw new StrataError(ErrorCode.IMPORT_TABLE_UNKNOWN, `${this.path}: the Dexie export has no table "${name}"`, {
        hint: `Its tables: ${this.declared.map((table) => table.name).join(', ') || '(none)'}.`,
        details: { file: this.path, table: name, tables: this.declared.map((table) => table.name) },
      });
    }
    return new DexieTable<Row>(this, info);
  }

  /** Where `table`'s rows are (the `[` of its rows array and the containers above it), or null when the export has no data for it. */
  async locate(table: string): Promise<{ rowsOffset: number; inbound: boolean | undefined; levels: Level[] } | null> {
    let found = this.located.get(table);
    if (!found) {
      const cursor = await JsonCursor.open(this.path, 0, this.options.chunkSize);
      try {
        found = (await this.scan(cursor, table)) ?? undefined;
      } finally {
        await cursor.close();
      }
    }
    if (!found) return null;
    // The rows array sits in its table object, in data.data: for the checks after its last row.
    return { ...found, levels: [...this.dataLevels, { kind: 'array', first: false }, { kind: 'object', first: false }] };
  }

  /** Opens a cursor on the `[` of `table`'s rows, or null when the export has no data for it. */
  async openRows(table: string): Promise<{ cursor: JsonCursor; inbound: boolean | undefined } | null> {
    const found = await this.locate(table);
    if (!found) return null;
    const cursor = await JsonCursor.open(this.path, 0, this.options.chunkSize);
    cursor.seek(found.rowsOffset, found.levels);
    return { cursor, inbound: found.inbound };
  }

  /** Scans table elements of data.data from where the last scan stopped until `wanted` is found. */
  private async scan(cursor: JsonCursor, wanted: string): Promise<Located | null> {
    cursor.seek(this.scanFrom.offset, this.scanFrom.first ? [] : [{ kind: 'array', first: false }]);
    if (this.scanFrom.first) await cursor.enterArray({ part: 'data.data' });
    for (;;) {
      if (!(await cursor.nextElement({ part: 'data.data' }))) {
        this.scanFrom = { offset: cursor.offset, first: false };
        return null;
      }
      await cursor.enterObject({ part: 'data.data' });
      let tableName: string | undefined;
      let inbound: boolean | undefined;
      let rowsOffset: number | undefined;
      for (let key = await cursor.nextKey(); key !== null; key = await cursor.nextKey()) {
        if (key === 'tableName') tableName = String(await cursor.readValue({ part: 'data.data' }));
        else if (key === 'inbound') inbound = (await cursor.readValue({ table: tableName })) !== false;
        else if (key === 'rows') {
          await cursor.peek();
          rowsOffset = cursor.offset;
          if (tableName === wanted) {
            const found = { rowsOffset, inbound };
            this.located.set(wanted, found);
            return found;
          }
          await cursor.skipValue({ table: tableName });
        } else await cursor.skipValue({ table: tableName });
      }
      if (tableName !== undefined && rowsOffset !== undefined) this.located.set(tableName, { rowsOffset, inbound });
      this.scanFrom = { offset: cursor.offset, first: false };
      if (tableName === wanted && rowsOffset !== undefined) return this.located.get(wanted)!;
    }
  }
}

function cancelled(path: string, table: string, row: number, signal: AbortSignal): StrataError {
  return new StrataError(ErrorCode.IMPORT_CANCELLED, `Reading ${path}: table "${table}" cancelled at row ${row}`, {
    details: { file: path, table, row },
    cause: signal.reason,
  });
}

class DexieTable<Row> implements DexieTableReader<Row> {
  readonly name: string;
  readonly schema: string;
  readonly rowCount: number;
  private knownInbound: boolean | undefined;

  constructor(
    private readonly source: DexieExport,
    info: DexieTableInfo,
  ) {
    this.name = info.name;
    this.schema = info.schema;
    this.rowCount = info.rowCount;
  }

  async count(): Promise<number> {
    return this.rowCount;
  }

  async inbound(): Promise<boolean> {
    if (this.knownInbound === undefined) {
      const opened = await this.source.openRows(this.name);
      if (opened) await opened.cursor.close();
      this.knownInbound = opened?.inbound ?? inboundFromSchema(this.schema);
    }
    return this.knownInbound;
  }

  async sample(n: number): Promise<Row[]> {
    if (n <= 0) return [];
    for await (const batch of this.batches(n)) return batch;
    return [];
  }

  async countRows(signal?: AbortSignal): Promise<number> {
    let count = 0;
    for await (const batch of this.raw(COUNT_BATCH_ELEMENTS, signal)) count += batch.count;
    return count;
  }

  /** The table's batches, found but not decoded (for counting). */
  private async *raw(size: number, signal?: AbortSignal): AsyncGenerator<RowBatch> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
    const path = this.source.path;
    if (signal?.aborted) throw cancelled(path, this.name, 0, signal);
    const opened = await this.source.openRows(this.name);
    if (!opened) {
      if (this.rowCount > 0) {
        throw invalid(path, `table "${this.name}" declares ${this.rowCount} rows but the export has no data for it`, { table: this.name });
      }
      return;
    }
    const { cursor } = opened;
    this.knownInbound = opened.inbound ?? inboundFromSchema(this.schema);
    const table = this.name;
    try {
      await cursor.enterArray({ table, part: 'rows' });
      let firstRow = 0;
      for (;;) {
        const batch = await cursor.elements(size, (index) => ({ table, row: firstRow + index + 1 }), false);
        if (batch.count > 0) yield { ...batch, firstRow };
        firstRow += batch.count;
        if (batch.done) break;
        if (signal?.aborted) throw cancelled(path, table, firstRow, signal);
      }
      await checkTableEnd(cursor, table);
    } finally {
      await cursor.close();
    }
  }

  async *batches(size: number, signal?: AbortSignal): AsyncGenerator<Row[]> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
    const path = this.source.path;
    const table = this.name;
    if (signal?.aborted) throw cancelled(path, table, 0, signal);
    const found = await this.source.locate(table);
    if (!found) {
      if (this.rowCount > 0) throw invalid(path, `table "${table}" declares ${this.rowCount} rows but the export has no data for it`, { table });
      return;
    }
    const inbound = found.inbound ?? inboundFromSchema(this.schema);
    this.knownInbound = inbound;
    const {
      chunkSize,
      stretchBytes,
      workers = defaultWorkers(),
      workerMode = 'chunks',
      startStretches = Number.POSITIVE_INFINITY,
      ...options
    } = this.source.options;
    const ctx = { path, table, inbound, options };
    let from = 0;
    // Batches go out at exactly `size`, whatever stretches the worker sends and wherever it stops.
    const batches = new Rebatcher<Row>(size);
    const script = workersWanted(workers) > 0 ? workerScript() : undefined;
    if (script) {
      const progress = { rows: 0, started: false };
      const handOver = yield* this.inWorker(
        script,
        {
          path,
          table,
          inbound,
          rowsOffset: found.rowsOffset,
          levels: found.levels,
          size,
          ahead: workerMode === 'chunks' ? CHUNK_AHEAD : WORKER_AHEAD,
          mode: workerMode,
          chunkSize,
          stretchBytes: stretchBytes ?? (workerMode === 'chunks' ? CHUNK_BYTES : undefined),
          options,
        },
        signal,
        progress,
        batches,
        startStretches,
      );
      if (handOver === undefined) return;
      from = handOver;
    }
    // Here: no worker, or a worker that could not start or could not send a stretch (from its first row on).
    const cursor = await JsonCursor.open(path, 0, chunkSize);
    try {
      cursor.seek(found.rowsOffset, found.levels);
      let rows = 0;
      for await (const batch of readRows(cursor, size, ctx, { stretchBytes })) {
        const skip = Math.max(0, from - rows);
        rows += batch.length;
        if (skip >= batch.length) continue;
        yield* batches.push((skip ? batch.slice(skip) : batch) as Row[]);
        if (signal?.aborted) throw cancelled(path, table, rows, signal);
      }
      yield* batches.flush();
    } finally {
      await cursor.close();
    }
  }

  /**
   * Reads in a worker thread: it cuts and decodes stretches (mode 'chunks', then parsed here, after
   * the first ones this thread reads while the worker starts), finds and decodes the rows (mode
   * 'text', then parsed here) or also parses and revives them (mode 'rows'). Returns undefined when
   * done, or the row to go on from on this thread (the worker could not start, or met values that
   * cannot cross threads).
   */
  private async *inWorker(
    script: URL,
    job: WorkerJob,
    signal: AbortSignal | undefined,
    progress: { rows: number; started: boolean },
    batches: Rebatcher<Row>,
    startStretches: number,
  ): AsyncGenerator<Row[], number | undefined> {
    const queue = new MessageQueue();
    const worker = startWorker(script, job);
    const ctx: ParseContext = { path: job.path, table: job.table, inbound: job.inbound, options: job.options };
    // Rows the worker has sent so far, counted as they arrive (in order with messageerror).
    let sent = 0;
    // Rows taken from the worker's messages so far (the next one's index in the table).
    let received = 0;
    // Mode 'chunks': once the worker has been told to resume, what it sent before is dropped.
    let resumed = false;
    // Credits go back in groups: each one wakes the worker, which on a busy machine takes the CPU
    // from this thread.
    let owed = 0;
    const credit = (): void => {
      if (++owed < job.ahead >> 1) return;
      worker.postMessage(owed);
      owed = 0;
    };
    const resume = (at: number, first: boolean): void => {
      resumed = true;
      sent = received;
      owed = 0; // the worker starts again with `ahead` credits
      worker.postMessage({ type: 'resume', at, first, firstRow: received } satisfies ResumeMessage);
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'rows') sent += message.rows.length;
      else if (message.type === 'text') sent += message.count;
      queue.push(message);
    });
    // A stretch the worker could send but this thread cannot receive (a row nested thousands
    // deep overflows the stack while it is deserialized): it would be dropped without a word,
    // and the table come up short. This thread reads on from its first row instead, where a real
    // error names the row.
    worker.on('messageerror', () => queue.push({ type: 'uncloneable', batch: -1, firstRow: sent }));
    worker.on('error', (error) => queue.fail(error));
    worker.on('exit', (code) => queue.fail(new Error(`the Dexie parse worker exited (code ${code})`)));
    try {
      if (job.mode === 'chunks') {
        const early = yield* this.whileStarting(job, ctx, queue, { signal, progress, batches, most: startStretches });
        if (!early) return undefined;
        received = sent = early.firstRow;
        worker.postMessage(early satisfies ResumeMessage);
      }
      for (;;) {
        let message: WorkerMessage;
        try {
          message = await queue.next();
        } catch (error) {
          if (!progress.started) return received; // it could not start (no loader for its file): read here
          throw error;
        }
        progress.started = true;
        if (message.type === 'error') throw errorFromData(message.error);
        if (message.type === 'ready') continue;
        if (message.type === 'done') {
          yield* batches.flush();
          return undefined;
        }
        // This thread goes on from that row (the rows before it wait in `batches`).
        if (message.type === 'uncloneable') return message.firstRow;
        if (message.type === 'stop') {
          if (!resumed) resume(message.at, message.first);
          continue;
        }
        let rows: Row[];
        if (message.type === 'chunk') {
          if (resumed) continue;
          credit();
          const parsed = parseStretch<Row>(message.text, ctx, received);
          if (!parsed) {
            // Cut inside a string, or a row that does not parse or revive: the worker reads it again exactly.
            resume(message.at, message.first);
            continue;
          }
          rows = parsed;
        } else {
          credit();
          rows =
            message.type === 'text'
              ? parseRows<Row>({ text: message.text, offsets: message.offsets, count: message.count, firstRow: message.firstRow, done: false }, ctx)
              : (message.rows as Row[]);
        }
        received += rows.length;
        for (const batch of batches.push(rows)) {
          progress.rows += batch.length;
          yield batch;
          if (signal?.aborted) throw cancelled(job.path, job.table, progress.rows, signal);
        }
      }
    } finally {
      queue.closed = true;
      await worker.terminate();
    }
  }

  /**
   * Mode 'chunks': the worker is a Node instance of its own, which takes 50-150 ms to start here
   * (several times that on a busy machine): this thread reads the first stretches itself until
   * the worker says it is ready (or `most` stretches), and returns where the worker is to start;
   * null when it read the whole table meanwhile. A worker that cannot start leaves it all to this
   * thread (unless `most` stops it first: then the worker's failure is met as before).
   */
  private async *whileStarting(
    job: WorkerJob,
    ctx: ParseContext,
    queue: MessageQueue,
    {
      signal,
      progress,
      batches,
      most,
    }: { signal: AbortSignal | undefined; progress: { rows: number; started: boolean }; batches: Rebatcher<Row>; most: number },
  ): AsyncGenerator<Row[], ResumeMessage | null> {
    const cursor = await JsonCursor.open(job.path, 0, job.chunkSize);
    try {
      cursor.seek(job.rowsOffset, job.levels);
      const rows = new TableRows(cursor, job.size, ctx, { stretchBytes: job.stretchBytes });
      await rows.open();
      // The worker's messages arrive between this thread's reads (each 1 MiB read yields to the event loop).
      for (let read = 0; !rows.done && !queue.hasItems() && read < most; read++) {
        for (const batch of batches.push((await rows.parsed()) as Row[])) {
          progress.rows += batch.length;
          yield batch;
          if (signal?.aborted) throw cancelled(job.path, job.table, progress.rows, signal);
        }
      }
      if (rows.done) {
        await checkTableEnd(cursor, job.table);
        yield* batches.flush();
        return null;
      }
      const level = cursor.levels().pop()!;
      return { type: 'start', at: cursor.offset, first: level.first, firstRow: rows.taken };
    } finally {
      await cursor.close();
    }
  }
}

/** A stretch of rows cut by the worker (mode 'chunks'), parsed and revived; null when it does not parse or a row fails (to be read again exactly). */
function parseStretch<Row>(text: string, ctx: ParseContext, firstRow: number): Row[] | null {
  try {
    return finishRows<Row>(JSON.parse(text) as unknown[], ctx, { firstRow });
  } catch {
    return null;
  }
}

/** Batches the worker may send before this thread has taken them. */
const WORKER_AHEAD = 4;
/** Mode 'chunks': stretches the worker may send ahead (each about CHUNK_BYTES). */
const CHUNK_AHEAD = 8;
/**
 * Mode 'chunks': bytes per stretch. Measured on the 1M-row bench export: 256 KiB stretches peaked
 * at 150-159 MiB of RSS, 128 KiB at 127-134 MiB, 64 KiB at 125-131 MiB with no gain in speed.
 */
const CHUNK_BYTES = 128 * 1024;

/** Messages from one worker, taken in order. */
class MessageQueue {
  private readonly items: WorkerMessage[] = [];
  private waiting: { resolve: (message: WorkerMessage) => void; reject: (error: unknown) => void } | undefined;
  private failure: unknown;
  closed = false;

  push(message: WorkerMessage): void {
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve(message);
    } else this.items.push(message);
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.failure ??= error;
    if (this.waiting) {
      const { reject } = this.waiting;
      this.waiting = undefined;
      reject(error);
    }
  }

  /** A message is waiting (a failure is not one). */
  hasItems(): boolean {
    return this.items.length > 0;
  }

  next(): Promise<WorkerMessage> {
    const item = this.items.shift();
    if (item) return Promise.resolve(item);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }
}

/**
 * A small young generation: the worker's garbage is short-lived batches, and V8's default (up to
 * 48 MB here) made a 1M-row import peak at 170-205 MiB; with 8 MB and 4 batches ahead: 149 MiB.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

/** Starts the worker; from TypeScript sources (tests under tsx), through tsx's loader, which workers do not inherit. */
function startWorker(url: URL, job: WorkerJob): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: job, resourceLimits: WORKER_LIMITS });
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true, workerData: job, resourceLimits: WORKER_LIMITS });
}

/** A worker by default (see DexieExportOptions.workers); never on a single core. */
function defaultWorkers(): number {
  return 1;
}

function workersWanted(asked: number): number {
  return asked > 0 && availableParallelism() > 1 ? 1 : 0;
}

let script: URL | null | undefined;

/**
 * The worker's file: next to this module (src/*.ts under tsx, dist/*.js), or dist/import/readers/ from
 * a bundle in dist/cli/. Without it (another bundle), batches are parsed on the calling thread.
 */
function workerScript(): URL | undefined {
  if (script === undefined) {
    const here = import.meta.url;
    const ext = here.endsWith('.ts') ? '.ts' : '.js';
    script = null;
    for (const candidate of [`./dexie-worker${ext}`, `../import/readers/dexie-worker${ext}`]) {
      const url = new URL(candidate, here);
      if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) {
        script = url;
        break;
      }
    }
  }
  return script ?? undefined;
}

/** Dexie's schema string: the primary key is the first index; outbound when it has no key path (`''`, `'++'`). */
function inboundFromSchema(schema: string): boolean {
  const primary = (schema.split(',')[0] ?? '').trim().replace(/^(\+\+|&|\*)/, '');
  return primary !== '';
}

function unsupported(path: string, message: string, details: Record<string, unknown>): StrataError {
  return new StrataError(ErrorCode.IMPORT_SOURCE_UNSUPPORTED, `${path}: ${message}`, {
    hint: 'Give a file written by dexie-export-import (exportDB), formatName "dexie", formatVersion 1.',
    details: { file: path, ...details },
  });
}

/**
 * Opens a dexie-export-import file: reads its header (format, database, tables) and stops at the
 * table data, which table(name) streams on demand.
 */
export async function openDexieExport(path: string, options: DexieExportOptions = {}): Promise<DexieExportFile> {
  const cursor = await JsonCursor.open(path, 0, options.chunkSize);
  try {
    const first = await cursor.peek();
    if (first !== 0x7b) {
      if (first === -1) throw invalid(path, 'the file is empty', { offset: 0 });
      throw unsupported(path, 'not a Dexie export (it does not start with a JSON object)', { offset: cursor.offset });
    }
    await cursor.enterObject({ part: 'header' });
    let formatName: unknown;
    let formatVersion: unknown;
    let databaseName: unknown;
    let databaseVersion: unknown;
    let tables: unknown;
    let data: { offset: number; levels: Level[] } | undefined;
    const checkFormat = (): void => {
      if (formatName !== undefined && formatName !== 'dexie') {
        throw unsupported(path, `formatName is ${JSON.stringify(formatName)}, not "dexie"`, { formatName });
      }
      if (formatVersion !== undefined && formatVersion !== 1) {
        throw unsupported(path, `formatVersion ${JSON.stringify(formatVersion)} is not supported (only 1)`, { formatVersion });
      }
    };
    top: for (let key = await cursor.nextKey({ part: 'header' }); key !== null; key = await cursor.nextKey({ part: 'header' })) {
      if (key === 'formatName') formatName = await cursor.readValue({ part: 'formatName' });
      else if (key === 'formatVersion') formatVersion = await cursor.readValue({ part: 'formatVersion' });
      else if (key === 'data') {
        checkFormat();
        if ((await cursor.peek()) !== 0x7b) throw cursor.unexpected(await cursor.peek(), 'the data object', { part: 'data' });
        await cursor.enterObject({ part: 'data' });
        for (let inner = await cursor.nextKey({ part: 'data' }); inner !== null; inner = await cursor.nextKey({ part: 'data' })) {
          if (inner === 'databaseName') databaseName = await cursor.readValue({ part: 'data.databaseName' });
          else if (inner === 'databaseVersion') databaseVersion = await cursor.readValue({ part: 'data.databaseVersion' });
          else if (inner === 'tables') tables = await cursor.readValue({ part: 'data.tables' });
          else if (inner === 'data') {
            await cursor.peek();
            data = { offset: cursor.offset, levels: cursor.levels() };
            // dexie-export-import writes the header first: nothing else is needed before the rows.
            if (formatName !== undefined && formatVersion !== undefined && tables !== undefined) break top;
            await cursor.skipValue({ part: 'data.data' });
          } else await cursor.skipValue({ part: `data.${inner}` });
        }
      } else await cursor.skipValue({ part: key });
      checkFormat();
    }
    if (formatName === undefined) throw unsupported(path, 'not a Dexie export (no formatName)', {});
    if (formatVersion === undefined) throw unsupported(path, 'no formatVersion', {});
    checkFormat();
    if (!Array.isArray(tables)) throw invalid(path, 'data.tables is missing or not a list', { part: 'data.tables' });
    const declared: DexieTableInfo[] = tables.map((table: unknown, index) => {
      const t = table as Partial<DexieTableInfo> | null;
      if (!t || typeof t.name !== 'string' || typeof t.rowCount !== 'number') {
        throw invalid(path, `data.tables[${index}] is not {name, schema, rowCount}`, { part: 'data.tables', index });
      }
      return { name: t.name, schema: typeof t.schema === 'string' ? t.schema : '', rowCount: t.rowCount };
    });
    if (!data) throw invalid(path, 'data.data (the table rows) is missing', { part: 'data.data' });
    return new DexieExport(
      path,
      typeof databaseName === 'string' ? databaseName : '',
      typeof databaseVersion === 'number' ? databaseVersion : 0,
      declared,
      data.offset,
      data.levels,
      options,
    );
  } finally {
    await cursor.close();
  }
}
