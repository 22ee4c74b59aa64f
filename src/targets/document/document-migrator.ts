/**
 * migrate() / rollback() / status() on a stored document, with the SQL engine's semantics:
 * lock, plan (every error before any step runs), run, validate, back up, then write once. A
 * document has no transactions, so the run is the transaction: steps work on the freshly read
 * copy and the store is written only after the last step and its validation succeeded.
 */
import { takeLock } from '../../engine/take-lock.js';
import { type EngineEventName, type EngineEvents, EventChannel, type Listener } from '../../engine/events.js';
import { clock, elapsedSince } from '../../model/clock.js';
import { ErrorCode, StrataError, type StepResult } from '../../model/errors.js';
import { DEFAULT_DOCUMENT_LOCK_TIMEOUT_MS, type LockTimeoutOption } from '../../model/lock-timeout.js';
import type { Direction, RunOutcome } from '../../model/run-report.js';
import type { StatusProblem, StoreStatus } from '../../model/status-report.js';
import type { BackupRecord, DocumentStore } from './document-store.js';
import type { DocumentMigration } from './document-migration.js';
import { compareDocumentVersions, type DocumentVersion } from './document-version.js';
import { MigrationManager, copyOf, runSteps, type DocumentStep } from './migration-manager.js';
import { DEFAULT_HISTORY_LIMIT, type HistoryEntry, type StoredDocument } from './stored-document.js';

export { DEFAULT_DOCUMENT_LOCK_TIMEOUT_MS };

export interface DocumentMigratorOptions<Data> extends LockTimeoutOption {
  store: DocumentStore;
  migrations: MigrationManager<Data> | readonly DocumentMigration<Data>[];
  /** Data for a store that holds nothing yet, migrated from the base version. Without it an empty store stays empty. */
  initial?: Data | (() => Data);
  /** The version of stored data that carries none (legacy data). Default: below the first migration (0, or "0.0.0"). */
  unversioned?: DocumentVersion;
  /** History entries kept with the document. */
  historyLimit?: number;
  /** Back up the stored document before a run changes it (default true). */
  backup?: boolean;
  now?: () => Date;
}

export interface DocumentRunReport<Data = unknown> extends RunOutcome {
  /** The stored version before the run (null: nothing or unversioned data was stored). */
  from: DocumentVersion | null;
  /** The stored version after the run. */
  version: DocumentVersion | null;
  /** Whether the store was written. */
  written: boolean;
  backup: BackupRecord | null;
  /** The document's data after the run (undefined when the store holds nothing). */
  data: Data | undefined;
}

export type DocumentMigrationState = 'applied' | 'pending' | 'changed';

/** Problems are data newer than the app and applied migrations whose code changed. */
export interface DocumentStatus extends StoreStatus<DocumentVersion, { version: DocumentVersion; name: string; state: DocumentMigrationState }> {
  latestVersion: DocumentVersion;
  history: HistoryEntry[];
}

export class DocumentMigrator<Data = any> {
  readonly events = new EventChannel();
  readonly manager: MigrationManager<Data>;
  private readonly options: DocumentMigratorOptions<Data>;

  constructor(options: DocumentMigratorOptions<Data>) {
    this.options = options;
    if (options.migrations instanceof MigrationManager) this.manager = options.migrations;
    else {
      this.manager = new MigrationManager<Data>();
      for (const migration of options.migrations) this.manager.register(migration);
    }
  }

  on<K extends EngineEventName>(event: K, listener: Listener<EngineEvents, K>): () => void {
    return this.events.on(event, listener);
  }

  /** Brings the stored document up to `to` (default: the latest version). */
  async migrate(options: { to?: DocumentVersion } = {}): Promise<DocumentRunReport<Data>> {
    const target = options.to ?? this.manager.getLatestVersion();
    return this.run('up', (from) => {
      const steps = this.manager.plan(from, target);
      if (steps.some((s) => s.direction === 'down')) {
        throw new StrataError(ErrorCode.USAGE, `migrate() goes up, but the document is at ${from}, above ${target}`, {
          hint: `use rollback({ to: ${JSON.stringify(target)} }) to go down`,
        });
      }
      return steps;
    });
  }

  /** Takes the document down to `to`, or back `steps` migrations (default 1). */
  async rollback(options: { to?: DocumentVersion; steps?: number } = {}): Promise<DocumentRunReport<Data>> {
    if (options.to !== undefined && options.steps !== undefined) {
      throw new StrataError(ErrorCode.USAGE, 'give either a version to roll back to or steps, not both', {
        hint: 'rollback({ to: 1 }) or rollback({ steps: 2 })',
      });
    }
    const count = options.steps ?? 1;
    if (!Number.isInteger(count) || count < 1) {
      throw new StrataError(ErrorCode.USAGE, `steps must be a positive integer, got ${options.steps}`, { hint: 'rollback({ steps: 1 })' });
    }
    return this.run('down', (from) => {
      const target = options.to ?? this.versionStepsBelow(from, count);
      const steps = this.manager.plan(from, target);
      if (steps.some((s) => s.direction === 'up')) {
        throw new StrataError(ErrorCode.USAGE, `rollback() goes down, but the document is at ${from}, below ${target}`, { hint: 'use migrate() to go up' });
      }
      return steps;
    });
  }

