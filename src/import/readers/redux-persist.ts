/**
 * redux-persist state as its storage holds it: the `persist:<key>` value is a JSON object whose
 * entries are themselves JSON strings (one per persisted reducer, plus `_persist`
 * `{"version":3,"rehydrated":true}`). Each entry is decoded; `get('settings.language')` looks into them.
 */
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { jsonErrorPosition, readWholeSource, sourceText } from './json-cursor.js';
import { ObjectSource } from './dot-path.js';
import type { ReduxPersistSource } from './reader-types.js';

class ReduxPersistState extends ObjectSource implements ReduxPersistSource {
  constructor(
    description: string,
    value: Record<string, unknown>,
    readonly version: number,
  ) {
    super(description, value);
  }
}

function invalid(description: string, message: string, details: Record<string, unknown>, cause?: unknown): StrataError {
  return new StrataError(ErrorCode.IMPORT_SOURCE_INVALID, `${description}: ${message}`, {
    hint: 'Give the persist:<key> value exactly as redux-persist stored it (a JSON object whose entries are JSON strings).',
    details: { source: description, ...details },
    ...(cause === undefined ? {} : { cause }),
  });
}

function parseJson(text: string, description: string, what: string, details: Record<string, unknown> = {}): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = jsonErrorPosition(error, text);
    throw invalid(
      description,
      `${what} is not valid JSON${position === undefined ? '' : ` at character ${position}`} (${messageOf(error)})`,
      { ...details, ...(position === undefined ? {} : { position }) },
      error,
    );
  }
}

/**
 * Decodes redux-persist's stored value: the `persist:<key>` text, or its entries already split
 * into an object of JSON strings (as `getStoredState` reads them).
 */
export function readReduxPersist(input: string | Record<string, string>, description = 'redux-persist state'): ReduxPersistSource {
  const outer = typeof input === 'string' ? parseJson(input, description, 'the persisted value') : input;
  if (outer === null || typeof outer !== 'object' || Array.isArray(outer)) {
    throw invalid(description, 'the persisted value is not a JSON object', {});
  }
  const value: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(outer as Record<string, unknown>)) {
    // redux-persist's default serializer writes every entry as a JSON string.
    value[key] = typeof raw === 'string' ? parseJson(raw, description, `entry "${key}"`, { key }) : raw;
  }
  const persist = value._persist as { version?: unknown } | undefined;
  const version = persist && typeof persist === 'object' && typeof persist.version === 'number' ? persist.version : -1;
  return new ReduxPersistState(description, value, version);
}

/** A Web Storage (localStorage) or async storage (AsyncStorage, localForage, redux-persist's storages) to read from. */
export interface PersistStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
}

/** Reads `persist:<key>` (key defaults to "root", as redux-persist's persistReducer config) from a storage. */
export async function readReduxPersistFromStorage(storage: PersistStorage, key = 'root', keyPrefix = 'persist:'): Promise<ReduxPersistSource> {
  const name = `${keyPrefix}${key}`;
  const text = await storage.getItem(name);
  if (typeof text !== 'string') {
    throw new StrataError(ErrorCode.IMPORT_SOURCE_MISSING, `The storage has no "${name}" entry`, {
      hint: 'Check the persist key (persistReducer config.key) and keyPrefix.',
      details: { key: name },
    });
  }
  return readReduxPersist(text, name);
}

/**
 * Reads a file holding redux-persist state: either the `persist:<key>` value itself, or a JSON dump
 * of storage entries (`{"persist:root": "<the value>", ...}`, as a localStorage dump gives it).
 */
export async function readReduxPersistFile(path: string, key = 'root', keyPrefix = 'persist:'): Promise<ReduxPersistSource> {
  const text = sourceText(await readWholeSource(path, 'redux-persist state', 'Check the path in the import configuration.'), path, 'redux-persist state');
  const parsed = parseJson(text, path, 'the file');
  const entry = (parsed as Record<string, unknown> | null)?.[`${keyPrefix}${key}`];
  if (typeof entry === 'string') return readReduxPersist(entry, `${path} (${keyPrefix}${key})`);
  return readReduxPersist(parsed as Record<string, string>, path);
}
