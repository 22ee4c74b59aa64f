/**
 * A forward cursor over a JSON file that never holds more than a window of it in memory.
 *
 * It walks the structure itself (objects, keys, arrays) and finds where values end by tracking only
 * string, escape and bracket state over raw bytes; the values it hands out are parsed by the native
 * JSON.parse. That is what makes it fast: a row of an array is found with a byte loop (and
 * `Buffer.indexOf` inside strings) and parsed in one native call, instead of token by token.
 * Batches of rows are parsed with a single `JSON.parse('[' + bytes + ']')`.
 */
import { constants as bufferConstants } from 'node:buffer';
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { jsonErrorIndex } from './json-syntax.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** 1 for JSON whitespace. */
const WS = new Uint8Array(256);
WS[0x20] = WS[0x09] = WS[0x0a] = WS[0x0d] = 1;
/** 1 for a byte that ends a bare literal (number, true, false, null). */
const DELIM = new Uint8Array(256);
DELIM[0x20] = DELIM[0x09] = DELIM[0x0a] = DELIM[0x0d] = DELIM[COMMA] = DELIM[CLOSE_ARRAY] = DELIM[CLOSE_OBJECT] = DELIM[COLON] = 1;

/**
 * Bytes read from the file at a time (the readers' `chunkSize` default; the window starts at
 * twice this): a thousand reads per GB of export, a window small beside the rows it feeds.
 */
export const DEFAULT_READ_CHUNK_BYTES = 1 << 20;
/**
 * Elements per `elements()` call when a reader only counts (nothing decoded). The cursor keeps a
 * batch's bytes in its window until the call returns, so this bounds a count's memory; it is large
 * enough that the cost of each call, and the cancel check between calls, do not show.
 */
export const COUNT_BATCH_ELEMENTS = 4096;
const CUT = Buffer.from('},{');

/** Where a problem is, for error details: the file, a byte offset, and whatever the caller knows (table, row). */
export type Where = Record<string, unknown>;

