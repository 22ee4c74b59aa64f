/**
 * Revives the values dexie-export-import writes through typeson (its `$types` map): Dates, binary
 * data, typed arrays, big integers, Map/Set, undefined, NaN/Infinity, RegExp, boxed primitives,
 * Blob/File, Intl objects, and `#` references to an object seen earlier in the same row.
 *
 * Works in place on a freshly JSON.parse'd row and visits only the key paths the map names, in
 * the order typeson wrote them (children before parents, earlier keys before later ones), so a
 * row without `$types` costs nothing and one with a Date costs one property write.
 */

/** A type the reader does not know or cannot rebuild in Node; the caller names the table and row. */
export class ReviveError extends Error {
  constructor(
    message: string,
    readonly typeName: string,
    readonly keyPath: string,
    readonly unsupported: boolean,
  ) {
    super(message);
  }
}

export interface ReviveOptions {
  /** How binary Blobs (and Files) come back: as Node's Blob/File (the default) or as a Uint8Array of their bytes. */
  blobs?: 'blob' | 'bytes';
}

const BASE64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_OK = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(text: unknown, keyPath: string, type: string): ArrayBuffer {
  if (typeof text !== 'string' || !BASE64_OK.test(text)) {
    throw new ReviveError(`"${type}" at "${keyPath}" is not base64 text`, type, keyPath, false);
  }
  const bytes = Buffer.from(text, 'base64');
  // A fresh ArrayBuffer of exactly these bytes (Buffer.from may share a pooled one).
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}
void BASE64_CHARS;

function binaryString(text: unknown, keyPath: string, type: string): Uint8Array {
  if (typeof text !== 'string') throw new ReviveError(`"${type}" at "${keyPath}" has no stringContents`, type, keyPath, false);
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

const TYPED_ARRAYS: Record<string, new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => ArrayBufferView> = {
  int8array: Int8Array,
  uint8array: Uint8Array,
  uint8clampedarray: Uint8ClampedArray,
  int16array: Int16Array,
  uint16array: Uint16Array,
  int32array: Int32Array,
  uint32array: Uint32Array,
  float32array: Float32Array,
  float64array: Float64Array,
  bigint64array: BigInt64Array as never,
  biguint64array: BigUint64Array as never,
};

/** Per-row state: typeson's `buffers` list (typed arrays that share an ArrayBuffer point at it by index). */
interface State {
  buffers: ArrayBuffer[];
  options: ReviveOptions;
}

/** Marks "set this property to undefined" (typeson's Undefined) as distinct from "leave a hole". */
const UNDEFINED = Symbol('undefined');
const HOLE = Symbol('hole');

type Reviver = (value: unknown, state: State, keyPath: string, type: string) => unknown;

function asObject(value: unknown, keyPath: string, type: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object') throw new ReviveError(`"${type}" at "${keyPath}" is not an object`, type, keyPath, false);
  return value as Record<string, unknown>;
}

function bufferOf(spec: Record<string, unknown>, state: State, keyPath: string, type: string): ArrayBuffer {
  if ('index' in spec) {
    const buffer = state.buffers[Number(spec.index)];
    if (!buffer) throw new ReviveError(`"${type}" at "${keyPath}" points at buffer ${String(spec.index)}, which the row does not have`, type, keyPath, false);
    return buffer;
  }
  const buffer = decodeBase64(spec.encoded, keyPath, type);
  state.buffers.push(buffer);
  return buffer;
}

const REVIVERS: Record<string, Reviver> = {
  date: (v) => (v === 'NaN' ? new Date(Number.NaN) : new Date(v as number)),
  bigint: (v) => BigInt(v as string),
  bigintObject: (v) => Object(BigInt(v as string)),
  undef: () => UNDEFINED,
  sparseUndefined: () => HOLE,
  nan: () => Number.NaN,
  infinity: () => Number.POSITIVE_INFINITY,
  negativeInfinity: () => Number.NEGATIVE_INFINITY,
  userObject: (v) => v,
  arrayNonindexKeys: (v) => {
    if (Array.isArray(v)) return v;
    // An array with extra keys was written as an object with `length`.
    const out: unknown[] = [];
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) (out as unknown as Record<string, unknown>)[k] = item;
    return out;
  },
  StringObject: (v) => new String(v),
  BooleanObject: (v) => new Boolean(v),
  NumberObject: (v) => new Number(v),
  regexp: (v, _s, k, t) => {
    const { source, flags } = asObject(v, k, t);
    return new RegExp(String(source), String(flags ?? ''));
  },
  map: (v, _s, k, t) => {
    if (!Array.isArray(v)) throw new ReviveError(`"map" at "${k}" is not a list of entries`, t, k, false);
    return new Map(v as [unknown, unknown][]);
  },
  set: (v, _s, k, t) => {
    if (!Array.isArray(v)) throw new ReviveError(`"set" at "${k}" is not a list`, t, k, false);
    return new Set(v);
  },
  // dexie-export-import's own: the whole buffer as base64 text.
  arraybuffer: (v, state, k, t) => {
    if (v !== null && typeof v === 'object' && 'index' in v) return bufferOf(v as Record<string, unknown>, state, k, t);
    const buffer = decodeBase64(v, k, t);
    state.buffers.push(buffer);
    return buffer;
  },
  dataview: (v, state, k, t) => {
    const spec = asObject(v, k, t);
    return new DataView(bufferOf(spec, state, k, t), Number(spec.byteOffset ?? 0), Number(spec.byteLength));
  },
  // dexie-export-import's blob: { type, data: base64 }.
  blob2: (v, state, k, t) => {
    const spec = asObject(v, k, t);
    const bytes = new Uint8Array(decodeBase64(spec.data, k, t));
    return state.options.blobs === 'bytes' ? bytes : new Blob([bytes], { type: String(spec.type ?? '') });
  },
  // typeson-registry's blob and file: { type, stringContents (a binary string) }.
  blob: (v, state, k, t) => {
    const spec = asObject(v, k, t);
    const bytes = binaryString(spec.stringContents, k, t);
    return state.options.blobs === 'bytes' ? bytes : new Blob([bytes], { type: String(spec.type ?? '') });
  },
  file: (v, state, k, t) => {
    const spec = asObject(v, k, t);
    const bytes = binaryString(spec.stringContents, k, t);
    if (state.options.blobs === 'bytes') return bytes;
    return new File([bytes], String(spec.name ?? ''), {
      type: String(spec.type ?? ''),
      ...(typeof spec.lastModified === 'number' ? { lastModified: spec.lastModified } : {}),
    });
  },
  filelist: (v) => v,
  IntlCollator: (v) => new Intl.Collator((v as { locale?: string }).locale, v as Intl.CollatorOptions),
  IntlDateTimeFormat: (v) => new Intl.DateTimeFormat((v as { locale?: string }).locale, v as Intl.DateTimeFormatOptions),
  IntlNumberFormat: (v) => new Intl.NumberFormat((v as { locale?: string }).locale, v as Intl.NumberFormatOptions),
};

