/**
 * Parsing and reviving a batch of Dexie export rows: shared by the reader and its parse worker.
 */
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import type { NextCommand } from '../../model/next-command.js';
import { firstInvalidElement, invalid, type ElementBatch, type JsonCursor } from './json-cursor.js';
import { ReviveError, revive, type ReviveOptions } from './typeson-revive.js';

/** A row of a table with outbound keys (its schema's primary key has no key path, e.g. `''` or `'++'`). */
export interface DexieOutboundRow<Value = unknown> {
  key: unknown;
  value: Value;
}

export interface RowBatch extends ElementBatch {
  /** The 0-based index of the batch's first row in its table. */
  firstRow: number;
}

export interface ParseContext {
  path: string;
  table: string;
  inbound: boolean;
  options: ReviveOptions;
}

/** Parses a batch of rows with one JSON.parse and revives each; errors name the row and byte. */
export function parseRows<Row>(batch: RowBatch, ctx: ParseContext): Row[] {
  let rows: unknown[];
  try {
    rows = JSON.parse(`[${batch.text}]`) as unknown[];
  } catch (error) {
    throw locateParseError(batch, ctx, error);
  }
  if (rows.length !== batch.count) {
    throw invalid(ctx.path, `table "${ctx.table}": rows ${batch.firstRow + 1}-${batch.firstRow + batch.count} do not parse as ${batch.count} rows`, {
      table: ctx.table,
      row: batch.firstRow + 1,
      offset: batch.offsets[0],
    });
  }
  return finishRows<Row>(rows, ctx, batch);
}

/** Revives parsed rows in place (outbound `[key, value]` rows become `{ key, value }`). */
export function finishRows<Row>(rows: unknown[], ctx: ParseContext, batch: { firstRow: number; offsets?: number[] }): Row[] {
  for (let i = 0; i < rows.length; i++) {
    const encoded = rows[i];
    let row: unknown;
    try {
      row = revive(encoded, ctx.options);
    } catch (error) {
      throw reviveFailure(ctx, batch, i, error);
    }
    if (ctx.inbound) {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw notARow(ctx, batch, i, 'an object');
      rows[i] = row;
    } else {
      if (!Array.isArray(row) || row.length !== 2) throw notARow(ctx, batch, i, 'a [key, value] pair');
      rows[i] = { key: row[0], value: row[1] } satisfies DexieOutboundRow;
    }
  }
  return rows as Row[];
}

function notARow(ctx: ParseContext, batch: { firstRow: number; offsets?: number[] }, i: number, what: string): StrataError {
  const row = batch.firstRow + i + 1;
  const offset = batch.offsets?.[i];
  return invalid(ctx.path, `table "${ctx.table}" row ${row} is not ${what} at byte ${offset}`, { table: ctx.table, row, offset });
}

/** About this many bytes are parsed at a time on the fast path (then cut into batches of the size asked). */
export const SPECULATE_BYTES = 256 * 1024;

export interface TableRowsOptions {
  /** false: find every row boundary exactly (no cut at `},{`). */
  speculate?: boolean;
  /** Bytes taken at a time on the fast path (default SPECULATE_BYTES). */
  stretchBytes?: number | undefined;
  /** The cursor is already inside the rows array, before this 0-based row (not on its `[`). */
  from?: number;
}

/**
 * The rows of one table, taken in stretches from the cursor (on the table's rows array) and
 * revived: about SPECULATE_BYTES (stretchBytes) at a time through cursor.speculate(), else `size` rows found by
 * the exact scan of `text()`. The exact scan also takes over where speculation keeps missing
 * (nested `},{` inside rows) and re-reads a stretch that fails, for an error naming its row and byte.
 */
export class TableRows {
  /** Rows taken from the file so far. */
  taken = 0;
  /** The rows array has been read to its `]`. */
  done = false;
  private speculating: boolean;
  private readonly stretchBytes: number;
  private readonly inside: boolean;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly cursor: JsonCursor,
    private readonly size: number,
    private readonly ctx: ParseContext,
    options: TableRowsOptions = {},
  ) {
    this.speculating = options.speculate !== false;
    this.stretchBytes = options.stretchBytes ?? SPECULATE_BYTES;
    this.inside = options.from !== undefined;
    this.taken = options.from ?? 0;
  }

  async open(): Promise<void> {
    if (!this.inside) await this.cursor.enterArray({ table: this.ctx.table, part: 'rows' });
  }

  /** The next stretch, revived; [] once done. */
  async parsed(): Promise<unknown[]> {
    const { cursor, ctx } = this;
    if (this.speculating && !this.done) {
      const levels = cursor.levels();
      const at = cursor.offset;
      const fast = await cursor.speculate(this.stretchBytes);
      if (fast) {
        try {
          const rows = finishRows(fast.values, ctx, { firstRow: this.taken });
          this.hits++;
          this.taken += rows.length;
          return rows;
        } catch {
          // Read these rows again exactly, for an error that names the row and its byte.
          cursor.seek(at, levels);
          this.speculating = false;
        }
      } else if (++this.misses >= 3 && this.misses * 4 > this.hits) this.speculating = false;
    }
    return parseRows(await this.text(), ctx);
  }

  /** The next `size` rows as text, with their offsets, to be parsed by parseRows (here or on another thread). */
  async text(): Promise<RowBatch> {
    if (this.done) return { text: '', count: 0, offsets: [], done: true, firstRow: this.taken };
    const first = this.taken;
    const table = this.ctx.table;
    const batch = await this.cursor.elements(this.size, (index) => ({ table, row: first + index + 1 }));
    this.taken += batch.count;
    this.done = batch.done;
    return { ...batch, firstRow: first };
  }
}

