/**
 * open() / status() for an IndexedDB database migrated by `defineIndexedDbMigrations()`: one
 * upgrade per origin at a time (the tab lock, `indexeddb:<name>`), then one `versionchange`
 * transaction running every pending migration. Events: `tab:blocked` ("close the other tab"),
 * `upgrade:blocked`, `migrating`, `copy:progress`, then `migrated` and `done` once the upgrade
 * committed, `failed` when it did not, `versionchange` when a Strata connection closed itself for
 * another tab's upgrade.
 */
import { DEFAULT_TAB_LOCK_TIMEOUT_MS, type TabLockEvents, acquireTabLock, tabLockName } from '../../browser/tab-lock.js';
import { type EngineEvents, EventChannel, type Listener } from '../../engine/events.js';
import { clock, elapsedSince } from '../../model/clock.js';
import { ErrorCode, StrataError, type StepResult } from '../../model/errors.js';
import type { StatusProblem, StoreStatus } from '../../model/status-report.js';
import { type IdbDatabase, type IdbFactory, globalIndexedDb } from './idb-types.js';
import { type DefinedIndexedDbMigration, type IndexedDbMigration, type IndexedDbMigrations, defineIndexedDbMigrations } from './indexeddb-migrations.js';
import { type OpenBlocked, openAt, storedVersion } from './open-database.js';
import { type CopyProgress, DEFAULT_PROGRESS_EVERY, runUpgrade } from './run-upgrade.js';

export interface IndexedDbEvents extends TabLockEvents, Pick<EngineEvents, 'migrating' | 'migrated' | 'failed' | 'done'> {
  /** Another connection holds the database open at an older version: the upgrade waits (at most timeoutMs). */
  'upgrade:blocked': OpenBlocked;
  /** A changeStore copy's progress, every `progressEvery` records and at its end. */
  'copy:progress': CopyProgress;
  /** A Strata connection closed itself because another tab or worker opens the database at a newer version. */
  versionchange: { database: string; from: number; to: number | null };
}

export interface IndexedDbMigratorOptions {
  /** The IndexedDB database's name. */
  database: string;
  migrations: IndexedDbMigrations | readonly IndexedDbMigration[];
  /** Default: the global `indexedDB` (a window or worker). Node: pass fake-indexeddb's. */
  indexedDB?: IdbFactory;
  /** How long to wait for another tab (its migration lock, or its open connection), in ms. */
  timeoutMs?: number;
  /** Records between two `copy:progress` events. */
  progressEvery?: number;
}

export interface IndexedDbOpenReport {
  /** Open, at the latest version; it closes itself when another tab upgrades further. */
  db: IdbDatabase;
  /** The version before (0: the database did not exist). */
  from: number;
  version: number;
  results: StepResult[];
  durationMs: number;
}

export interface IndexedDbStatus extends StoreStatus<number, { version: number; name: string; state: 'applied' | 'pending' }> {
  latestVersion: number;
}

export class IndexedDbMigrator {
  readonly events = new EventChannel<IndexedDbEvents>();
  readonly migrations: IndexedDbMigrations;
  readonly database: string;
  private readonly options: IndexedDbMigratorOptions;

  constructor(options: IndexedDbMigratorOptions) {
    this.options = options;
    this.database = options.database;
    if (typeof options.database !== 'string' || options.database === '') {
      throw new StrataError(ErrorCode.USAGE, 'IndexedDbMigrator needs a database name');
    }
    this.migrations = Array.isArray(options.migrations)
      ? defineIndexedDbMigrations(options.migrations as readonly IndexedDbMigration[])
      : (options.migrations as IndexedDbMigrations);
  }

  on<K extends keyof IndexedDbEvents>(event: K, listener: Listener<IndexedDbEvents, K>): () => void {
    return this.events.on(event, listener);
  }

