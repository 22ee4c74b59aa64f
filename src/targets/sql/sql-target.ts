/**
 * The engine's Target for every SQL dialect: the ledger, transactions and statement execution
 * over a SqlDriver. One implementation; dialects differ only inside their drivers and the SQL
 * their Dialect builds.
 */
import type { OpenWait, Release, Target, TransactionOptions } from '../../engine/target.js';
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { LedgerEntry } from '../../model/ledger.js';
import { fingerprintOf } from '../../schema/fingerprint.js';
import type { Dialect } from './dialect.js';
import type { SqlContext, SqlDriver } from './driver.js';
import { DEFAULT_LEDGER_TABLE, ledgerSql, type LedgerSql } from './ledger-sql.js';

/** The dialect behind each `ctx` a SqlTarget gave out: `ctx.dialect` says only the family (PGlite's is 'postgres'). */
const contextDialects = new WeakMap<SqlContext<any>, Dialect>();

/** The Dialect of a code migration's `ctx`, when a SqlTarget made it. */
export function dialectOfContext(ctx: SqlContext<any>): Dialect | undefined {
  return contextDialects.get(ctx);
}

interface LedgerRow {
  version: string;
  name: string;
  checksum: string;
  applied_at: string;
  duration_ms: number;
  status: LedgerEntry['status'];
  operation: LedgerEntry['operation'];
  statements_applied: number;
  error: string | null;
}

export class SqlTarget<Connection> implements Target<SqlContext<Connection>> {
  readonly description: string;
  readonly transactionalSteps: boolean;
  private readonly sql: LedgerSql;
  private mode: 'read' | 'write' | undefined;
  private exists = false;
  private ledgerPresent = false;
  private readonly ctx: SqlContext<Connection>;
  /** The schema's fingerprint now (Strata's tables left out); absent when the dialect cannot read its schema. */
  readonly schemaFingerprint?: () => Promise<string>;
  /** The ledger as last read, valid while the driver's change stamp stays the same. */
  private ledgerCache: { stamp: string; entries: LedgerEntry[] } | undefined;

  constructor(
    private readonly driver: SqlDriver<Connection>,
    private readonly table = DEFAULT_LEDGER_TABLE,
    /** Strata's other tables the schema fingerprint leaves out (journal, backfill state): unqualified names. */
    excludeFromSchema: readonly string[] = [],
  ) {
    this.description = driver.description;
    this.transactionalSteps = driver.transactionalDdl;
    this.sql = ledgerSql(driver.dialect, table);
    this.ctx = {
      dialect: driver.dialect.family,
      exec: (text) => driver.exec(text),
      query: (text, params) => driver.query(text, params),
      run: (text, params) => driver.run(text, params),
      get connection() {
        return driver.connection;
      },
    };
    contextDialects.set(this.ctx, driver.dialect);
    const readSchema = driver.dialect.readSchema;
    if (readSchema) {
      const unqualified = (name: string) => name.slice(name.lastIndexOf('.') + 1);
      const ledger = unqualified(table);
      // The ledger's meta table (`<ledger>_meta`) is the ledger's too.
      const exclude = [ledger, `${ledger}_meta`, ...excludeFromSchema.map(unqualified)];
      this.schemaFingerprint = async () => fingerprintOf(await readSchema(driver, { schema: driver.schema, exclude }));
    }
  }

  async open(mode: 'read' | 'write', wait?: OpenWait): Promise<{ exists: boolean }> {
    if (this.mode === 'write' || this.mode === mode) return { exists: this.exists };
    ({ exists: this.exists } = await this.driver.connect(mode, wait));
    this.mode = mode;
    this.ledgerPresent = this.exists && (await this.driver.tableExists(this.table));
    return { exists: this.exists };
  }

  async ensureLedger(): Promise<void> {
    if (this.ledgerPresent) return;
    try {
      await this.driver.exec(this.sql.create);
    } catch (error) {
      // Another process created it between our check and our CREATE (PostgreSQL's CREATE TABLE
      // IF NOT EXISTS can then fail on the catalog's unique index): the table exists.
      if (!(await this.driver.tableExists(this.table))) throw error;
    }
    this.ledgerPresent = true;
  }

  lock(timeoutMs: number, onWaiting: () => void): Promise<Release> {
    return this.driver.lock(timeoutMs, onWaiting);
  }

