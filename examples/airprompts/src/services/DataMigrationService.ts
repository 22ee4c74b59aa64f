/**
 * The guide's DataMigrationService on Strata:
 *
 * - checkMigrationStatus() / runPendingMigrations(): the app state document (`airprompts`) through
 *   createAppStateMigrator (lock, plan, validate, back up, write once), its events in the journal.
 * - startProgressiveMigration() / getMigrationProgress(): the 2.0.0 -> 3.0.0 move of a large item
 *   library kept one item per key, in batches (default 100, optional delay between them), behind
 *   the dual-read CompatibilityLayer: while it runs, `items().get(id)` returns every item in the
 *   3.0.0 format, migrated or not, and `items().set()` writes 3.0.0 and marks the item migrated.
 *
 * The item library's keys:
 *   airprompts:items:index        ["template:t1", "workflow:w1", ...]  (kind:id)
 *   airprompts:items:v2:<kind:id> the 2.0.0 item (legacy during the move)
 *   airprompts:items:v3:<kind:id> the 3.0.0 item
 *   airprompts:items:compat       the layer's state (migrated keys, the dual-read window)
 */
import { CompatibilityLayer, type CompatBackend, type DocumentStatus, type MigrationStats, type WebStorageLike } from 'strata-migrate/document';
import { createAppStateMigrator, type AppStateOptions, type AppStateResult } from '../app-state.js';
import { readLegacyState } from '../legacy.js';
import { toV3 } from '../migrations.js';
import type { AppState, ItemV2, SnippetV3, TemplateV3, WorkflowV3 } from '../types.js';
import type { BackupService } from './BackupService.js';
import type { MigrationLogger } from './migrationLogger.js';

export const ITEMS_INDEX_KEY = 'airprompts:items:index';
export const ITEMS_V2_PREFIX = 'airprompts:items:v2:';
export const ITEMS_V3_PREFIX = 'airprompts:items:v3:';
export const ITEMS_COMPAT_KEY = 'airprompts:items:compat';
export const DEFAULT_BATCH_SIZE = 100;

export type ItemKind = 'template' | 'workflow' | 'snippet';
export type ItemV3Any = TemplateV3 | WorkflowV3 | SnippetV3;

export interface DataMigrationServiceOptions extends AppStateOptions {
  storage: WebStorageLike;
  logger?: MigrationLogger;
  /** When given, runPendingMigrations and startProgressiveMigration take a full backup first, and cleanup requires one. */
  backupService?: BackupService;
  batchSize?: number;
  /** Pause between batches (ms), to leave the UI thread room. */
  delayMs?: number;
  /** How long reads fall back to 2.0.0 items after the move starts (default 7 days). */
  dualReadMs?: number;
}

export interface MigrationStatus {
  currentVersion: string | null;
  latestVersion: string;
  needsMigration: boolean;
  pending: string[];
  /** AirPrompts 1.x keys are present (and will be adopted). */
  legacyKeys: boolean;
  items: MigrationStats;
  problems: DocumentStatus['problems'];
}

export interface MigrationProgress {
  state: 'idle' | 'running' | 'completed' | 'cancelled' | 'failed';
  total: number;
  migrated: number;
  percent: number;
  batches: number;
  batchSize: number;
  startedAt: string | null;
  finishedAt: string | null;
  itemsPerSecond: number | null;
  error: string | null;
}

/** One 2.0.0 item to 3.0.0 with the app's own migration (toV3.up on a state that holds just it). */
export function itemToV3(kindAndId: string, item: ItemV2): ItemV3Any {
  const kind = kindAndId.slice(0, kindAndId.indexOf(':')) as ItemKind;
  const state = {
    templates: kind === 'template' ? [item] : [],
    workflows: kind === 'workflow' ? [item] : [],
    snippets: kind === 'snippet' ? [item] : [],
    folders: [],
    uiPreferences: {},
    userSettings: {},
  };
  const up = toV3.up(state) as AppState;
  const converted = kind === 'template' ? up.templates[0] : kind === 'workflow' ? up.workflows[0] : up.snippets[0];
  if (!converted) throw new Error(`${kindAndId}: unknown item kind`);
  return converted;
}

