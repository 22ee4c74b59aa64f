/**
 * The engine's Target for every SQL dialect: the ledger, transactions and statement execution
 * over a SqlDriver. One implementation; dialects differ only inside their drivers and the SQL
 * their Dialect builds.
 */
import { anchorShape } from '../../engine/shape-anchors.js';
import type { SyncSteps } from '../../engine/sync-steps.js';
import type { LedgerUpgrade, OpenWait, Release, Target, TransactionOptions } from '../../engine/target.js';
import { createStampMemo } from '../../schema/stamp-memo.js';
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { LedgerEntry, LedgerOperation } from '../../model/ledger.js';
import type { SqlBody } from '../../model/migration.js';
import { fingerprintOf } from '../../schema/fingerprint.js';
import { parseStoredDown } from '../../sources/sql/stored-down.js';
import type { Dialect } from './dialect.js';
import type { SqlContext, SqlDriver } from './driver.js';
import { syncStatementsOf, type SyncStatements } from './sync-statements.js';
import {
  DEFAULT_LEDGER_TABLE,
  LEDGER_COLUMNS,
  LEDGER_V1_COLUMNS,
  LEDGER_V2_COLUMNS,
  LEDGER_VERSION,
  type LedgerColumn,
  ledgerSql,
  META_LEDGER_VERSION,
  META_READER,
  type LedgerSql,
} from './ledger-sql.js';

/** The dialect behind each `ctx` a SqlTarget gave out: `ctx.dialect` says only the family (PGlite's is 'postgres'). */
const contextDialects = new WeakMap<SqlContext<any>, Dialect>();

/** The Dialect of a code migration's `ctx`, when a SqlTarget made it. */
export function dialectOfContext(ctx: SqlContext<any>): Dialect | undefined {
  return contextDialects.get(ctx);
}

/** Each ledger column's position in a row its SELECTs return (layout 1's columns, then those layout 2 added). */
const column = Object.fromEntries(LEDGER_COLUMNS.map((name, k) => [name, k])) as Record<LedgerColumn, number>;

const OPERATIONS: ReadonlySet<string> = new Set<LedgerOperation>(['up', 'down', 'baseline', 'adopt']);

/** A ledger row, read by position (`LEDGER_COLUMNS`); `v2`: the row has layout 2's columns. */
function ledgerEntryOf(values: readonly unknown[], v2: boolean): LedgerEntry {
  const status = values[column.status] as LedgerEntry['status'];
  const operation = values[column.operation] as LedgerEntry['operation'];
  // Written only by Strata; a hand-edited status is reported, not trusted.
  const known = status === 'applied' || status === 'running' || status === 'failed' || status === 'aborted';
  const entry: LedgerEntry = {
    version: String(values[column.version]),
    name: values[column.name] as string,
    checksum: values[column.checksum] as string,
    appliedAt: values[column.applied_at] as string,
    durationMs: Number(values[column.duration_ms]),
    status: known ? status : 'failed',
    operation: OPERATIONS.has(operation) ? operation : 'up',
    statementsApplied: Number(values[column.statements_applied]),
    error: known ? (values[column.error] as string | null) : `the ledger row has an unknown status ${JSON.stringify(status)}`,
  };
  if (v2) {
    entry.adoptedFrom = (values[column.adopted_from] as string | null | undefined) ?? null;
    entry.schemaFingerprint = (values[column.schema_fingerprint] as string | null | undefined) ?? null;
    entry.downSql = (values[column.down_sql] as string | null | undefined) ?? null;
    entry.schemaStamp = (values[column.schema_stamp] as string | null | undefined) ?? null;
  }
  return entry;
}

/** What the meta table says about the ledger's layout. */
interface LedgerLayout {
  version: number;
  /** The strata-migrate release that first reads it, when the meta table says. */
  reader: string | undefined;
}

/** Fingerprints by a stamp that identifies the schema (Dialect.stampIdentifiesSchema), the most recent few, for every target of this process (of this thread, in a fleet's worker: the tenants it migrates one after another). */
const PROCESS_FINGERPRINTS = createStampMemo();

