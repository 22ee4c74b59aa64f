/**
 * The SQLite trace: a copy of the database (better-sqlite3's online backup into a private temp
 * file), the pending migrations applied to it, and per statement what changed in every table,
 * counted by TEMP triggers the copy's connection alone sees (a counter row per table and
 * operation). A change to a table the statement names is the statement's; a change to another
 * table came from a foreign key action (the table has one on a parent the statement touched) or
 * else from a trigger. The schema is compared after each statement that changed it, which finds
 * tables dropped and made again (rebuilds) and indexes dropped and recreated.
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMigrator } from '../create-migrator.js';
import type { InspectedPlan } from '../engine/plugin.js';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import type { SqlStatement } from '../model/migration.js';
import type { DatabaseSpec } from '../targets/sql/database-spec.js';
import type { SqlContext } from '../targets/sql/driver.js';
import type { BetterSqlite3Database } from '../targets/sql/sqlite/better-sqlite3-database.js';
import { SqliteDriver } from '../targets/sql/sqlite/sqlite-driver.js';
import { type EngineRun, failureOf, runTracedEngine } from './engine-run.js';
import { renamedTable, statementTable } from './statement-target.js';
import { type ChangeCause, type TracedChange, type TracedStatement, type TracedTable, type TraceReport, tracedStatement } from './trace-report.js';
import type { TraceRunOptions } from './trace-options.js';
import type { AnnouncedStatement } from './tracing-driver.js';

interface ForeignKey {
  parent: string;
  onDelete: string;
  onUpdate: string;
}

interface Counter {
  tbl: string;
  op: 'INSERT' | 'UPDATE' | 'DELETE';
  n: number;
}

const COUNTERS = 'temp.strata_trace_counts';
const TRIGGER_PREFIX = 'strata_trace_';
const OPERATIONS = ['INSERT', 'UPDATE', 'DELETE'] as const;

/** Traces the pending migrations of a SQLite database on a copy; the live file is only read. */
export async function traceSqlite(spec: DatabaseSpec, options: TraceRunOptions): Promise<TraceReport> {
  const started = performance.now();
  if (spec.location === ':memory:' || spec.location === '') {
    throw new StrataError(ErrorCode.TRACE_UNSUPPORTED, `${spec.description} is in memory: there is no file to copy and trace`, {
      hint: 'trace a database file (--db ./app.db)',
    });
  }
  const folder = mkdtempSync(join(tmpdir(), 'strata-trace-'));
  const copyPath = join(folder, 'copy.db');
  let db: BetterSqlite3Database | undefined;
  try {
    await copyDatabase(spec.location, copyPath);
    db = new Database(copyPath) as unknown as BetterSqlite3Database;
    // A throwaway file: nothing needs to survive a power cut, and the trace should cost little.
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.pragma(`foreign_keys = ${spec.settings.pragmas?.foreignKeys === false ? 'OFF' : 'ON'}`);
    const own = new Set([spec.tables.ledger.name, spec.tables.journal.name, spec.tables.backfill.name].map((name) => name.toLowerCase()));
    const tracer = new SqliteTracer(db, own);
    const { steps, failure } = options.mode === 'as-written' ? await runAsWritten(db, tracer, spec, options) : await runWithEngine(db, tracer, options);
    return {
      dialect: 'sqlite',
      target: spec.description,
      copy: 'sqlite backup API (a private temp file, removed afterwards)',
      mode: options.mode ?? 'engine',
      steps,
      ...tracer.finish(),
      ...(failure ? { failure } : {}),
      durationMs: performance.now() - started,
    };
  } finally {
    db?.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** An online backup of the live file (readers and writers go on), or an empty file when there is none yet. */
async function copyDatabase(live: string, copyPath: string): Promise<void> {
  if (existsSync(live)) {
    try {
      const source = new Database(live, { readonly: true, fileMustExist: true });
      try {
        await source.backup(copyPath);
      } finally {
        source.close();
      }
    } catch (error) {
      const notADatabase = (error as { code?: string }).code === 'SQLITE_NOTADB';
      throw new StrataError(
        notADatabase ? ErrorCode.NOT_A_DATABASE : ErrorCode.DB_OPEN_FAILED,
        `cannot copy ${live} to trace it: ${notADatabase ? 'it is not a SQLite database' : messageOf(error)}`,
        { hint: 'point --db at the SQLite file to trace (it is only read)', cause: error },
      );
    }
  } else {
    new Database(copyPath).close();
  }
  chmodSync(copyPath, 0o600);
}

type RunOutcome = EngineRun;

/** Strata's engine on the copy: the same plan, transactions and foreign key handling as `migrate`. */
function runWithEngine(db: BetterSqlite3Database, tracer: SqliteTracer, options: TraceRunOptions): Promise<RunOutcome> {
  return runTracedEngine(new SqliteDriver(db), tracer, options, (migrator) => {
    // A code migration runs no announced statement: what it changed is counted over its whole step.
    let codeStep: { version: string; name: string } | undefined;
    migrator.on('migrating', (e) => {
      codeStep = e.statements === undefined ? { version: e.version, name: e.name } : undefined;
      if (codeStep) tracer.resetCounters();
    });
    migrator.on('migrated', () => {
      if (codeStep) tracer.recordCode(codeStep);
      codeStep = undefined;
    });
  });
}

/**
 * Each pending file's statements exactly as written, in one transaction per file (drizzle-kit's
 * migrator, and most tools, run a file so): a `PRAGMA foreign_keys` inside it does nothing there.
 */
async function runAsWritten(db: BetterSqlite3Database, tracer: SqliteTracer, spec: DatabaseSpec, options: TraceRunOptions): Promise<RunOutcome> {
  let plan: InspectedPlan<SqlContext> | undefined;
  const planner = createMigrator({
    ...options.migrator,
    db: new SqliteDriver(db),
    table: spec.tables.ledger.name,
    backup: false,
    journal: false,
    drift: 'off',
    lint: false,
    plugins: [{ name: 'trace', inspect: (inspected) => void (plan = inspected as InspectedPlan<SqlContext>) }],
  });
  try {
    await planner.migrate({ to: options.to, dryRun: true });
  } finally {
    await planner.close();
  }
  const steps = (plan?.steps ?? []).map(({ version, name }) => ({ version, name }));
  for (const step of plan?.steps ?? []) {
    if (step.body.kind !== 'sql') {
      return {
        steps,
        failure: failureOf(
          new StrataError(ErrorCode.TRACE_UNSUPPORTED, `${step.origin}: --as-written traces SQL files only, and this migration is code`, {
            hint: 'trace without --as-written: the engine runs code migrations',
          }),
        ),
      };
    }
    const wrap = step.body.transaction;
    try {
      if (wrap) db.exec('BEGIN');
      for (const statement of step.body.statements) {
        if (statement.control && wrap) continue;
        await tracer.traceStatement(announced(step, statement), () => db.exec(statement.sql));
      }
      if (wrap) db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      return {
        steps,
        failure: failureOf(new StrataError(ErrorCode.MIGRATION_FAILED, `${step.file}: failed on the copy: ${messageOf(error)}`)),
      };
    }
  }
  return { steps };
}

function announced(step: { version: string; name: string }, statement: SqlStatement): AnnouncedStatement {
  return { version: step.version, name: step.name, direction: 'up', index: statement.index, line: statement.line, sql: statement.sql };
}

/** Counts, attributes and remembers; one per trace, on the copy's one connection. */
class SqliteTracer {
  private readonly db: BetterSqlite3Database;
  private readonly own: Set<string>;
  private readonly statements: TracedStatement[] = [];
  private readonly rowsBefore: Map<string, number>;
  private foreignKeys = new Map<string, ForeignKey[]>();
  private schemaVersion = -1;
  /** The counting triggers: name -> the table they count (lower-cased), and the last counter row id. */
  private readonly triggers = new Map<string, string>();
  private lastCounter = 0;
  private indexes: Map<string, string>;
  private tables: Set<string>;
  /** Tables that disappeared at some point (dropped or renamed away). */
  private readonly vanished = new Set<string>();
  /** Tables made by renaming another onto their name (the last step of a rebuild). */
  private readonly renamedOnto = new Set<string>();
  /** Indexes that disappeared at some point, with their table. */
  private readonly droppedIndexes = new Map<string, string>();
  /** Rows a table held when a statement dropped it by name. */
  private readonly rowsAtDrop = new Map<string, number>();

  constructor(db: BetterSqlite3Database, own: Set<string>) {
    this.db = db;
    this.own = own;
    db.exec(`CREATE TEMP TABLE ${COUNTERS.slice(5)} (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, n INTEGER NOT NULL)`);
    this.tables = new Set(this.userTables());
    this.indexes = this.userIndexes();
    this.rowsBefore = new Map([...this.tables].map((t) => [t, this.count(t)]));
    this.syncSchema();
  }

  resetCounters(): void {
    this.db.exec(`UPDATE ${COUNTERS} SET n = 0 WHERE n > 0`);
  }

  async before(statement: AnnouncedStatement): Promise<void> {
    this.resetCounters();
    const table = statementTable(statement.sql);
    if (table && /^\s*DROP\s+TABLE/i.test(statement.sql) && this.tables.has(table)) this.rowsAtDrop.set(table, this.count(table));
  }

  async after(statement: AnnouncedStatement, durationMs: number): Promise<void> {
    const table = statementTable(statement.sql);
    const rename = renamedTable(statement.sql);
    if (rename) this.renamedOnto.add(rename.to);
    this.statements.push({
      ...tracedStatement(statement, table, durationMs),
      changes: this.attribute(this.readCounters(), table),
    });
    this.syncSchema();
  }

  /** For the as-written runner: the same before/after around a statement it runs itself. */
  async traceStatement(statement: AnnouncedStatement, run: () => void): Promise<void> {
    await this.before(statement);
    const started = performance.now();
    run();
    await this.after(statement, performance.now() - started);
  }

  /** A code migration's step: its changes, with no table named (cause `code`, foreign key actions still told apart). */
  recordCode(step: { version: string; name: string }): void {
    this.statements.push({
      ...step,
      index: 0,
      line: 0,
      sql: '(code migration)',
      durationMs: 0,
      changes: this.attribute(this.readCounters(), undefined, 'code'),
    });
    this.syncSchema();
  }

  finish(): Pick<TraceReport, 'statements' | 'tables' | 'rowsLost'> {
    this.syncSchema();
    const after = new Set(this.userTables());
    const violations = new Map<string, number>();
    for (const row of this.db.pragma('foreign_key_check') as { table: string }[]) {
      const key = row.table.toLowerCase();
      violations.set(key, (violations.get(key) ?? 0) + 1);
    }
    const names = [...new Set([...this.rowsBefore.keys(), ...after])].sort();
    const tables = names.map((table) => this.summarise(table, after.has(table), violations.get(table) ?? 0));
    return { statements: this.statements, tables, rowsLost: tables.reduce((sum, t) => sum + t.rowsLost, 0) };
  }

  private summarise(table: string, exists: boolean, foreignKeyViolations: number): TracedTable {
    const sum = (cause: ChangeCause, op: 'inserted' | 'updated' | 'deleted') =>
      this.statements.reduce((total, s) => total + (s.changes ?? []).filter((c) => c.table === table && c.cause === cause).reduce((n, c) => n + c[op], 0), 0);
    const rowsBefore = this.rowsBefore.get(table) ?? null;
    const rowsAfter = exists ? this.count(table) : null;
    const deletedByName = sum('statement', 'deleted') + sum('code', 'deleted');
    const insertedByName = sum('statement', 'inserted') + sum('code', 'inserted');
    const deletedByCascade = sum('cascade', 'deleted');
    const deletedByTriggers = sum('trigger', 'deleted');
    const rebuilt = rowsBefore !== null && exists && this.vanished.has(table);
    const droppedRows = this.rowsAtDrop.get(table) ?? 0;
    let rowsLost = rowsBefore === null ? 0 : deletedByCascade + deletedByTriggers;
    // A rebuild (renamed onto its name) must carry every row over: what it did not copy is lost.
    if (rebuilt && this.renamedOnto.has(table) && rowsAfter !== null) {
      const expected = rowsBefore - deletedByName - deletedByCascade - deletedByTriggers + insertedByName;
      rowsLost += Math.max(0, expected - rowsAfter);
    }
    const recreated: string[] = [];
    const dropped: string[] = [];
    for (const [index, owner] of this.droppedIndexes) {
      if (owner !== table) continue;
      (this.indexes.has(index) ? recreated : dropped).push(index);
    }
    const droppedByName = this.rowsAtDrop.has(table) && !(rebuilt && this.renamedOnto.has(table));
    return {
      table,
      rowsBefore,
      rowsAfter,
      deletedByStatements: deletedByName + (droppedByName ? droppedRows : 0),
      deletedByCascade,
      deletedByTriggers,
      updatedByCascade: sum('cascade', 'updated'),
      changedByTriggers: sum('trigger', 'inserted') + sum('trigger', 'updated'),
      foreignKeyViolations,
      rebuilt,
      indexesRecreated: recreated.sort(),
      indexesDropped: dropped.sort(),
      rowsLost,
    };
  }

  private readCounters(): Counter[] {
    return this.db.prepare(`SELECT tbl, op, n FROM ${COUNTERS} WHERE n > 0 ORDER BY tbl, op`).all() as Counter[];
  }

  /**
   * A change to the named table is the statement's; a delete (update) in a table whose foreign
   * key points at the named table, or at a table that lost (changed) rows in the same
   * statement, with an action that deletes (updates), is a cascade; anything else a trigger's.
   */
  private attribute(counters: Counter[], named: string | undefined, fallback: ChangeCause = 'trigger'): TracedChange[] {
    const touched = new Set(counters.filter((c) => c.op !== 'INSERT').map((c) => c.tbl));
    if (named) touched.add(named);
    const changes = new Map<string, TracedChange>();
    for (const counter of counters) {
      let cause: ChangeCause;
      if (counter.tbl === named) cause = 'statement';
      else if (this.isForeignKeyAction(counter, touched)) cause = 'cascade';
      else cause = fallback;
      const key = `${counter.tbl}\0${cause}`;
      const change = changes.get(key) ?? { table: counter.tbl, cause, inserted: 0, updated: 0, deleted: 0 };
      if (counter.op === 'INSERT') change.inserted += counter.n;
      else if (counter.op === 'UPDATE') change.updated += counter.n;
      else change.deleted += counter.n;
      changes.set(key, change);
    }
    return [...changes.values()];
  }

  private isForeignKeyAction(counter: Counter, touched: Set<string>): boolean {
    if (counter.op === 'INSERT') return false;
    return (this.foreignKeys.get(counter.tbl) ?? []).some((fk) => {
      if (!touched.has(fk.parent) || fk.parent === counter.tbl) return false;
      if (counter.op === 'DELETE') return fk.onDelete === 'CASCADE';
      return ['SET NULL', 'SET DEFAULT'].includes(fk.onDelete) || ['CASCADE', 'SET NULL', 'SET DEFAULT'].includes(fk.onUpdate);
    });
  }

  /** After a schema change: note what vanished, and count in every table as it is now (its name, its foreign keys). */
  private syncSchema(): void {
    const version = this.db.pragma('schema_version', { simple: true }) as number;
    if (version === this.schemaVersion) return;
    const tables = new Set(this.userTables());
    for (const table of this.tables) if (!tables.has(table)) this.vanished.add(table);
    const indexes = this.userIndexes();
    for (const [index, table] of this.indexes) if (!indexes.has(index)) this.droppedIndexes.set(index, table);
    this.tables = tables;
    this.indexes = indexes;
    // Triggers go with a dropped table and follow a renamed one (counting under its old name):
    // only new tables, and renamed ones, get triggers made, so a run of 1,000 CREATE TABLEs stays linear.
    const existing = this.db
      .prepare(`SELECT name, lower(tbl_name) AS tbl FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE '${TRIGGER_PREFIX}%'`)
      .all() as { name: string; tbl: string }[];
    const present = new Set<string>();
    for (const trigger of existing) {
      if (this.triggers.get(trigger.name) === trigger.tbl) present.add(trigger.name);
      else this.db.exec(`DROP TRIGGER temp.${quote(trigger.name)}`);
    }
    for (const name of [...this.triggers.keys()]) if (!present.has(name)) this.triggers.delete(name);
    const counted = new Set(this.triggers.values());
    for (const table of tables) {
      if (counted.has(table)) continue;
      for (const op of OPERATIONS) {
        const id = ++this.lastCounter;
        const name = `${TRIGGER_PREFIX}${id}`;
        this.db.prepare(`INSERT INTO ${COUNTERS} (id, tbl, op, n) VALUES (?, ?, ?, 0)`).run(id, table, op);
        this.db.exec(`CREATE TEMP TRIGGER ${quote(name)} AFTER ${op} ON main.${quote(table)} BEGIN UPDATE ${COUNTERS} SET n = n + 1 WHERE id = ${id}; END`);
        this.triggers.set(name, table);
      }
    }
    const keys = this.db
      .prepare(
        `SELECT lower(m.name) AS child, lower(f."table") AS parent, f.on_delete AS onDelete, f.on_update AS onUpdate
           FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'`,
      )
      .all() as (ForeignKey & { child: string })[];
    this.foreignKeys = new Map();
    for (const { child, ...fk } of keys) this.foreignKeys.set(child, [...(this.foreignKeys.get(child) ?? []), fk]);
    this.schemaVersion = this.db.pragma('schema_version', { simple: true }) as number;
  }

  /** Tables of the main schema, lower-cased, without SQLite's and Strata's own. */
  private userTables(): string[] {
    const names = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().all() as string[];
    return names.filter((name) => !this.own.has(name.toLowerCase()) && !/^_cf_/i.test(name)).map((name) => name.toLowerCase());
  }

  private userIndexes(): Map<string, string> {
    const rows = this.db.prepare("SELECT name, tbl_name AS tbl FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").all() as {
      name: string;
      tbl: string;
    }[];
    return new Map(rows.filter((r) => !this.own.has(r.tbl.toLowerCase())).map((r) => [r.name.toLowerCase(), r.tbl.toLowerCase()]));
  }

  private count(table: string): number {
    return this.db
      .prepare(`SELECT count(*) FROM main.${quote(table)}`)
      .pluck()
      .get() as number;
  }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
