/**
 * PGlite in the browser (`@electric-sql/pglite`, an optional peer: the app passes its `PGlite`
 * class, so nothing of it is imported here), persisted in IndexedDB (`idb://name`) or OPFS
 * (`opfs-ahp://name`, in a worker), or in memory (`memory://`).
 *
 * What PGlite's browser persistence guarantees (docs/browser-sql.md, held by
 * test/browser-sql.test.ts): PGlite keeps the data folder in memory and, after each query outside
 * a transaction, writes the files that changed back to IndexedDB in one IndexedDB transaction.
 * So what is in IndexedDB is always the folder as it stood between two statements, after a commit
 * or before a `BEGIN`; a tab closed mid-migration reopens at the last committed step. A second
 * tab's copy of the folder would be stale (it was loaded when that tab opened), and its writes
 * would overwrite the first tab's: the driver therefore opens PGlite only under the tab lock and
 * closes it (releasing the lock) when the migrator closes. Open the app's own PGlite after the
 * migration.
 */
import type { OpenWait, Release } from '../engine/target.js';
import { ErrorCode, messageOf, StrataError } from '../model/errors.js';
import type { Dialect } from '../targets/sql/dialect.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import { POSTGRES_INTEGRITY_CHECKS, postgresIntegrityProblems } from '../targets/sql/postgres/postgres-integrity.js';
import { readPostgresSchema } from '../targets/sql/postgres/postgres-schema.js';
import { postgresSql } from '../targets/sql/postgres/postgres-sql.js';
import { postgresSchemaStamp } from '../targets/sql/postgres/postgres-stamp.js';
import { type BrowserDriverLock, HeldDatabase } from './held-database.js';
import type { TabBlocked } from './tab-lock.js';
import { postgresErrorOffset, postgresTableExists } from '../targets/sql/postgres/postgres-session.js';

/** The part of a PGlite instance the driver uses. */
export interface PgliteLike {
  exec(sql: string): Promise<unknown>;
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  isInTransaction(): boolean;
  close(): Promise<void>;
}

export interface PgliteBrowserDriverOptions {
  /** The app's PGlite class: `import { PGlite } from '@electric-sql/pglite'`. */
  PGlite: { create(dataDir?: string, options?: object): Promise<PgliteLike> };
  /** `idb://app` (IndexedDB), `opfs-ahp://app` (OPFS, in a worker) or `memory://`. */
  dataDir: string;
  /** More of PGlite's options (extensions, relaxedDurability: keep it false for migrations). */
  options?: object;
  /** How long opening waits for another tab that has the database (ms) when the engine gives no timeout. */
  lockTimeoutMs?: number;
}

/** PostgreSQL's SQL, schema reader and stamp over PGlite in the browser; opened only through pgliteBrowserDriver(). */
let madePgliteBrowserDriverDialect: Dialect | undefined;

/**
 * The dialect (made on first use: a function, not a constant, so that an app that never imports
 * this adapter drops it; bundlers keep an object literal that spreads another).
 */
export function pgliteBrowserDialect(): Dialect {
  madePgliteBrowserDriverDialect ??= {
    ...postgresSql,
    forms: { schemes: [], example: "pgliteBrowserDriver({ PGlite, dataDir: 'idb://app' })" },
    name: 'pglite-browser',
    family: 'postgres',
    claims: () => false,
    locate: (db) => ({ location: db, description: `pglite:${db}` }),
    open: () => {
      throw new StrataError(ErrorCode.DRIVER_UNSUPPORTED, 'PGlite in the browser is opened with pgliteBrowserDriver()', {
        hint: "import { pgliteBrowserDriver } from 'strata-migrate/browser'",
      });
    },
    backupProvider: () => undefined,
    inTransaction: async (context) => (context.connection as PgliteLike).isInTransaction(),
    readSchema: readPostgresSchema,
    schemaStamp: postgresSchemaStamp,
  };
  return madePgliteBrowserDriverDialect;
}

/** A SqlDriver over PGlite in the browser (see the module comment for what persistence guarantees). */
export function pgliteBrowserDriver(options: PgliteBrowserDriverOptions): PgliteBrowserDriver {
  return new PgliteBrowserDriver(options);
}