for (const [name, ctor] of Object.entries(TYPED_ARRAYS)) {
  // typeson-registry's: { encoded, byteOffset, length } or { index, byteOffset, length }.
  REVIVERS[name] = (v, state, k, t) => {
    const spec = asObject(v, k, t);
    return new ctor(bufferOf(spec, state, k, t), Number(spec.byteOffset ?? 0), Number(spec.length));
  };
  // dexie-export-import's: { buffer (already revived: an ArrayBuffer), byteOffset, length }.
  REVIVERS[`${name}2`] = (v, _state, k, t) => {
    const spec = asObject(v, k, t);
    if (!(spec.buffer instanceof ArrayBuffer)) throw new ReviveError(`"${t}" at "${k}" has no buffer`, t, k, false);
    return new ctor(spec.buffer, Number(spec.byteOffset ?? 0), Number(spec.length));
  };
}

/** Types typeson can write but that cannot be rebuilt outside a browser. */
const UNSUPPORTED: Record<string, string> = {
  imagedata: 'ImageData needs a browser',
  imagebitmap: 'ImageBitmap needs a browser',
  cryptokey: 'a CryptoKey is re-imported asynchronously through WebCrypto',
};

/** The type names this reviver knows. */
export const REVIVABLE_TYPES: readonly string[] = Object.keys(REVIVERS);

function unescapeKey(key: string): string {
  return key.includes('~') ? key.replace(/~1/g, '.').replace(/~0/g, '~') : key;
}

function getByKeyPath(root: unknown, keyPath: string): unknown {
  if (keyPath === '') return root;
  let value = root;
  for (const part of keyPath.split('.')) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[unescapeKey(part)];
  }
  return value;
}

/** A trie of the typed key paths: children keyed by (unescaped) property name. */
interface Node {
  types?: string | string[];
  children?: Map<string, Node>;
}

function buildTrie(types: Record<string, unknown>): Node {
  const root: Node = {};
  for (const keyPath of Object.keys(types)) {
    let node = root;
    if (keyPath !== '') {
      for (const part of keyPath.split('.')) {
        node.children ??= new Map();
        const key = unescapeKey(part);
        let child = node.children.get(key);
        if (!child) {
          child = {};
          node.children.set(key, child);
        }
        node = child;
      }
    }
    node.types = types[keyPath] as string | string[];
  }
  return root;
}

