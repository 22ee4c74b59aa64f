/**
 * The migration journal: every engine event as a structured, append-only entry, with per-step
 * and per-run metrics. Runtime-agnostic: where entries go is a JournalSink (memory, Web Storage,
 * a JSON-lines file, the database's `strata_journal` table).
 *
 * It attaches to an EventChannel (`journal.attach(documentMigrator.events)`, runImport's), or
 * to a Migrator as a plugin (journal-plugin.ts), so neither the engine nor the document migrator
 * knows about it. Listeners are synchronous; a sink whose
 * append is synchronous (SQLite, JSONL, memory) has the entry stored before emit() returns, an
 * async one (a server connection) gets entries in order through one queue that flush() awaits.
 */
import type { EventChannel, StrataEventName, StrataEvents } from '../events.js';
import { clock, elapsedSince } from '../model/clock.js';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { filterEntries, levelRank, normalizeQuery, toLevel, type JournalEntry, type JournalLevel, type JournalQuery, type NormalizedQuery } from './entry.js';
import { exportEntries, type JournalExportFormat } from './export.js';

export interface JournalSink {
  /** For messages: `sqlite:app.db (strata_journal)`, `file:/x/journal.jsonl`. */
  readonly description: string;
  /** Stores entries in order. Must ignore an entry whose (runId, seq) it already holds. */
  append(entries: readonly JournalEntry[]): void | Promise<void>;
  /** false: hold entries back for now (e.g. the migration's own transaction is open on the connection). */
  writable?(): boolean;
  query(query: NormalizedQuery): JournalEntry[] | Promise<JournalEntry[]>;
  /**
   * true when a restore of the target also rewinds the journal (it lives in the database):
   * after a `restore` event the journal appends the run's entries again (duplicates are ignored).
   */
  readonly rewindsOnRestore?: boolean;
  close?(): void | Promise<void>;
}

export interface JournalOptions {
  /** The lowest level recorded (default INFO; DEBUG adds lock waits, statements, byte progress). */
  level?: JournalLevel | Lowercase<JournalLevel>;
  /** The target named in entries when an event does not say (default: the sink's description). */
  target?: string;
  /** For tests: the clock. */
  now?: () => Date;
  /** Called when the sink fails to store entries (they are kept and retried at the next write). */
  onError?: (error: unknown) => void;
}

export interface StepMetrics {
  version: string;
  name: string;
  direction: 'up' | 'down';
  status: 'applied' | 'reverted' | 'failed';
  durationMs: number;
  /** Rows a data step reported (journal.countRows, import counts); null when unknown. */
  rows: number | null;
  rowsPerSecond: number | null;
  /** Resident set size sampled when the step ended (null where the runtime cannot tell). */
  rssBytes: number | null;
}

export interface RunMetrics {
  runId: string;
  target: string;
  direction: 'up' | 'down' | null;
  status: 'done' | 'failed';
  startedAt: string;
  durationMs: number;
  steps: StepMetrics[];
  rows: number | null;
  rowsPerSecond: number | null;
  /** The highest rss sampled at step ends and at the run's end. */
  peakRssBytes: number | null;
}

interface RunState {
  runId: string;
  seq: number;
  started: number;
  startedAt: string;
  direction: 'up' | 'down' | null;
  target: string;
  steps: StepMetrics[];
  /** Rows counted per step (countRows), keyed by version. */
  rows: Map<string, number>;
  /** The step running now (or the last one, once stepDone). */
  current: string | undefined;
  stepDone: boolean;
  /** How the run ended: after a failure, backups and the restore that follow still belong to it. */
  endedBy: 'done' | 'failed' | undefined;
  peakRss: number | null;
  /** Everything recorded in this run (re-appended after a restore rewinds the journal). */
  entries: JournalEntry[];
  ended: boolean;
}

/** A channel of any event map: the journal records whichever of its events it knows. */
export type AnyChannel = EventChannel<Partial<StrataEvents>>;

type Describer<K extends StrataEventName> = (payload: StrataEvents[K]) => { level: JournalLevel; message: string; migration?: string | null };

const step = (p: { version: string; name: string }) => `${p.version}_${p.name}`;