/** Web Storage as the layer's backend (JSON values). */
function storageBackend(storage: WebStorageLike): CompatBackend {
  return {
    async get(key) {
      const text = await storage.getItem(key);
      return text === null || text === undefined ? undefined : JSON.parse(text);
    },
    async set(entries) {
      for (const [key, value] of entries) await storage.setItem(key, JSON.stringify(value));
    },
    remove: (key) => storage.removeItem(key),
  };
}

export class DataMigrationService {
  private readonly options: DataMigrationServiceOptions;
  private layer: Promise<CompatibilityLayer<ItemV3Any, ItemV2>> | undefined;
  private progress: MigrationProgress;
  private cancelled = false;
  private running: Promise<MigrationProgress> | undefined;

  constructor(options: DataMigrationServiceOptions) {
    this.options = options;
    this.progress = this.idle();
  }

  async checkMigrationStatus(): Promise<MigrationStatus> {
    const status = await createAppStateMigrator(this.options.storage, this.options).status();
    // Unversioned data is the 1.x keys (appStateStore reads them as the document while `airprompts` is empty).
    const legacy = status.currentVersion === null ? await readLegacyState(this.options.storage) : null;
    const pending = status.migrations.filter((m) => m.state === 'pending').map((m) => String(m.version));
    const items = await (await this.items()).getMigrationStats();
    return {
      currentVersion: status.currentVersion === null ? null : String(status.currentVersion),
      latestVersion: String(status.latestVersion),
      needsMigration: pending.length > 0 || items.pending > 0,
      pending,
      legacyKeys: legacy !== null,
      items,
      problems: status.problems,
    };
  }

  /** Brings the state document to 3.0.0 (a full backup first when a BackupService is given). */
  async runPendingMigrations(): Promise<AppStateResult<AppState> & { backupId: string | null }> {
    const { logger, backupService: backups } = this.options;
    const migrator = createAppStateMigrator(this.options.storage, this.options);
    const detach = logger?.attach(migrator);
    try {
      const status = await migrator.status();
      let backupId: string | null = null;
      if (backups && status.pending > 0) {
        backupId = (await backups.createFullBackup('before runPendingMigrations')).id;
        logger?.info(`full backup ${backupId} before migrating`, { backupId });
      }
      const report = await migrator.migrate();
      return {
        state: report.data as AppState,
        from: report.from === null ? null : String(report.from),
        version: String(report.version),
        migrated: report.written,
        report,
        backupId,
      };
    } catch (error) {
      logger?.error(`runPendingMigrations failed: ${(error as Error).message}`, { code: (error as { code?: string }).code });
      throw error;
    } finally {
      detach?.();
    }
  }

  /** The dual-read view of the item library (3.0.0 items, whether migrated yet or not). */
  items(): Promise<CompatibilityLayer<ItemV3Any, ItemV2>> {
    return (this.layer ??= CompatibilityLayer.open<ItemV3Any, ItemV2>({
      backend: storageBackend(this.options.storage),
      keys: () => this.itemKeys(),
      transform: (item, key) => itemToV3(key, item),
      newKey: (key) => ITEMS_V3_PREFIX + key,
      legacyKeys: (key) => ITEMS_V2_PREFIX + key,
      stateKey: ITEMS_COMPAT_KEY,
      backupExists: () => (this.options.backupService ? this.options.backupService.hasBackup() : false),
    }));
  }

