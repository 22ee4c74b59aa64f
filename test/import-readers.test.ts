/**
 * The import readers against files made here by the real libraries: dexie + dexie-export-import on
 * fake-indexeddb (exportDB's Blob written to disk), redux + redux-persist writing `persist:root` to an
 * in-memory storage, and conf writing its config.json. Every value is compared with what the library
 * itself holds, and every malformed case is cut or corrupted from a real export.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import Conf from 'conf';
import { combineReducers, legacy_createStore, type Reducer, type UnknownAction } from 'redux';
import { persistReducer, persistStore } from 'redux-persist';
import { ErrorCode, StrataError } from '../src/model/errors.js';
import { openDexieExport, type DexieExportOptions, type DexieOutboundRow } from '../src/import/readers/dexie-export.js';
import { jsonArrayReader } from '../src/import/readers/json-array.js';
import { readConfigFile } from '../src/import/readers/json-config.js';
import { readReduxPersist, readReduxPersistFile, readReduxPersistFromStorage } from '../src/import/readers/redux-persist.js';
import { makeDexieExport, type DexieDb } from './fixtures-import/dexie-fixture.js';
import { tempDir } from './helpers.js';

const dir = tempDir('strata-readers-');

// ---- helpers ---------------------------------------------------------------------------------

/** Blobs compare by type and bytes (assert cannot look inside them). */
async function normalize(value: unknown): Promise<unknown> {
  if (value instanceof Blob) return { blob: value.type, bytes: [...new Uint8Array(await value.arrayBuffer())] };
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) if (i in value) out[i] = await normalize(value[i]);
    return out;
  }
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await normalize(v);
    return out;
  }
  return value;
}

async function readAll<Row>(
  reader: { batches(size: number, signal?: AbortSignal): AsyncIterable<Row[]> },
  size = 100,
): Promise<{ rows: Row[]; sizes: number[] }> {
  const rows: Row[] = [];
  const sizes: number[] = [];
  for await (const batch of reader.batches(size)) {
    sizes.push(batch.length);
    rows.push(...batch);
  }
  return { rows, sizes };
}

async function rejects(promise: Promise<unknown> | (() => Promise<unknown>), code: string, check?: (error: StrataError) => void): Promise<StrataError> {
  let caught: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof StrataError, `expected a StrataError ${code}, got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  check?.(caught);
  return caught;
}

/** Opens the export and reads every table to the end (the way an import would meet a bad file). */
async function readEverything(path: string, options: DexieExportOptions = {}): Promise<void> {
  const source = await openDexieExport(path, options);
  for (const table of await source.tables()) await readAll(source.table(table.name), 64);
}

// ---- the Dexie fixture -----------------------------------------------------------------------

const MESSAGES = 1234;
const TRICKY = [
  'plain',
  'quote " and backslash \\ and both \\"',
  'ends with a backslash \\',
  'row-like text },{"id":1} and ],[ and {"$types":{"x":"date"}}',
  'newline\nand tab\tand \u2028 \u2029 and NUL-ish \u0001',
  'unicode: café naïve 数据 עברית 🙂👍🏽 \uD83D\uDE00',
  '',
];

let EXPORT = '';
let PRETTY = '';
let EXPORT_TEXT = '';
/** What Dexie itself holds, read before the export. */
let expected: { messages: unknown[]; kv: DexieOutboundRow[]; empty: unknown[]; files: unknown[]; topics: unknown[] };

function message(i: number): Record<string, unknown> {
  const row: Record<string, unknown> = {
    topicId: `topic-${i % 17}`,
    role: i % 2 ? 'assistant' : 'user',
    content: `${TRICKY[i % TRICKY.length]} #${i}`,
    createdAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000),
    tokens: i * 3,
    meta: { nested: { deep: [i, { at: new Date(i) }] }, tags: ['a', 'b'] },
  };
  if (i % 5 === 0)
    row.blocks = [
      { type: 'text', text: `block ${i} },{ "x"` },
      { type: 'code', text: '}' },
    ];
  if (i % 7 === 0) row.big = BigInt(i) * 12345678901234567n;
  if (i % 11 === 0) row.bytes = new Uint8Array([i & 255, 0, 255, 7]);
  if (i % 13 === 0) row.missing = undefined;
  if (i % 17 === 0) Object.assign(row, { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, ninf: Number.NEGATIVE_INFINITY });
  if (i % 19 === 0)
    Object.assign(row, {
      map: new Map<unknown, unknown>([
        ['k', new Date(i)],
        [2, 'two'],
      ]),
      set: new Set([1, 'x', i]),
    });
  // biome-ignore lint/suspicious/noSparseArray: a hole is what Dexie's export must revive
  if (i === 3) Object.assign(row, { buffer: new Uint8Array([1, 2, 3, 250]).buffer, floats: new Float64Array([1.5, -2.25]), re: /a.b/gi, sparse: [1, , 3] });
  return row;
}

