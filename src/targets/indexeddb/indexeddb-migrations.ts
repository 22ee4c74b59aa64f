/**
 * Migrations of an IndexedDB database's own schema: object stores and indexes (changed in place
 * too), and the change Dexie cannot make: a new primary key or autoIncrement setting, as a copy step.
 * IndexedDB's version number is the ledger: the database is at version N once every migration up
 * to N ran inside one `versionchange` transaction, which the browser commits whole or aborts whole
 * (a closed tab included). There are no downs: IndexedDB cannot open a database at a lower
 * version, so an older build meeting a newer database gets DATABASE_NEWER.
 *
 * `defineIndexedDbMigrations()` checks the list and records each migration's steps up front, so
 * a mistake (a duplicate version, a store created twice) fails at start-up, before any upgrade.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { IdbIndexOptions, IdbKey, IdbKeyPath } from './idb-types.js';

/** An index: its key path, or the path with options. */
export type IndexSpec = IdbKeyPath | ({ keyPath: IdbKeyPath } & IdbIndexOptions);

export interface CreateStoreOptions {
  /** In-line keys (`'id'`, `['tenant', 'id']`); omit or null for out-of-line keys. */
  keyPath?: IdbKeyPath | null;
  autoIncrement?: boolean;
  indexes?: Record<string, IndexSpec>;
}

/** What a record becomes in a copied store: the new record, or null to leave it out. */
export type RecordTransform = (record: any, oldKey: IdbKey) => any;

export interface ChangeStoreOptions {
  /** The new primary key path (null: out-of-line keys). Default: the store's current one. */
  keyPath?: IdbKeyPath | null;
  /** Default: the store's current setting. */
  autoIncrement?: boolean;
  /**
   * The new store's indexes, all of them. Default: the old store's indexes, unchanged (read from
   * the database at upgrade time).
   */
  indexes?: Record<string, IndexSpec>;
  /**
   * Runs on each record, in primary-key order, inside the upgrade transaction: synchronous, and it
   * must return the record (a changed copy or the same object) or null to drop it. Returning
   * undefined is an error (a step that changed the record in place and forgot to return it).
   */
  transform?: RecordTransform;
  /**
   * For out-of-line keys without autoIncrement: the record's key in the new store. Default: its
   * old primary key.
   */
  key?: (record: any, oldKey: IdbKey) => IdbKey;
}

/** One recorded schema operation; the upgrade runs them in order. */
export type SchemaStep =
  | { kind: 'createStore'; store: string; options: CreateStoreOptions }
  | { kind: 'deleteStore'; store: string }
  | { kind: 'createIndex'; store: string; index: string; spec: IndexSpec }
  | { kind: 'deleteIndex'; store: string; index: string }
  | { kind: 'changeIndex'; store: string; index: string; spec: IndexSpec }
  | { kind: 'changeStore'; store: string; options: ChangeStoreOptions }
  | { kind: 'updateRecords'; store: string; transform: RecordTransform };

/** What a migration's `up` calls to say what changes; nothing runs until the upgrade. */
export interface IndexedDbSchema {
  createStore(name: string, options?: CreateStoreOptions): void;
  deleteStore(name: string): void;
  createIndex(store: string, name: string, spec: IndexSpec): void;
  deleteIndex(store: string, name: string): void;
  /** Drops the index and builds it again with the new key path or options (unique, multiEntry). */
  changeIndex(store: string, name: string, spec: IndexSpec): void;
  /**
   * Copies the store into a new one with another primary key, autoIncrement setting or indexes,
   * through an optional per-record transform; the new store then takes the old one's name.
   */
  changeStore(name: string, options: ChangeStoreOptions): void;
  /**
   * Rewrites each record in place (same store, same key), in primary-key order: `transform`
   * returns the new record (its in-line key unchanged) or null to delete it. For new keys use
   * changeStore.
   */
  updateRecords(store: string, transform: RecordTransform): void;
}

export interface IndexedDbMigration {
  /** The database version this migration leads to: a positive integer (IndexedDB's own version). */
  version: number;
  name: string;
  up: (schema: IndexedDbSchema) => void;
}

/** A checked migration with the steps its `up` recorded. */
export interface DefinedIndexedDbMigration {
  version: number;
  name: string;
  steps: readonly SchemaStep[];
}

export interface IndexedDbMigrations {
  /** Ascending by version. */
  readonly migrations: readonly DefinedIndexedDbMigration[];
  /** The newest version: the one the database is opened at. */
  readonly latestVersion: number;
}

/**
 * Checks and records IndexedDB schema migrations.
 *
 * @example
 * const schema = defineIndexedDbMigrations([
 *   { version: 1, name: 'todos', up: (s) => s.createStore('todos', { keyPath: 'id', indexes: { byDone: 'done' } }) },
 *   { version: 2, name: 'todos keyed by uuid', up: (s) => s.changeStore('todos', { keyPath: 'uuid', transform: (t) => ({ ...t, uuid: `todo-${t.id}` }) }) },
 * ]);
 */