/** How each engine event reads in the journal. Events not listed are recorded at INFO with their name. */
const DESCRIBE: { [K in StrataEventName]?: Describer<K> } = {
  'lock:waiting': (p) => ({ level: 'WARN', message: `waiting for the migration lock on ${p.target}` }),
  'lock:acquired': (p) => ({ level: 'DEBUG', message: `lock acquired on ${p.target} after ${p.waitedMs} ms` }),
  plan: (p) => ({
    level: 'INFO',
    message: `plan${p.dryRun ? ' (dry run)' : ''}: ${p.steps.length} step(s) ${p.direction}${p.steps.length ? `: ${p.steps.map(step).join(', ')}` : ''}`,
  }),
  'plan:warnings': (p) => ({
    level: 'WARN',
    message: `${p.warnings.length} warning(s) on the ${p.direction} plan: ${p.warnings.map((w) => `${w.message} (${w.plugin}/${w.rule})`).join('; ')}`,
  }),
  statement: (p) => ({ level: 'DEBUG', message: `${step(p)} statement ${p.index} (line ${p.line})`, migration: p.version }),
  migrating: (p) => ({ level: 'INFO', message: `applying ${step(p)} (${p.index}/${p.total})`, migration: p.version }),
  migrated: (p) => ({ level: 'INFO', message: `applied ${step(p)} in ${p.durationMs} ms`, migration: p.version }),
  reverting: (p) => ({ level: 'INFO', message: `reverting ${step(p)} (${p.index}/${p.total})`, migration: p.version }),
  reverted: (p) => ({ level: 'INFO', message: `reverted ${step(p)} in ${p.durationMs} ms`, migration: p.version }),
  failed: (p) => ({ level: 'ERROR', message: `${step(p)} failed after ${p.durationMs} ms: ${p.error.message}`, migration: p.version }),
  backup: (p) => ({ level: 'INFO', message: `backup ${p.id} of ${p.target} at ${p.location}` }),
  'backup:progress': (p) => ({ level: 'DEBUG', message: `backup ${p.id} ${p.phase}: ${p.bytes}/${p.totalBytes || '?'} bytes` }),
  restore: (p) => ({ level: 'WARN', message: `${p.automatic ? 'automatically restored' : 'restored'} backup ${p.id} into ${p.target}` }),
  done: (p) => ({ level: 'INFO', message: `run ${p.direction} done: ${p.results.length} step(s) in ${p.durationMs} ms` }),
  'ledger:upgraded': (p) => ({ level: 'INFO', message: `ledger of ${p.target} upgraded from layout ${p.from} to ${p.to}` }),
  baseline: (p) => ({
    level: 'INFO',
    message: `baseline${p.dryRun ? ' (dry run)' : ''} at ${p.version}: ${p.steps.length} step(s) recorded as applied without running${p.steps.length ? `: ${p.steps.map(step).join(', ')}` : ''}`,
  }),
  'import:stage': (p) => ({ level: 'INFO', message: `import ${p.stage}${p.dryRun ? ' (dry run)' : ''}` }),
  'import:interrupted': () => ({ level: 'WARN', message: 'a previous import was interrupted; this one starts clean' }),
  'import:prepared': (p) => ({ level: 'INFO', message: `import prepared: ${p.importers.length} importer(s)` }),
  'import:start': (p) => ({ level: 'INFO', message: `importing ${p.name} (${p.index}/${p.total}, ${p.sourceCount} source rows)` }),
  'import:progress': (p) => ({ level: 'DEBUG', message: `${p.name}: ${p.done}/${p.total}` }),
  'import:validated': (p) => ({
    level: p.errors.length ? 'WARN' : 'INFO',
    message: `${p.name} validated: ${p.targetCount}/${p.sourceCount} rows${p.errors.length ? `, ${p.errors.length} error(s)` : ''}`,
  }),
  'import:done': (p) => ({
    level: p.result.status === 'failed' ? 'ERROR' : 'INFO',
    message: `${p.result.name} ${p.result.status} in ${p.result.durationMs} ms`,
  }),
  'import:completed': () => ({ level: 'INFO', message: 'import completed' }),
  'import:failed': (p) => ({ level: 'ERROR', message: `import ${p.cancelled ? 'cancelled' : 'failed'}: ${p.error.message}` }),
  'backfill:start': (p) => ({
    level: 'INFO',
    message: `backfill ${p.name} of ${p.table} ${p.resumed ? `resumed at ${p.done}` : 'started'} (${p.done}/${p.total || '?'})`,
  }),
  'backfill:progress': (p) => ({ level: 'DEBUG', message: `backfill ${p.name}: ${p.done}/${p.total || '?'} rows, ${p.rowsPerSecond} rows/s` }),
  'backfill:done': (p) => ({ level: 'INFO', message: `backfill ${p.name} done: ${p.done} rows in ${p.durationMs} ms (${p.rowsPerSecond} rows/s)` }),
  'backfill:cancelled': (p) => ({ level: 'WARN', message: `backfill ${p.name} cancelled at ${p.done}/${p.total || '?'}` }),
  'backfill:failed': (p) => ({ level: 'ERROR', message: `backfill ${p.name} failed at ${p.done} rows: ${p.error.message}` }),
};

