/**
 * The import run: prepare every importer, back the target up, mark the status running, clear the
 * tables the importers own, run them in order (each one validated before the next starts), and
 * mark the status completed. Any failure, a cancel or a count that does not add up clears the
 * owned tables again and records why, so a retry always starts from a clean target.
 */
import Database from 'better-sqlite3';
import type { BetterSqlite3Database } from '../targets/sql/sqlite/better-sqlite3-database.js';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { backupManagerFor, type BackupSettings } from '../backup/backup-settings.js';
import { SqliteBackupProvider } from '../backup/providers/sqlite-provider.js';
import { EventChannel } from '../engine/events.js';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import type { ImportStage } from './import-events.js';
import { DEFAULT_STALE_AFTER_MS, DEFAULT_STATUS_KEY, DEFAULT_STATUS_TABLE, HEARTBEAT_MS, StatusStore, isLive, quoteIdentifier } from './status.js';
import { importCancelled } from './table-importer.js';
import type { ImportContext, ImportLogger, ImportReport, ImportSources, ImportStatus, Importer, ImporterResult, PrepareResult } from './types.js';

export interface RunImportOptions<Sources extends ImportSources = ImportSources> {
  /** The target: a SQLite path (opened with WAL, foreign keys on) or an open better-sqlite3 Database (left open). */
  db: string | BetterSqlite3Database;
  importers: readonly Importer<Sources>[];
  sources: Sources;
  /** Key-value table holding the status (default `app_state`, created if missing). */
  statusTable?: string;
  /** Its key (default `migration_v2_status`). */
  statusKey?: string;
  /** More tables to clear before the run and after a failure, beyond each importer's `tables`. */
  ownedTables?: readonly string[];
  signal?: AbortSignal;
  /** Run every prepare and report the counts; write nothing (no status, no clearing, no backup). */
  dryRun?: boolean;
  /** An import that already completed is not run again unless this is set. */
  rerun?: boolean;
  /**
   * Foreign keys during the bulk load: 'defer' (default) switches enforcement off while an
   * importer runs, then `PRAGMA foreign_key_check` on its tables (violations fail the run);
   * 'enforce' leaves them on (an insert that violates one fails at once).
   */
  foreignKeys?: 'defer' | 'enforce';
  /** A verified backup of a non-empty target before the run (default on for database files); false turns it off. */
  backup?: false | BackupSettings;
  events?: EventChannel;
  logger?: ImportLogger;
  /** Shared between importers; give one to pre-seed it. */
  sharedData?: Map<string, unknown>;
  /** A running status with no heartbeat for this long is taken as dead (default 60 s). */
  staleAfterMs?: number;
}

/** Runs of this process, by run id: a status naming our own pid is live only if it is one of these. */
const activeRuns = new Set<string>();

const SILENT: ImportLogger = { debug() {}, info() {}, warn() {}, error() {} };

