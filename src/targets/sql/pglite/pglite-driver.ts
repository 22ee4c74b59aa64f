/**
 * PGlite (`@electric-sql/pglite`: PostgreSQL compiled to WASM, in this process, no server)
 * behind the SqlDriver seam. It speaks PostgreSQL, so everything above the driver (the ledger's
 * SQL, the splitter, `ctx.dialect`) treats it as PostgreSQL; what differs is how it is opened
 * and locked. A folder is one process's at a time (pglite-folder.ts): the driver takes the
 * folder's lock when it first opens it and keeps it until close(), so `lock()` waits only when
 * the folder is not open yet, and its release leaves the hold to close(). `:memory:` is a
 * database no other process or driver can reach, so it takes no lock.
 *
 * The engine opens a database to read its ledger before it asks for the migration lock. Here
 * that first open already waits for the folder, with `lockTimeoutMs` (no `lock:waiting` event
 * reaches the engine from there); a `lock()` before any other use waits with the engine's
 * timeout and callback.
 */
import { refuseSystemSchema } from '../system-schemas.js';
import { POSTGRES_INTEGRITY_CHECKS, postgresIntegrityProblems } from '../postgres/postgres-integrity.js';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { OpenWait, Release } from '../../../engine/target.js';
import { ErrorCode, StrataError } from '../../../model/errors.js';
import type { Dialect } from '../dialect.js';
import type { SqlDriver } from '../driver.js';
import { pgliteDialect } from './dialect.js';
import { swapPending } from './folder-swap.js';
import { createPglite, type PGlite } from './load-pglite.js';
import { openPgliteFolder, type FolderWait, type OpenPgliteFolder } from './pglite-folder.js';
import { postgresErrorOffset, postgresTableExists } from '../postgres/postgres-session.js';

/** The location of an in-memory PGlite database. */
export const PGLITE_MEMORY = ':memory:';

/** How long opening a folder waits for another process that has it open, unless told (the migration lock's default). */
export const DEFAULT_PGLITE_LOCK_TIMEOUT_MS = 60_000;

export interface PgliteDriverOptions {
  /** The schema migrations run in: created if missing, first on `search_path`, home of the ledger. */
  schema?: string;
  /** How long opening the folder waits for another process that has it open (default 60 s). */
  lockTimeoutMs?: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const NO_LOCK: Release = async () => undefined;

/** How messages name a location: `pglite:` and the folder relative to the working directory. */
export function describePgliteLocation(location: string): string {
  return `pglite:${location === PGLITE_MEMORY ? location : relative(process.cwd(), location) || location}`;
}

export class PgliteDriver implements SqlDriver<PGlite> {
  readonly transactionalDdl = true;
  readonly description: string;
  /** The data folder (absolute), or `:memory:`. */
  readonly location: string;
  readonly schema: string | undefined;
  private folder: OpenPgliteFolder | undefined;
  private memory: PGlite | undefined;
  private mode: 'read' | 'write' | undefined;
  private opening: Promise<void> | undefined;
  /** The instance whose session has the schema on its search_path: a restore brings a new one. */
  private sessionReady: PGlite | undefined;
  /** Work running outside any transaction (journal writes): the driver's own statements wait for it. */
  private outside = new Set<Promise<unknown>>();