async function fill(db: DexieDb): Promise<void> {
  await db.table('messages').bulkAdd(Array.from({ length: MESSAGES }, (_, i) => message(i)));
  const kv = db.table('kv');
  await kv.put({ language: 'en', theme: { dark: true }, since: new Date(5) }, 'settings');
  await kv.put('a string value', 'plain');
  await kv.put(new Date(7), ['compound', 1]);
  await kv.put(42, 3.5);
  await kv.put({ $types: 'an own $types key', x: [1, 2] }, 'tricky');
  await kv.put([1, 'two', { three: 3 }], 'array-value');
  await db.table('files').put({ id: 'f1', name: 'hello.txt', blob: new Blob(['hello blob'], { type: 'text/plain' }) });
  const shared = new Uint8Array([9, 8, 7]);
  await db.table('files').put({ id: 'f2', a: shared, b: shared });
  await db.table('topics').bulkPut(Array.from({ length: 30 }, (_, i) => ({ id: `topic-${i}`, name: `Topic ${i} "quoted"`, createdAt: new Date(i * 1000) })));
}

const STORES = { messages: '++id, topicId, createdAt', kv: '', empty: '++id', files: 'id', topics: 'id' };

async function capture(db: DexieDb): Promise<void> {
  const kvKeys = await db.table('kv').toCollection().primaryKeys();
  const kvValues = await db.table('kv').toArray();
  expected = {
    messages: (await normalize(await db.table('messages').toArray())) as unknown[],
    kv: kvKeys.map((key: unknown, i: number) => ({ key, value: kvValues[i] })),
    empty: [],
    files: (await normalize(await db.table('files').toArray())) as unknown[],
    topics: await db.table('topics').toArray(),
  };
}

before(async () => {
  EXPORT = join(dir, 'export.json');
  PRETTY = join(dir, 'export-pretty.json');
  EXPORT_TEXT = await makeDexieExport(
    EXPORT,
    STORES,
    async (db) => {
      await fill(db);
      await capture(db);
    },
    { name: 'strata-legacy', version: 3, numRowsPerChunk: 500 },
  );
  await makeDexieExport(PRETTY, STORES, fill, { prettyJson: true });
});

/**
 * The default worker mode with stretches small enough that a bad row is rarely in the first one,
 * the worker reading from the first row (under tsx it starts so slowly that this thread would
 * otherwise read a small table whole while it starts).
 */
const SMALL_CHUNKS: DexieExportOptions = { workers: 1, workerMode: 'chunks', stretchBytes: 2048, startStretches: 0 };
/** The same, with this thread reading the first 3 stretches and the worker starting after them. */
const HANDED_OVER: DexieExportOptions = { ...SMALL_CHUNKS, startStretches: 3 };

/** The export's text with `from` (which must occur once) replaced by `to`, as a new file. */
function variant(name: string, from: string | RegExp, to: string): string {
  const text = EXPORT_TEXT.replace(from, to);
  assert.notEqual(text, EXPORT_TEXT, `variant ${name}: nothing replaced`);
  const path = join(dir, `${name}.json`);
  writeFileSync(path, text);
  return path;
}

// ---- Dexie exports ---------------------------------------------------------------------------