  async readLedger(): Promise<LedgerEntry[]> {
    // Another process may have created it since open() (while we waited for the lock).
    if (!this.ledgerPresent) this.ledgerPresent = this.exists && (await this.driver.tableExists(this.table));
    if (!this.ledgerPresent) return [];
    const stamp = await this.driver.changeStamp?.();
    if (stamp !== undefined && this.ledgerCache?.stamp === stamp) return this.ledgerCache.entries;
    const rows = await this.driver.query<LedgerRow>(this.sql.select);
    const entries = rows.map((row): LedgerEntry => {
      // Written only by Strata; a hand-edited status is reported, not trusted.
      const known = row.status === 'applied' || row.status === 'running' || row.status === 'failed' || row.status === 'aborted';
      return {
        version: String(row.version),
        name: row.name,
        checksum: row.checksum,
        appliedAt: row.applied_at,
        durationMs: Number(row.duration_ms),
        status: known ? row.status : 'failed',
        operation: row.operation === 'down' ? 'down' : 'up',
        statementsApplied: Number(row.statements_applied),
        error: known ? row.error : `the ledger row has an unknown status ${JSON.stringify(row.status)}`,
      };
    });
    this.ledgerCache = stamp === undefined ? undefined : { stamp, entries };
    return entries;
  }

  async writeLedger(entry: LedgerEntry): Promise<void> {
    await this.driver.run(this.sql.upsert, [
      entry.version,
      entry.name,
      entry.checksum,
      entry.appliedAt,
      entry.durationMs,
      entry.status,
      entry.operation,
      entry.statementsApplied,
      entry.error,
    ]);
  }

  async insertApplied(entry: LedgerEntry): Promise<void> {
    await this.driver.run(this.sql.insertApplied, [entry.version, entry.name, entry.checksum, entry.appliedAt, entry.durationMs, entry.statementsApplied]);
  }

  async deleteLedger(version: string): Promise<void> {
    await this.driver.run(this.sql.delete, [version]);
  }

  async transaction<T>(fn: () => Promise<T>, options: TransactionOptions): Promise<T> {
    return this.withForeignKeys(options, async (checkForeignKeys) => {
      await this.driver.begin();
      try {
        const result = await fn();
        if (checkForeignKeys) await this.assertForeignKeys();
        await this.driver.commit();
        return result;
      } catch (error) {
        await this.driver.rollback();
        throw error;
      }
    });
  }

  withoutTransaction<T>(fn: () => Promise<T>, options: TransactionOptions): Promise<T> {
    return this.withForeignKeys(options, async (checkForeignKeys) => {
      const result = await fn();
      if (checkForeignKeys) await this.assertForeignKeys();
      return result;
    });
  }

  execute(sql: string): Promise<void> {
    return this.driver.exec(sql);
  }

  context(): SqlContext<Connection> {
    return this.ctx;
  }

  get integrityChecks(): readonly string[] {
    return this.driver.integrityChecks;
  }

  integrityProblems(): Promise<string[]> {
    return this.driver.integrityProblems();
  }

  abortOpenTransaction(): Promise<boolean> {
    return this.driver.rollbackIfOpen();
  }

  locateError(error: unknown, sql: string): { line: number; column?: number } | undefined {
    const offset = this.driver.errorOffset?.(error);
    if (offset !== undefined && offset <= sql.length) {
      const lineStart = sql.lastIndexOf('\n', offset - 1) + 1;
      let line = 1;
      for (let k = 0; k < lineStart; k++) if (sql.charCodeAt(k) === 10) line++;
      return { line, column: offset - lineStart + 1 };
    }
    const line = this.driver.errorLine?.(error);
    return line === undefined ? undefined : { line };
  }

  async close(): Promise<void> {
    this.mode = undefined;
    this.ledgerCache = undefined;
    await this.driver.close();
  }

  /**
   * Foreign key enforcement cannot change inside a transaction (SQLite ignores the pragma there),
   * so it is switched outside and restored in `finally`; violations are checked before commit,
   * because a table rebuild with enforcement off must not silently orphan rows.
   */
  private async withForeignKeys<T>(options: TransactionOptions, fn: (checkForeignKeys: boolean) => Promise<T>): Promise<T> {
    if (options.foreignKeys) return fn(false);
    const previous = await this.driver.setForeignKeys(false);
    try {
      return await fn(previous);
    } finally {
      if (previous) await this.driver.setForeignKeys(true);
    }
  }

  private async assertForeignKeys(): Promise<void> {
    const violations = await this.driver.foreignKeyViolations();
    if (violations.length) {
      throw new StrataError(
        ErrorCode.FOREIGN_KEY_VIOLATION,
        `foreign key check failed after the migration: ${violations.slice(0, 5).join('; ')}${violations.length > 5 ? ` (and ${violations.length - 5} more)` : ''}`,
        {
          details: { violations },
        },
      );
    }
  }
}
