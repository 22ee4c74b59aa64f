/**
 * The SQL migrator inside the browser: the engine Node runs (ledger, checksums, verify, the
 * dependency graph, events, plugins) over a browser driver (SQLite WASM on OPFS, PGlite on
 * IndexedDB/OPFS) and bundled migrations. What only the browser needs is here: the tab lock's
 * `tab:blocked` event, and what an older build of the app does with a database a newer build
 * migrated (DATABASE_NEWER, or the newer build's downs from the ledger with allowDowngrade).
 */
import type { EventChannel, EngineEvents } from '../engine/events.js';
import { Migrator, type MigrateOptions, type RunReport } from '../engine/migrator.js';
import type { MigratorPlugin } from '../engine/plugin.js';
import type { DriftMode } from '../engine/drift.js';
import { ErrorCode, StrataError } from '../model/errors.js';
import type { Migration } from '../model/migration.js';
import { compareVersions } from '../model/version.js';
import { checksumMatches } from '../sources/checksum.js';
import { codeMigration } from '../sources/code-source.js';
import type { SqlContext, SqlDriver } from '../targets/sql/driver.js';
import { DEFAULT_LEDGER_TABLE } from '../targets/sql/ledger-sql.js';
import { SqlTarget } from '../targets/sql/sql-target.js';
import { bundledMigrations } from './bundled-source.js';
import type { BrowserDriverLock } from './held-database.js';
import type { MigrationBundle } from './migration-bundle.js';
import { DEFAULT_TAB_LOCK_TIMEOUT_MS, type TabLockEvents } from './tab-lock.js';

export interface BrowserMigratorOptions<Connection> {
  /** sqliteWasmDriver(...) or pgliteBrowserDriver(...). */
  driver: SqlDriver<Connection>;
  /** The bundled folder: `import migrations from 'virtual:strata-migrations'` or the module `strata bundle` wrote. Omit to use only register(). */
  migrations?: MigrationBundle;
  /** How long to wait for another tab or worker that has the database, then fail with LOCKED_BY_OTHER_TAB (default 10 s). */
  lockTimeoutMs?: number;
  /**
   * A database a newer build of the app migrated (steps this build does not know, after its
   * newest): false (default) fails with DATABASE_NEWER; true reverts those steps with the down
   * SQL the newer build stored in the ledger (each checked against the schema fingerprint its
   * row recorded), then migrates as usual.
   */
  allowDowngrade?: boolean;
  /** Ledger table name (default strata_migrations). */
  table?: string;
  now?: () => Date;
  plugins?: readonly MigratorPlugin<SqlContext<Connection>>[];
  drift?: DriftMode;
}

/** Every event a browser migrator emits: the engine's and `tab:blocked`. */
export type BrowserMigratorEvents = EngineEvents & TabLockEvents;

export class BrowserMigrator<Connection = unknown> extends Migrator<SqlContext<Connection>> {
  private readonly allowDowngrade: boolean;
  private readonly bundled: Migration<SqlContext<Connection>>[];

  constructor(options: BrowserMigratorOptions<Connection>) {
    const bundled = options.migrations ? bundledMigrations<SqlContext<Connection>>(options.migrations, options.driver.dialect.family) : [];
    super({
      target: new SqlTarget(options.driver, options.table ?? DEFAULT_LEDGER_TABLE),
      source: () => bundled,
      define: codeMigration,
      checksumMatches,
      lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_TAB_LOCK_TIMEOUT_MS,
      now: options.now,
      plugins: options.plugins,
      drift: options.drift,
    });
    this.bundled = bundled;
    this.allowDowngrade = options.allowDowngrade === true;
    const lock = options.driver as Partial<BrowserDriverLock>;
    if ('onBlocked' in lock) lock.onBlocked = (blocked) => this.browserEvents.emit('tab:blocked', blocked);
  }

  /** The same channel as `events`, typed with `tab:blocked`. */
  get browserEvents(): EventChannel<BrowserMigratorEvents> {
    return this.events as unknown as EventChannel<BrowserMigratorEvents>;
  }

  /** Applies pending migrations; first, a database a newer build migrated fails or is downgraded (allowDowngrade). */
  override async migrate(options: MigrateOptions = {}): Promise<RunReport> {
    if (!options.dryRun) await this.downgradeIfNewer();
    return super.migrate(options);
  }

  private async downgradeIfNewer(): Promise<void> {
    const status = await this.status();
    const known = this.bundled.map((m) => m.version).sort(compareVersions);
    const newest = known.at(-1);
    const newer = status.migrations.filter((m) => m.state === 'missing' && (newest === undefined || compareVersions(m.version, newest) > 0));
    if (newer.length === 0) return;
    const versions = newer.map((m) => m.version);
    if (!this.allowDowngrade) {
      throw new StrataError(
        ErrorCode.DATABASE_NEWER,
        `${status.target} was migrated by a newer build of this app: it has ${versions.join(', ')} applied, and this build knows migrations up to ${newest ?? 'none'}`,
        {
          hint: 'update the app (reload to get the newer build), or pass allowDowngrade: true to revert those steps with the downs the newer build stored',
          details: { versions, newestKnown: newest ?? null, currentVersion: status.currentVersion, retryable: false },
        },
      );
    }
    const keep = status.migrations.filter((m) => m.state !== 'missing' && m.state !== 'pending' && known.includes(m.version)).map((m) => m.version);
    await this.rollback({ to: keep.sort(compareVersions).at(-1) ?? 0, fromLedger: true });
  }
}

/**
 * A migrator for a database inside the browser. Close it when done: the browser drivers hold the
 * database (and the tab lock) from the first command until close().
 *
 * @example
 * import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
 * import migrations from 'virtual:strata-migrations';
 * import { createBrowserMigrator, sqliteWasmDriver } from 'strata-migrate/browser';
 *
 * const sqlite3 = await sqlite3InitModule();
 * const migrator = createBrowserMigrator({ driver: sqliteWasmDriver({ sqlite3, file: '/app.sqlite3' }), migrations });
 * migrator.browserEvents.on('tab:blocked', () => postMessage({ banner: 'Close the other tabs of this app to finish the update' }));
 * try { await migrator.migrate(); } finally { await migrator.close(); }
 */
export function createBrowserMigrator<Connection>(options: BrowserMigratorOptions<Connection>): BrowserMigrator<Connection> {
  return new BrowserMigrator(options);
}