describe('openDexieExport', () => {
  test('reads the header: database name and version, tables with schema and rowCount', async () => {
    const source = await openDexieExport(EXPORT);
    assert.equal(source.databaseName, 'strata-legacy');
    assert.equal(source.databaseVersion, 3);
    assert.deepEqual(await source.tables(), [
      { name: 'messages', schema: '++id,topicId,createdAt', rowCount: MESSAGES },
      { name: 'kv', schema: '', rowCount: 6 },
      { name: 'empty', schema: '++id', rowCount: 0 },
      { name: 'files', schema: 'id', rowCount: 2 },
      { name: 'topics', schema: 'id', rowCount: 30 },
    ]);
  });

  const MODES = [
    { label: '', options: { workers: 0 } },
    { label: ' (worker: text)', options: { workers: 1, workerMode: 'text' as const } },
    { label: ' (worker: rows)', options: { workers: 1, workerMode: 'rows' as const } },
    // Small stretches: many cuts, some inside strings and nested arrays (`},{` in the text), read again exactly.
    { label: ' (worker: chunks of 4 KiB)', options: { workers: 1, workerMode: 'chunks' as const, stretchBytes: 4096, startStretches: 0 } },
    { label: ' (chunks of 4 KiB, the worker from the 3rd on)', options: { workers: 1, workerMode: 'chunks' as const, stretchBytes: 4096, startStretches: 2 } },
    { label: ' (the default: this thread reads while the worker starts)', options: {} },
    { label: ' (one thread, stretches of 4 KiB)', options: { workers: 0, stretchBytes: 4096 } },
  ];
  for (const { label, options } of MODES) {
    test(`every row and value round-trips (inbound keys, $types revived)${label}`, async () => {
      const source = await openDexieExport(EXPORT, options);
      const messages = source.table('messages');
      const { rows } = await readAll(messages, 100);
      assert.equal(rows.length, MESSAGES);
      assert.deepStrictEqual(await normalize(rows), expected.messages);
      // Spot checks that the comparison itself sees the types.
      const third = rows[3] as Record<string, unknown>;
      assert.ok(third.createdAt instanceof Date);
      assert.ok(third.buffer instanceof ArrayBuffer);
      assert.ok(third.floats instanceof Float64Array);
      assert.ok(third.re instanceof RegExp);
      assert.equal(1 in (third.sparse as unknown[]), false, 'the hole stays a hole');
      assert.equal(typeof (rows[7] as Record<string, unknown>).big, 'bigint');
      assert.ok(Object.hasOwn(rows[13] as object, 'missing'), 'an own undefined property stays');
      assert.ok((rows[19] as Record<string, unknown>).map instanceof Map);
      assert.equal(await messages.inbound(), true);
    });

    test(`outbound-key rows come back as { key, value }${label}`, async () => {
      const source = await openDexieExport(EXPORT, options);
      const kv = source.table<DexieOutboundRow>('kv');
      const { rows } = await readAll(kv, 4);
      assert.deepStrictEqual(rows, expected.kv);
      assert.equal(await kv.inbound(), false);
      assert.deepEqual(rows.find((r) => r.key === 'tricky')?.value, { $types: 'an own $types key', x: [1, 2] });
    });
  }

  const niceOf = (stat: string): number => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);

  /** The nice value of every thread of this process, read while the second batch of `options`' read of messages is taken. */
  async function niceWhileReading(options: DexieExportOptions): Promise<number[]> {
    const source = await openDexieExport(EXPORT, options);
    let seen: number[] = [];
    let batches = 0;
    for await (const _ of source.table('messages').batches(10)) {
      // The first batch came from the worker (SMALL_CHUNKS has startStretches: 0): it is alive now.
      if (++batches !== 2) continue;
      seen = readdirSync('/proc/self/task').flatMap((tid) => {
        try {
          return [niceOf(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'))];
        } catch {
          return []; // a thread that has just ended
        }
      });
    }
    return seen;
  }

  test('the parse worker runs 5 nice levels below the process (Linux), and it is what sends the rows', { skip: process.platform !== 'linux' }, async () => {
    const main = niceOf(readFileSync('/proc/thread-self/stat', 'utf8'));
    const seen = await niceWhileReading(SMALL_CHUNKS);
    assert.ok(seen.includes(Math.min(19, main + 5)), `thread nice values ${seen.join(' ')}, the process's ${main}`);
    assert.ok(seen.includes(main), 'the calling thread keeps its nice value');
    // In mode 'rows' the worker does most of the reading: it keeps the process's priority.
    const rows = await niceWhileReading({ workers: 1, workerMode: 'rows' });
    assert.ok(!rows.includes(Math.min(19, main + 5)) || main === 19, `mode rows: thread nice values ${rows.join(' ')}`);
  });

  test('binary: Blobs, typed arrays sharing one buffer', async () => {
    const source = await openDexieExport(EXPORT);
    const { rows } = await readAll(source.table<Record<string, unknown>>('files'));
    assert.deepStrictEqual(await normalize(rows), expected.files);
    assert.ok(rows[0]!.blob instanceof Blob);
    assert.equal(await (rows[0]!.blob as Blob).text(), 'hello blob');
    assert.equal((rows[1]!.a as Uint8Array).buffer, (rows[1]!.b as Uint8Array).buffer, 'one ArrayBuffer, as stored');
    const bytes = await openDexieExport(EXPORT, { blobs: 'bytes' });
    const [first] = await bytes.table<Record<string, unknown>>('files').sample(1);
    assert.deepEqual([...(first!.blob as Uint8Array)], [...Buffer.from('hello blob')]);
  });

  test('an empty table: no batches, count 0', async () => {
    const source = await openDexieExport(EXPORT);
    const empty = source.table('empty');
    assert.deepEqual(await readAll(empty), { rows: [], sizes: [] });
    assert.equal(await empty.count(), 0);
    assert.equal(await empty.countRows(), 0);
    assert.deepEqual(await empty.sample(3), []);
  });

  test('batches are exactly `size` rows (the last one shorter), whatever the size', async () => {
    const source = await openDexieExport(EXPORT);
    const topics = source.table('topics');
    for (const size of [1, 7, 30, 31, 1000]) {
      const { rows, sizes } = await readAll(topics, size);
      assert.deepStrictEqual(rows, expected.topics, `size ${size}`);
      const full = Math.floor(30 / size);
      assert.deepEqual(sizes, [...Array(full).fill(size), ...(30 % size ? [30 % size] : [])], `size ${size}`);
    }
    const { sizes } = await readAll(source.table('messages'), 500);
    assert.deepEqual(sizes, [500, 500, 234]);
    await assert.rejects(() => readAll(topics, 0), RangeError);
  });

  test('with a worker, batches are exactly `size` rows too, and values that cannot cross threads (Intl) hand over midway', async () => {
    const at = EXPORT_TEXT.indexOf(' #900"');
    const typesAt = EXPORT_TEXT.indexOf('"$types":{', at) + '"$types":{'.length;
    const path = join(dir, 'intl-row.json');
    writeFileSync(
      path,
      `${EXPORT_TEXT.slice(0, at)} #900","coll":{"locale":"de"}${EXPORT_TEXT.slice(at + ' #900"'.length, typesAt)}"coll":"IntlCollator",${EXPORT_TEXT.slice(typesAt)}`,
    );
    for (const options of [
      { workers: 1 },
      { workers: 1, workerMode: 'rows' as const },
      { workers: 1, workerMode: 'text' as const },
      SMALL_CHUNKS,
      HANDED_OVER,
    ]) {
      for (const size of [7, 500]) {
        const { rows, sizes } = await readAll((await openDexieExport(path, options)).table('messages'), size);
        const label = `${options.workerMode ?? 'default'}, size ${size}`;
        assert.deepEqual(sizes, [...Array(Math.floor(MESSAGES / size)).fill(size), ...(MESSAGES % size ? [MESSAGES % size] : [])], label);
        assert.ok((rows[900] as Record<string, unknown>).coll instanceof Intl.Collator, label);
        delete (rows[900] as Record<string, unknown>).coll;
        assert.deepStrictEqual(await normalize(rows), expected.messages, label);
      }
    }
  });

  test('count() is the declared rowCount, countRows() counts the file, sample(n) is the first n rows', async () => {
    const source = await openDexieExport(EXPORT);
    const messages = source.table('messages');
    assert.equal(await messages.count(), MESSAGES);
    assert.equal(messages.rowCount, MESSAGES);
    assert.equal(await messages.countRows(), MESSAGES);
    const sample = await messages.sample(5);
    assert.deepStrictEqual(await normalize(sample), expected.messages.slice(0, 5));
    assert.equal((await messages.sample(5000)).length, MESSAGES);
  });

  test('tables can be read in any order, again, and at the same time', async () => {
    const source = await openDexieExport(EXPORT);
    const [topics, kv, again] = await Promise.all([readAll(source.table('topics')), readAll(source.table('kv')), readAll(source.table('topics'), 3)]);
    assert.deepStrictEqual(topics.rows, expected.topics);
    assert.deepStrictEqual(again.rows, expected.topics);
    assert.deepStrictEqual(kv.rows, expected.kv);
  });

  test('a pretty-printed export (prettyJson) reads the same', async () => {
    const source = await openDexieExport(PRETTY);
    assert.deepStrictEqual(await normalize((await readAll(source.table('messages'), 333)).rows), expected.messages);
    assert.deepStrictEqual((await readAll(source.table('kv'))).rows, expected.kv);
    assert.equal(await source.table('messages').countRows(), MESSAGES);
  });

  test('small read windows: rows and strings cut across every chunk boundary', async () => {
    const source = await openDexieExport(EXPORT, { chunkSize: 61 });
    assert.deepStrictEqual(await normalize((await readAll(source.table('messages'), 50)).rows), expected.messages);
    assert.deepStrictEqual((await readAll(source.table('kv'))).rows, expected.kv);
  });

  for (const { label, options } of MODES) {
    test(`cancel: stops between batches with IMPORT_CANCELLED${label}`, async () => {
      const source = await openDexieExport(EXPORT, options);
      const controller = new AbortController();
      let seen = 0;
      await rejects(
        (async () => {
          for await (const batch of source.table('messages').batches(100, controller.signal)) {
            seen += batch.length;
            controller.abort();
          }
        })(),
        ErrorCode.IMPORT_CANCELLED,
        (error) => assert.equal(error.details.row, 100),
      );
      assert.equal(seen, 100);
      await rejects(readAll({ batches: (n) => source.table('messages').batches(n, controller.signal) }), ErrorCode.IMPORT_CANCELLED);
    });
  }

  test('a table the export does not have: IMPORT_TABLE_UNKNOWN listing its tables', async () => {
    const source = await openDexieExport(EXPORT);
    assert.throws(
      () => source.table('nope'),
      (error: unknown) =>
        error instanceof StrataError && error.code === ErrorCode.IMPORT_TABLE_UNKNOWN && /topics/.test(error.hint ?? '') && error.details.table === 'nope',
    );
  });
});

describe('openDexieExport: malformed input', () => {
  test('missing file: IMPORT_SOURCE_MISSING; empty or non-JSON file: coded errors', async () => {
    await rejects(openDexieExport(join(dir, 'no-such.json')), ErrorCode.IMPORT_SOURCE_MISSING);
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '');
    await rejects(openDexieExport(empty), ErrorCode.IMPORT_SOURCE_INVALID);
    const text = join(dir, 'text.json');
    writeFileSync(text, 'hello');
    await rejects(openDexieExport(text), ErrorCode.IMPORT_SOURCE_UNSUPPORTED);
  });

  test('wrong formatName or formatVersion: IMPORT_SOURCE_UNSUPPORTED', async () => {
    await rejects(openDexieExport(variant('format-name', '"formatName":"dexie"', '"formatName":"notdexie"')), ErrorCode.IMPORT_SOURCE_UNSUPPORTED, (e) =>
      assert.equal(e.details.formatName, 'notdexie'),
    );
    await rejects(openDexieExport(variant('format-version', '"formatVersion":1', '"formatVersion":2')), ErrorCode.IMPORT_SOURCE_UNSUPPORTED, (e) =>
      assert.equal(e.details.formatVersion, 2),
    );
    await rejects(openDexieExport(variant('no-format', '"formatName":"dexie",', '')), ErrorCode.IMPORT_SOURCE_UNSUPPORTED);
  });

  test('a truncated file is an error wherever it is cut, naming the file and the byte', async () => {
    const size = Buffer.byteLength(EXPORT_TEXT);
    const rowsAt = Buffer.from(EXPORT_TEXT).indexOf('"rows":[');
    const offsets = [
      1,
      20,
      150,
      rowsAt + 3,
      rowsAt + 9,
      rowsAt + 200,
      Math.floor(size / 3),
      Math.floor(size / 2) + 1,
      size - 200,
      size - 40,
      size - 3,
      size - 1,
    ];
    const bytes = readFileSync(EXPORT);
    for (const cut of offsets) {
      const path = join(dir, `truncated-${cut}.json`);
      writeFileSync(path, bytes.subarray(0, cut));
      // The parse worker for a few cuts only: under tsx, each one takes a while to start.
      const modes =
        cut === rowsAt + 200 || cut === size - 40
          ? [{ workers: 0 }, { workers: 1 }, { workers: 1, workerMode: 'text' as const }, SMALL_CHUNKS, HANDED_OVER]
          : [{ workers: 0 }];
      for (const options of modes) {
        const error = await rejects(() => readEverything(path, options), ErrorCode.IMPORT_SOURCE_INVALID);
        assert.equal(error.details.file, path, `cut at ${cut}`);
        assert.equal(typeof error.details.offset, 'number', `cut at ${cut}: ${error.message}`);
        assert.ok((error.details.offset as number) <= cut, `cut at ${cut}: offset ${String(error.details.offset)}`);
      }
    }
  });

  test('a truncated row names its table and row', async () => {
    const bytes = readFileSync(EXPORT);
    const at = bytes.indexOf('#600"');
    const path = join(dir, 'truncated-row.json');
    writeFileSync(path, bytes.subarray(0, at));
    const source = await openDexieExport(path);
    const error = await rejects(() => readAll(source.table('messages'), 100), ErrorCode.IMPORT_SOURCE_INVALID);
    assert.equal(error.details.table, 'messages');
    assert.equal(error.details.row, 601);
    assert.match(error.message, /truncated/);
  });

  test('a corrupted byte inside a string: the table, the row and the byte', async () => {
    const bytes = readFileSync(EXPORT);
    const at = bytes.indexOf('plain #700"') + 2;
    const corrupt = Buffer.from(bytes);
    corrupt[at] = 0x01; // a raw control character: not allowed in a JSON string
    const path = join(dir, 'corrupt-control.json');
    writeFileSync(path, corrupt);
    for (const options of [{ workers: 0 }, { workers: 1 }, { workers: 1, workerMode: 'text' as const }, SMALL_CHUNKS, HANDED_OVER]) {
      const source = await openDexieExport(path, options);
      const error = await rejects(() => readAll(source.table('messages'), 250), ErrorCode.IMPORT_SOURCE_INVALID);
      assert.equal(error.details.table, 'messages');
      assert.equal(error.details.row, 701);
      assert.equal(error.details.offset, at);
      assert.match(error.message, /row 701/);
    }
    // A quote in the middle of a string throws the structure off: still an error, never wrong rows.
    const quoted = Buffer.from(bytes);
    quoted[at] = 0x22;
    const path2 = join(dir, 'corrupt-quote.json');
    writeFileSync(path2, quoted);
    await rejects(
      () => readEverything(path2),
      ErrorCode.IMPORT_SOURCE_INVALID,
      (e) => assert.equal(e.details.table, 'messages'),
    );
  });

  test('an unknown $types entry: IMPORT_SOURCE_UNSUPPORTED naming the type, key path, table and row', async () => {
    // Row 9 (i = 8) is the first with topic-8: its $types says "wat" instead of "date".
    const rowStart = EXPORT_TEXT.indexOf('{"topicId":"topic-8"');
    const typeAt = EXPORT_TEXT.indexOf('"$types":{"createdAt":"date"', rowStart);
    const path = join(dir, 'unknown-type.json');
    writeFileSync(path, `${EXPORT_TEXT.slice(0, typeAt)}"$types":{"createdAt":"wat"${EXPORT_TEXT.slice(typeAt + '"$types":{"createdAt":"date"'.length)}`);
    for (const options of [{ workers: 0 }, { workers: 1 }, { workers: 1, workerMode: 'text' as const }, SMALL_CHUNKS, HANDED_OVER]) {
      const source = await openDexieExport(path, options);
      const error = await rejects(() => readAll(source.table('messages'), 4), ErrorCode.IMPORT_SOURCE_UNSUPPORTED);
      assert.equal(error.details.table, 'messages');
      assert.equal(error.details.row, 9);
      assert.equal(error.details.type, 'wat');
      assert.equal(error.details.keyPath, 'createdAt');
      assert.equal(typeof error.details.offset, 'number');
      assert.equal(
        Buffer.from(EXPORT_TEXT)
          .subarray(error.details.offset as number)
          .indexOf('{"topicId":"topic-8"'),
        0,
        "the offset is the row's first byte",
      );
    }
  });

  test('a $types value that cannot be decoded (bad base64) is IMPORT_SOURCE_INVALID', async () => {
    const path = variant('bad-base64', '"buffer":"AQID+g=="', '"buffer":"not base64!!"');
    const source = await openDexieExport(path);
    await rejects(
      () => readAll(source.table('messages')),
      ErrorCode.IMPORT_SOURCE_INVALID,
      (e) => {
        assert.equal(e.details.row, 4);
        assert.equal(e.details.keyPath, 'buffer');
      },
    );
  });

  test('a declared table with no data, and bytes after the end of the export', async () => {
    const path = variant('no-data', /,\{"tableName":"topics".*\]\}\]\}\}$/s, ']}}');
    const source = await openDexieExport(path);
    await rejects(
      () => readAll(source.table('topics')),
      ErrorCode.IMPORT_SOURCE_INVALID,
      (e) => assert.equal(e.details.table, 'topics'),
    );
    const trailing = join(dir, 'trailing.json');
    writeFileSync(trailing, `${EXPORT_TEXT}{"more":1}`);
    await rejects(() => readEverything(trailing), ErrorCode.IMPORT_SOURCE_INVALID);
  });
});