function applyTypes(value: unknown, types: string | string[], keyPath: string, root: unknown, state: State): unknown {
  if (types === '#') {
    // A reference to an object met earlier in the row: value is "#<its key path>".
    return getByKeyPath(root, String(value).slice(1));
  }
  // One type (a Date: nearly every row) without wrapping it in a list.
  if (!Array.isArray(types)) return applyType(value, types, keyPath, state);
  let out = value;
  for (const type of types) out = applyType(out, type, keyPath, state);
  return out;
}

function applyType(value: unknown, type: string, keyPath: string, state: State): unknown {
  const reviver = REVIVERS[type];
  if (!reviver) {
    const why = UNSUPPORTED[type];
    throw new ReviveError(why ? `cannot revive "${type}" at "${keyPath}": ${why}` : `unknown $types entry "${type}" at "${keyPath}"`, type, keyPath, true);
  }
  return reviver(value, state, keyPath, type);
}

function walk(container: Record<string, unknown>, node: Node, keyPath: string, root: { value: unknown }, state: State): void {
  const children = node.children!;
  // typeson revives in the container's key order: visit the typed children in that order.
  const keys = children.size === 1 ? children.keys() : orderedKeys(container, children);
  for (const key of keys) {
    const child = children.get(key)!;
    const childPath = keyPath === '' ? escapeKey(key) : `${keyPath}.${escapeKey(key)}`;
    let value = container[key];
    if (child.children && value !== null && typeof value === 'object') walk(value as Record<string, unknown>, child, childPath, root, state);
    if (child.types === undefined) continue;
    value = applyTypes(value, child.types, childPath, root.value, state);
    if (value === HOLE) delete container[key];
    else container[key] = value === UNDEFINED ? undefined : value;
  }
}

function orderedKeys(container: Record<string, unknown>, children: Map<string, Node>): string[] {
  const keys: string[] = [];
  for (const key of Object.keys(container)) if (children.has(key)) keys.push(key);
  // Paths the value does not have (a hole): last, in the map's order.
  if (keys.length < children.size) for (const key of children.keys()) if (!keys.includes(key)) keys.push(key);
  return keys;
}

function escapeKey(key: string): string {
  return key.includes('~') || key.includes('.') ? key.replace(/~/g, '~0').replace(/\./g, '~1') : key;
}

/**
 * The value typeson encapsulated as `encoded` (a parsed row: `{...row, $types}`, `{$: value, $types: {$: ...}}`
 * or `{$: value, $types: true}`), revived. Mutates `encoded`.
 */
export function revive(encoded: unknown, options: ReviveOptions = {}): unknown {
  if (encoded === null || typeof encoded !== 'object' || Array.isArray(encoded)) return encoded;
  const obj = encoded as Record<string, unknown>;
  let types = obj.$types;
  if (types === undefined) return encoded;
  if (types === true) return obj.$;
  let value: unknown;
  const wrapped = types !== null && typeof types === 'object' && !Array.isArray(types) && '$' in types && isPlain((types as Record<string, unknown>).$);
  if (wrapped) {
    value = obj.$;
    types = (types as Record<string, unknown>).$;
  } else {
    delete obj.$types;
    value = obj;
  }
  if (types === null || typeof types !== 'object' || Array.isArray(types)) {
    throw new ReviveError(`$types is not a map of key paths`, String(types), '', false);
  }
  const map = types as Record<string, unknown>;
  const state: State = { buffers: [], options };
  if (value !== null && typeof value === 'object' && flat(map)) {
    // The common case (`{"createdAt":"date"}`): top-level keys only, no references. typeson wrote the
    // map in the row's key order, so applying it in its own order is the order typeson revives in.
    const container = value as Record<string, unknown>;
    for (const key in map) {
      const out = applyTypes(container[key], map[key] as string | string[], key, value, state);
      if (out === HOLE) delete container[key];
      else container[key] = out === UNDEFINED ? undefined : out;
    }
    return value;
  }
  const trie = buildTrie(map);
  const root = { value };
  if (trie.children && value !== null && typeof value === 'object') walk(value as Record<string, unknown>, trie, '', root, state);
  if (trie.types !== undefined) {
    const out = applyTypes(value, trie.types, '', value, state);
    return out === UNDEFINED || out === HOLE ? undefined : out;
  }
  return value;
}

function isPlain(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True when every key path is a plain top-level key and no entry is a `#` reference. */
function flat(map: Record<string, unknown>): boolean {
  for (const key in map) {
    if (key === '' || key.includes('.') || key.includes('~') || map[key] === '#') return false;
  }
  return true;
}