  async status(): Promise<DocumentStatus> {
    const stored = await this.options.store.read();
    const latestVersion = this.manager.getLatestVersion();
    const problems: StatusProblem[] = [];
    const current: DocumentVersion | null = stored ? (stored.version ?? null) : null;
    const effective = stored ? (stored.version ?? this.baseVersion()) : null;
    const latestUp = new Map<string, HistoryEntry>();
    for (const entry of stored?.history ?? []) if (entry.direction === 'up') latestUp.set(String(entry.version), entry);
    const migrations = this.manager.list().map((m) => {
      const applied = effective !== null && compareDocumentVersions(m.version, effective) <= 0;
      const recorded = latestUp.get(String(m.version));
      const changed = applied && recorded?.checksum !== undefined && recorded.checksum !== m.checksum;
      if (changed) problems.push({ code: ErrorCode.CHECKSUM_MISMATCH, message: `migration ${m.version} ("${m.name}") changed since it was applied` });
      return { version: m.version, name: m.name, state: (changed ? 'changed' : applied ? 'applied' : 'pending') as DocumentMigrationState };
    });
    if (effective !== null && this.manager.list().length && compareDocumentVersions(effective, latestVersion) > 0) {
      problems.push({ code: ErrorCode.DOCUMENT_NEWER, message: `the data is at version ${effective}, newer than the latest migration (${latestVersion})` });
    }
    return {
      target: this.options.store.description,
      exists: stored !== null,
      currentVersion: current,
      latestVersion,
      pending: migrations.filter((m) => m.state === 'pending').length,
      migrations,
      history: stored?.history ?? [],
      problems,
    };
  }

  // ---- the run ---------------------------------------------------------------------------

  private async run(direction: Direction, plan: (from: DocumentVersion) => DocumentStep<Data>[]): Promise<DocumentRunReport<Data>> {
    const started = clock();
    const { store } = this.options;
    const release = await takeLock(
      (timeoutMs, onWaiting) => store.lock(timeoutMs, onWaiting),
      store.description,
      this.options.lockTimeoutMs ?? DEFAULT_DOCUMENT_LOCK_TIMEOUT_MS,
      this.events,
    );
    try {
      const stored = await store.read();
      const document = stored ?? this.initialDocument();
      if (!document) return this.finish(direction, null, null, [], false, null, undefined, started);
      const from = document.version ?? this.baseVersion();
      const steps = plan(from);
      this.events.emit('plan', { direction, steps: steps.map((s) => ({ version: String(s.migration.version), name: s.migration.name })), dryRun: false });
      if (steps.length === 0 && stored) return this.finish(direction, stored.version, stored.version, [], false, null, stored.data as Data, started);
      const { data, results } = await runSteps(steps, document.data as Data, {
        starting: (step, index, total) => this.events.emit(direction === 'up' ? 'migrating' : 'reverting', stepEvent(step, index, total)),
        finished: (step, index, total, durationMs) =>
          this.events.emit(direction === 'up' ? 'migrated' : 'reverted', { ...stepEvent(step, index, total), durationMs }),
      }).catch((error: unknown) => {
        if (error instanceof StrataError && error.results.length) {
          const failed = error.results.at(-1)!;
          const index = error.results.length;
          const step = steps[index - 1];
          if (step) this.events.emit('failed', { ...stepEvent(step, index, steps.length), error, durationMs: failed.durationMs });
        }
        throw error;
      });
      const version = steps.at(-1)?.to ?? from;
      const backup = stored && this.options.backup !== false ? await store.backup(stored.version) : null;
      if (backup) this.events.emit('backup', { target: store.description, id: backup.id, location: backup.location });
      const history = [...document.history, ...steps.map((step) => this.historyEntry(step))].slice(-(this.options.historyLimit ?? DEFAULT_HISTORY_LIMIT));
      await store.write({ version, data, history });
      return this.finish(direction, stored?.version ?? null, version, results, true, backup, data, started);
    } finally {
      await release();
    }
  }

  private initialDocument(): StoredDocument | null {
    const { initial } = this.options;
    if (initial === undefined) return null;
    const data = typeof initial === 'function' ? (initial as () => Data)() : copyOf(initial);
    return { version: null, data, history: [] };
  }

  /** The version that unversioned data is taken to be at. */
  baseVersion(): DocumentVersion {
    if (this.options.unversioned !== undefined) return this.manager.known(this.options.unversioned, 'current');
    const lowest = this.manager.list()[0]?.version;
    if (lowest === undefined) return 0;
    if (typeof lowest === 'number') return Math.min(0, lowest - 1);
    return '0.0.0';
  }

  /** The version `count` migrations below `from` (the base version past the first). */
  private versionStepsBelow(from: DocumentVersion, count: number): DocumentVersion {
    const atOrBelow = this.manager.list().filter((m) => compareDocumentVersions(m.version, from) <= 0);
    return atOrBelow[atOrBelow.length - 1 - count]?.version ?? this.baseVersion();
  }

  private historyEntry(step: DocumentStep<Data>): HistoryEntry {
    return {
      version: step.migration.version,
      name: step.migration.name,
      direction: step.direction,
      at: (this.options.now?.() ?? new Date()).toISOString(),
      checksum: step.migration.checksum,
    };
  }

  private finish(
    direction: Direction,
    from: DocumentVersion | null,
    version: DocumentVersion | null,
    results: StepResult[],
    written: boolean,
    backup: BackupRecord | null,
    data: Data | undefined,
    started: number,
  ): DocumentRunReport<Data> {
    const durationMs = elapsedSince(started);
    this.events.emit('done', { direction, results, durationMs });
    return { direction, from, version, results, written, backup, data, durationMs };
  }
}

function stepEvent(step: DocumentStep, index: number, total: number) {
  return { version: String(step.migration.version), name: step.migration.name, direction: step.direction, index, total };
}