export class SqlTarget<Connection> implements Target<SqlContext<Connection>> {
  readonly description: string;
  readonly transactionalSteps: boolean;
  readonly serverActivity: string | undefined;
  private readonly sql: LedgerSql;
  private mode: 'read' | 'write' | undefined;
  private exists = false;
  private ledgerPresent = false;
  /** The ledger's layout as last read (undefined: not read yet, or no ledger). */
  private layout: LedgerLayout | undefined;
  private readonly ctx: SqlContext<Connection>;
  /** The schema's fingerprint now (Strata's tables left out); absent when the dialect cannot read its schema. */
  readonly schemaFingerprint?: (stamp?: string | null) => Promise<string>;
  /** The dialect's schema stamp now (Dialect.schemaStamp); absent when it has none. */
  readonly schemaStamp?: () => Promise<string | null>;
  /** The ledger as last read and the layout it was read with, both valid while the driver's change stamp stays the same. */
  private ledgerCache: { stamp: string; entries: LedgerEntry[]; layout: LedgerLayout } | undefined;

  constructor(
    private readonly driver: SqlDriver<Connection>,
    private readonly table = DEFAULT_LEDGER_TABLE,
    /** Strata's other tables the schema fingerprint leaves out (journal, backfill state): unqualified names. */
    excludeFromSchema: readonly string[] = [],
  ) {
    this.description = driver.description;
    this.transactionalSteps = driver.transactionalDdl;
    this.serverActivity = driver.dialect.serverActivity;
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
      const read = async () => fingerprintOf(await readSchema(driver, { schema: driver.schema, exclude }));
      const identifying = driver.dialect.stampIdentifiesSchema === true;
      // The end of a run fingerprints the schema it left (reading 1,000 tables: ~20 ms); a
      // process migrating fresh databases from one folder (a fleet's worker, a test suite) leaves
      // the same schema every time, and the stamp the engine just read names it.
      this.schemaFingerprint = async (stamp) =>
        identifying && stamp ? PROCESS_FINGERPRINTS.get(JSON.stringify([stamp, driver.schema ?? null, exclude]), read) : read();
    }
    const schemaStamp = driver.dialect.schemaStamp;
    if (schemaStamp) this.schemaStamp = () => schemaStamp(driver, { schema: driver.schema });
  }

  async open(mode: 'read' | 'write', wait?: OpenWait): Promise<{ exists: boolean }> {
    if (this.mode === 'write' || this.mode === mode) return { exists: this.exists };
    ({ exists: this.exists } = await this.driver.connect(mode, wait));
    this.mode = mode;
    this.ledgerPresent = this.exists && (await this.driver.tableExists(this.table));
    this.layout = undefined;
    return { exists: this.exists };
  }

  /**
   * Called under the migration lock before anything is written: creates the ledger (layout 2),
   * or upgrades an older one in place. Read afresh each time, because another process may have
   * upgraded it (or a newer Strata may have) while this one waited for the lock.
   */
  async ensureLedger(): Promise<LedgerUpgrade | undefined> {
    if (!this.ledgerPresent) this.ledgerPresent = await this.driver.tableExists(this.table);
    if (!this.ledgerPresent) {
      await this.createLedger();
      return undefined;
    }
    const layout = await this.readLayout(this.layout?.version !== LEDGER_VERSION);
    this.refuseNewer(layout);
    if (layout.version === LEDGER_VERSION) return undefined;
    await this.upgradeLedger();
    return { from: layout.version, to: LEDGER_VERSION };
  }

  /** The ledger's layout version as the meta table says (1: a ledger without one), undefined without a ledger. */
  async ledgerVersion(): Promise<number | undefined> {
    if (!this.ledgerPresent) this.ledgerPresent = this.exists && (await this.driver.tableExists(this.table));
    return this.ledgerPresent ? (await this.readLayout(true)).version : undefined;
  }

  private async createLedger(): Promise<void> {
    try {
      await this.driver.exec(this.sql.create);
    } catch (error) {
      // Another process created it between our check and our CREATE (PostgreSQL's CREATE TABLE
      // IF NOT EXISTS can then fail on the catalog's unique index): the table exists.
      if (!(await this.driver.tableExists(this.table))) throw error;
    }
    this.ledgerPresent = true;
    this.layout = { version: LEDGER_VERSION, reader: undefined };
    this.ledgerCache = undefined;
  }

  /**
   * Adds the columns that are missing. Where DDL is transactional they commit at once; where it
   * is not (MySQL) a crash half-way leaves some added, the ledger still reads as layout 1, and
   * the next upgrade adds only the rest: it can run any number of times.
   */
  private async upgradeLedger(): Promise<void> {
    const missing: string[] = [];
    // Probed outside any transaction: a failed statement would abort a PostgreSQL transaction.
    for (const { column, sql } of this.sql.addColumns) if (!(await this.probe(this.sql.probeColumns([column])))) missing.push(sql);
    const add = async () => {
      for (const statement of missing) await this.driver.exec(statement);
    };
    if (this.driver.transactionalDdl) await this.transaction(add, { foreignKeys: true });
    else await add();
    this.layout = { version: LEDGER_VERSION, reader: undefined };
    this.ledgerCache = undefined;
  }

  /** Whether a query runs (a column probe: it fails when a column is missing). */
  private async probe(sql: string): Promise<boolean> {
    try {
      await this.driver.query(sql);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The layout: what the meta table says when there is one (layouts after 2 keep one, so an older
   * Strata can tell it is older); without one, 2 when the ledger has layout 2's columns, else 1.
   * `fresh`: read again, not the layout found at open (another process may have changed it).
   */
  private async readLayout(fresh: boolean): Promise<LedgerLayout> {
    if (this.layout && !fresh) return this.layout;
    let layout: LedgerLayout;
    if (await this.driver.tableExists(this.sql.meta.table)) {
      const rows = await this.driver.query<{ meta_key: string; meta_value: string }>(this.sql.meta.select);
      const value = (key: string) => rows.find((row) => row.meta_key === key)?.meta_value;
      const version = Number(value(META_LEDGER_VERSION));
      layout = { version: Number.isInteger(version) && version > 0 ? version : LEDGER_VERSION + 1, reader: value(META_READER) };
    } else {
      const v2 = await this.probe(this.sql.probeColumns(LEDGER_V2_COLUMNS));
      // Without layout 2's columns, a layout 1 ledger or a table that is no ledger at all (an
      // application's table named by --table): never upgraded (ALTERed) nor read as one.
      if (!v2 && !(await this.probe(this.sql.probeColumns(LEDGER_V1_COLUMNS)))) throw this.notALedger();
      layout = { version: v2 ? 2 : 1, reader: undefined };
    }
    this.layout = layout;
    return layout;
  }

  private notALedger(): StrataError {
    return new StrataError(
      ErrorCode.LEDGER_TABLE_INVALID,
      `the table ${this.table} of ${this.description} exists and is not a Strata ledger (it lacks the ledger's columns: ${LEDGER_V1_COLUMNS.join(', ')})`,
      {
        hint: 'name a table that does not exist yet with --table (or the config\'s "table"), or leave it out to use strata_migrations',
        details: { table: this.table },
      },
    );
  }

  private refuseNewer(layout: LedgerLayout): void {
    if (layout.version <= LEDGER_VERSION) return;
    const install = layout.reader ? `strata-migrate@${layout.reader} or later` : 'a newer strata-migrate';
    throw new StrataError(
      ErrorCode.LEDGER_TOO_NEW,
      `the ledger ${this.table} of ${this.description} has layout version ${layout.version}, written by a newer Strata; this Strata reads layouts up to ${LEDGER_VERSION}`,
      {
        hint: `install ${install} to work on this database (an older Strata would misread or damage its ledger)`,
        details: { table: this.table, ledgerVersion: layout.version, reads: LEDGER_VERSION, install: layout.reader ?? null },
      },
    );
  }

  lock(timeoutMs: number, onWaiting: () => void): Promise<Release> {
    return this.driver.lock(timeoutMs, onWaiting);
  }

  async readLedger(): Promise<LedgerEntry[]> {
    // Another process may have created it since open() (while we waited for the lock).
    if (!this.ledgerPresent) this.ledgerPresent = this.exists && (await this.driver.tableExists(this.table));
    if (!this.ledgerPresent) return [];
    const stamp = await this.driver.changeStamp?.();
    if (stamp !== undefined && this.ledgerCache?.stamp === stamp) {
      // Nobody wrote since: the layout is the one read then too. open('write') dropped it so that
      // ensureLedger would read it again under the lock; read under the lock, this stamp vouches
      // for it (two catalog reads fewer per run: a fleet pays them on every target).
      this.layout ??= this.ledgerCache.layout;
      return this.ledgerCache.entries;
    }
    const layout = await this.readLayout(false);
    this.refuseNewer(layout);
    const v2 = layout.version >= 2;
    const sql = v2 ? this.sql.select : this.sql.selectV1;
    const rows = this.driver.queryRows
      ? await this.driver.queryRows(sql)
      : (await this.driver.query<Record<string, unknown>>(sql)).map((row) => (v2 ? LEDGER_COLUMNS : LEDGER_V1_COLUMNS).map((column) => row[column]));
    const entries = rows.map((values) => ledgerEntryOf(values, v2));
    this.ledgerCache = stamp === undefined ? undefined : { stamp, entries, layout };
    return entries;
  }

  async writeLedger(entry: LedgerEntry): Promise<void> {
    await this.driver.run(this.sql.upsert, upsertParams(entry));
  }

  async insertApplied(entry: LedgerEntry): Promise<void> {
    await this.driver.run(this.sql.insertApplied, insertAppliedParams(entry));
  }

  /**
   * The engine's synchronous step operations (engine/sync-steps.ts), when the driver runs its
   * statements synchronously: the same SQL as begin/execute/insertApplied/writeLedger/
   * deleteLedger/commit/rollback here, on the same connection.
   */
  syncSteps(): SyncSteps | undefined {
    const statements = syncStatementsOf(this.driver);
    return statements && new SqlSyncSteps(statements, this.sql);
  }

  parseStoredDown(sql: string, origin: string): SqlBody {
    return parseStoredDown(sql, this.driver.dialect.lexer, origin);
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
    this.layout = undefined;
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

/**
 * What an entry holds for each ledger column: the parameters of a statement are its columns' values, in its order.
 * @internal exported for the test that holds insertAppliedParams to it
 */
export const LEDGER_VALUES: Record<LedgerColumn, (entry: LedgerEntry) => unknown> = {
  version: (entry) => entry.version,
  name: (entry) => entry.name,
  checksum: (entry) => entry.checksum,
  applied_at: (entry) => entry.appliedAt,
  duration_ms: (entry) => entry.durationMs,
  status: (entry) => entry.status,
  operation: (entry) => entry.operation,
  statements_applied: (entry) => entry.statementsApplied,
  error: (entry) => entry.error,
  adopted_from: (entry) => entry.adoptedFrom ?? null,
  schema_fingerprint: (entry) => entry.schemaFingerprint ?? null,
  down_sql: (entry) => entry.downSql ?? null,
  schema_stamp: (entry) => entry.schemaStamp ?? null,
};

function ledgerParams(columns: readonly LedgerColumn[], entry: LedgerEntry): unknown[] {
  const params = new Array<unknown>(columns.length);
  for (let k = 0; k < columns.length; k++) params[k] = LEDGER_VALUES[columns[k]!](entry);
  return params;
}

/** The parameters of LedgerSql.upsert. */
function upsertParams(entry: LedgerEntry): unknown[] {
  return ledgerParams(LEDGER_COLUMNS, entry);
}

/**
 * The parameters of LedgerSql.insertApplied, in LEDGER_INSERT_COLUMNS' order, written out: it
 * runs once per step, and through LEDGER_VALUES it made nine calls to nine different getters per
 * row, and a function large enough that V8 spent ~4 ms compiling it again after each full GC
 * (the test in ledger-sql.test.ts holds it to LEDGER_VALUES).
 * @internal
 */
export function insertAppliedParams(entry: LedgerEntry): unknown[] {
  return [
    entry.version,
    entry.name,
    entry.checksum,
    entry.appliedAt,
    entry.durationMs,
    entry.statementsApplied,
    entry.schemaFingerprint ?? null,
    entry.downSql ?? null,
    entry.schemaStamp ?? null,
  ];
}

/**
 * SqlTarget.syncSteps: prototype methods, not closures made per run, so their optimized code
 * outlives a full GC (see SqliteSyncStatements).
 */
class SqlSyncSteps implements SyncSteps {
  constructor(
    private readonly statements: SyncStatements,
    private readonly sql: LedgerSql,
  ) {}

  begin(): void {
    this.statements.begin();
  }

  execute(text: string): void {
    this.statements.exec(text);
  }

  insertApplied(entry: LedgerEntry): void {
    this.statements.run(this.sql.insertApplied, insertAppliedParams(entry));
  }

  writeLedger(entry: LedgerEntry): void {
    this.statements.run(this.sql.upsert, upsertParams(entry));
  }

  deleteLedger(version: string): void {
    this.statements.run(this.sql.delete, [version]);
  }

  commit(): void {
    this.statements.commit();
  }

  rollback(): void {
    this.statements.rollbackIfOpen();
  }
}

// Made per target and dropped with it: a twin keeps the class alive (shape-anchors.ts); it runs nothing.
anchorShape('SqlSyncSteps', new SqlSyncSteps({} as SyncStatements, {} as LedgerSql));
