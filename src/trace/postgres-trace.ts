/**
 * The PostgreSQL trace: the pending steps run on a scratch copy (server-scratch.ts) by Strata's
 * engine, and around each statement, on the statement's own session:
 * - `pg_locks WHERE pid = pg_backend_pid()` right after it: every lock the transaction holds so
 *   far. Locks are held until the transaction ends, so this reading is exact (no sampling race);
 *   a lock first seen after statement k was taken by statement k, and is held from its start to
 *   the commit (or rollback).
 * - `pg_class.relfilenode` of every table before and after: a new one means the statement wrote
 *   the table anew (a rewrite: ALTER COLUMN TYPE, a volatile default, VACUUM FULL, CLUSTER).
 * A second connection samples `pg_locks` for the session while each statement runs: it sees the
 * locks of statements that commit on their own (`CREATE INDEX CONCURRENTLY` in a step without a
 * transaction, whose locks are gone before the reading after it) and any wait for a lock
 * (granted = false). On the scratch copy no other session holds locks, so waits show only what
 * the steps themselves contend for; the waits production would see depend on its own traffic.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import { resolveDatabase, type DatabaseSpec } from '../targets/sql/database-spec.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import { runTracedEngine } from './engine-run.js';
import { scratchCopy, serverTraceReport } from './server-scratch.js';
import { statementTable } from './statement-target.js';
import { type TracedLock, type TracedStatement, type TraceReport, tracedStatement } from './trace-report.js';
import type { TraceRunOptions } from './trace-options.js';
import type { AnnouncedStatement, StatementHooks } from './tracing-driver.js';

/** How often the second connection reads `pg_locks` for the traced session (ms). */
export const DEFAULT_SAMPLE_EVERY_MS = 5;

const USER_RELATIONS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

const HELD_LOCKS = `SELECT CASE WHEN n.nspname = ANY (current_schemas(false)) THEN c.relname ELSE n.nspname || '.' || c.relname END AS relation, l.mode
  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND ${USER_RELATIONS}`;

const TABLE_FILES = `SELECT c.oid::text AS oid, CASE WHEN n.nspname = ANY (current_schemas(false)) THEN c.relname ELSE n.nspname || '.' || c.relname END AS relation, c.relfilenode::text AS file
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') AND ${USER_RELATIONS}`;

// Joined to pg_class: a relation the traced transaction created is not visible here yet (the reading inside it covers those).
const SAMPLED_LOCKS = `SELECT CASE WHEN n.nspname = ANY (current_schemas(false)) THEN c.relname ELSE n.nspname || '.' || c.relname END AS relation, l.mode, l.granted
  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE l.pid = $1 AND l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND ${USER_RELATIONS}`;

export async function tracePostgres(spec: DatabaseSpec, options: TraceRunOptions): Promise<TraceReport> {
  const started = performance.now();
  if (spec.dialect.name !== 'postgres') {
    throw new StrataError(ErrorCode.TRACE_UNSUPPORTED, `${spec.description} is ${spec.dialect.name}: the lock trace needs a PostgreSQL server`, {
      hint: 'trace the same migrations on a PostgreSQL server (the lock modes are the same)',
    });
  }
  const scratch = await scratchCopy(spec);
  const scratchSpec = resolveDatabase({ ...options.migrator, db: scratch.url });
  const driver = scratchSpec.openDriver();
  const sampler = scratchSpec.openDriver();
  const own = new Set([spec.tables.ledger.name, spec.tables.journal.name, spec.tables.backfill.name].map((n) => n.toLowerCase().split('.').pop()!));
  const tracer = new PostgresTracer(driver, sampler, own, options.sampleEveryMs ?? DEFAULT_SAMPLE_EVERY_MS);
  try {
    const run = await runTracedEngine(driver, tracer, options);
    tracer.transactionEnded();
    return serverTraceReport('postgres', spec, scratch, run, tracer.statements, started);
  } finally {
    await tracer.stop();
    await driver.close();
    await sampler.close();
    await scratch.dispose();
  }
}

interface Sample {
  relation: string;
  mode: string;
  granted: boolean;
}

