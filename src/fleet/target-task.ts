/**
 * One target's work: the existing engine, unchanged (its own lock, ledger, backup and automatic
 * restore, verify), on a migrator made for it and closed after. Runs on a worker thread or on
 * the calling one; takes and returns plain data only (it crosses postMessage), and never throws:
 * a failure is an outcome with its coded error, so one target never touches another.
 */
import type { BackupSettings } from '../backup/backup-settings.js';
import { createSharingMigrator, type createMigrator } from '../create-migrator.js';
import type { DriftMode } from '../engine/drift.js';
import { StrataError, messageOf } from '../model/errors.js';
import type { SchemaChange } from '../schema/diff.js';
import { createFolderReadCache, type FolderReadCache } from '../sources/folder-source.js';
import type { SqlitePragmas } from '../targets/sql/sqlite/sqlite-driver.js';
import type { FleetTarget } from './fleet-state.js';
import { targetFinished } from './thread-heap.js';

/** The engine settings every target of a fleet gets: plain data (they are sent to worker threads). */
export interface FleetEngineSettings {
  table?: string;
  format?: string;
  lockTimeoutMs?: number;
  allowChanged?: boolean;
  allowMissing?: boolean;
  allowOutOfOrder?: boolean;
  pragmas?: SqlitePragmas;
  placeholders?: Readonly<Record<string, string>>;
  /** A template or `/source/flags` string (a RegExp cannot be sent to a worker), or false. */
  placeholderPattern?: string | false;
  statementTimeout?: number | string;
  dbLockTimeout?: number | string;
  /** Each target's backup before it changes (default: on, `backups/` beside each SQLite file); false: none. */
  backup?: false | Omit<BackupSettings, 'lock' | 'now'>;
  journal?: boolean | { level?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'; table?: string };
  drift?: DriftMode;
}

export type TargetTaskKind = 'migrate' | 'status' | 'validate' | 'drift';

export interface TargetTask {
  readonly kind: TargetTaskKind;
  readonly target: FleetTarget;
  readonly settings: FleetEngineSettings;
  /** migrate: plan only, write nothing. */
  readonly dryRun?: boolean;
}

/** What came of one target, small enough to keep only in counts and failures. */
export interface TargetOutcome {
  readonly ok: boolean;
  /** The ledger's version before (migrate: only when nothing was applied, see runTargetTask) or now (status). */
  readonly fromVersion?: string | null;
  /** After the run (migrate). */
  readonly toVersion?: string | null;
  /** Steps applied by this run (migrate), or that a dry run would apply. */
  readonly applied: number;
  /** Steps not applied (status, validate, or after a dry run). */
  readonly pending: number;
  /** When the last applied step was applied (status): how long ago the target was migrated. */
  readonly lastAppliedAt?: string | null;
  /** The database does not exist yet (status of a lazy fleet's target never opened). */
  readonly exists?: boolean;
  /** drift: the schema differs from what the applied migrations built. */
  readonly drift?: boolean;
  /** What is wrong without being an error (status: failed or changed steps; validate: its problems; drift: the changes). */
  readonly problems?: readonly string[];
  /** migrate --dry-run: the versions that would be applied, in order. */
  readonly plan?: readonly string[];
  readonly durationMs: number;
  readonly error?: { readonly code: string; readonly message: string; readonly hint?: string };
}

/**
 * Kept from one target to the next on this thread: each migrations folder's read cache (its files
 * stat'ed again for every target, parsed once). The engine keeps the rest per thread by itself:
 * schema fingerprints by a stamp that identifies the schema (SqlTarget), lint findings by the
 * schema before the run and the files (the lint plugin). Bounded: a few folders.
 */
const folderCaches = new Map<string, FolderReadCache>();
const MAX_FOLDER_CACHES = 16;

function folderCacheOf(target: FleetTarget, settings: FleetEngineSettings): FolderReadCache {
  // What the parsed files depend on besides the folder: its format and placeholders (and the
  // dialect's lexer, which the database names).
  const key = JSON.stringify([target.dir, dialectKey(target.db), settings.format, settings.placeholders, settings.placeholderPattern]);
  let cache = folderCaches.get(key);
  if (!cache) {
    if (folderCaches.size >= MAX_FOLDER_CACHES) folderCaches.delete(folderCaches.keys().next().value as string);
    cache = createFolderReadCache();
    folderCaches.set(key, cache);
  }
  return cache;
}

function dialectKey(db: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(db)?.[1];
  return scheme ? scheme.toLowerCase() : 'file';
}

export async function runTargetTask(task: TargetTask): Promise<TargetOutcome> {
  const started = performance.now();
  let migrator: ReturnType<typeof createMigrator> | undefined;
  try {
    const { target, settings } = task;
    migrator = createSharingMigrator(
      { ...settings, db: target.db, dir: target.dir, ...(target.schema ? { schema: target.schema } : {}) },
      { folderCache: folderCacheOf(target, settings) },
    );
    const outcome = await perform(task, migrator);
    return { ...outcome, durationMs: performance.now() - started };
  } catch (error) {
    return { ok: false, applied: 0, pending: 0, durationMs: performance.now() - started, error: errorOf(error) };
  } finally {
    await migrator?.close().catch(() => undefined);
    targetFinished();
  }
}

type Migrator = ReturnType<typeof createMigrator>;

async function perform(task: TargetTask, migrator: Migrator): Promise<Omit<TargetOutcome, 'durationMs'>> {
  switch (task.kind) {
    case 'migrate': {
      // No status() first: reading it costs about a third of a small target's migration
      // (12 of 34 ms measured), so the version before is known only when nothing was applied.
      // A target whose runner died after its migration committed is simply up to date here.
      const report = await migrator.migrate({ dryRun: task.dryRun === true });
      const steps = report.results.filter((r) => r.direction === 'up' && (r.status === 'applied' || r.status === 'planned'));
      const changed = steps.length > 0 && !task.dryRun;
      return {
        ok: true,
        ...(changed ? {} : { fromVersion: report.currentVersion }),
        toVersion: report.currentVersion,
        applied: steps.length,
        pending: task.dryRun ? steps.length : 0,
        ...(task.dryRun ? { plan: steps.map((s) => s.version) } : {}),
      };
    }
    case 'status': {
      const status = await migrator.status();
      const applied = status.migrations.filter((m) => m.state === 'applied' || m.state === 'adopted');
      const last = applied.reduce<string | null>((latest, m) => (m.appliedAt && (!latest || m.appliedAt > latest) ? m.appliedAt : latest), null);
      const wrong = status.migrations.filter((m) => m.state === 'failed' || m.state === 'running' || m.state === 'changed' || m.state === 'missing');
      const problems = [...wrong.map((m) => `${m.version} ${m.name}: ${m.state}${m.error ? ` (${m.error})` : ''}`), ...status.problems.map((p) => p.message)];
      return {
        ok: problems.length === 0,
        fromVersion: status.currentVersion,
        toVersion: status.currentVersion,
        applied: applied.length,
        pending: status.pending,
        lastAppliedAt: last,
        exists: status.exists,
        ...(problems.length ? { problems: [...new Set(problems)] } : {}),
      };
    }
    case 'validate': {
      const report = await migrator.validate();
      const problems = [
        ...report.problems.map((p) => p.message),
        ...report.integrity,
        ...report.verify.map((v) => `${v.version} ${v.name}: verify failed: ${v.error}`),
      ];
      return { ok: report.ok, applied: 0, pending: report.pending, ...(problems.length ? { problems } : {}) };
    }
    case 'drift': {
      const report = await migrator.drift();
      const problems = report.changes.map((change) => describeChange(change));
      return {
        ok: !report.drift,
        drift: report.drift,
        exists: report.exists,
        toVersion: report.lastApplied?.version ?? null,
        applied: 0,
        pending: 0,
        ...(problems.length ? { problems } : {}),
      };
    }
  }
}

function describeChange(change: SchemaChange): string {
  const where = change.table && change.object !== 'table' ? ` on ${change.table}` : '';
  return `${change.object} ${change.name}${where} ${change.change}${change.from ? ` (was ${change.from})` : ''}${change.fields?.length ? `: ${change.fields.join(', ')}` : ''}`;
}

/** A coded error as data: a StrataError's own; anything else (a driver's, a bug) as INTERNAL with its message. */
export function errorOf(error: unknown): { code: string; message: string; hint?: string } {
  if (error instanceof StrataError) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  const coded = error as { code?: unknown };
  return { code: 'INTERNAL', message: `${messageOf(error)}${typeof coded?.code === 'string' ? ` (${coded.code})` : ''}` };
}
