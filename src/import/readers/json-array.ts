/**
 * Streams any large JSON array at a path of a file (`{ at: 'data.items' }`, `''` for a top-level
 * array) in batches with flat memory: elements are found over raw bytes and each batch is parsed
 * by one native JSON.parse. Everything before the array is walked, not parsed.
 */
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { splitPath } from './dot-path.js';
import { COUNT_BATCH_ELEMENTS, JsonCursor, firstInvalidElement, invalid, type ElementBatch } from './json-cursor.js';
import type { TableReader } from './reader-types.js';

export interface JsonArrayOptions {
  /** Dot path of the array (`data.items`, `results.0.rows`); empty or absent for a top-level array. */
  at?: string | undefined;
  /** The reader's name (default: the path, or the file name). */
  name?: string;
  /** Bytes read at a time (default 1 MiB). */
  chunkSize?: number;
}

class JsonArray<Row> implements TableReader<Row> {
  private counted: number | undefined;
  private arrayOffset: number | undefined;

  constructor(
    readonly name: string,
    private readonly path: string,
    private readonly at: string[],
    private readonly chunkSize: number | undefined,
  ) {}

  /** Opens a cursor on the array's `[`, walking down `at` the first time. */
  async open(): Promise<JsonCursor> {
    const cursor = await JsonCursor.open(this.path, 0, this.chunkSize);
    try {
      if (this.arrayOffset !== undefined) {
        cursor.seek(this.arrayOffset);
        return cursor;
      }
      for (let depth = 0; depth < this.at.length; depth++) {
        const part = this.at[depth]!;
        const where = this.at.slice(0, depth).join('.') || '(top level)';
        const c = await cursor.peek();
        if (c === 0x5b && /^\d+$/.test(part)) {
          await cursor.enterArray();
          let index = 0;
          for (;;) {
            if (!(await cursor.nextElement({ at: where }))) throw this.missing(depth);
            if (index++ === Number(part)) break;
            await cursor.skipValue({ at: where });
          }
          continue;
        }
        if (c !== 0x7b) throw cursor.unexpected(c, `an object at ${where} (looking for "${part}")`, { at: where });
        await cursor.enterObject({ at: where });
        for (;;) {
          const key = await cursor.nextKey({ at: where });
          if (key === null) throw this.missing(depth);
          if (key === part) break;
          await cursor.skipValue({ at: where, key });
        }
      }
      const c = await cursor.peek();
      if (c !== 0x5b) throw cursor.unexpected(c, `an array at ${this.at.join('.') || '(top level)'}`, { at: this.at.join('.') });
      this.arrayOffset = cursor.offset;
      cursor.seek(this.arrayOffset);
      return cursor;
    } catch (error) {
      await cursor.close();
      throw error;
    }
  }

  private missing(depth: number): StrataError {
    const path = this.at.slice(0, depth + 1).join('.');
    return new StrataError(ErrorCode.IMPORT_TABLE_UNKNOWN, `${this.path} has nothing at "${path}"`, {
      hint: 'Check the `at` path of the JSON array source.',
      details: { file: this.path, at: this.at.join('.'), missing: path },
    });
  }

  async count(): Promise<number> {
    if (this.counted === undefined) {
      let count = 0;
      for await (const batch of this.raw(COUNT_BATCH_ELEMENTS, undefined, false)) count += batch.count;
      this.counted = count;
    }
    return this.counted;
  }

  async sample(n: number): Promise<Row[]> {
    if (n <= 0) return [];
    for await (const batch of this.batches(n)) return batch;
    return [];
  }

  private async *raw(size: number, signal: AbortSignal | undefined, decode: boolean): AsyncGenerator<ElementBatch & { firstRow: number }> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
    const cursor = await this.open();
    try {
      await cursor.enterArray();
      let firstRow = 0;
      for (;;) {
        if (signal?.aborted) {
          throw new StrataError(ErrorCode.IMPORT_CANCELLED, `Reading ${this.path}: "${this.name}" cancelled at element ${firstRow}`, {
            details: { file: this.path, at: this.at.join('.'), row: firstRow },
            cause: signal.reason,
          });
        }
        const batch = await cursor.elements(size, (index) => ({ at: this.at.join('.'), row: firstRow + index + 1 }), decode);
        if (batch.count > 0) yield { ...batch, firstRow };
        firstRow += batch.count;
        if (batch.done) break;
      }
    } finally {
      await cursor.close();
    }
  }

  async *batches(size: number, signal?: AbortSignal): AsyncGenerator<Row[]> {
    for await (const batch of this.raw(size, signal, true)) {
      try {
        yield JSON.parse(`[${batch.text}]`) as Row[];
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        throw this.locate(batch, error);
      }
    }
  }

  private locate(batch: ElementBatch & { firstRow: number }, error: unknown): StrataError {
    const bad = firstInvalidElement(batch);
    if (bad) {
      const row = batch.firstRow + bad.index + 1;
      return invalid(
        this.path,
        `element ${row} of "${this.at.join('.') || '(top level)'}" is not valid JSON at byte ${bad.offset} (${messageOf(bad.error)})`,
        {
          at: this.at.join('.'),
          row,
          offset: bad.offset,
        },
        bad.error,
      );
    }
    return invalid(this.path, messageOf(error), { at: this.at.join('.'), row: batch.firstRow + 1, offset: batch.offsets[0]! }, error);
  }
}

/** A TableReader over the JSON array at `options.at` of the file at `path`. Checks the array is there. */
export async function jsonArrayReader<Row = unknown>(path: string, options: JsonArrayOptions = {}): Promise<TableReader<Row>> {
  const at = splitPath(options.at ?? '');
  const reader = new JsonArray<Row>(options.name ?? (at.length ? at.join('.') : path), path, at, options.chunkSize);
  await (await reader.open()).close();
  return reader;
}