/** Backfill events that end a backfill: inside a step they add rows to it, on their own they end the run. */
const BACKFILL_ENDS = new Set<string>(['backfill:done', 'backfill:cancelled', 'backfill:failed']);

/** The events a journal listens to (`statement` only while the level is DEBUG: the engine builds it only for listeners). */
export const JOURNALED_EVENTS = Object.keys(DESCRIBE) as StrataEventName[];

export class Journal {
  readonly sink: JournalSink;
  private level: JournalLevel;
  private readonly options: JournalOptions;
  private pending: JournalEntry[] = [];
  private queue: Promise<void> = Promise.resolve();
  private busy = false;
  private run: RunState | undefined;
  private lastRun: RunState | undefined;
  private readonly statementListeners = new Map<AnyChannel, (() => void) | undefined>();
  private readonly attachments = new Set<() => void>();
  /** Errors the sink reported (entries are kept and retried). */
  readonly errors: unknown[] = [];

  constructor(sink: JournalSink, options: JournalOptions = {}) {
    this.sink = sink;
    this.options = options;
    this.level = toLevel(options.level ?? 'INFO');
  }

  getLevel(): JournalLevel {
    return this.level;
  }

  /** The lowest level recorded from now on. */
  setLevel(level: JournalLevel | Lowercase<JournalLevel>): void {
    this.level = toLevel(level);
    for (const events of this.statementListeners.keys()) this.syncStatementListener(events);
  }

  /** Records a migrator's events (`migrator.events`, a BackupManager's, runImport's). Returns detach. */
  attach(events: AnyChannel | { events: AnyChannel }, options: { target?: string } = {}): () => void {
    // A migrator has on() too (it forwards to its channel).
    const channel = typeof (events as AnyChannel).on === 'function' ? (events as AnyChannel) : (events as { events: AnyChannel }).events;
    const offs: (() => void)[] = [];
    for (const name of JOURNALED_EVENTS) {
      if (name === 'statement') continue;
      offs.push(channel.on(name, (payload) => this.onEvent(name, payload as StrataEvents[typeof name], options.target)));
    }
    this.statementListeners.set(channel, undefined);
    this.syncStatementListener(channel, options.target);
    const detach = () => {
      for (const off of offs) off();
      this.statementListeners.get(channel)?.();
      this.statementListeners.delete(channel);
      this.attachments.delete(detach);
    };
    this.attachments.add(detach);
    return detach;
  }

  /**
   * Records one event of any channel, as attach() would: what a Migrator plugin hears (every
   * event, so the journal keeps those it knows, and statements only at DEBUG).
   */
  observe(event: string, payload: unknown, options: { target?: string } = {}): void {
    if (!Object.hasOwn(DESCRIBE, event) || (event === 'statement' && this.level !== 'DEBUG')) return;
    this.onEvent(event as StrataEventName, payload as never, options.target);
  }

  private syncStatementListener(channel: AnyChannel, target?: string): void {
    const current = this.statementListeners.get(channel);
    if (this.level === 'DEBUG' && !current) {
      this.statementListeners.set(
        channel,
        channel.on('statement', (payload) => this.onEvent('statement', payload!, target)),
      );
    } else if (this.level !== 'DEBUG' && current) {
      current();
      this.statementListeners.set(channel, undefined);
    }
  }

