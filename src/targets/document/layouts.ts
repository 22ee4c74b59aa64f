/**
 * Where the version (and history) live relative to the app's data. A layout turns a store's raw
 * values into a StoredDocument and back. The store holds one main value plus, for some layouts,
 * sibling values (`<key>:version`): a store writes siblings first and the main value last, so a
 * crash between the two leaves the data as it was.
 */
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import type { HistoryEntry, StoredDocument } from './stored-document.js';
import { versionKind, type DocumentVersion } from './document-version.js';

export interface EncodedDocument {
  main: unknown;
  siblings: Record<string, unknown>;
}

export interface DocumentLayout {
  /** Names of sibling values this layout reads and writes. */
  readonly siblings: readonly string[];
  /** `main` is never undefined here: a missing document is the store's concern. */
  decode(main: unknown, siblings: Readonly<Record<string, unknown>>, where: string): StoredDocument;
  encode(document: StoredDocument): EncodedDocument;
}

export interface EnvelopeOptions {
  versionField?: string;
  dataField?: string;
  historyField?: string;
}

/**
 * `{ version, data, history }` around the app's data: the default. A stored value without the
 * version field is taken as unversioned data (a legacy document from before Strata) and
 * migrates from the first migration.
 */
export function envelope(options: EnvelopeOptions = {}): DocumentLayout {
  const versionField = options.versionField ?? 'version';
  const dataField = options.dataField ?? 'data';
  const historyField = options.historyField ?? 'history';
  return {
    siblings: [],
    decode(main, _siblings, where) {
      if (!isRecord(main) || !(versionField in main) || !(dataField in main)) return { version: null, data: main, history: [] };
      const version = main[versionField];
      return { version: version === null ? null : versionOf(version, where), data: main[dataField], history: historyOf(main[historyField], where) };
    },
    encode(document) {
      return { main: { [versionField]: document.version, [dataField]: document.data, [historyField]: document.history }, siblings: {} };
    },
  };
}

export interface VersionAtOptions {
  /** Sibling value that keeps the history; default 'strata-history'. */
  historyKey?: string;
}

/** The version is a field inside the data (`_persist.version`, `meta.schemaVersion`). */
export function versionAt(path: string, options: VersionAtOptions = {}): DocumentLayout {
  const parts = path.split('.');
  const historyKey = options.historyKey ?? 'strata-history';
  return {
    siblings: [historyKey],
    decode(main, siblings, where) {
      const found = readPath(main, parts);
      return {
        version: found === undefined || found === null ? null : versionOf(found, `${where} at ${path}`),
        data: main,
        history: historyOf(siblings[historyKey], where),
      };
    },
    encode(document) {
      return { main: writePath(document.data, parts, document.version), siblings: { [historyKey]: document.history } };
    },
  };
}

/** The version lives beside the data, in a sibling value (`<key>:version`) with the history. */
export function versionKey(name = 'version'): DocumentLayout {
  return {
    siblings: [name],
    decode(main, siblings, where) {
      const meta = siblings[name];
      if (meta === undefined || meta === null) return { version: null, data: main, history: [] };
      if (!isRecord(meta)) throw invalid(`${where}: the version value is not an object`, 'it should look like {"version": 2, "history": []}');
      return { version: meta.version === null ? null : versionOf(meta.version, where), data: main, history: historyOf(meta.history, where) };
    },
    encode(document) {
      return { main: document.data, siblings: { [name]: { version: document.version, history: document.history } } };
    },
  };
}

/**
 * redux-persist's own format under `persist:<key>`: every top-level value is itself JSON text
 * (double-encoded), and the version is `_persist.version` (-1 when the app never set one). The
 * app's reducers see the decoded state, so migrations do too.
 */
export function reduxPersist(options: VersionAtOptions = {}): DocumentLayout {
  const inner = versionAt('_persist.version', options);
  return {
    siblings: inner.siblings,
    decode(main, siblings, where) {
      if (!isRecord(main))
        throw invalid(`${where} is not redux-persist state (expected an object of JSON strings)`, 'check the key (redux-persist writes persist:<config.key>)');
      const state: Record<string, unknown> = {};
      for (const [key, text] of Object.entries(main)) {
        try {
          state[key] = typeof text === 'string' ? JSON.parse(text) : text;
        } catch (error) {
          throw invalid(`${where}: the value of "${key}" is not JSON: ${messageOf(error)}`, 'the stored state is damaged; restore a backup');
        }
      }
      return inner.decode(state, siblings, where);
    },
    encode(document) {
      const encoded = inner.encode(document);
      const state = encoded.main as Record<string, unknown>;
      const main: Record<string, string> = {};
      for (const [key, value] of Object.entries(state)) main[key] = JSON.stringify(value);
      return { main, siblings: encoded.siblings };
    },
  };
}

function versionOf(value: unknown, where: string): DocumentVersion {
  if (!versionKind(value))
    throw invalid(
      `${where}: the stored version ${JSON.stringify(value)} is not a version`,
      'versions are integers or semver strings; fix or restore the stored document',
    );
  return typeof value === 'string' && versionKind(value) === 'integer' ? Number(value) : (value as DocumentVersion);
}

function historyOf(value: unknown, where: string): HistoryEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${where}: the stored history is not a list`, 'remove the history field or restore a backup');
  return value as HistoryEntry[];
}

function readPath(value: unknown, parts: readonly string[]): unknown {
  let at = value;
  for (const part of parts) {
    if (!isRecord(at)) return undefined;
    at = at[part];
  }
  return at;
}

/** A copy of `value` with `parts` set; objects along the path are copied, not mutated. */
function writePath(value: unknown, parts: readonly string[], leaf: unknown): unknown {
  if (parts.length === 0) return leaf;
  const base = isRecord(value) ? value : {};
  return { ...base, [parts[0]!]: writePath(base[parts[0]!], parts.slice(1), leaf) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string, hint: string): StrataError {
  return new StrataError(ErrorCode.DOCUMENT_INVALID, message, { hint });
}
