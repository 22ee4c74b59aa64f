/**
 * Runs recorded schema steps inside a `versionchange` transaction. Everything here is callback
 * driven on purpose: an IndexedDB transaction commits as soon as it has no pending request when
 * control returns to the event loop, so the copy loop issues the next request from inside the
 * previous one's success callback and never awaits anything else.
 *
 * A primary key cannot be changed in place (IndexedDB fixes keyPath and autoIncrement when a store
 * is created), so `changeStore` copies: create `<name>~strata~<version>` with the new key and
 * indexes, read the old store with a cursor, transform each record and `add` it (never `put`: two
 * records that land on one new key are an error, not a silent overwrite), delete the old store and
 * rename the new one (IDBObjectStore.name is writable during an upgrade, IndexedDB 2.0). One
 * transaction holds it all, so a failure or a closed tab leaves the old store and version.
 */
import { clock, elapsedSince } from '../../model/clock.js';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import type { IdbCursorWithValue, IdbDatabase, IdbKey, IdbObjectStore, IdbRequest, IdbTransaction } from './idb-types.js';
import { type DefinedIndexedDbMigration, type IndexSpec, type RecordTransform, type SchemaStep, indexArguments } from './indexeddb-migrations.js';

/** How often (in records) a changeStore or updateRecords step reports progress by default. */
export const DEFAULT_PROGRESS_EVERY = 1000;

/** A changeStore or updateRecords step's progress: `copied` of `total` records (the store's count) done. */
export interface CopyProgress {
  database: string;
  version: number;
  name: string;
  store: string;
  copied: number;
  total: number;
}

export interface UpgradeHooks {
  migrating(migration: DefinedIndexedDbMigration, index: number, total: number): void;
  migrated(migration: DefinedIndexedDbMigration, index: number, total: number, durationMs: number): void;
  progress(progress: CopyProgress): void;
  progressEvery: number;
}

/**
 * Runs `migrations` in order on the upgrade transaction; calls `fail` (once) with a coded error and
 * aborts the transaction on the first failure. Success is the transaction's own completion.
 */
export function runUpgrade(
  db: IdbDatabase,
  transaction: IdbTransaction,
  migrations: readonly DefinedIndexedDbMigration[],
  hooks: UpgradeHooks,
  fail: (error: StrataError) => void,
): void {
  let failed = false;
  const stop = (error: StrataError) => {
    if (failed) return;
    failed = true;
    fail(error);
    try {
      transaction.abort();
    } catch {
      // Already aborting (a request error aborts it by default): the abort is what we wanted.
    }
  };

  const runMigration = (m: number) => {
    if (failed || m >= migrations.length) return;
    const migration = migrations[m]!;
    const started = clock();
    hooks.migrating(migration, m + 1, migrations.length);
    const runStep = (s: number) => {
      if (failed) return;
      if (s >= migration.steps.length) {
        hooks.migrated(migration, m + 1, migrations.length, elapsedSince(started));
        runMigration(m + 1);
        return;
      }
      const step = migration.steps[s]!;
      try {
        if (step.kind === 'changeStore') copyStore(db, transaction, migration, step, hooks, stop, () => runStep(s + 1));
        else if (step.kind === 'updateRecords') updateRecords(db, transaction, migration, step, hooks, stop, () => runStep(s + 1));
        else {
          applyDdl(db, transaction, step);
          runStep(s + 1);
        }
      } catch (error) {
        stop(stepError(db.name, migration, step, error));
      }
    };
    runStep(0);
  };
  runMigration(0);
}

function applyDdl(db: IdbDatabase, transaction: IdbTransaction, step: Exclude<SchemaStep, RecordStep>): void {
  switch (step.kind) {
    case 'createStore': {
      const { keyPath, autoIncrement, indexes } = step.options;
      const store = db.createObjectStore(step.store, storeOptions(keyPath ?? null, autoIncrement ?? false));
      for (const [name, spec] of Object.entries(indexes ?? {})) createIndex(store, name, spec);
      return;
    }
    case 'deleteStore':
      db.deleteObjectStore(step.store);
      return;
    case 'createIndex':
      createIndex(transaction.objectStore(step.store), step.index, step.spec);
      return;
    case 'deleteIndex':
      transaction.objectStore(step.store).deleteIndex(step.index);
      return;
    case 'changeIndex': {
      const store = transaction.objectStore(step.store);
      store.deleteIndex(step.index);
      createIndex(store, step.index, step.spec);
      return;
    }
  }
}

