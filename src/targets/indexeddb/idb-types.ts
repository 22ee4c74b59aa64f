/**
 * The slice of IndexedDB Strata uses, typed structurally: the package compiles without the DOM
 * library (it runs in Node too), and any conforming factory works (a window's or a worker's
 * `indexedDB`, fake-indexeddb in Node tests).
 */

export type IdbKey = unknown;
export type IdbKeyPath = string | string[];

export interface IdbEventTargetLike {
  onerror: ((event: any) => void) | null;
}

export interface IdbRequest<T = unknown> extends IdbEventTargetLike {
  readonly result: T;
  readonly error: { name: string; message: string } | null;
  onsuccess: ((event: any) => void) | null;
}

export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  readonly transaction: IdbTransaction | null;
  onupgradeneeded: ((event: { oldVersion: number; newVersion: number | null }) => void) | null;
  onblocked: ((event: { oldVersion: number; newVersion: number | null }) => void) | null;
}

export interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest;
  deleteDatabase(name: string): IdbOpenRequest;
}

export interface IdbDatabase {
  readonly name: string;
  readonly version: number;
  readonly objectStoreNames: { contains(name: string): boolean; readonly length: number; item(index: number): string | null };
  transaction(stores: string | string[], mode?: 'readonly' | 'readwrite', options?: { durability?: 'default' | 'strict' | 'relaxed' }): IdbTransaction;
  createObjectStore(name: string, options?: { keyPath?: IdbKeyPath | null; autoIncrement?: boolean }): IdbObjectStore;
  deleteObjectStore(name: string): void;
  close(): void;
  onversionchange: ((event: { oldVersion: number; newVersion: number | null }) => void) | null;
  onclose: ((event: unknown) => void) | null;
}

export interface IdbTransaction extends IdbEventTargetLike {
  readonly error: { name: string; message: string } | null;
  objectStore(name: string): IdbObjectStore;
  abort(): void;
  oncomplete: ((event: unknown) => void) | null;
  onabort: ((event: unknown) => void) | null;
}

export interface IdbIndexOptions {
  unique?: boolean;
  multiEntry?: boolean;
}

export interface IdbIndex {
  name: string;
  readonly keyPath: IdbKeyPath;
  readonly unique: boolean;
  readonly multiEntry: boolean;
}

export interface IdbCursorWithValue {
  readonly primaryKey: IdbKey;
  readonly value: unknown;
  continue(): void;
  update(value: unknown): IdbRequest<IdbKey>;
  delete(): IdbRequest<undefined>;
}

export interface IdbObjectStore {
  name: string;
  readonly keyPath: IdbKeyPath | null;
  readonly autoIncrement: boolean;
  readonly indexNames: { contains(name: string): boolean; readonly length: number; item(index: number): string | null };
  get(key: IdbKey): IdbRequest;
  put(value: unknown, key?: IdbKey): IdbRequest<IdbKey>;
  add(value: unknown, key?: IdbKey): IdbRequest<IdbKey>;
  delete(key: IdbKey): IdbRequest<undefined>;
  count(): IdbRequest<number>;
  openCursor(): IdbRequest<IdbCursorWithValue | null>;
  index(name: string): IdbIndex;
  createIndex(name: string, keyPath: IdbKeyPath, options?: IdbIndexOptions): IdbIndex;
  deleteIndex(name: string): void;
}

/** The global `indexedDB` of a window or worker; undefined in Node (pass a factory there). */
export function globalIndexedDb(): IdbFactory | undefined {
  return (globalThis as { indexedDB?: IdbFactory }).indexedDB;
}

/** Resolves with a request's result; rejects with its DOMException. */
export function requestResult<T>(request: IdbRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Resolves when a transaction commits; rejects with why it aborted. */
export function transactionDone(transaction: IdbTransaction): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = () => reject(transaction.error ?? new Error('the transaction was aborted'));
    transaction.onerror = null;
  });
}