  /** An entry of the app's own (what the seed's MigrationLogger.log does), in the current run if one is going. */
  log(
    level: JournalLevel | Lowercase<JournalLevel>,
    event: string,
    message: string,
    data: Record<string, unknown> = {},
    migration: string | null = null,
  ): JournalEntry | null {
    const run = this.run && !this.run.ended ? this.run : this.startRun(this.options.target ?? this.sink.description);
    const entry = this.record(run, toLevel(level), event, message, data, migration);
    if (run !== this.run) this.endRun(run);
    return entry;
  }

  /** A data step tells the journal how many rows it changed (for rows/s); adds to the running step. */
  countRows(rows: number, migration?: string): void {
    const run = this.run;
    if (!run || run.ended) return;
    const version = migration ?? run.current;
    if (version === undefined) return;
    run.rows.set(version, (run.rows.get(version) ?? 0) + rows);
  }

  /** Waits until every entry recorded so far is stored (a failing sink is tried a few times, then left). */
  async flush(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      this.pump();
      while (this.busy) await this.queue;
      if (!this.pending.length || this.sink.writable?.() === false) return;
    }
  }

  async queryLogs(query: JournalQuery = {}): Promise<JournalEntry[]> {
    const normalized = normalizeQuery(query);
    await this.flush();
    const stored = await this.sink.query(normalized);
    // Entries held back (a transaction open on the connection) are part of the journal too.
    return this.pending.length ? filterEntries([...stored, ...this.pending], normalized) : stored;
  }

  async exportLogs(format: JournalExportFormat = 'json', query: JournalQuery = {}): Promise<string> {
    return exportEntries(await this.queryLogs(query), format);
  }

  /** The metrics of the last finished run (from memory, else from the stored `run:metrics` entries). */
  async lastRunMetrics(): Promise<RunMetrics | null> {
    const [entry] = await this.queryLogs({ event: 'run:metrics', limit: 1 });
    return entry ? (entry.data as unknown as RunMetrics) : null;
  }

  async close(): Promise<void> {
    for (const detach of [...this.attachments]) detach();
    await this.flush().catch((error: unknown) => this.reportError(error));
    await this.sink.close?.();
  }

  // ---- recording -------------------------------------------------------------------------

  private onEvent<K extends StrataEventName>(name: K, payload: StrataEvents[K], target: string | undefined): void {
    try {
      this.handle(name, payload, target);
    } catch (error) {
      // The journal never breaks a migration.
      this.reportError(error);
    }
  }

  private handle<K extends StrataEventName>(name: K, payload: StrataEvents[K], attachedTarget: string | undefined): void {
    const describe = DESCRIBE[name] as Describer<K> | undefined;
    const described = describe ? describe(payload) : { level: 'INFO' as JournalLevel, message: name };
    // A run with nothing to do (no lock, no plan, no step) is DEBUG noise, and writes nothing at INFO.
    if (name === 'done' && (!this.run || this.run.ended) && (payload as StrataEvents['done']).results.length === 0) described.level = 'DEBUG';
    const eventTarget = typeof (payload as { target?: unknown }).target === 'string' ? (payload as { target: string }).target : undefined;
    const target = attachedTarget ?? eventTarget ?? this.options.target ?? this.sink.description;
    // 'restore' after a failure belongs to the failed run; anything else after a run ended starts a new one.
    let run = this.run;
    const aftermath = run?.endedBy === 'failed' && (name === 'backup' || name === 'backup:progress' || name === 'restore');
    if (!run || (run.ended && !aftermath)) run = this.startRun(target);
    if (name === 'plan') run.direction = (payload as StrataEvents['plan']).direction;
    if (name === 'migrating' || name === 'reverting') run.current = (payload as StrataEvents['migrating']).version;
    const stepEnded = name === 'migrated' || name === 'reverted' || name === 'failed';

    const data = toData(payload);
    if (name === 'migrated' || name === 'reverted' || name === 'failed') {
      const p = payload as StrataEvents['failed'];
      const metrics = this.stepMetrics(run, p, name === 'failed' ? 'failed' : name === 'migrated' ? 'applied' : 'reverted');
      data.metrics = metrics;
    }
    if (name === 'import:done') {
      const result = (payload as StrataEvents['import:done']).result;
      const rows = result.targetCount;
      data.metrics = { durationMs: result.durationMs, rows, rowsPerSecond: rate(rows, result.durationMs), rssBytes: rss() };
      run.steps.push({
        version: result.id,
        name: result.name,
        direction: 'up',
        status: result.status === 'failed' ? 'failed' : 'applied',
        durationMs: result.durationMs,
        rows,
        rowsPerSecond: rate(rows, result.durationMs),
        rssBytes: rss(),
      });
    }
    let standaloneBackfill = false;
    if (BACKFILL_ENDS.has(name)) {
      const p = payload as StrataEvents['backfill:cancelled'] & { durationMs?: number };
      if (run.current !== undefined && !run.stepDone) run.rows.set(run.current, (run.rows.get(run.current) ?? 0) + p.done);
      else {
        standaloneBackfill = true;
        const durationMs = p.durationMs ?? elapsedSince(run.started);
        run.steps.push({
          version: p.name,
          name: p.table,
          direction: 'up',
          status: name === 'backfill:failed' ? 'failed' : 'applied',
          durationMs,
          rows: p.done,
          rowsPerSecond: (p as { rowsPerSecond?: number }).rowsPerSecond ?? rate(p.done, durationMs),
          rssBytes: rss(),
        });
      }
    }
    this.record(run, described.level, name, described.message, data, described.migration ?? null);
    if (name === 'migrating' || name === 'reverting') run.stepDone = false;
    if (stepEnded) run.stepDone = true;
    if (standaloneBackfill) {
      this.finishRun(run, name === 'backfill:done' ? 'done' : 'failed', elapsedSince(run.started));
      run.endedBy = name === 'backfill:done' ? 'done' : 'failed';
    }

    if (name === 'restore' && this.sink.rewindsOnRestore) {
      // The restore put back a copy taken before this run: the run's entries went with it.
      this.pending = mergeByKey(run.entries, this.pending);
      this.pump();
    }
    if (name === 'done' || name === 'failed' || name === 'import:completed' || name === 'import:failed') {
      const durationMs = name === 'done' ? (payload as StrataEvents['done']).durationMs : elapsedSince(run.started);
      this.finishRun(run, name === 'done' || name === 'import:completed' ? 'done' : 'failed', durationMs);
      run.endedBy = name === 'done' || name === 'import:completed' ? 'done' : 'failed';
    }
  }

  private stepMetrics(run: RunState, p: StrataEvents['failed'], status: StepMetrics['status']): StepMetrics {
    const rows = run.rows.get(p.version) ?? null;
    const sampled = rss();
    if (sampled !== null) run.peakRss = Math.max(run.peakRss ?? 0, sampled);
    const metrics: StepMetrics = {
      version: p.version,
      name: p.name,
      direction: p.direction,
      status,
      durationMs: p.durationMs,
      rows,
      rowsPerSecond: rate(rows, p.durationMs),
      rssBytes: sampled,
    };
    run.steps.push(metrics);
    return metrics;
  }

  private finishRun(run: RunState, status: RunMetrics['status'], durationMs: number): void {
    // A run with nothing to do and nothing recorded leaves no metrics either.
    if (run.entries.length === 0 && run.steps.length === 0) return this.endRun(run);
    const sampled = rss();
    if (sampled !== null) run.peakRss = Math.max(run.peakRss ?? 0, sampled);
    const counted = run.steps.filter((s) => s.rows !== null);
    const rows = counted.length ? counted.reduce((n, s) => n + s.rows!, 0) : null;
    const metrics: RunMetrics = {
      runId: run.runId,
      target: run.target,
      direction: run.direction,
      status,
      startedAt: run.startedAt,
      durationMs,
      steps: run.steps,
      rows,
      rowsPerSecond:
        rows === null
          ? null
          : rate(
              rows,
              counted.reduce((n, s) => n + s.durationMs, 0),
            ),
      peakRssBytes: run.peakRss,
    };
    const failedSteps = run.steps.filter((s) => s.status === 'failed').length;
    this.record(
      run,
      status === 'failed' ? 'ERROR' : 'INFO',
      'run:metrics',
      `run ${status}: ${run.steps.length - failedSteps} step(s) ok${failedSteps ? `, ${failedSteps} failed` : ''} in ${durationMs} ms${run.peakRss !== null ? `, peak rss ${Math.round(run.peakRss / 1048576)} MiB` : ''}`,
      metrics as unknown as Record<string, unknown>,
      null,
    );
    this.endRun(run);
  }

  private startRun(target: string): RunState {
    const time = this.now();
    this.run = {
      runId: newRunId(time),
      seq: 0,
      started: clock(),
      startedAt: time.toISOString(),
      direction: null,
      target,
      steps: [],
      rows: new Map(),
      current: undefined,
      stepDone: true,
      endedBy: undefined,
      peakRss: null,
      entries: [],
      ended: false,
    };
    return this.run;
  }

  private endRun(run: RunState): void {
    run.ended = true;
    this.lastRun = run;
  }

  private record(
    run: RunState,
    level: JournalLevel,
    event: string,
    message: string,
    data: Record<string, unknown>,
    migration: string | null,
  ): JournalEntry | null {
    run.seq++;
    // The sequence counts every event, recorded or not, so entries of one run keep their order.
    if (levelRank(level) < levelRank(this.level)) return null;
    const entry: JournalEntry = { runId: run.runId, seq: run.seq, time: this.now().toISOString(), level, target: run.target, migration, event, message, data };
    run.entries.push(entry);
    this.pending.push(entry);
    this.pump();
    return entry;
  }

  /**
   * Hands pending entries to the sink: a synchronous sink stores them before this returns; an
   * async one gets one batch at a time, the next when the previous is stored (order kept).
   */
  private pump(): void {
    if (this.busy || !this.pending.length || this.sink.writable?.() === false) return;
    const batch = this.pending;
    this.pending = [];
    let result: void | Promise<void>;
    try {
      result = this.sink.append(batch);
    } catch (error) {
      this.pending = mergeByKey(batch, this.pending);
      this.reportError(error);
      return;
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      this.busy = true;
      this.queue = (result as Promise<void>).then(
        () => {
          this.busy = false;
          this.pump();
        },
        (error: unknown) => {
          this.busy = false;
          this.pending = mergeByKey(batch, this.pending);
          this.reportError(error);
        },
      );
    }
  }

  private reportError(error: unknown): void {
    this.errors.push(error);
    this.options.onError?.(error);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

/** `a` then the entries of `b` not in `a`, by (runId, seq), in order. */
function mergeByKey(a: readonly JournalEntry[], b: readonly JournalEntry[]): JournalEntry[] {
  const seen = new Set(a.map((e) => `${e.runId}#${e.seq}`));
  return [...a, ...b.filter((e) => !seen.has(`${e.runId}#${e.seq}`))];
}

/** Payloads as plain JSON data: errors as their toJSON (code, message, hint, details). */
function toData(payload: unknown): Record<string, unknown> {
  const text = JSON.stringify(payload, (_key, value: unknown) => {
    if (value instanceof StrataError) return value.toJSON();
    if (value instanceof Error) return { name: value.name, message: value.message };
    if (typeof value === 'bigint') return value.toString();
    return value;
  });
  const data: unknown = text === undefined ? {} : JSON.parse(text);
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : { value: data };
}

function rate(rows: number | null, durationMs: number): number | null {
  if (rows === null || !(durationMs > 0)) return null;
  return Math.round((rows / durationMs) * 1000 * 10) / 10;
}

/** process.memoryUsage().rss where there is a process (Node, Electron); null in a browser. */
function rss(): number | null {
  const proc = (globalThis as { process?: { memoryUsage?: { rss?: () => number } & (() => { rss: number }) } }).process;
  try {
    const usage = proc?.memoryUsage;
    if (!usage) return null;
    return typeof usage.rss === 'function' ? usage.rss() : usage().rss;
  } catch {
    return null;
  }
}

let runCounter = 0;

/** Sortable by start time, unique within and across processes. */
function newRunId(time: Date): string {
  const random = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto?.randomUUID?.().slice(0, 8) ?? Math.random().toString(16).slice(2, 10);
  runCounter = (runCounter + 1) % 1296;
  return `${time.toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 18)}-${runCounter.toString(36).padStart(2, '0')}${random}`;
}

/** A USAGE error for a journal that cannot be used as asked. */
export function journalUsage(message: string, hint: string): StrataError {
  return new StrataError(ErrorCode.USAGE, message, { hint });
}

export { messageOf };