class PostgresTracer implements StatementHooks {
  readonly statements: TracedStatement[] = [];
  private readonly driver: SqlDriver;
  private readonly sampler: SqlDriver;
  private readonly own: Set<string>;
  private readonly every: number;
  private pid: number | undefined;
  private filesBefore = new Map<string, { relation: string; file: string }>();
  /** Locks the open transaction holds, with when the statement that took each started. */
  private held = new Map<string, { lock: TracedLock; since: number }>();
  private sampling: Promise<void> | undefined;
  private samplingStopped = true;
  private samples = new Map<string, { first: number; last: number; waitFirst?: number; waitLast?: number; sample: Sample }>();
  private statementStarted = 0;

  constructor(driver: SqlDriver, sampler: SqlDriver, own: Set<string>, every: number) {
    this.driver = driver;
    this.sampler = sampler;
    this.own = own;
    this.every = every;
  }

  async before(_statement: AnnouncedStatement): Promise<void> {
    if (this.pid === undefined) {
      this.pid = Number((await this.driver.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid);
      await this.sampler.connect('read');
    }
    this.filesBefore = await this.tableFiles();
    this.samples.clear();
    this.statementStarted = performance.now();
    this.startSampling();
  }

  async after(statement: AnnouncedStatement, durationMs: number): Promise<void> {
    await this.stopSampling();
    const ended = performance.now();
    const rows = await this.driver.query<Sample>(HELD_LOCKS);
    const locks: TracedLock[] = [];
    for (const row of rows) {
      if (this.own.has(row.relation.toLowerCase().split('.').pop()!)) continue;
      const key = `${row.relation}\0${row.mode}`;
      if (this.held.has(key)) continue;
      const sampled = this.samples.get(key);
      const lock: TracedLock = { relation: row.relation, mode: row.mode, heldMs: ended - this.statementStarted, ...waited(sampled) };
      this.held.set(key, { lock, since: this.statementStarted });
      locks.push(lock);
    }
    // Locks the sampler saw that are gone already: the statement committed on its own (no transaction).
    for (const [key, sampled] of this.samples) {
      const { relation, mode } = sampled.sample;
      if (this.held.has(key) || this.own.has(relation.toLowerCase().split('.').pop()!)) continue;
      if (rows.some((r) => r.relation === relation && r.mode === mode)) continue;
      locks.push({ relation, mode, heldMs: Math.max(sampled.last - sampled.first, 0), ...waited(sampled) });
    }
    const filesAfter = await this.tableFiles();
    const rewrote = [...filesAfter]
      .filter(([oid, now]) => this.filesBefore.has(oid) && this.filesBefore.get(oid)!.file !== now.file)
      .map(([, now]) => now.relation);
    const table = statementTable(statement.sql);
    this.statements.push({
      ...tracedStatement(statement, table, durationMs),
      locks: locks.sort((a, b) => a.relation.localeCompare(b.relation) || a.mode.localeCompare(b.mode)),
      rewrote: rewrote.sort(),
    });
  }

  /** Commit or rollback: every lock the transaction held is released now. */
  transactionEnded(): void {
    const now = performance.now();
    for (const { lock, since } of this.held.values()) lock.heldMs = now - since;
    this.held.clear();
  }

  async stop(): Promise<void> {
    await this.stopSampling();
  }

  private async tableFiles(): Promise<Map<string, { relation: string; file: string }>> {
    const rows = await this.driver.query<{ oid: string; relation: string; file: string }>(TABLE_FILES);
    return new Map(rows.map((r) => [r.oid, { relation: r.relation, file: r.file }]));
  }

  private startSampling(): void {
    this.samplingStopped = false;
    const pid = this.pid;
    const loop = async () => {
      while (!this.samplingStopped) {
        const at = performance.now();
        const rows = await this.sampler.query<Sample>(SAMPLED_LOCKS, [pid]).catch(() => [] as Sample[]);
        for (const sample of rows) {
          const key = `${sample.relation}\0${sample.mode}`;
          const seen = this.samples.get(key) ?? { first: at, last: at, sample };
          seen.last = at;
          if (!sample.granted) {
            seen.waitFirst ??= at;
            seen.waitLast = at;
          }
          this.samples.set(key, seen);
        }
        await new Promise((resolve) => setTimeout(resolve, this.every));
      }
    };
    this.sampling = loop();
  }

  private async stopSampling(): Promise<void> {
    this.samplingStopped = true;
    await this.sampling;
    this.sampling = undefined;
  }
}

function waited(sampled: { waitFirst?: number; waitLast?: number } | undefined): { waitedMs?: number } {
  if (sampled?.waitFirst === undefined || sampled.waitLast === undefined) return {};
  return { waitedMs: sampled.waitLast - sampled.waitFirst };
}