// ---- redux-persist ---------------------------------------------------------------------------

interface Settings {
  language: string;
  theme: { dark: boolean; accent: string };
}

class MemoryStorage {
  readonly items = new Map<string, string>();
  async getItem(key: string): Promise<string | null> {
    return this.items.get(key) ?? null;
  }
  async setItem(key: string, value: string): Promise<void> {
    this.items.set(key, value);
  }
  async removeItem(key: string): Promise<void> {
    this.items.delete(key);
  }
}

async function persistedRoot(): Promise<{ storage: MemoryStorage; state: Record<string, unknown> }> {
  const settings: Reducer<Settings, UnknownAction> = (state = { language: 'en', theme: { dark: false, accent: 'blue' } }, action) =>
    action.type === 'settings/set' ? { ...state, ...(action.payload as Partial<Settings>) } : state;
  const assistants: Reducer<{ id: string; name: string }[], UnknownAction> = (state = [], action) =>
    action.type === 'assistants/add' ? [...state, action.payload as { id: string; name: string }] : state;
  const storage = new MemoryStorage();
  const root = persistReducer({ key: 'root', storage, version: 3 }, combineReducers({ settings, assistants }));
  const store = legacy_createStore(root);
  const persistor = persistStore(store);
  await new Promise<void>((resolve) => {
    const stop = persistor.subscribe(() => {
      if (persistor.getState().bootstrapped) {
        stop();
        resolve();
      }
    });
  });
  store.dispatch({ type: 'settings/set', payload: { language: 'zh-CN', theme: { dark: true, accent: 'ünïcode "q"' } } });
  store.dispatch({ type: 'assistants/add', payload: { id: 'a1', name: 'Default' } });
  await persistor.flush();
  return { storage, state: store.getState() as unknown as Record<string, unknown> };
}

