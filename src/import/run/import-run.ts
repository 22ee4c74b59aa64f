/**
 * One import run's state, handed from stage to stage: the sorted importers and their result
 * lines, the target, the status store, the importer now running, the heartbeat once the status
 * is claimed. It also holds what every stage does alike: announce a stage, finish an importer's
 * line, build an importer's context, and report.
 */
import type { BetterSqlite3Database } from '../../targets/sql/sqlite/better-sqlite3-database.js';
import { EventChannel, type EngineEvents } from '../../engine/events.js';
import type { ImportEvents } from '../import-events.js';
import type { ImportStage } from '../import-events.js';
import type { RunImportOptions } from '../run-import-options.js';
import { DEFAULT_STATUS_KEY, DEFAULT_STATUS_TABLE, StatusStore } from '../status.js';
import type { ImportContext, ImportLogger, ImportReport, ImportSources, ImportStatus, Importer, ImporterResult } from '../types.js';
import { openImportTarget, type ImportTarget } from './open-import-target.js';

/** The importer being executed or validated. */
export interface ImporterStep<Sources extends ImportSources = ImportSources> {
  importer: Importer<Sources>;
  /** Its line in the report (the same object as in `run.results`). */
  result: ImporterResult;
  /** 0-based, in run order. */
  index: number;
  /** One context for its execute and its validate. */
  context: ImportContext<Sources>;
  /** `performance.now()` when it started: its line's `durationMs` counts from here. */
  startedAt: number;
}

/** What the run needs of its claim on the status (./run-claim.ts), kept structural so the two modules do not import each other. */
export interface Heartbeat {
  beat(importer: string | null, force: boolean): void;
}

const SILENT: ImportLogger = { debug() {}, info() {}, warn() {}, error() {} };

export class ImportRun<Sources extends ImportSources = ImportSources> {
  readonly startedAt = performance.now();
  readonly events: EventChannel<ImportEvents & EngineEvents>;
  readonly dryRun: boolean;
  readonly logger: ImportLogger;
  readonly signal: AbortSignal;
  /** In run order: by `order`, ties kept as given. */
  readonly importers: Importer<Sources>[];
  /** One line per importer, in the same order. */
  readonly results: ImporterResult[];
  readonly target: ImportTarget;
  readonly status: StatusStore;
  /** A previous run whose process died mid-way: this one starts clean and reports it. */
  interrupted: ImportStatus | null = null;
  /** The backup taken before the owned tables were cleared (null: none); a failure names it. */
  backup: ImportReport['backup'] = null;
  /** Once the run has claimed the status: progress keeps its heartbeat fresh. */
  heartbeat: Heartbeat | undefined;
  current: ImporterStep<Sources> | undefined;
  private readonly sharedData: Map<string, unknown>;
  private readonly finished = new Set<string>();

  /** Opens the target (so `close()` must follow). */
  constructor(readonly options: RunImportOptions<Sources>) {
    this.events = options.events ?? new EventChannel<ImportEvents & EngineEvents>();
    this.dryRun = options.dryRun === true;
    this.logger = options.logger ?? SILENT;
    this.importers = sortImporters(options.importers);
    this.target = openImportTarget(options.db, this.dryRun);
    this.status = new StatusStore(this.target.db, options.statusTable ?? DEFAULT_STATUS_TABLE, options.statusKey ?? DEFAULT_STATUS_KEY);
    this.signal = options.signal ?? new AbortController().signal;
    this.sharedData = options.sharedData ?? new Map<string, unknown>();
    this.results = this.importers.map((i) => ({
      id: i.id,
      name: i.name,
      source: i.source,
      order: i.order,
      status: 'pending',
      prepare: undefined,
      sourceCount: 0,
      targetCount: null,
      skippedCount: null,
      errors: [],
      warnings: [],
      durationMs: 0,
    }));
  }

  get db(): BetterSqlite3Database {
    return this.target.db;
  }

  stage(stage: ImportStage): void {
    this.events.emit('import:stage', { stage, dryRun: this.dryRun });
  }

  /** Announces an importer's final line, once (a failure after its validation does not repeat it). */
  finish(result: ImporterResult): void {
    if (this.finished.has(result.id)) return;
    this.finished.add(result.id);
    this.events.emit('import:done', { result: { ...result } });
  }

  /** Refreshes the status heartbeat (at most every half period unless forced), once the run is claimed. */
  beat(force = false): void {
    this.heartbeat?.beat(this.current?.importer.id ?? null, force);
  }

  /** What `importer`'s prepare, execute and validate get; without one, the run's own (unscoped) context. */
  context(importer: Importer<Sources> | undefined): ImportContext<Sources> {
    return {
      sources: this.options.sources,
      db: this.db,
      sharedData: this.sharedData,
      logger: importer ? scoped(this.logger, importer.id) : this.logger,
      signal: this.signal,
      dryRun: this.dryRun,
      reportProgress: ({ done, total }) => {
        if (!this.current) return;
        this.events.emit('import:progress', { id: this.current.importer.id, name: this.current.importer.name, done, total });
        this.beat();
      },
    };
  }

  report(status: ImportReport['status'], runId: string | null, backup: ImportReport['backup'] = null): ImportReport {
    return {
      status,
      dryRun: this.dryRun,
      runId,
      importers: this.results,
      interrupted: this.interrupted,
      backup,
      durationMs: performance.now() - this.startedAt,
    };
  }

  /** Closes the target if the run opened it. */
  close(): void {
    if (this.target.owned) this.db.close();
  }
}

function sortImporters<T extends Importer<any>>(importers: readonly T[]): T[] {
  return importers
    .map((importer, index) => ({ importer, index }))
    .sort((a, b) => a.importer.order - b.importer.order || a.index - b.index)
    .map((e) => e.importer);
}

function scoped(logger: ImportLogger, id: string): ImportLogger {
  return {
    debug: (m, d) => logger.debug(`[${id}] ${m}`, d),
    info: (m, d) => logger.info(`[${id}] ${m}`, d),
    warn: (m, d) => logger.warn(`[${id}] ${m}`, d),
    error: (m, d) => logger.error(`[${id}] ${m}`, d),
  };
}