function storeOptions(keyPath: string | string[] | null, autoIncrement: boolean): { keyPath?: string | string[]; autoIncrement: boolean } {
  return keyPath === null ? { autoIncrement } : { keyPath, autoIncrement };
}

function createIndex(store: IdbObjectStore, name: string, spec: IndexSpec): void {
  const { keyPath, options } = indexArguments(spec);
  store.createIndex(name, keyPath, options);
}

/** The old store's indexes as specs, for a copy that keeps them. */
function indexesOf(store: IdbObjectStore): Record<string, IndexSpec> {
  const indexes: Record<string, IndexSpec> = {};
  for (let i = 0; i < store.indexNames.length; i++) {
    const name = store.indexNames.item(i)!;
    const index = store.index(name);
    indexes[name] = { keyPath: index.keyPath, unique: index.unique, multiEntry: index.multiEntry };
  }
  return indexes;
}

type RecordStep = Extract<SchemaStep, { kind: 'changeStore' | 'updateRecords' }>;

/** What a record walk does with each transformed record (null: the transform dropped it); returns the request it made. */
type Visit = (record: unknown, cursor: IdbCursorWithValue) => IdbRequest | null;

/**
 * Walks `source` with a cursor in primary-key order, runs the transform on each record, hands the
 * result to `visit`, reports progress, and calls `end` after the last record. Every failure
 * names the record's key and stops the upgrade.
 */
function walkRecords(
  db: IdbDatabase,
  migration: DefinedIndexedDbMigration,
  step: RecordStep,
  source: IdbObjectStore,
  transform: RecordTransform | undefined,
  hooks: UpgradeHooks,
  stop: (error: StrataError) => void,
  visit: Visit,
  end: () => void,
): void {
  const call = `${step.kind}(${JSON.stringify(step.store)})`;
  const every = Math.max(1, hooks.progressEvery);
  const report = (copied: number, total: number) =>
    hooks.progress({ database: db.name, version: migration.version, name: migration.name, store: step.store, copied, total });
  const recordError = (message: string, hint: string, cause?: unknown, reason?: string) =>
    stop(
      new StrataError(ErrorCode.MIGRATION_FAILED, `${where(db.name, migration)}: ${call}: ${message}`, {
        hint: `${hint}; the database is still at its old version`,
        cause,
        details: { database: db.name, version: migration.version, store: step.store, key: currentKey, ...(reason ? { reason } : {}) },
      }),
    );
  let total = 0;
  let copied = 0;
  let currentKey: IdbKey;

  // One handler for every write: requests run in order, so when one fails the cursor still
  // stands on the record it came from.
  const writeFailed = (event: { target: { error: { name: string; message: string } | null } }) => {
    const cause = event.target.error;
    const why =
      cause?.name === 'ConstraintError'
        ? 'lands on a key or unique index value another record already has'
        : step.kind === 'changeStore'
          ? 'cannot be stored in the new store'
          : 'cannot be written back (updateRecords keeps each record under its key)';
    recordError(
      `the record at key ${keyText(currentKey)} ${why}: ${cause ? `${cause.name}: ${cause.message}` : 'unknown error'}`,
      step.kind === 'changeStore'
        ? 'fix the transform (or the new key path) so every record gets a distinct, valid key'
        : 'keep the key fields as they are (use changeStore for new keys)',
      cause,
      cause?.name,
    );
  };

  const countRequest = source.count();
  countRequest.onsuccess = () => {
    total = countRequest.result;
    report(0, total);
    const cursorRequest = source.openCursor();
    cursorRequest.onsuccess = () => {
      const cursor = cursorRequest.result;
      if (!cursor) {
        // The last report, unless the loop just made it (or the store was empty: the first one said 0 of 0).
        if (copied % every !== 0) report(copied, total);
        end();
        return;
      }
      currentKey = cursor.primaryKey;
      let record: unknown = cursor.value;
      if (transform) {
        try {
          record = transform(record, currentKey);
        } catch (error) {
          recordError(`the transform threw on the record at key ${keyText(currentKey)}: ${messageOf(error)}`, 'fix the transform', error);
          return;
        }
        if (record === undefined) {
          recordError(
            `the transform returned undefined for the record at key ${keyText(currentKey)}`,
            'return the record (or null to drop it) from the transform',
          );
          return;
        }
      }
      let request: IdbRequest | null;
      try {
        request = visit(record, cursor);
      } catch (error) {
        // add() and update() throw synchronously for a record without a valid in-line key (DataError).
        writeFailed({ target: { error: error as { name: string; message: string } } });
        return;
      }
      if (request) request.onerror = writeFailed;
      copied++;
      if (copied % every === 0) report(copied, total);
      cursor.continue();
    };
  };
}