describe('readReduxPersist', () => {
  test('persist:root written by redux-persist: decoded entries, dot paths, _persist.version', async () => {
    const { storage, state } = await persistedRoot();
    const text = storage.items.get('persist:root')!;
    assert.equal(typeof JSON.parse(text).settings, 'string', 'redux-persist stores each entry as a JSON string');
    for (const source of [readReduxPersist(text), await readReduxPersistFromStorage(storage), readReduxPersist(JSON.parse(text) as Record<string, string>)]) {
      assert.equal(source.version, 3);
      assert.equal(source.get('settings.language'), 'zh-CN');
      assert.equal(source.get('settings.theme.accent'), 'ünïcode "q"');
      assert.equal(source.get('assistants.0.name'), 'Default');
      assert.equal(source.get('settings.nope'), undefined);
      assert.equal(source.get('settings.language.deeper'), undefined);
      assert.equal(source.has('settings.theme.dark'), true);
      assert.equal(source.has('settings.nope'), false);
      const { _persist, ...rest } = source.value;
      assert.deepEqual(rest, { settings: state.settings, assistants: state.assistants });
      assert.deepEqual(_persist, { version: 3, rehydrated: true });
    }
  });

  test('from a file: the value itself, or a storage dump holding persist:root', async () => {
    const { storage } = await persistedRoot();
    const text = storage.items.get('persist:root')!;
    const plain = join(dir, 'persist-root.json');
    writeFileSync(plain, text);
    const dump = join(dir, 'local-storage.json');
    writeFileSync(dump, JSON.stringify({ other: 'x', 'persist:root': text }));
    assert.equal((await readReduxPersistFile(plain)).get('settings.language'), 'zh-CN');
    assert.equal((await readReduxPersistFile(dump)).get('settings.language'), 'zh-CN');
    await rejects(readReduxPersistFile(join(dir, 'missing-persist.json')), ErrorCode.IMPORT_SOURCE_MISSING);
  });

  test('no _persist: version -1; an entry that is not JSON or a missing key: coded errors', async () => {
    assert.equal(readReduxPersist(JSON.stringify({ a: '1' })).version, -1);
    const error = await rejects(
      async () => readReduxPersist(JSON.stringify({ settings: '{"language":', _persist: '{"version":1}' })),
      ErrorCode.IMPORT_SOURCE_INVALID,
    );
    assert.equal(error.details.key, 'settings');
    await rejects(async () => readReduxPersist('{"settings":'), ErrorCode.IMPORT_SOURCE_INVALID);
    await rejects(async () => readReduxPersist('[1,2]'), ErrorCode.IMPORT_SOURCE_INVALID);
    await rejects(readReduxPersistFromStorage(new MemoryStorage(), 'root'), ErrorCode.IMPORT_SOURCE_MISSING);
  });
});