/** Regroups stretches of rows into batches of exactly `size` (the last one shorter). */
export class Rebatcher<Row> {
  private pending: Row[] = [];
  private taken = 0;

  constructor(private readonly size: number) {}

  /** The full batches that `rows` completes. */
  push(rows: Row[]): Row[][] {
    if (this.taken === this.pending.length) this.pending = rows;
    else this.pending = this.pending.slice(this.taken).concat(rows);
    this.taken = 0;
    const out: Row[][] = [];
    while (this.pending.length - this.taken >= this.size) {
      out.push(this.pending.slice(this.taken, this.taken + this.size));
      this.taken += this.size;
    }
    return out;
  }

  /** What is left: the last, shorter batch (or none). */
  flush(): Row[][] {
    const rest = this.pending.slice(this.taken);
    this.pending = [];
    this.taken = 0;
    return rest.length ? [rest] : [];
  }
}

/**
 * The rows of the table whose rows array the cursor is on (its `[`, or inside it before row
 * `options.from`), revived, in batches of exactly `size` (the last one shorter). Then checks the
 * rest of the file.
 */
export async function* readRows(cursor: JsonCursor, size: number, ctx: ParseContext, options: TableRowsOptions = {}): AsyncGenerator<unknown[]> {
  const rows = new TableRows(cursor, size, ctx, options);
  const batches = new Rebatcher<unknown>(size);
  await rows.open();
  while (!rows.done) yield* batches.push(await rows.parsed());
  yield* batches.flush();
  await checkTableEnd(cursor, ctx.table);
}

function reviveFailure(ctx: ParseContext, batch: { firstRow: number; offsets?: number[] }, i: number, error: unknown): StrataError {
  const row = batch.firstRow + i + 1;
  const offset = batch.offsets?.[i];
  const details = { file: ctx.path, table: ctx.table, row, offset };
  if (error instanceof ReviveError) {
    const message = `${ctx.path}: table "${ctx.table}" row ${row} (byte ${offset}): ${error.message}`;
    return error.unsupported
      ? new StrataError(ErrorCode.IMPORT_SOURCE_UNSUPPORTED, message, {
          hint: 'The export holds a value type Strata cannot rebuild in Node; export without it or transform it in the source app.',
          details: { ...details, type: error.typeName, keyPath: error.keyPath },
          cause: error,
        })
      : invalid(ctx.path, message.slice(ctx.path.length + 2), { table: ctx.table, row, offset, type: error.typeName, keyPath: error.keyPath }, error);
  }
  return invalid(ctx.path, `table "${ctx.table}" row ${row} (byte ${offset}): ${messageOf(error)}`, { table: ctx.table, row, offset }, error);
}

/** Finds which row of a batch JSON.parse rejected, and the byte in the file. */
function locateParseError(batch: RowBatch, ctx: ParseContext, error: unknown): StrataError {
  const bad = firstInvalidElement(batch);
  if (bad) {
    const row = batch.firstRow + bad.index + 1;
    return invalid(
      ctx.path,
      `table "${ctx.table}" row ${row} is not valid JSON at byte ${bad.offset} (${messageOf(bad.error)})`,
      {
        table: ctx.table,
        row,
        offset: bad.offset,
        rowOffset: batch.offsets[bad.index],
      },
      bad.error,
    );
  }
  return invalid(
    ctx.path,
    `table "${ctx.table}" rows ${batch.firstRow + 1}-${batch.firstRow + batch.count}: ${messageOf(error)}`,
    {
      table: ctx.table,
      row: batch.firstRow + 1,
      offset: batch.offsets[0]!,
    },
    error,
  );
}

/**
 * After a table's rows: its object must close, and after the last table data.data and the two outer
 * objects too, then the file must end. Catches a file truncated right after the last row.
 */
export async function checkTableEnd(cursor: JsonCursor, table: string): Promise<void> {
  const details = { table, part: 'after the rows' };
  for (let key = await cursor.nextKey(details); key !== null; key = await cursor.nextKey(details)) await cursor.skipValue(details);
  const next = await cursor.peek();
  if (next === 0x2c) return; // another table follows: reading that one checks the rest
  if (await cursor.nextElement(details)) throw cursor.unexpected(next, '"]"', details);
  while (cursor.depth > 0) {
    for (let key = await cursor.nextKey(details); key !== null; key = await cursor.nextKey(details)) await cursor.skipValue(details);
  }
  const tail = await cursor.peek();
  if (tail !== -1) throw cursor.unexpected(tail, 'the end of the file', details);
}

/** A StrataError as plain data, to cross a worker boundary. */
export interface ErrorData {
  strata: boolean;
  code?: string;
  message: string;
  hint?: string;
  next?: NextCommand[];
  details?: Record<string, unknown>;
}

export function errorToData(error: unknown): ErrorData {
  if (error instanceof StrataError) {
    return {
      strata: true,
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.next.length ? { next: error.next } : {}),
      details: error.details,
    };
  }
  return { strata: false, message: messageOf(error) };
}

export function errorFromData(data: ErrorData): Error {
  if (!data.strata) return new Error(data.message);
  return new StrataError(data.code as ErrorCode, data.message, {
    ...(data.hint ? { hint: data.hint } : {}),
    ...(data.next ? { next: data.next } : {}),
    ...(data.details ? { details: data.details } : {}),
  });
}