export async function runImport<Sources extends ImportSources = ImportSources>(options: RunImportOptions<Sources>): Promise<ImportReport> {
  const started = performance.now();
  const events = options.events ?? new EventChannel();
  const dryRun = options.dryRun === true;
  const logger = options.logger ?? SILENT;
  const importers = sortImporters(options.importers);
  const { db, owned: ownsConnection, path } = openTarget(options.db, dryRun);
  const status = new StatusStore(db, options.statusTable ?? DEFAULT_STATUS_TABLE, options.statusKey ?? DEFAULT_STATUS_KEY);
  const signal = options.signal ?? new AbortController().signal;
  const sharedData = options.sharedData ?? new Map<string, unknown>();
  const results: ImporterResult[] = importers.map((i) => ({
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
  const stage = (s: ImportStage) => events.emit('import:stage', { stage: s, dryRun });
  let current: { importer: Importer<Sources>; result: ImporterResult; index: number } | undefined;
  let lastBeat = 0;
  let runId: string | null = null;
  let running: Extract<ImportStatus, { state: 'running' }> | undefined;
  const finished = new Set<string>();
  const done = (result: ImporterResult) => {
    finished.add(result.id);
    events.emit('import:done', { result: { ...result } });
  };

  const beat = (force = false) => {
    if (!running || db.inTransaction) return;
    const now = Date.now();
    if (!force && now - lastBeat < HEARTBEAT_MS / 2) return;
    lastBeat = now;
    running = { ...running, importer: current?.importer.id ?? null, heartbeatAt: new Date(now).toISOString() };
    status.write(running);
  };
  const context = (importer: Importer<Sources> | undefined): ImportContext<Sources> => ({
    sources: options.sources,
    db,
    sharedData,
    logger: importer ? scoped(logger, importer.id) : logger,
    signal,
    dryRun,
    reportProgress({ done, total }) {
      if (!current) return;
      events.emit('import:progress', { id: current.importer.id, name: current.importer.name, done, total });
      beat();
    },
  });

  try {
    checkImporters(importers);
    // ---- what the last run left -------------------------------------------------------------
    const previous = status.read();
    let interrupted: ImportStatus | null = null;
    if (previous.state === 'running') {
      if (isLive(previous, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS, activeRuns)) {
        throw new StrataError(ErrorCode.IMPORT_IN_PROGRESS, `an import into ${path} is already running (pid ${previous.pid} on ${previous.host}, importer ${previous.importer ?? '-'}, started ${previous.startedAt})`, {
          hint: 'wait for it to finish; if that process is hung, stop it and run the import again',
          details: { status: previous },
        });
      }
      interrupted = previous;
      logger.warn(`the previous import (started ${previous.startedAt}, pid ${previous.pid}) was interrupted during ${previous.importer ?? 'start-up'}; starting over from a clean target`);
      events.emit('import:interrupted', { previous });
    } else if (previous.state === 'completed' && !options.rerun && !dryRun) {
      return { status: 'already-completed', dryRun, runId: previous.runId, importers: results, interrupted: null, backup: null, durationMs: performance.now() - started };
    }

    // ---- prepare: every importer, before anything is touched ---------------------------------
    stage('preparing');
    const notReady: string[] = [];
    for (const [k, importer] of importers.entries()) {
      const result = results[k]!;
      let prepared: PrepareResult;
      try {
        prepared = await importer.prepare(context(importer));
      } catch (error) {
        prepared = { sourceCount: 0, canRun: false, reason: describe(error) };
        result.errors.push(describe(error));
      }
      result.prepare = prepared;
      result.source = importer.source ?? result.source;
      result.sourceCount = prepared.sourceCount;
      result.warnings.push(...(prepared.warnings ?? []));
      if (prepared.canRun === false) notReady.push(`${importer.id}: ${prepared.reason ?? 'cannot run'}`);
      if (dryRun) result.status = 'dry-run';
    }
    events.emit('import:prepared', { importers: importers.map((i, k) => ({ id: i.id, name: i.name, order: i.order, prepare: results[k]!.prepare! })), dryRun });
    if (dryRun) {
      stage('completed');
      return { status: 'dry-run', dryRun, runId: null, importers: results, interrupted, backup: null, durationMs: performance.now() - started };
    }
    if (notReady.length) {
      throw new StrataError(ErrorCode.IMPORT_NOT_READY, `the import cannot start: ${notReady.join('; ')}`, {
        hint: 'nothing was changed; fix the sources named above and run the import again',
        details: { notReady },
      });
    }

    // ---- claim the run (atomically: two processes cannot both start) --------------------------
    runId = randomUUID();
    const startedAt = new Date().toISOString();
    running = { state: 'running', runId, importer: null, pid: process.pid, host: hostname(), startedAt, heartbeatAt: startedAt };
    status.ensure();
    db.transaction(() => {
      const now = status.read();
      if (now.state === 'running' && now.runId !== (interrupted as { runId?: string } | null)?.runId) {
        throw new StrataError(ErrorCode.IMPORT_IN_PROGRESS, `another import into ${path} started at the same time (pid ${now.pid})`, { hint: 'let that one finish' });
      }
      status.write(running!);
    }).immediate();
    activeRuns.add(runId);
    const timer = setInterval(() => beat(true), HEARTBEAT_MS);
    timer.unref();

    try {
      // ---- backup of what is there ------------------------------------------------------------
      let backup: ImportReport['backup'] = null;
      if (options.backup !== false && path !== ':memory:') {
        stage('backing-up');
        const manager = backupManagerFor(new SqliteBackupProvider(path), options.backup || {}, events);
        if (!(await manager.provider.isEmpty())) {
          try {
            const { backup: entry } = await manager.create({ description: `before import${interrupted ? ' (after an interrupted run)' : ''}` });
            backup = { id: entry.id, location: `${manager.dir}/${entry.file}` };
          } catch (error) {
            throw new StrataError(ErrorCode.BACKUP_FAILED, `the backup before the import failed: ${messageOf(error)}`, {
              hint: 'nothing was imported; fix the cause, or run without a backup (backup: false / --no-backup)',
              cause: error,
            });
          }
        }
      }

      // ---- clear, then each importer in order -----------------------------------------------
      stage('clearing');
      const owned = ownedTables(importers, options.ownedTables);
      clearTables(db, owned);
      stage('importing');
      const deferKeys = options.foreignKeys !== 'enforce';
      for (const [k, importer] of importers.entries()) {
        if (signal.aborted) throw importCancelled(`before ${importer.id}`);
        const result = results[k]!;
        current = { importer, result, index: k };
        beat(true);
        const t0 = performance.now();
        events.emit('import:start', { id: importer.id, name: importer.name, index: k + 1, total: importers.length, sourceCount: result.sourceCount });
        const ctx = context(importer);
        const fkWasOn = db.pragma('foreign_keys', { simple: true }) === 1;
        if (deferKeys && fkWasOn) db.pragma('foreign_keys = OFF');
        try {
          await importer.execute(ctx);
        } catch (error) {
          result.durationMs = performance.now() - t0;
          throw error;
        } finally {
          if (db.inTransaction) db.exec('ROLLBACK');
          if (deferKeys && fkWasOn) db.pragma('foreign_keys = ON');
        }
        if (signal.aborted) throw importCancelled(`after ${importer.id}`);
        stage('validating');
        const validated = await importer.validate(ctx);
        const errors = [...validated.errors];
        if (validated.targetCount < validated.sourceCount - validated.skippedCount) {
          errors.unshift(`${validated.targetCount} rows in the target, expected at least ${validated.sourceCount - validated.skippedCount} (source ${validated.sourceCount} - skipped ${validated.skippedCount})`);
        }
        errors.push(...foreignKeyViolations(db, importer.tables ?? []));
        Object.assign(result, { sourceCount: validated.sourceCount, targetCount: validated.targetCount, skippedCount: validated.skippedCount, errors, durationMs: performance.now() - t0 });
        events.emit('import:validated', { id: importer.id, name: importer.name, sourceCount: validated.sourceCount, targetCount: validated.targetCount, skippedCount: validated.skippedCount, errors });
        if (errors.length) {
          result.status = 'failed';
          done(result);
          throw new StrataError(ErrorCode.IMPORT_VALIDATION_FAILED, `importer "${importer.id}" did not validate: ${errors.join('; ')}`, {
            hint: 'the target tables were cleared and the status records the failure; fix the importer or the data and run the import again',
            details: { importer: importer.id, errors },
          });
        }
        result.status = 'imported';
        done(result);
        stage('importing');
      }
      current = undefined;

      const completed: ImportStatus = {
        state: 'completed',
        runId,
        startedAt,
        completedAt: new Date().toISOString(),
        importers: results.map((r) => ({ id: r.id, sourceCount: r.sourceCount, targetCount: r.targetCount ?? 0, skippedCount: r.skippedCount ?? 0 })),
      };
      running = undefined;
      status.write(completed);
      const report: ImportReport = { status: 'completed', dryRun, runId, importers: results, interrupted, backup, durationMs: performance.now() - started };
      stage('completed');
      events.emit('import:completed', { report });
      return report;
    } catch (error) {
      // Leave the target clean, whatever happened, and say why in the status.
      running = undefined;
      const failure = asStrataError(error, current?.importer.id);
      const cancelled = failure.code === ErrorCode.IMPORT_CANCELLED || signal.aborted;
      if (current && current.result.status === 'pending') current.result.status = cancelled ? 'cancelled' : 'failed';
      if (current && !current.result.errors.length && !cancelled) current.result.errors.push(failure.message);
      if (current && !finished.has(current.result.id)) done(current.result);
      for (const r of results) if (r.status === 'pending') r.status = 'not-run';
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
        clearTables(db, ownedTables(importers, options.ownedTables));
      } catch (clearError) {
        logger.error(`clearing the target after the failure failed: ${messageOf(clearError)}`);
      }
      const at = new Date().toISOString();
      status.write(
        cancelled
          ? { state: 'cancelled', runId, startedAt, cancelledAt: at, importer: current?.importer.id ?? null }
          : { state: 'failed', runId, startedAt, failedAt: at, importer: current?.importer.id ?? null, code: failure.code, message: failure.message },
      );
      const final = cancelled && failure.code !== ErrorCode.IMPORT_CANCELLED ? importCancelled(current?.importer.id) : failure;
      Object.assign(final.details, { importers: results, runId });
      stage(cancelled ? 'cancelled' : 'failed');
      events.emit('import:failed', { error: final, cancelled, importers: results });
      throw final;
    } finally {
      clearInterval(timer);
      activeRuns.delete(runId);
    }
  } finally {
    if (ownsConnection) db.close();
  }
}

/**
 * The status of the import into `db` without running anything (for an app's start-up: whether
 * to open its migration window, and whether a previous run was killed mid-way).
 */
export function importStatus(options: { db: string | BetterSqlite3Database; statusTable?: string; statusKey?: string; staleAfterMs?: number }): { status: ImportStatus; interrupted: boolean; live: boolean } {
  const path = typeof options.db === 'string' ? resolve(options.db.replace(/^sqlite:(\/\/)?/, '')) : undefined;
  if (path !== undefined && !existsSync(path)) return { status: { state: 'not-started' }, interrupted: false, live: false };
  const db = typeof options.db === 'string' ? new Database(path!, { readonly: true, fileMustExist: true }) : options.db;
  try {
    const status = new StatusStore(db, options.statusTable ?? DEFAULT_STATUS_TABLE, options.statusKey ?? DEFAULT_STATUS_KEY).read();
    const live = status.state === 'running' && isLive(status, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS, activeRuns);
    return { status, interrupted: status.state === 'running' && !live, live };
  } finally {
    if (typeof options.db === 'string') db.close();
  }
}

function sortImporters<T extends Importer<any>>(importers: readonly T[]): T[] {
  return importers
    .map((importer, index) => ({ importer, index }))
    .sort((a, b) => a.importer.order - b.importer.order || a.index - b.index)
    .map((e) => e.importer);
}

function checkImporters(importers: readonly Importer<any>[]): void {
  const seen = new Set<string>();
  for (const importer of importers) {
    for (const method of ['prepare', 'execute', 'validate'] as const) {
      if (typeof importer[method] !== 'function') {
        throw new StrataError(ErrorCode.CONFIG_INVALID, `importer "${importer.id}" has no ${method}()`, { hint: 'an importer needs id, name, order, prepare, execute and validate (tableImporter() makes one)' });
      }
    }
    if (seen.has(importer.id)) throw new StrataError(ErrorCode.CONFIG_INVALID, `two importers have the id "${importer.id}"`, { hint: 'give each importer its own id' });
    seen.add(importer.id);
  }
}

function openTarget(target: string | BetterSqlite3Database, dryRun: boolean): { db: BetterSqlite3Database; owned: boolean; path: string } {
  if (typeof target !== 'string') return { db: target, owned: false, path: target.memory ? ':memory:' : resolve(target.name) };
  const path = target === ':memory:' ? target : resolve(target.replace(/^sqlite:(\/\/)?/, ''));
  try {
    if (dryRun) {
      // Nothing touched: an existing file is opened read-only, a missing one is not created.
      if (path === ':memory:' || !existsSync(path)) return { db: new Database(':memory:'), owned: true, path };
      return { db: new Database(path, { readonly: true, fileMustExist: true }), owned: true, path };
    }
    const db = new Database(path, { timeout: 5000 });
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    return { db, owned: true, path };
  } catch (error) {
    throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot open ${path}: ${messageOf(error)}`, { hint: 'check the target path and that its folder exists', cause: error });
  }
}

function ownedTables(importers: readonly Importer<any>[], extra: readonly string[] | undefined): string[] {
  return [...new Set([...importers.flatMap((i) => i.tables ?? []), ...(extra ?? [])])];
}

/** Empties the owned tables (and their AUTOINCREMENT counters) in one transaction, foreign keys off. */
function clearTables(db: BetterSqlite3Database, tables: readonly string[]): void {
  if (tables.length === 0) return;
  const fkWasOn = db.pragma('foreign_keys', { simple: true }) === 1;
  if (fkWasOn) db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      const hasSequence = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'").pluck().get() === 1;
      for (const table of tables) {
        try {
          db.exec(`DELETE FROM ${quoteIdentifier(table)}`);
        } catch (error) {
          throw new StrataError(ErrorCode.IMPORT_FAILED, `cannot clear the target table ${table}: ${messageOf(error)}`, {
            hint: 'the tables the importers write must exist before the import (apply the schema migrations first)',
            cause: error,
            details: { table },
          });
        }
        if (hasSequence) db.prepare('DELETE FROM sqlite_sequence WHERE name = ?').run(table);
      }
    }).immediate();
  } finally {
    if (fkWasOn) db.pragma('foreign_keys = ON');
  }
}

/** `PRAGMA foreign_key_check` on the importer's tables, as validation errors. */
function foreignKeyViolations(db: BetterSqlite3Database, tables: readonly string[]): string[] {
  const errors: string[] = [];
  for (const table of tables) {
    const rows = db.prepare(`PRAGMA foreign_key_check(${quoteIdentifier(table)})`).all() as { table: string; rowid: number | null; parent: string; fkid: number }[];
    if (rows.length === 0) continue;
    const byParent = new Map<string, number[]>();
    for (const row of rows) {
      const list = byParent.get(row.parent) ?? [];
      list.push(row.rowid ?? -1);
      byParent.set(row.parent, list);
    }
    for (const [parent, rowids] of byParent) {
      errors.push(`foreign key violation: ${rowids.length} row(s) of ${table} reference missing rows of ${parent} (rowid ${rowids.slice(0, 5).join(', ')}${rowids.length > 5 ? ', ...' : ''})`);
    }
  }
  return errors;
}

function scoped(logger: ImportLogger, id: string): ImportLogger {
  return {
    debug: (m, d) => logger.debug(`[${id}] ${m}`, d),
    info: (m, d) => logger.info(`[${id}] ${m}`, d),
    warn: (m, d) => logger.warn(`[${id}] ${m}`, d),
    error: (m, d) => logger.error(`[${id}] ${m}`, d),
  };
}

/**
 * Errors from importers (which may come from another copy of Strata's modules, e.g. an importer
 * module loaded by the CLI) as StrataErrors of this copy, keeping their code, naming the importer.
 */
function asStrataError(error: unknown, importer: string | undefined): StrataError {
  const like = error as { name?: string; code?: unknown; hint?: string; details?: Record<string, unknown> } | undefined;
  const coded = like && typeof like === 'object' && like.name === 'StrataError' && typeof like.code === 'string';
  if (error instanceof StrataError && (!importer || error.code === ErrorCode.IMPORT_CANCELLED || error.code === ErrorCode.IMPORT_VALIDATION_FAILED)) return error;
  const message = messageOf(error);
  const prefix = importer && !message.startsWith(`importer "${importer}"`) ? `importer "${importer}": ` : '';
  return new StrataError(coded ? (like.code as ErrorCode) : ErrorCode.IMPORT_FAILED, `${prefix}${message}`, {
    hint: coded && like.hint ? `${like.hint} (the target tables were cleared)` : 'the target tables were cleared and the status records the failure; fix the cause and run the import again',
    cause: error,
    details: { ...(coded ? like.details : {}), ...(importer ? { importer } : {}) },
  });
}

function describe(error: unknown): string {
  const like = error as { code?: unknown } | undefined;
  return like && typeof like === 'object' && typeof like.code === 'string' && (error as Error).name === 'StrataError' ? `${like.code}: ${messageOf(error)}` : messageOf(error);
}