function copyStore(
  db: IdbDatabase,
  transaction: IdbTransaction,
  migration: DefinedIndexedDbMigration,
  step: Extract<SchemaStep, { kind: 'changeStore' }>,
  hooks: UpgradeHooks,
  stop: (error: StrataError) => void,
  next: () => void,
): void {
  const { options } = step;
  const old = transaction.objectStore(step.store);
  const keyPath = 'keyPath' in options && options.keyPath !== undefined ? options.keyPath : old.keyPath;
  const autoIncrement = options.autoIncrement ?? old.autoIncrement;
  const indexes = options.indexes ?? indexesOf(old);
  const copy = db.createObjectStore(`${step.store}~strata~${migration.version}`, storeOptions(keyPath, autoIncrement));
  for (const [name, spec] of Object.entries(indexes)) createIndex(copy, name, spec);
  const keyOf = options.key;
  const outOfLine = keyPath === null;
  const visit: Visit = (record, cursor) => {
    if (record === null) return null;
    return outOfLine ? copy.add(record, keyOf ? keyOf(record, cursor.primaryKey) : cursor.primaryKey) : copy.add(record);
  };
  walkRecords(db, migration, step, old, options.transform, hooks, stop, visit, () => {
    try {
      db.deleteObjectStore(step.store);
      copy.name = step.store;
    } catch (error) {
      stop(stepError(db.name, migration, step, error));
      return;
    }
    next();
  });
}

function updateRecords(
  db: IdbDatabase,
  transaction: IdbTransaction,
  migration: DefinedIndexedDbMigration,
  step: Extract<SchemaStep, { kind: 'updateRecords' }>,
  hooks: UpgradeHooks,
  stop: (error: StrataError) => void,
  next: () => void,
): void {
  const visit: Visit = (record, cursor) => (record === null ? cursor.delete() : cursor.update(record));
  walkRecords(db, migration, step, transaction.objectStore(step.store), step.transform, hooks, stop, visit, next);
}

function where(database: string, migration: DefinedIndexedDbMigration): string {
  return `IndexedDB ${database}: migration ${migration.version} (${migration.name})`;
}

function keyText(key: IdbKey): string {
  try {
    return JSON.stringify(key) ?? String(key);
  } catch {
    return String(key);
  }
}

function stepError(database: string, migration: DefinedIndexedDbMigration, step: SchemaStep, error: unknown): StrataError {
  if (error instanceof StrataError) return error;
  const target = 'index' in step ? `${step.store}.${step.index}` : step.store;
  const name = (error as { name?: string } | null)?.name;
  return new StrataError(ErrorCode.MIGRATION_FAILED, `${where(database, migration)}: ${step.kind}(${JSON.stringify(target)}) failed: ${messageOf(error)}`, {
    hint:
      name === 'ConstraintError'
        ? 'the store or index already exists, or the existing records break a unique index: fix the migration; the database is still at its old version'
        : name === 'NotFoundError'
          ? 'the store or index does not exist at this version: check the earlier migrations; the database is still at its old version'
          : 'fix the migration; the database is still at its old version',
    cause: error,
    details: { database, version: migration.version, step: step.kind, store: step.store, reason: name },
  });
}