// ---- conf / electron-store -------------------------------------------------------------------

describe('readConfigFile', () => {
  test('a config.json written by conf (with migrations, so __internal__): values and dot paths', async () => {
    const cwd = join(tempDir('strata-conf-'));
    const conf = new Conf<Record<string, unknown>>({
      cwd,
      projectVersion: '2.0.0',
      migrations: { '1.0.0': (store) => store.set('migrated', true) },
    });
    conf.set('language', 'de');
    conf.set('window.bounds', { width: 800, height: 600 });
    conf.set('proxy', { mode: 'system', 'host.name': 'example.org' });
    conf.set('list', [1, { two: 2 }]);
    const source = await readConfigFile(conf.path);
    assert.equal(source.description, conf.path);
    assert.equal(source.get('language'), 'de');
    assert.equal(source.get('window.bounds.width'), 800);
    assert.equal(source.get('proxy.host\\.name'), 'example.org');
    assert.equal(source.get('list.1.two'), 2);
    assert.equal(source.get('migrated'), true);
    assert.equal(source.has('window.bounds'), true);
    assert.equal(source.get('__internal__'), undefined);
    assert.equal(source.migratedVersion, '2.0.0');
    const store = { ...conf.store };
    delete store.__internal__;
    assert.deepEqual(source.value, store);
  });

  test('damaged JSON names the byte; an encrypted store is unsupported; a missing file is missing', async () => {
    const cwd = tempDir('strata-conf-');
    const conf = new Conf<Record<string, unknown>>({ cwd, configName: 'broken' });
    conf.set('a', 1);
    writeFileSync(conf.path, '{\n\t"a": 1,\n\t"b": }');
    await rejects(readConfigFile(conf.path), ErrorCode.IMPORT_SOURCE_INVALID, (e) => assert.equal(typeof e.details.offset, 'number'));
    const secret = new Conf<Record<string, unknown>>({ cwd, configName: 'secret', encryptionKey: 'k' });
    secret.set('token', 'abc');
    await rejects(readConfigFile(secret.path), ErrorCode.IMPORT_SOURCE_UNSUPPORTED);
    await rejects(readConfigFile(join(cwd, 'nope.json')), ErrorCode.IMPORT_SOURCE_MISSING);
  });
});

