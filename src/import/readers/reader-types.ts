/**
 * What importers read from: tables of rows, streamed in batches, and small key-value sources
 * with dot-path lookup. Readers never load a whole table into memory.
 */

/** One table (a Dexie table, a JSON array at a path) streamed in batches. */
export interface TableReader<Row = unknown> {
  readonly name: string;
  /** The number of rows: from the export's own metadata where it has it (Dexie's rowCount), else counted by a streaming pass. */
  count(): Promise<number>;
  /** The rows in order, `size` at a time; stops between batches when `signal` aborts. */
  batches(size: number, signal?: AbortSignal): AsyncIterable<Row[]>;
  /** The first `n` rows. */
  sample(n: number): Promise<Row[]>;
}

/** A dexie-export-import file (`formatName: "dexie"`, `formatVersion: 1`). */
export interface DexieExportReader {
  readonly path: string;
  readonly databaseName: string;
  readonly databaseVersion: number;
  /** Tables as the export declares them: name, Dexie schema string, rowCount. */
  tables(): Promise<{ name: string; schema: string; rowCount: number }[]>;
  table<Row = Record<string, unknown>>(name: string): TableReader<Row>;
}

/** A small JSON source with dot-path lookup (redux-persist state, a conf/electron-store file). */
export interface KeyValueSource {
  readonly description: string;
  /** `get('settings.language')`; undefined when any part of the path is missing. */
  get<T = unknown>(path: string): T | undefined;
  has(path: string): boolean;
  /** The whole (decoded) value. */
  readonly value: Record<string, unknown>;
}

/** redux-persist's `persist:<key>` value, each top-level entry decoded from its JSON string. */
export interface ReduxPersistSource extends KeyValueSource {
  /** `_persist.version` (-1 when redux-persist wrote none). */
  readonly version: number;
}
