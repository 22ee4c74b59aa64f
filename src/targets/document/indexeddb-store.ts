/**
 * Documents in IndexedDB: one object store (out-of-line keys) holds each document's value, its
 * layout's siblings and its backups, under the same keys the other key-value stores use. A write
 * puts every value of a document (the data and its version, whatever the layout) in one readwrite
 * transaction with strict durability, so a crash or a closed tab leaves all of them or none.
 *
 * The store's database is Strata's own (default `strata`), created on first use; when it exists
 * without the object store (another name chosen for it), the store is added by a version bump.
 * The connection closes itself when another tab upgrades the database, and reopens on next use.
 */
import { DEFAULT_TAB_LOCK_TIMEOUT_MS } from '../../browser/tab-lock.js';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { type IdbDatabase, type IdbFactory, globalIndexedDb, requestResult, transactionDone } from '../indexeddb/idb-types.js';
import { openAt, storedVersion } from '../indexeddb/open-database.js';
import type { DocumentStore } from './document-store.js';
import { type KeyValueStoreOptions, keyValueStore } from './key-value-store.js';

/** The database and object store documents go in by default. */
export const DEFAULT_INDEXEDDB_DATABASE = 'strata';
export const DEFAULT_INDEXEDDB_OBJECT_STORE = 'documents';

export interface IndexedDbStoreOptions extends KeyValueStoreOptions {
  /** The IndexedDB database; default `strata`. */
  database?: string;
  /** The object store inside it; default `documents`. */
  objectStore?: string;
  /** Default: the global `indexedDB`. Node: pass fake-indexeddb's. */
  indexedDB?: IdbFactory;
  /** How long to wait for another tab that holds the database open at an older version (ms). */
  timeoutMs?: number;
}

/** A DocumentStore over IndexedDB (see the module comment for where values go). */
export function indexedDbStore(options: IndexedDbStoreOptions): DocumentStore {
  const databaseName = options.database ?? DEFAULT_INDEXEDDB_DATABASE;
  const storeName = options.objectStore ?? DEFAULT_INDEXEDDB_OBJECT_STORE;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TAB_LOCK_TIMEOUT_MS;
  let connection: Promise<IdbDatabase> | undefined;

  function factory(): IdbFactory {
    const found = options.indexedDB ?? globalIndexedDb();
    if (!found) {
      throw new StrataError(ErrorCode.DRIVER_UNSUPPORTED, `IndexedDB ${databaseName}: this runtime has no indexedDB`, {
        hint: 'run it in a browser window or worker, or pass { indexedDB } (fake-indexeddb in Node tests)',
      });
    }
    return found;
  }

  async function connect(): Promise<IdbDatabase> {
    const idb = factory();
    const forget = () => {
      connection = undefined;
    };
    const openCurrent = async () =>
      openAt({
        factory: idb,
        name: databaseName,
        version: Math.max(await storedVersion(idb, databaseName), 1),
        timeoutMs,
        upgrade: createStore,
        onVersionChange: forget,
      });
    // Another tab may upgrade between the version probe and the open: probe again then.
    let opened = await openCurrent().catch((error: unknown) => {
      if (error instanceof StrataError && error.code === ErrorCode.DATABASE_NEWER) return openCurrent();
      throw error;
    });
    if (!opened.db.objectStoreNames.contains(storeName)) {
      const next = opened.db.version + 1;
      opened.db.close();
      opened = await openAt({ factory: idb, name: databaseName, version: next, timeoutMs, upgrade: createStore, onVersionChange: forget });
    }
    opened.db.onclose = forget;
    return opened.db;
  }

  function createStore(db: IdbDatabase): void {
    if (!db.objectStoreNames.contains(storeName)) db.createObjectStore(storeName);
  }

  function database(): Promise<IdbDatabase> {
    connection ??= connect().catch((error: unknown) => {
      connection = undefined;
      throw error;
    });
    return connection;
  }

  return keyValueStore(
    {
      description: `indexeddb:${databaseName}/${storeName}`,
      async get(key) {
        const db = await database();
        return requestResult(db.transaction(storeName, 'readonly').objectStore(storeName).get(key));
      },
      async set(entries) {
        const db = await database();
        const transaction = db.transaction(storeName, 'readwrite', { durability: 'strict' });
        const done = transactionDone(transaction);
        try {
          const store = transaction.objectStore(storeName);
          for (const [key, value] of entries) store.put(value, key);
        } catch (error) {
          // A value that cannot be cloned (a function, a DOM node) throws here: nothing was written.
          transaction.abort();
          await done.catch(() => undefined);
          throw new Error(`a value cannot be stored in IndexedDB: ${messageOf(error)}`);
        }
        await done;
      },
      async remove(key) {
        const db = await database();
        const transaction = db.transaction(storeName, 'readwrite');
        const done = transactionDone(transaction);
        transaction.objectStore(storeName).delete(key);
        await done;
      },
    },
    options,
  );
}