// ---- any large JSON array --------------------------------------------------------------------

describe('jsonArrayReader', () => {
  const items = Array.from({ length: 257 }, (_, i) => ({ id: i, name: `item ${i} },{ "x" \\ 🙂`, tags: [i, { t: String(i) }] }));
  let file = '';
  before(() => {
    file = join(dir, 'array.json');
    writeFileSync(file, JSON.stringify({ before: { big: Array(500).fill('skip me ]}') }, data: { count: 257, items }, after: [1, 2] }, null, 1));
  });

  test('streams the array at a path in batches; count and sample', async () => {
    const reader = await jsonArrayReader<(typeof items)[number]>(file, { at: 'data.items' });
    assert.equal(reader.name, 'data.items');
    const { rows, sizes } = await readAll(reader, 100);
    assert.deepEqual(rows, items);
    assert.deepEqual(sizes, [100, 100, 57]);
    assert.equal(await reader.count(), 257);
    assert.deepEqual(await reader.sample(3), items.slice(0, 3));
  });

  test('a top-level array of any values, and an array inside an array', async () => {
    const values = [1, 'two', null, true, [3, [4]], { five: 5 }, -6.5e3, '"]'];
    const top = join(dir, 'top.json');
    writeFileSync(top, JSON.stringify(values));
    assert.deepEqual((await readAll(await jsonArrayReader(top), 3)).rows, values);
    const nested = join(dir, 'nested.json');
    writeFileSync(nested, JSON.stringify({ pages: [{ rows: [1] }, { rows: values }] }));
    assert.deepEqual((await readAll(await jsonArrayReader(nested, { at: 'pages.1.rows' }))).rows, values);
    assert.equal(await (await jsonArrayReader(nested, { at: 'pages.0.rows' })).count(), 1);
  });

  test('a path that is missing or not an array; corrupt or truncated elements; cancel', async () => {
    await rejects(jsonArrayReader(file, { at: 'data.nope' }), ErrorCode.IMPORT_TABLE_UNKNOWN);
    await rejects(jsonArrayReader(file, { at: 'data.count' }), ErrorCode.IMPORT_SOURCE_INVALID);
    const text = readFileSync(file, 'utf8');
    const bad = join(dir, 'array-bad.json');
    const at = text.indexOf('"item 200 ');
    writeFileSync(bad, `${text.slice(0, at)}"item 200 ${'\u0001'}${text.slice(at + 10)}`);
    const error = await rejects(async () => readAll(await jsonArrayReader(bad, { at: 'data.items' }), 64), ErrorCode.IMPORT_SOURCE_INVALID);
    assert.equal(error.details.row, 201);
    assert.equal(error.details.offset, Buffer.byteLength(text.slice(0, at)) + 10);
    const cut = join(dir, 'array-cut.json');
    writeFileSync(cut, text.slice(0, at));
    await rejects(async () => readAll(await jsonArrayReader(cut, { at: 'data.items' })), ErrorCode.IMPORT_SOURCE_INVALID);
    const controller = new AbortController();
    const reader = await jsonArrayReader(file, { at: 'data.items' });
    let seen = 0;
    await rejects(
      (async () => {
        for await (const batch of reader.batches(50, controller.signal)) {
          seen += batch.length;
          controller.abort();
        }
      })(),
      ErrorCode.IMPORT_CANCELLED,
    );
    assert.equal(seen, 50);
  });
});