  /**
   * Moves the item library from 2.0.0 to 3.0.0 in batches. Resumable: items already migrated (or
   * written in 3.0.0 by the app meanwhile) are skipped. Resolves with the final progress.
   */
  startProgressiveMigration(options: { batchSize?: number; delayMs?: number } = {}): Promise<MigrationProgress> {
    if (this.running) return this.running;
    this.cancelled = false;
    this.running = this.progressive(options).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops after the batch in progress. */
  cancelProgressiveMigration(): void {
    this.cancelled = true;
  }

  getMigrationProgress(): MigrationProgress {
    return { ...this.progress };
  }

  private async progressive(options: { batchSize?: number; delayMs?: number }): Promise<MigrationProgress> {
    const batchSize = options.batchSize ?? this.options.batchSize ?? DEFAULT_BATCH_SIZE;
    const delayMs = options.delayMs ?? this.options.delayMs ?? 0;
    const { logger } = this.options;
    const layer = await this.items();
    const keys = await this.itemKeys();
    const started = Date.now();
    this.progress = {
      ...this.idle(),
      state: 'running',
      total: keys.length,
      migrated: keys.filter((k) => layer.isMigrated(k)).length,
      batchSize,
      startedAt: new Date(started).toISOString(),
    };
    this.progress.percent = percent(this.progress.migrated, keys.length);
    logger?.info(`progressive migration 2.0.0 -> 3.0.0 of ${keys.length} item(s) in batches of ${batchSize}`, { total: keys.length, batchSize });
    try {
      if (!layer.isDualReadActive() || (await layer.getMigrationStats()).dualRead.until === null) {
        await layer.setDualReadMode(true, this.options.dualReadMs ?? 7 * 24 * 3600 * 1000);
      }
      if (this.options.backupService && !(await this.options.backupService.hasBackup()))
        await this.options.backupService.createFullBackup('before the progressive 3.0.0 move');
      const todo = keys.filter((k) => !layer.isMigrated(k));
      let done = 0;
      for (let at = 0; at < todo.length; at += batchSize) {
        if (this.cancelled) {
          this.progress.state = 'cancelled';
          logger?.warn(`progressive migration cancelled at ${this.progress.migrated}/${keys.length}`, { migrated: this.progress.migrated });
          return this.finish(started);
        }
        const batch = todo.slice(at, at + batchSize);
        const batchStarted = Date.now();
        await layer.migrate(batch);
        done += batch.length;
        this.progress.batches++;
        this.progress.migrated = keys.filter((k) => layer.isMigrated(k)).length;
        this.progress.percent = percent(this.progress.migrated, keys.length);
        const elapsed = Date.now() - started;
        this.progress.itemsPerSecond = elapsed > 0 ? Math.round((done / elapsed) * 1000) : null;
        logger?.debug(`batch ${this.progress.batches}: ${batch.length} item(s) in ${Date.now() - batchStarted} ms`, {
          batch: this.progress.batches,
          size: batch.length,
          migrated: this.progress.migrated,
          total: keys.length,
        });
        if (delayMs > 0 && at + batchSize < todo.length) await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      this.progress.state = 'completed';
      logger?.info(`progressive migration completed: ${this.progress.migrated}/${keys.length} item(s)`, { ...this.progress });
      return this.finish(started);
    } catch (error) {
      this.progress.state = 'failed';
      this.progress.error = (error as Error).message;
      logger?.error(`progressive migration failed: ${(error as Error).message}`, { migrated: this.progress.migrated });
      this.finish(started);
      throw error;
    }
  }

  private finish(started: number): MigrationProgress {
    this.progress.finishedAt = new Date().toISOString();
    if (this.progress.itemsPerSecond === null && Date.now() > started) this.progress.itemsPerSecond = 0;
    return this.getMigrationProgress();
  }

  private async itemKeys(): Promise<string[]> {
    const text = await this.options.storage.getItem(ITEMS_INDEX_KEY);
    return text ? (JSON.parse(text) as string[]) : [];
  }

  private idle(): MigrationProgress {
    return {
      state: 'idle',
      total: 0,
      migrated: 0,
      percent: 0,
      batches: 0,
      batchSize: this.options.batchSize ?? DEFAULT_BATCH_SIZE,
      startedAt: null,
      finishedAt: null,
      itemsPerSecond: null,
      error: null,
    };
  }
}

function percent(done: number, total: number): number {
  return total === 0 ? 100 : Math.floor((done / total) * 1000) / 10;
}