  constructor(
    location: string,
    private readonly options: PgliteDriverOptions = {},
  ) {
    this.location = location === PGLITE_MEMORY ? location : resolve(location);
    this.description = describePgliteLocation(this.location);
    this.schema = options.schema;
    if (this.schema !== undefined && !IDENTIFIER.test(this.schema)) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `schema ${JSON.stringify(this.schema)} is not a plain identifier`, {
        hint: 'use letters, digits and underscores (e.g. app)',
      });
    }
    if (this.schema !== undefined) refuseSystemSchema(this.schema, 'postgres', `the schema setting (--schema)`);
  }

  // A getter: this module and the dialect's import each other, and neither reads the other while loading.
  get dialect(): Dialect {
    return pgliteDialect;
  }

  get connection(): PGlite {
    const pg = this.memory ?? (this.folder?.closed === false ? this.folder.pg : undefined);
    if (!pg) throw new StrataError(ErrorCode.DB_OPEN_FAILED, `${this.description} is not open`);
    return pg;
  }

  async connect(mode: 'read' | 'write', wait?: OpenWait): Promise<{ exists: boolean }> {
    if (mode === 'read' && !this.isOpen() && !(await this.present())) return { exists: false };
    if (mode === 'write') this.assertCreatable();
    // The engine's timeout and lock:waiting when it says them: opening the folder is when this driver waits.
    await this.open(wait ?? { timeoutMs: this.options.lockTimeoutMs ?? DEFAULT_PGLITE_LOCK_TIMEOUT_MS, onWaiting: () => undefined });
    if (this.mode !== 'write') this.mode = mode;
    if (this.schema === undefined) return { exists: true };
    if (mode === 'read') {
      const present = await this.pg().query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (present.rows.length === 0) return { exists: false };
    }
    this.sessionReady = undefined;
    await this.session();
    return { exists: true };
  }

  async exec(sql: string): Promise<void> {
    await (await this.turn()).exec(sql);
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await (await this.turn()).query<T>(sql, params as unknown[])).rows;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    return { changes: (await (await this.turn()).query(sql, params as unknown[])).affectedRows ?? 0 };
  }

  /** False while a transaction is open (or the driver is closed): work outside one must wait. */
  outsideTransactionNow(): boolean {
    return this.isOpen() && !this.pg().isInTransaction();
  }

  /**
   * Runs `fn` on the session while no transaction is open, for writes that must outlive a
   * rollback (the journal). The one session is shared with the migration, so a `BEGIN` sent
   * while `fn` runs would put `fn`'s later statements inside that transaction: every statement
   * sent through the driver meanwhile waits until `fn` ends. Call it only when
   * `outsideTransactionNow()` said so in the same tick, so no statement is already under way.
   */
  outsideTransaction<T>(fn: (pg: PGlite) => Promise<T>): Promise<T> {
    const running = this.session().then(fn);
    this.outside.add(running);
    const done = () => this.outside.delete(running);
    running.then(done, done);
    return running;
  }

  tableExists(table: string): Promise<boolean> {
    return postgresTableExists((sql, params) => this.query(sql, params), table, this.schema);
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
    // True in a failed transaction too: PGlite tracks the server's transaction status.
    if (!this.isOpen() || !this.pg().isInTransaction()) return false;
    await this.pg().exec('ROLLBACK');
    return true;
  }

  async lock(timeoutMs: number, onWaiting: () => void): Promise<Release> {
    if (this.location === PGLITE_MEMORY) return NO_LOCK;
    if (!this.isOpen()) this.assertCreatable();
    await this.open({ timeoutMs, onWaiting });
    // The hold on the folder is the lock, and it ends with close(): the folder stays open after the run.
    return NO_LOCK;
  }

  /** PostgreSQL enforces foreign keys always; SQL files cannot switch them off here. */
  async setForeignKeys(): Promise<boolean> {
    return true;
  }

  async foreignKeyViolations(): Promise<string[]> {
    return [];
  }

  readonly integrityChecks = POSTGRES_INTEGRITY_CHECKS;

  /** What a failed or half-done migration leaves behind: unvalidated constraints, invalid indexes. */
  integrityProblems(): Promise<string[]> {
    return postgresIntegrityProblems((sql, params) => this.query(sql, params), this.schema);
  }

  errorOffset(error: unknown): number | undefined {
    return postgresErrorOffset(error);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.outside]);
    const { folder, memory } = this;
    this.folder = undefined;
    this.memory = undefined;
    this.mode = undefined;
    this.sessionReady = undefined;
    await memory?.close();
    await folder?.close();
  }

  /** A PGlite data folder, or the remains of a restore that opening finishes. Creates nothing. */
  private async present(): Promise<boolean> {
    return this.location === PGLITE_MEMORY || existsSync(join(this.location, 'PG_VERSION')) || (await swapPending(this.location));
  }

  /** PGlite would initdb into any folder, next to whatever is there: only an empty or new one may become a database. */
  private assertCreatable(): void {
    if (this.isOpen() || this.location === PGLITE_MEMORY || existsSync(join(this.location, 'PG_VERSION'))) return;
    if (!existsSync(dirname(this.location))) {
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot create ${this.location}: the folder ${dirname(this.location)} does not exist`, {
        hint: 'create the folder first, or point --db at an existing one',
      });
    }
    if (existsSync(this.location) && readdirSync(this.location).length > 0) {
      throw new StrataError(ErrorCode.NOT_A_DATABASE, `${this.location} is a folder with files in it but not a PGlite data folder (it has no PG_VERSION)`, {
        hint: 'point --db at a PGlite data folder, or at an empty or new folder where a database may be created',
      });
    }
  }

  private isOpen(): boolean {
    return this.memory !== undefined || this.folder?.closed === false;
  }

  /** Opens once: a second caller while the first waits for the folder must not queue behind its own lock. */
  private open(wait: FolderWait): Promise<void> {
    if (this.memory || this.folder) return Promise.resolve();
    this.opening ??= (async () => {
      try {
        if (this.location === PGLITE_MEMORY) this.memory = await createPglite(undefined);
        else this.folder = await openPgliteFolder(this.location, wait);
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  private pg(): PGlite {
    return this.connection;
  }

  /** The session, once the work running outside transactions (outsideTransaction) has ended. */
  private async turn(): Promise<PGlite> {
    while (this.outside.size > 0) await Promise.allSettled([...this.outside]);
    return this.session();
  }

  /** The instance, with the schema first on its search_path (created in write mode). */
  private async session(): Promise<PGlite> {
    const pg = this.pg();
    if (this.schema === undefined || this.sessionReady === pg) return pg;
    if (this.mode === 'write') await pg.exec(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    // The schema first: objects a migration creates unqualified land there; public stays reachable.
    await pg.exec(`SET search_path TO "${this.schema}", public`);
    this.sessionReady = pg;
    return pg;
  }
}