export function invalid(file: string, message: string, details: Where = {}, cause?: unknown): StrataError {
  return new StrataError(ErrorCode.IMPORT_SOURCE_INVALID, `${file}: ${message}`, {
    hint: 'The file is truncated or not valid JSON: export it again from the source application.',
    details: { file, ...details },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Opens `path` for reading, as a StrataError when it is missing, unreadable or not a regular
 * file (a folder opens on Linux and fails at the first read; a FIFO would block the open).
 */
export async function openSource(path: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new StrataError(ErrorCode.IMPORT_SOURCE_MISSING, `Cannot open import source ${path}: ${messageOf(error)}`, {
      hint: 'Check the path in the import configuration.',
      details: { file: path },
      cause: error,
    });
  }
  const stats = await fh.stat();
  if (!stats.isFile()) {
    await fh.close();
    throw notAFile(path, stats.isDirectory() ? 'a folder' : 'not a regular file');
  }
  return { fh, size: stats.size };
}

/** A source path naming a folder (or a FIFO, a device): IMPORT_SOURCE_MISSING saying so, not an EISDIR from the first read. */
export function notAFile(path: string, what: string): StrataError {
  return new StrataError(ErrorCode.IMPORT_SOURCE_MISSING, `Import source ${path} is ${what}, not a file`, {
    hint: 'Point the import configuration at the exported file itself (for a folder of exports, name each file).',
    details: { file: path, reason: what },
  });
}

/**
 * The whole of a source that is read into memory at once (an electron-store or redux-persist
 * file): refused with IMPORT_SOURCE_TOO_LARGE up front when it is larger than one string can
 * hold, rather than failing after the read (or as "missing"). Streamed sources have no limit.
 */
export async function readWholeSource(path: string, what: string, missingHint: string): Promise<Buffer> {
  const { fh, size } = await openSource(path).catch((error: StrataError) => {
    if (error.details.reason !== undefined) throw error;
    throw new StrataError(ErrorCode.IMPORT_SOURCE_MISSING, `Cannot read ${what} ${path}: ${messageOf(error.cause ?? error)}`, {
      hint: missingHint,
      details: { file: path },
      cause: error.cause,
    });
  });
  try {
    // A UTF-8 file of N bytes is at least N / 3 characters: past 3 x the longest string, it cannot fit.
    const limit = Math.min(bufferConstants.MAX_LENGTH, bufferConstants.MAX_STRING_LENGTH * 3);
    if (size > limit) throw tooLarge(path, size, limit, what);
    const bytes = await fh.readFile();
    return bytes;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_FS_FILE_TOO_LARGE' || code === 'ERR_STRING_TOO_LONG') throw tooLarge(path, size, bufferConstants.MAX_STRING_LENGTH, what, error);
    throw error;
  } finally {
    await fh.close();
  }
}

/** A source larger than a reader that holds it whole can read (details: file, size, limit). */
export function tooLarge(path: string, size: number, limit: number, what: string, cause?: unknown): StrataError {
  return new StrataError(ErrorCode.IMPORT_SOURCE_TOO_LARGE, `${what} ${path} is ${size} bytes: more than this reader can hold in memory (${limit} bytes)`, {
    hint: 'Such a file is read whole: export less (or split it), or export in a format Strata streams (a Dexie export, a JSON array).',
    details: { file: path, size, limit },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Decodes a whole source as UTF-8 text, without the byte-order mark some editors write. */
export function sourceText(bytes: Buffer, path: string, what: string): string {
  try {
    return bytes.toString('utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw tooLarge(path, bytes.length, bufferConstants.MAX_STRING_LENGTH, what, error);
  }
}

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

/**
 * Where `text` stops being valid JSON (a UTF-16 index), from JSON.parse's error message when it says
 * ("at position 12") and else by checking the text.
 */
export function jsonErrorPosition(error: unknown, text?: string): number | undefined {
  const match = /at position (\d+)/.exec(messageOf(error));
  if (match) return Number(match[1]);
  if (text === undefined) return undefined;
  const index = jsonErrorIndex(text);
  return index === -1 ? undefined : index;
}

/** A batch of consecutive array elements: their text (elements and the commas between them) and where each starts. */
export interface ElementBatch {
  /** The elements' JSON text, `a,b,c` (whitespace included): `JSON.parse('[' + text + ']')` parses them. Empty when not decoded. */
  text: string;
  count: number;
  /** File offset of each element's first byte. */
  offsets: number[];
  /** True when the array's closing bracket was reached. */
  done: boolean;
}

/**
 * The first element of a batch that JSON.parse rejects on its own: its index, the file offset
 * where parsing stopped, and the parser's error. undefined when every element parses alone.
 */
export function firstInvalidElement(batch: ElementBatch): { index: number; offset: number; error: unknown } | undefined {
  const bytes = Buffer.from(batch.text, 'utf8');
  const base = batch.offsets[0]!;
  for (let i = 0; i < batch.count; i++) {
    const to = i + 1 < batch.count ? batch.offsets[i + 1]! - base : bytes.length;
    // The slice runs to the next element: drop the comma (and whitespace) between them.
    const text = bytes.toString('utf8', batch.offsets[i]! - base, to).replace(/[\s,]*$/, '');
    try {
      JSON.parse(text);
    } catch (error) {
      const at = jsonErrorPosition(error, text);
      return { index: i, offset: batch.offsets[i]! + (at === undefined ? 0 : Buffer.byteLength(text.slice(0, at))), error };
    }
  }
  return undefined;
}

export interface Level {
  kind: 'object' | 'array';
  first: boolean;
}

export class JsonCursor {
  private buf: Buffer;
  /** File offset of buf[0]. */
  private base = 0;
  /** Read position in buf. */
  private pos = 0;
  /** End of valid bytes in buf. */
  private end = 0;
  /** A buf index (before pos) whose bytes must stay in the window (the start of a batch), or -1. */
  private pin = -1;
  private eof = false;
  private readonly stack: Level[] = [];

  private constructor(
    readonly file: string,
    private readonly fh: FileHandle,
    readonly size: number,
    private readonly chunk: number,
  ) {
    this.buf = Buffer.allocUnsafe(chunk * 2);
  }

  static async open(file: string, at = 0, chunk = DEFAULT_READ_CHUNK_BYTES): Promise<JsonCursor> {
    const { fh, size } = await openSource(file);
    const cursor = new JsonCursor(file, fh, size, chunk);
    cursor.base = at;
    // A UTF-8 byte-order mark (Windows tools write one) is not part of the JSON: start after it.
    if (at === 0 && size >= 3) {
      const head = Buffer.alloc(3);
      await fh.read(head, 0, 3, 0);
      if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) cursor.base = 3;
    }
    return cursor;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  /** The file offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  get depth(): number {
    return this.stack.length;
  }

  /** Moves to `offset` (a value's first byte) with `levels` open containers above it, as recorded earlier. */
  seek(offset: number, levels: Level[] = []): void {
    if (offset >= this.base && offset <= this.base + this.end) {
      this.pos = offset - this.base;
    } else {
      this.base = offset;
      this.pos = 0;
      this.end = 0;
      this.eof = false;
    }
    this.pin = -1;
    this.stack.length = 0;
    for (const level of levels) this.stack.push({ ...level });
  }

  levels(): Level[] {
    return this.stack.map((level) => ({ ...level }));
  }

  fail(message: string, details: Where = {}, offset = this.offset, cause?: unknown): StrataError {
    return invalid(this.file, `${message} at byte ${offset}`, { offset, ...details }, cause);
  }

  /**
   * Reads more of the file into the window, dropping bytes before `pin`/`pos`. Returns how far
   * buf indices moved (subtract it from any index held), or -1 at the end of the file.
   */
  private async more(): Promise<number> {
    if (this.eof) return -1;
    const keep = this.pin === -1 ? this.pos : Math.min(this.pin, this.pos);
    let shift = 0;
    if (keep > 0) {
      this.buf.copy(this.buf, 0, keep, this.end);
      this.end -= keep;
      this.base += keep;
      this.pos -= keep;
      if (this.pin !== -1) this.pin -= keep;
      shift = keep;
    }
    if (this.buf.length - this.end < this.chunk) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.end + this.chunk));
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const { bytesRead } = await this.fh.read(this.buf, this.end, this.buf.length - this.end, this.base + this.end);
    if (bytesRead === 0) {
      this.eof = true;
      return shift === 0 ? -1 : shift;
    }
    this.end += bytesRead;
    return shift;
  }

  /** Skips whitespace; the next byte, or -1 at the end of the file. */
  async peek(): Promise<number> {
    for (;;) {
      const buf = this.buf;
      let i = this.pos;
      const end = this.end;
      while (i < end && WS[buf[i]!] === 1) i++;
      this.pos = i;
      if (i < end) return buf[i]!;
      if ((await this.more()) === -1 && this.pos >= this.end) return -1;
    }
  }

  private async expect(byte: number, what: string, details?: Where): Promise<void> {
    const c = await this.peek();
    if (c !== byte) throw this.unexpected(c, what, details);
    this.pos++;
  }

  unexpected(c: number, what: string, details?: Where): StrataError {
    if (c === -1) return this.fail(`the file ends (truncated?) where ${what} was expected`, details);
    return this.fail(`expected ${what} but found ${JSON.stringify(String.fromCharCode(c))}`, details);
  }

  /** Expects `{` and opens an object: read its keys with nextKey(). */
  async enterObject(details?: Where): Promise<void> {
    await this.expect(OPEN_OBJECT, 'an object', details);
    this.stack.push({ kind: 'object', first: true });
  }

  /** Expects `[` and opens an array: step through it with nextElement() or elements(). */
  async enterArray(details?: Where): Promise<void> {
    await this.expect(OPEN_ARRAY, 'an array', details);
    this.stack.push({ kind: 'array', first: true });
  }

  /** The next key of the open object (the cursor is then on its value), or null after its `}`. */
  async nextKey(details?: Where): Promise<string | null> {
    const level = this.stack[this.stack.length - 1];
    if (level?.kind !== 'object') throw new Error('nextKey() outside an object');
    let c = await this.peek();
    if (c === CLOSE_OBJECT) {
      this.pos++;
      this.stack.pop();
      return null;
    }
    if (!level.first) {
      if (c !== COMMA) throw this.unexpected(c, '"," or "}"', details);
      this.pos++;
      c = await this.peek();
    }
    level.first = false;
    if (c !== QUOTE) throw this.unexpected(c, 'a key', details);
    const key = (await this.readValue(details)) as string;
    await this.expect(COLON, '":"', details);
    return key;
  }

  /** True when the open array has another element (the cursor is then on it), false after its `]`. */
  async nextElement(details?: Where): Promise<boolean> {
    const level = this.stack[this.stack.length - 1];
    if (level?.kind !== 'array') throw new Error('nextElement() outside an array');
    let c = await this.peek();
    if (c === CLOSE_ARRAY) {
      this.pos++;
      this.stack.pop();
      return false;
    }
    if (!level.first) {
      if (c !== COMMA) throw this.unexpected(c, '"," or "]"', details);
      this.pos++;
      c = await this.peek();
    }
    level.first = false;
    if (c === -1 || c === CLOSE_ARRAY || c === COMMA) throw this.unexpected(c, 'a value', details);
    return true;
  }

  /**
   * Finds the end of the value that starts at the cursor (after peek()): returns its [start, end)
   * buf indices, reading more of the file as needed, without moving the cursor. Throws when the
   * file ends first.
   */
  private async valueEnd(details?: Where): Promise<[number, number]> {
    let start = this.pos;
    let i = start;
    const head = this.buf[start]!;
    if (head !== QUOTE && head !== OPEN_OBJECT && head !== OPEN_ARRAY) {
      // A bare literal (number, true, false, null): up to the next delimiter.
      for (;;) {
        const buf = this.buf;
        const end = this.end;
        while (i < end && DELIM[buf[i]!] === 0) i++;
        if (i < end) return [start, i];
        const shift = await this.more();
        if (shift === -1) return [start, i];
        start -= shift;
        i -= shift;
      }
    }
    let depth = 0;
    let inString = false;
    let stringStart = start;
    for (;;) {
      const buf = this.buf;
      const end = this.end;
      while (i < end) {
        if (inString) {
          // Short strings (keys, ids) byte by byte; past 32 bytes, memchr for the next quote.
          const stop = Math.min(i + 32, end);
          while (i < stop) {
            const d = buf[i]!;
            if (d === QUOTE) break;
            i += d === BACKSLASH ? 2 : 1;
          }
          if (i < stop) {
            i++;
            inString = false;
            if (depth === 0) return [start, i];
            continue;
          }
          // Off the window (i may be past `end` after an escape): read more and go on from i.
          if (i >= end) break;
          const q = buf.indexOf(QUOTE, i);
          if (q === -1 || q >= end) {
            i = end;
            break;
          }
          // Escaped when preceded by an odd number of backslashes.
          let k = q - 1;
          while (buf[k] === BACKSLASH) k--;
          i = q + 1;
          if ((q - 1 - k) % 2 === 0) {
            inString = false;
            if (depth === 0) return [start, i];
          }
          continue;
        }
        const c = buf[i++]!;
        if (c === QUOTE) {
          inString = true;
          stringStart = i - 1;
        } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
        else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
          if (--depth === 0) return [start, i];
        }
      }
      const shift = await this.more();
      if (shift === -1) {
        throw this.fail(
          inString ? `the file ends (truncated?) inside a string that starts at byte ${this.base + stringStart}` : 'the file ends (truncated?) inside a value',
          { ...details, valueOffset: this.base + start },
          this.size,
        );
      }
      start -= shift;
      i -= shift;
      stringStart -= shift;
    }
  }

  /** Reads the value at the cursor (a small one: a header field, a key) with JSON.parse. */
  async readValue(details?: Where): Promise<unknown> {
    const c = await this.peek();
    if (c === -1) throw this.unexpected(c, 'a value', details);
    const [start, end] = await this.valueEnd(details);
    this.pos = end;
    const text = this.buf.toString('utf8', start, end);
    try {
      return JSON.parse(text);
    } catch (error) {
      const at = jsonErrorPosition(error, text);
      const offset = this.base + start + (at === undefined ? 0 : Buffer.byteLength(text.slice(0, at)));
      throw this.fail(`invalid JSON (${messageOf(error)})`, details, offset, error);
    }
  }

  /** Skips the value at the cursor without parsing it. */
  async skipValue(details?: Where): Promise<void> {
    const c = await this.peek();
    if (c === -1) throw this.unexpected(c, 'a value', details);
    const [, end] = await this.valueEnd(details);
    this.pos = end;
  }

  /**
   * Up to `max` elements of the open array, as text for one JSON.parse. Memory stays flat: the
   * window holds one batch. `done` once the array's `]` is consumed (the array is then closed).
   * `details(index)` names the element in errors.
   */
  async elements(max: number, details?: (index: number) => Where, decode = true): Promise<ElementBatch> {
    const level = this.stack[this.stack.length - 1];
    if (level?.kind !== 'array') throw new Error('elements() outside an array');
    const offsets: number[] = [];
    /** File offset just after the last element. */
    let batchEnd = -1;
    let done = false;
    this.pin = -1;
    try {
      while (offsets.length < max) {
        let c = await this.peek();
        if (c === CLOSE_ARRAY) {
          this.pos++;
          this.stack.pop();
          done = true;
          break;
        }
        if (!level.first) {
          if (c !== COMMA) throw this.unexpected(c, '"," or "]" after an element', details?.(offsets.length - 1));
          this.pos++;
          c = await this.peek();
        }
        if (c === -1 || c === CLOSE_ARRAY || c === COMMA) throw this.unexpected(c, 'an element', details?.(offsets.length));
        level.first = false;
        if (this.pin === -1) this.pin = this.pos;
        offsets.push(this.base + this.pos);
        const [, end] = await this.valueEnd(details?.(offsets.length - 1));
        this.pos = end;
        batchEnd = this.base + end;
      }
      const text = batchEnd === -1 || !decode ? '' : this.buf.toString('utf8', this.pin, batchEnd - this.base);
      return { text, count: offsets.length, offsets, done };
    } finally {
      this.pin = -1;
    }
  }

  /**
   * Fast path for big arrays of objects: takes about `target` bytes of the open array, cut at the
   * next `},{` after them, and parses them with one JSON.parse, without scanning the bytes. The cut
   * may fall inside a string or a nested array: then the text cannot parse (a prefix that parses
   * must close every string and bracket, so it ends exactly after an element), and this returns
   * null with the cursor where it was: the caller scans exactly instead (elements()). Also null
   * near the end of the array. On success the cursor is on the `,` after the last element.
   */
  async speculate(target: number): Promise<{ values: unknown[]; offset: number } | null> {
    const levels = this.levels();
    const stretch = await this.cut(target);
    if (!stretch) return null;
    try {
      return { values: JSON.parse(stretch.text) as unknown[], offset: stretch.offset };
    } catch {
      this.seek(stretch.at, levels);
      return null;
    }
  }

  /**
   * speculate() without the parse: about `target` bytes of the open array of objects, cut at the
   * next `},{` after them, decoded as the text of a JSON array (`[` + elements + `]`) for a
   * JSON.parse elsewhere (another thread), which must treat a text that does not parse as a cut in
   * the wrong place and read that stretch again exactly: from `at` (the cursor's offset before
   * the stretch) with the array's level `{ kind: 'array', first }`. null, with the cursor where it
   * was, when the next element is not an object or there is no cut in reach (near the end of the
   * array, or elements longer than the window). On success the cursor is on the `,` after the
   * stretch's last element, `offset` the file offset of its first element.
   */
  /**
   * `[` + the text of bytes start..end + `]`, decoded in one piece: the bytes either side are
   * lent to the brackets for the call. Concatenating would make a rope that posting the text to
   * another thread flattens into a second copy (a stretch is 128-256 KiB).
   */
  private bracketed(start: number, end: number): string {
    if (start === 0 || end >= this.buf.length) return `[${this.buf.toString('utf8', start, end)}]`;
    const before = this.buf[start - 1]!;
    const after = this.buf[end]!;
    this.buf[start - 1] = OPEN_ARRAY;
    this.buf[end] = CLOSE_ARRAY;
    try {
      return this.buf.toString('utf8', start - 1, end + 1);
    } finally {
      this.buf[start - 1] = before;
      this.buf[end] = after;
    }
  }

  async cut(target: number): Promise<{ text: string; at: number; first: boolean; offset: number } | null> {
    const level = this.stack[this.stack.length - 1];
    if (level?.kind !== 'array') throw new Error('cut() outside an array');
    let c = await this.peek();
    // `pin` marks where to come back to, and keeps those bytes in the window while reading on.
    this.pin = this.pos;
    const first = level.first;
    try {
      if (!first) {
        if (c !== COMMA) return null;
        this.pos++;
        c = await this.peek();
      }
      if (c !== OPEN_OBJECT) {
        this.pos = this.pin;
        return null;
      }
      while (this.end - this.pos < target + 3 && !this.eof) {
        if ((await this.more()) === -1) break;
      }
      const start = this.pos;
      const from = start + Math.min(target, Math.max(0, this.end - start - 3));
      const cut = this.buf.indexOf(CUT, from);
      if (cut === -1 || cut + 3 > this.end) {
        this.pos = this.pin;
        return null;
      }
      const text = this.bracketed(start, cut + 1);
      const at = this.base + this.pin;
      const offset = this.base + start;
      this.pos = cut + 1;
      level.first = false;
      return { text, at, first, offset };
    } finally {
      this.pin = -1;
    }
  }
}
