/**
 * Makes real dexie-export-import files in a temp folder: a Dexie database on fake-indexeddb,
 * filled by the caller, exported with `exportDB` to a Blob and written to disk.
 * Node needs `globalThis.self` and a FileReader (the package reads Blobs through it).
 */
import 'fake-indexeddb/auto';
import { Dexie } from 'dexie';
import { writeFile } from 'node:fs/promises';

const g = globalThis as Record<string, unknown>;
if (g.self === undefined) g.self = globalThis;
if (g.FileReader === undefined) {
  /** Just enough of the DOM FileReader for dexie-export-import: readAsArrayBuffer / readAsBinaryString / readAsText with onload/onerror and addEventListener. */
  class FileReaderPolyfill {
    result: unknown = null;
    error: unknown = null;
    readyState = 0;
    onload: ((ev: { target: FileReaderPolyfill }) => void) | null = null;
    onerror: ((ev: { target: FileReaderPolyfill }) => void) | null = null;
    onabort: ((ev: { target: FileReaderPolyfill }) => void) | null = null;
    private listeners: Record<string, ((ev: { target: FileReaderPolyfill }) => void)[]> = {};
    addEventListener(type: string, fn: (ev: { target: FileReaderPolyfill }) => void): void {
      (this.listeners[type] ??= []).push(fn);
    }
    private read(blob: Blob, convert: (bytes: ArrayBuffer) => unknown): void {
      blob.arrayBuffer().then(
        (bytes) => {
          this.result = convert(bytes);
          this.readyState = 2;
          this.emit('load');
        },
        (error: unknown) => {
          this.error = error;
          this.readyState = 2;
          this.emit('error');
        },
      );
    }
    private emit(type: 'load' | 'error'): void {
      const ev = { target: this };
      (type === 'load' ? this.onload : this.onerror)?.(ev);
      for (const fn of this.listeners[type] ?? []) fn(ev);
      for (const fn of this.listeners.loadend ?? []) fn(ev);
    }
    readAsArrayBuffer(blob: Blob): void {
      this.read(blob, (bytes) => bytes);
    }
    readAsBinaryString(blob: Blob): void {
      this.read(blob, (bytes) => Buffer.from(bytes).toString('latin1'));
    }
    readAsText(blob: Blob): void {
      this.read(blob, (bytes) => Buffer.from(bytes).toString('utf8'));
    }
  }
  g.FileReader = FileReaderPolyfill;
}

// Imported after the polyfills: dexie-export-import looks at `self` as it loads.
const { exportDB } = await import('dexie-export-import');

export { Dexie };
export type DexieDb = Dexie;

let counter = 0;

/**
 * Creates a Dexie database `name` with `stores` at `version`, lets `fill` write to it, exports it with
 * dexie-export-import to `path` and deletes the database. Returns the export's text.
 */
export async function makeDexieExport(
  path: string,
  stores: Record<string, string>,
  fill: (db: DexieDb) => Promise<void>,
  options: { version?: number; name?: string; prettyJson?: boolean; numRowsPerChunk?: number } = {},
): Promise<string> {
  const db = new Dexie(options.name ?? `strata-fixture-${process.pid}-${++counter}`);
  db.version(options.version ?? 1).stores(stores);
  await db.open();
  try {
    await fill(db);
    const blob = await exportDB(db, {
      ...(options.prettyJson ? { prettyJson: true } : {}),
      ...(options.numRowsPerChunk ? { numRowsPerChunk: options.numRowsPerChunk } : {}),
    });
    const text = Buffer.from(await blob.arrayBuffer()).toString('utf8');
    await writeFile(path, text);
    return text;
  } finally {
    db.close();
    await db.delete();
  }
}