export class PgliteBrowserDriver implements SqlDriver<PgliteLike>, BrowserDriverLock {
  readonly transactionalDdl = true;
  readonly description: string;
  readonly location: string;
  readonly lockedDatabase: string;
  onBlocked: ((blocked: TabBlocked) => void) | undefined;
  readonly integrityChecks = POSTGRES_INTEGRITY_CHECKS;
  private readonly held: HeldDatabase;
  private readonly memory: boolean;
  private pg: PgliteLike | undefined;

  constructor(private readonly options: PgliteBrowserDriverOptions) {
    if (typeof options?.PGlite?.create !== 'function') {
      throw new StrataError(ErrorCode.USAGE, 'pgliteBrowserDriver() needs PGlite: the class @electric-sql/pglite exports', {
        hint: "import { PGlite } from '@electric-sql/pglite'; pgliteBrowserDriver({ PGlite, dataDir: 'idb://app' })",
      });
    }
    if (typeof options.dataDir !== 'string')
      throw new StrataError(ErrorCode.USAGE, "pgliteBrowserDriver() needs dataDir: 'idb://app', 'opfs-ahp://app' or 'memory://'");
    this.memory = options.dataDir === '' || options.dataDir.startsWith('memory://');
    this.location = options.dataDir;
    this.description = `pglite:${options.dataDir}`;
    this.lockedDatabase = `pglite:${options.dataDir}`;
    this.held = new HeldDatabase(this.lockedDatabase, this, options.lockTimeoutMs);
  }

  get dialect(): Dialect {
    return pgliteBrowserDialect();
  }

  get connection(): PgliteLike {
    if (!this.pg) throw new StrataError(ErrorCode.DB_OPEN_FAILED, `${this.description} is not open`);
    return this.pg;
  }

  async connect(mode: 'read' | 'write', wait?: OpenWait): Promise<{ exists: boolean }> {
    if (this.pg) return { exists: true };
    if (!this.memory) {
      await this.held.take(wait);
      if (mode === 'read' && !(await this.stored())) return { exists: false };
    }
    try {
      this.pg = await this.options.PGlite.create(this.memory ? undefined : this.options.dataDir, this.options.options);
    } catch (error) {
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot open ${this.description}: ${messageOf(error)}`, {
        hint: 'check that the browser allows IndexedDB (not a private window) or, for opfs-ahp://, that this runs in a worker',
        cause: error,
      });
    }
    return { exists: true };
  }

  /** Whether PGlite has stored this database already (opening it would create it). */
  private async stored(): Promise<boolean> {
    const idb = /^idb:\/\/(.*)$/.exec(this.options.dataDir);
    const indexedDb = (globalThis as { indexedDB?: { databases?: () => Promise<{ name?: string }[]> } }).indexedDB;
    // Other stores (OPFS) cannot be listed cheaply: open them, as PGlite would.
    if (!idb || !indexedDb?.databases) return true;
    const names = (await indexedDb.databases()).map((d) => d.name ?? '');
    return names.some((name) => name === idb[1] || name.endsWith(`/${idb[1]}`));
  }

  async exec(sql: string): Promise<void> {
    await this.connection.exec(sql);
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.connection.query<T>(sql, params as unknown[])).rows;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    return { changes: (await this.connection.query(sql, params as unknown[])).affectedRows ?? 0 };
  }

  tableExists(table: string): Promise<boolean> {
    return postgresTableExists((sql, params) => this.query(sql, params), table, undefined);
  }

  async begin(): Promise<void> {
    await this.exec('BEGIN');
  }

  async commit(): Promise<void> {
    await this.exec('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.rollbackIfOpen();
  }

  async rollbackIfOpen(): Promise<boolean> {
    if (!this.pg?.isInTransaction()) return false;
    await this.pg.exec('ROLLBACK');
    return true;
  }

  lock(timeoutMs: number, onWaiting: () => void): Promise<Release> {
    if (this.memory) return Promise.resolve(async () => undefined);
    return this.held.lockForRun(timeoutMs, onWaiting);
  }

  /** PostgreSQL enforces foreign keys always. */
  async setForeignKeys(): Promise<boolean> {
    return true;
  }

  async foreignKeyViolations(): Promise<string[]> {
    return [];
  }

  integrityProblems(): Promise<string[]> {
    return postgresIntegrityProblems((sql, params) => this.query(sql, params), undefined);
  }

  errorOffset(error: unknown): number | undefined {
    return postgresErrorOffset(error);
  }

  async close(): Promise<void> {
    const pg = this.pg;
    this.pg = undefined;
    // PGlite's close writes the folder back to its store before it resolves.
    await pg?.close();
    await this.held.drop();
  }
}
