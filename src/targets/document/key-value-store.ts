/**
 * Documents in a key-value store: localStorage / sessionStorage, redux-persist storages, React
 * Native AsyncStorage (getItem / setItem), a VS Code Memento (get / update), or memory. One
 * document is one main key plus its layout's siblings (`<key>:<sibling>`); backups are further
 * keys (`<key>:backup:<time>`) listed under `<key>:backups`.
 */
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { DEFAULT_BACKUPS_KEPT, type BackupOptions, type BackupRecord, type DocumentStore } from './document-store.js';
import type { DocumentVersion } from './document-version.js';
import { envelope, type DocumentLayout } from './layouts.js';
import { acquireLock } from './locks.js';
import type { StoredDocument } from './stored-document.js';

/** Raw access to one store. `get` returns undefined (or null) for a missing key. */
export interface KeyValueBackend {
  readonly description: string;
  get(key: string): unknown | Promise<unknown>;
  /** Writes in the order given, in one synchronous turn where the store allows it. */
  set(entries: ReadonlyArray<readonly [string, unknown]>): void | Promise<void>;
  remove(key: string): void | Promise<void>;
}

export interface KeyValueStoreOptions {
  /** The key that holds the document. */
  key: string;
  /** Where the version lives; default envelope(). */
  layout?: DocumentLayout;
  backups?: BackupOptions;
}

export function keyValueStore(backend: KeyValueBackend, options: KeyValueStoreOptions): DocumentStore {
  const { key } = options;
  const layout = options.layout ?? envelope();
  const keep = options.backups?.keep ?? DEFAULT_BACKUPS_KEPT;
  const description = `${backend.description}:${key}`;
  const siblingKey = (name: string) => `${key}:${name}`;
  const indexKey = `${key}:backups`;

  async function readRaw(): Promise<{ main: unknown; siblings: Record<string, unknown> }> {
    const main = await backend.get(key);
    const siblings: Record<string, unknown> = {};
    for (const name of layout.siblings) {
      const value = await backend.get(siblingKey(name));
      if (value !== undefined && value !== null) siblings[name] = value;
    }
    return { main, siblings };
  }

  async function listBackups(): Promise<BackupRecord[]> {
    const index = await backend.get(indexKey);
    return Array.isArray(index) ? (index as BackupRecord[]) : [];
  }

  return {
    description,
    async read(): Promise<StoredDocument | null> {
      const { main, siblings } = await readRaw();
      if (main === undefined || main === null) return null;
      return layout.decode(main, siblings, description);
    },
    async write(document: StoredDocument): Promise<void> {
      const encoded = layout.encode(document);
      const entries: [string, unknown][] = Object.entries(encoded.siblings).map(([name, value]) => [siblingKey(name), value]);
      entries.push([key, encoded.main]);
      try {
        await backend.set(entries);
      } catch (error) {
        throw new StrataError(ErrorCode.STORE_WRITE_FAILED, `could not write ${description}: ${messageOf(error)}`, {
          hint: 'the stored document is unchanged; if storage is full (QuotaExceededError), free space or lower backups.keep',
          cause: error,
        });
      }
    },
    lock: (timeoutMs, onWaiting) => acquireLock(`strata:${description}`, timeoutMs, onWaiting),
    async backup(version: DocumentVersion | null): Promise<BackupRecord | null> {
      if (keep <= 0) return null;
      const raw = await readRaw();
      if (raw.main === undefined || raw.main === null) return null;
      const existing = await listBackups();
      const at = uniqueStamp(existing);
      const record: BackupRecord = { id: at, at, version, location: `${key}:backup:${at}` };
      const kept = [...existing, record].slice(-keep);
      try {
        await backend.set([
          [record.location, raw],
          [indexKey, kept],
        ]);
        for (const old of existing) if (!kept.includes(old)) await backend.remove(old.location);
      } catch (error) {
        // A copy written without its index entry would never be listed or pruned.
        await Promise.resolve(backend.remove(record.location)).catch(() => undefined);
        throw new StrataError(ErrorCode.BACKUP_FAILED, `could not back up ${description} before migrating: ${messageOf(error)}`, {
          hint: 'nothing was migrated; free storage space, or set backups: { keep: 0 } to migrate without a backup',
          cause: error,
        });
      }
      return record;
    },
    listBackups,
    async restoreBackup(id: string): Promise<void> {
      const record = (await listBackups()).find((b) => b.id === id);
      const raw = record ? ((await backend.get(record.location)) as { main?: unknown; siblings?: Record<string, unknown> } | undefined) : undefined;
      if (!record || !raw || raw.main === undefined) {
        throw new StrataError(ErrorCode.BACKUP_NOT_FOUND, `${description} has no backup ${JSON.stringify(id)}`, {
          hint: 'listBackups() gives the ids of the backups kept',
        });
      }
      const entries: [string, unknown][] = layout.siblings.map((name) => [siblingKey(name), raw.siblings?.[name] ?? null]);
      entries.push([key, raw.main]);
      await backend.set(entries);
    },
  };
}