export function defineIndexedDbMigrations(list: readonly IndexedDbMigration[]): IndexedDbMigrations {
  if (!Array.isArray(list) || list.length === 0) {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, 'defineIndexedDbMigrations() needs at least one migration', {
      hint: 'pass [{ version: 1, name, up: (schema) => schema.createStore(...) }, ...]',
    });
  }
  const seen = new Map<number, string>();
  const defined: DefinedIndexedDbMigration[] = [];
  for (const migration of list) {
    const { version, name } = migration ?? ({} as IndexedDbMigration);
    const label = `IndexedDB migration ${JSON.stringify(name)} (version ${String(version)})`;
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new StrataError(ErrorCode.MIGRATION_INVALID, `${label}: the version must be an integer >= 1 (IndexedDB's own version number)`, {
        hint: 'number the migrations 1, 2, 3...',
        details: { version, name },
      });
    }
    if (typeof name !== 'string' || name === '' || typeof migration.up !== 'function') {
      throw new StrataError(ErrorCode.MIGRATION_INVALID, `${label}: needs a name and an up(schema) function`, { details: { version, name } });
    }
    const clash = seen.get(version);
    if (clash !== undefined) {
      throw new StrataError(
        ErrorCode.MIGRATION_VERSION_DUPLICATE,
        `IndexedDB migrations ${JSON.stringify(clash)} and ${JSON.stringify(name)} share version ${version}`,
        {
          hint: 'give each migration its own version',
          details: { version, names: [clash, name] },
        },
      );
    }
    seen.set(version, name);
    defined.push({ version, name, steps: recordSteps(migration, label) });
  }
  defined.sort((a, b) => a.version - b.version);
  return { migrations: defined, latestVersion: defined[defined.length - 1]!.version };
}

function recordSteps(migration: IndexedDbMigration, label: string): SchemaStep[] {
  const steps: SchemaStep[] = [];
  const named = (what: string, value: unknown) => {
    if (typeof value !== 'string' || value === '') {
      throw new StrataError(ErrorCode.MIGRATION_INVALID, `${label}: ${what} must be a non-empty string, not ${JSON.stringify(value)}`, {
        details: { version: migration.version },
      });
    }
  };
  const schema: IndexedDbSchema = {
    createStore(store, options = {}) {
      named('a store name', store);
      steps.push({ kind: 'createStore', store, options });
    },
    deleteStore(store) {
      named('a store name', store);
      steps.push({ kind: 'deleteStore', store });
    },
    createIndex(store, index, spec) {
      named('a store name', store);
      named('an index name', index);
      steps.push({ kind: 'createIndex', store, index, spec });
    },
    deleteIndex(store, index) {
      named('a store name', store);
      named('an index name', index);
      steps.push({ kind: 'deleteIndex', store, index });
    },
    changeIndex(store, index, spec) {
      named('a store name', store);
      named('an index name', index);
      steps.push({ kind: 'changeIndex', store, index, spec });
    },
    changeStore(store, options) {
      named('a store name', store);
      if (options?.transform !== undefined && typeof options.transform !== 'function') {
        throw new StrataError(ErrorCode.MIGRATION_INVALID, `${label}: changeStore(${JSON.stringify(store)}) transform must be a function`);
      }
      steps.push({ kind: 'changeStore', store, options: options ?? {} });
    },
    updateRecords(store, transform) {
      named('a store name', store);
      if (typeof transform !== 'function') {
        throw new StrataError(ErrorCode.MIGRATION_INVALID, `${label}: updateRecords(${JSON.stringify(store)}) needs a transform function`);
      }
      steps.push({ kind: 'updateRecords', store, transform });
    },
  };
  const returned: unknown = migration.up(schema);
  if (returned instanceof Promise) {
    throw new StrataError(ErrorCode.MIGRATION_ASYNC, `${label}: up() must be synchronous (it only describes the changes; the upgrade runs them)`, {
      hint: 'remove async from up(); per-record work goes in changeStore({ transform })',
    });
  }
  if (steps.length === 0) {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${label}: up() described no change`, {
      hint: 'call schema.createStore(), changeStore(), createIndex()... inside up()',
    });
  }
  return steps;
}

/** An IndexSpec as IndexedDB's createIndex arguments. */
export function indexArguments(spec: IndexSpec): { keyPath: IdbKeyPath; options: IdbIndexOptions } {
  if (typeof spec === 'string' || Array.isArray(spec)) return { keyPath: spec, options: {} };
  return { keyPath: spec.keyPath, options: { unique: spec.unique ?? false, multiEntry: spec.multiEntry ?? false } };
}