  private factory(): IdbFactory {
    const factory = this.options.indexedDB ?? globalIndexedDb();
    if (!factory) {
      throw new StrataError(ErrorCode.DRIVER_UNSUPPORTED, `IndexedDB ${this.database}: this runtime has no indexedDB`, {
        hint: 'run it in a browser window or worker, or pass { indexedDB } (fake-indexeddb in Node tests)',
      });
    }
    return factory;
  }

  /** Opens the database at the latest version, running the pending migrations first. */
  async open(): Promise<IndexedDbOpenReport> {
    const factory = this.factory();
    const started = clock();
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TAB_LOCK_TIMEOUT_MS;
    const { latestVersion, migrations } = this.migrations;
    const release = await acquireTabLock({
      database: `indexeddb:${this.database}`,
      timeoutMs,
      onBlocked: (blocked) => this.events.emit('tab:blocked', blocked),
    });
    const ran: { migration: DefinedIndexedDbMigration; index: number; total: number; durationMs: number }[] = [];
    let current: { migration: DefinedIndexedDbMigration; index: number; total: number; started: number } | undefined;
    const step = (migration: DefinedIndexedDbMigration, index: number, total: number) => ({
      version: String(migration.version),
      name: migration.name,
      direction: 'up' as const,
      index,
      total,
    });
    try {
      const opened = await openAt({
        factory,
        name: this.database,
        version: latestVersion,
        timeoutMs,
        onBlocked: (blocked) => {
          this.events.emit('tab:blocked', { lock: tabLockName(`indexeddb:${this.database}`), timeoutMs, crossTab: true });
          this.events.emit('upgrade:blocked', blocked);
        },
        onVersionChange: (change) => this.events.emit('versionchange', change),
        upgrade: (db, transaction, oldVersion, fail) => {
          const pending = migrations.filter((m) => m.version > oldVersion);
          runUpgrade(
            db,
            transaction,
            pending,
            {
              migrating: (migration, index, total) => {
                current = { migration, index, total, started: clock() };
                this.events.emit('migrating', step(migration, index, total));
              },
              migrated: (migration, index, total, durationMs) => ran.push({ migration, index, total, durationMs }),
              progress: (progress) => this.events.emit('copy:progress', progress),
              progressEvery: this.options.progressEvery ?? DEFAULT_PROGRESS_EVERY,
            },
            fail,
          );
        },
      });
      // Steps count as migrated only once the versionchange transaction committed.
      const results: StepResult[] = ran.map(({ migration, index, total, durationMs }) => {
        this.events.emit('migrated', { ...step(migration, index, total), durationMs });
        return { version: String(migration.version), name: migration.name, direction: 'up', status: 'applied', durationMs };
      });
      const durationMs = elapsedSince(started);
      this.events.emit('done', { direction: 'up', results, durationMs });
      return { db: opened.db, from: opened.from, version: opened.db.version, results, durationMs };
    } catch (error) {
      if (current && error instanceof StrataError && error.code === ErrorCode.MIGRATION_FAILED) {
        const { migration, index, total, started: at } = current;
        this.events.emit('failed', { ...step(migration, index, total), error, durationMs: elapsedSince(at) });
      }
      throw error;
    } finally {
      await release();
    }
  }

  /** The stored version and each migration's state, without creating or upgrading the database. */
  async status(): Promise<IndexedDbStatus> {
    const version = await storedVersion(this.factory(), this.database);
    const { latestVersion, migrations } = this.migrations;
    const problems: StatusProblem[] = [];
    if (version > latestVersion) {
      problems.push({
        code: ErrorCode.DATABASE_NEWER,
        message: `IndexedDB ${this.database} is at version ${version}, newer than the latest migration (${latestVersion})`,
      });
    }
    const listed = migrations.map((m) => ({ version: m.version, name: m.name, state: m.version <= version ? ('applied' as const) : ('pending' as const) }));
    return {
      target: `indexeddb:${this.database}`,
      exists: version > 0,
      currentVersion: version === 0 ? null : version,
      migrations: listed,
      pending: listed.filter((m) => m.state === 'pending').length,
      problems,
      latestVersion,
    };
  }
}