/** Timestamps as ids, made unique when two backups share a millisecond. */
function uniqueStamp(existing: readonly BackupRecord[]): string {
  const at = new Date().toISOString();
  let id = at;
  for (let n = 1; existing.some((b) => b.id === id); n++) id = `${at}~${n}`;
  return id;
}

/** localStorage, sessionStorage, redux-persist storages, React Native AsyncStorage. */
export interface WebStorageLike {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** Values are kept as JSON text (Web Storage holds only strings). */
export function webStorageStore(storage: WebStorageLike, options: KeyValueStoreOptions & { name?: string }): DocumentStore {
  return keyValueStore(
    {
      description: options.name ?? 'storage',
      async get(key) {
        const text = await storage.getItem(key);
        if (text === null || text === undefined) return undefined;
        try {
          return JSON.parse(text);
        } catch (error) {
          throw new StrataError(ErrorCode.DOCUMENT_INVALID, `${options.name ?? 'storage'}:${key} does not hold JSON: ${messageOf(error)}`, {
            hint: 'the stored value is damaged or was written by something else; restore a backup or remove the key',
          });
        }
      },
      async set(entries) {
        // Texts first: a stringify error must not leave half the keys written. Then each key in
        // turn; if one fails (a full localStorage), the keys already written get their old text
        // back, so a version key never runs ahead of its data.
        const texts = entries.map(([key, value]) => [key, JSON.stringify(value)] as const);
        const previous: [string, string | null | undefined][] = [];
        try {
          for (const [key, text] of texts) {
            previous.push([key, await storage.getItem(key)]);
            await storage.setItem(key, text);
          }
        } catch (error) {
          for (const [key, text] of previous.reverse()) {
            try {
              await (text === null || text === undefined ? storage.removeItem(key) : storage.setItem(key, text));
            } catch {
              // Putting back an old value never needs more room than the value it replaces had.
            }
          }
          throw error;
        }
      },
      remove: (key) => storage.removeItem(key),
    },
    options,
  );
}

/** A VS Code Memento (context.globalState / workspaceState): values are stored as they are. */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export function mementoStore(memento: MementoLike, options: KeyValueStoreOptions & { name?: string }): DocumentStore {
  return keyValueStore(
    {
      description: options.name ?? 'memento',
      // VS Code's get() returns its live cache: steps must never change it in place (a failed run
      // would leave it changed, and the next update() of any key would persist that).
      get: (key) => clone(memento.get(key)),
      async set(entries) {
        // update() applies in memory at once and persists later; issue them together.
        await Promise.all(entries.map(([key, value]) => memento.update(key, value)));
      },
      remove: async (key) => {
        await memento.update(key, undefined);
      },
    },
    options,
  );
}

/** In memory, for tests and for apps that persist elsewhere; values are copied in and out. */
export function memoryStore(
  options: Partial<KeyValueStoreOptions> & { initial?: unknown; map?: Map<string, unknown> } = {},
): DocumentStore & { readonly map: Map<string, unknown> } {
  const key = options.key ?? 'document';
  const map = options.map ?? new Map<string, unknown>();
  if (options.initial !== undefined) map.set(key, clone(options.initial));
  const store = keyValueStore(
    {
      description: 'memory',
      get: (k) => clone(map.get(k)),
      set(entries) {
        for (const [k, value] of entries) map.set(k, clone(value));
      },
      remove: (k) => void map.delete(k),
    },
    { ...options, key },
  );
  return Object.assign(store, { map });
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