describe('a row the parse worker cannot hand over (issue 18, item 8)', () => {
  test('a row nested 10,000 deep: the worker path reads every row, as workers: 0 does (no batch dropped without a word)', async () => {
    let deep = '1';
    for (let i = 0; i < 10_000; i++) deep = `{"a":${deep}}`;
    const rows = Array.from({ length: 32 }, (_, k) => (k === 5 ? `{"id":${k},"v":${deep}}` : `{"id":${k},"v":1}`));
    const path = join(tempDir('strata-deep-'), 'export.json');
    writeFileSync(
      path,
      `{"formatName":"dexie","formatVersion":1,"data":{"databaseName":"d","databaseVersion":1,"tables":[{"name":"t","schema":"++id","rowCount":32}],"data":[{"tableName":"t","inbound":true,"rows":[${rows.join(',')}]}]}}`,
    );
    for (const workers of [1, 0]) {
      for (const workerMode of ['chunks', 'rows', 'text'] as const) {
        const source = await openDexieExport(path, { workers, workerMode });
        const ids: number[] = [];
        for await (const batch of source.table<{ id: number }>('t').batches(10)) ids.push(...batch.map((row) => row.id));
        assert.deepEqual(
          ids,
          Array.from({ length: 32 }, (_, k) => k),
          `workers ${workers}, ${workerMode}`,
        );
      }
    }
  });
});

describe('Dexie export: read and stretch boundaries at every byte (issue 19)', () => {
  // A small real export whose rows hold 2-, 3- and 4-byte UTF-8, escapes (quotes, backslashes,
  // control characters, \u2028), `},{` inside strings and inside nested arrays, and $types dates.
  const ROWS = [
    { id: 1, text: 'café "naïve" \\ 数据', at: new Date(1), list: [{ a: 1 }, { b: 'x },{ y' }] },
    { id: 2, text: '🙂👍🏽 \n\t\u2028 \u0001 },{"id":9}', at: new Date(2) },
    { id: 3, text: 'ends with a backslash \\', nested: { deep: [{ at: new Date(3) }, { e: 'é' }] } },
    { id: 4, text: 'עברית ],[ "},{" \\"', at: new Date(4), list: [] },
  ];
  let path = '';
  let size = 0;
  let expectedRows: unknown[] = [];

  before(async () => {
    path = join(tempDir('strata-boundaries-'), 'export.json');
    await makeDexieExport(path, { items: 'id' }, async (db) => {
      await db.table('items').bulkAdd(ROWS);
      expectedRows = await db.table('items').toArray();
    });
    size = readFileSync(path).length;
  });

  async function rowsOf(options: DexieExportOptions): Promise<unknown[]> {
    return (await readAll((await openDexieExport(path, options)).table('items'), 3)).rows;
  }

  test('on one thread: every read size and every stretch size from 1 byte to the whole file', async () => {
    assert.ok(readFileSync(path, 'utf8').includes('},{\\"id\\":9}'), 'the fixture has `},{` inside a string');
    for (let k = 1; k <= size; k++) {
      for (const options of [{ chunkSize: k }, { stretchBytes: k }]) {
        assert.deepStrictEqual(await rowsOf({ workers: 0, ...options }), expectedRows, JSON.stringify(options));
      }
    }
  });

  test('with the worker cutting stretches (the default), at a spread of stretch and read sizes', async () => {
    for (const k of [1, 2, 7, 30, 61, 100, 150, 233, size]) {
      // This thread reads the first 0, 1 or 2 stretches, then the worker goes on from there.
      for (const startStretches of [0, 1, 2]) {
        const options: DexieExportOptions = { workers: 1, workerMode: 'chunks', stretchBytes: k, chunkSize: Math.max(3, k >> 1), startStretches };
        assert.deepStrictEqual(await rowsOf(options), expectedRows, JSON.stringify(options));
      }
    }
  });
});
