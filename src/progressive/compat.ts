/**
 * The dual-read compatibility layer for a key-value or document store during a format change
 * (seed 003's CompatibilityLayer). Runtime-agnostic: it works on a KeyValueBackend (localStorage
 * through webStorageStore's backend, a Memento, a Map, AsyncStorage...).
 *
 * - get(key): the new format when the key has it; during the dual-read window, else the legacy
 *   value transformed on the fly (nothing is written by a read).
 * - set(key, value): writes the new format and marks the key migrated, in one set() call.
 * - migrate(keys): the progressive migration's step: legacy -> new for keys not migrated yet (a
 *   key already written in the new format is only marked: a write during the window wins).
 * - cleanupLegacy(): after the window, removes the legacy keys, only when every key is migrated
 *   and a backup exists; otherwise a coded error that says which keys remain / that none exists.
 *
 * The layer's own state (migrated keys, the window) is one value under `stateKey`.
 */
import { ErrorCode, StrataError } from '../model/errors.js';

export interface CompatBackend {
  get(key: string): unknown | Promise<unknown>;
  /** Writes in the order given. */
  set(entries: ReadonlyArray<readonly [string, unknown]>): void | Promise<void>;
  remove(key: string): void | Promise<void>;
}

export interface CompatibilityLayerOptions<New = unknown, Legacy = unknown> {
  backend: CompatBackend;
  /** Every key the migration covers (stats, migrateAll, cleanup). */
  keys: () => readonly string[] | Promise<readonly string[]>;
  /** Legacy value -> new format; pure (it runs on every fallback read). */
  transform: (legacy: Legacy, key: string) => New;
  /** Where a key's new-format value lives (default: `key`). */
  newKey?: (key: string) => string;
  /** Where its legacy value may live: one key or candidates, the first found wins (default: `legacy:<key>`). */
  legacyKeys?: (key: string) => string | readonly string[];
  /** Whether a value found under newKey is in the new format (needed when new and legacy keys coincide). */
  isNew?: (value: unknown, key: string) => boolean;
  /** Whether a backup of the legacy data exists; cleanupLegacy() refuses without one. */
  backupExists?: () => boolean | Promise<boolean>;
  /** Where the layer keeps its state (default `strata:compat`). */
  stateKey?: string;
  now?: () => number;
}

export interface CompatState {
  migrated: string[];
  dualRead: { enabled: boolean; until: number | null };
  cleanedUp: boolean;
}

export interface MigrationStats {
  total: number;
  migrated: number;
  pending: number;
  /** 0-100. */
  percent: number;
  /** Keys not migrated yet (the first 100). */
  pendingKeys: string[];
  reads: { new: number; legacy: number; missing: number };
  writes: number;
  dualRead: { enabled: boolean; until: string | null; active: boolean };
  cleanedUp: boolean;
}

const MISSING = Symbol('missing');

export class CompatibilityLayer<New = unknown, Legacy = unknown> {
  private readonly options: CompatibilityLayerOptions<New, Legacy>;
  private readonly stateKey: string;
  private state: CompatState = { migrated: [], dualRead: { enabled: true, until: null }, cleanedUp: false };
  private migrated = new Set<string>();
  private readonly counters = { new: 0, legacy: 0, missing: 0, writes: 0 };

  private constructor(options: CompatibilityLayerOptions<New, Legacy>) {
    this.options = options;
    this.stateKey = options.stateKey ?? 'strata:compat';
  }

  /** Opens the layer, reading its saved state (migrated keys, the window). */
  static async open<New = unknown, Legacy = unknown>(options: CompatibilityLayerOptions<New, Legacy>): Promise<CompatibilityLayer<New, Legacy>> {
    const layer = new CompatibilityLayer(options);
    await layer.reload();
    return layer;
  }

  async reload(): Promise<void> {
    const saved = (await this.options.backend.get(this.stateKey)) as Partial<CompatState> | undefined | null;
    if (saved && typeof saved === 'object') {
      this.state = {
        migrated: Array.isArray(saved.migrated) ? saved.migrated.map(String) : [],
        dualRead: { enabled: saved.dualRead?.enabled ?? true, until: saved.dualRead?.until ?? null },
        cleanedUp: saved.cleanedUp === true,
      };
    }
    this.migrated = new Set(this.state.migrated);
  }

  isMigrated(key: string): boolean {
    return this.migrated.has(key);
  }

  /** Whether reads still fall back to legacy data. */
  isDualReadActive(): boolean {
    const { enabled, until } = this.state.dualRead;
    return enabled && !this.state.cleanedUp && (until === null || this.now() < until);
  }

  /** Opens the window (for durationMs, or until closed) or closes it. */
  async setDualReadMode(enabled: boolean, durationMs?: number): Promise<void> {
    if (durationMs !== undefined && (!Number.isFinite(durationMs) || durationMs < 0)) {
      throw new StrataError(ErrorCode.USAGE, `durationMs must be a non-negative number, got ${durationMs}`, {
        hint: 'e.g. setDualReadMode(true, 7 * 24 * 3600 * 1000)',
      });
    }
    this.state.dualRead = { enabled, until: enabled && durationMs !== undefined ? this.now() + durationMs : null };
    await this.saveState([]);
  }

  /** The key's value in the new format: stored, or (during the window) the legacy one transformed. */
  async get(key: string): Promise<New | undefined> {
    const stored = await this.readNew(key);
    if (stored !== MISSING) {
      this.counters.new++;
      return stored;
    }
    if (this.isDualReadActive()) {
      const legacy = await this.readLegacy(key);
      if (legacy !== MISSING) {
        this.counters.legacy++;
        return this.options.transform(legacy.value, key);
      }
    }
    this.counters.missing++;
    return undefined;
  }

  /** Writes the new format and marks the key migrated (the legacy value stays until cleanupLegacy). */
  async set(key: string, value: New): Promise<void> {
    this.counters.writes++;
    await this.saveState([[this.newKey(key), value]], [key]);
  }

  /**
   * Migrates keys not migrated yet: legacy -> new, written with the marks in one set() call. A
   * key that already holds the new format (written during the window) is only marked.
   */
  async migrate(keys: readonly string[]): Promise<{ migrated: number; skipped: number; missing: number }> {
    const writes: [string, unknown][] = [];
    const marked: string[] = [];
    let skipped = 0;
    let missing = 0;
    for (const key of keys) {
      if (this.migrated.has(key)) {
        skipped++;
        continue;
      }
      if ((await this.readNew(key)) !== MISSING) {
        marked.push(key);
        continue;
      }
      const legacy = await this.readLegacy(key);
      if (legacy === MISSING) {
        // Nothing to carry over: the key counts as migrated (there is no legacy data to keep).
        missing++;
        marked.push(key);
        continue;
      }
      writes.push([this.newKey(key), this.options.transform(legacy.value, key)]);
      marked.push(key);
    }
    if (marked.length) await this.saveState(writes, marked);
    return { migrated: marked.length - missing, skipped, missing };
  }

  async getMigrationStats(): Promise<MigrationStats> {
    const keys = await this.options.keys();
    const pendingKeys = keys.filter((k) => !this.migrated.has(k));
    const total = keys.length;
    const migrated = total - pendingKeys.length;
    const { enabled, until } = this.state.dualRead;
    return {
      total,
      migrated,
      pending: pendingKeys.length,
      percent: total === 0 ? 100 : Math.floor((migrated / total) * 1000) / 10,
      pendingKeys: pendingKeys.slice(0, 100),
      reads: { new: this.counters.new, legacy: this.counters.legacy, missing: this.counters.missing },
      writes: this.counters.writes,
      dualRead: { enabled, until: until === null ? null : new Date(until).toISOString(), active: this.isDualReadActive() },
      cleanedUp: this.state.cleanedUp,
    };
  }

  /** After the window: removes every legacy key, when all keys are migrated and a backup exists. */
  async cleanupLegacy(): Promise<{ removed: string[] }> {
    if (this.isDualReadActive()) {
      const { until } = this.state.dualRead;
      throw new StrataError(
        ErrorCode.COMPAT_WINDOW_OPEN,
        `the dual-read window is open${until === null ? '' : ` until ${new Date(until).toISOString()}`}: legacy data is still read`,
        {
          hint: 'wait for the window to end, or close it with setDualReadMode(false)',
        },
      );
    }
    const keys = await this.options.keys();
    const remaining = keys.filter((k) => !this.migrated.has(k));
    if (remaining.length) {
      throw new StrataError(
        ErrorCode.COMPAT_LEGACY_REMAINING,
        `${remaining.length} of ${keys.length} key(s) are not migrated: ${remaining.slice(0, 10).join(', ')}${remaining.length > 10 ? ', ...' : ''}`,
        {
          hint: 'run the progressive migration (migrate(keys)) to the end first; nothing was removed',
          details: { remaining },
        },
      );
    }
    if (!this.options.backupExists || !(await this.options.backupExists())) {
      throw new StrataError(ErrorCode.COMPAT_BACKUP_MISSING, 'no backup of the legacy data exists: it would be gone for good', {
        hint: 'create a backup first (and pass backupExists to the layer); nothing was removed',
      });
    }
    const removed: string[] = [];
    for (const key of keys) {
      const newKey = this.newKey(key);
      for (const legacyKey of this.legacyKeysOf(key)) {
        if (legacyKey === newKey) continue;
        const value = await this.options.backend.get(legacyKey);
        if (value === undefined || value === null) continue;
        await this.options.backend.remove(legacyKey);
        removed.push(legacyKey);
      }
    }
    this.state.cleanedUp = true;
    await this.saveState([]);
    return { removed };
  }

  // ---- internals -------------------------------------------------------------------------

  private newKey(key: string): string {
    return this.options.newKey ? this.options.newKey(key) : key;
  }

  private legacyKeysOf(key: string): readonly string[] {
    const keys = this.options.legacyKeys ? this.options.legacyKeys(key) : `legacy:${key}`;
    return typeof keys === 'string' ? [keys] : keys;
  }

  private async readNew(key: string): Promise<New | typeof MISSING> {
    const value = await this.options.backend.get(this.newKey(key));
    if (value === undefined || value === null) return MISSING;
    if (this.options.isNew && !this.options.isNew(value, key)) return MISSING;
    return value as New;
  }

  private async readLegacy(key: string): Promise<{ value: Legacy } | typeof MISSING> {
    for (const legacyKey of this.legacyKeysOf(key)) {
      const value = await this.options.backend.get(legacyKey);
      if (value !== undefined && value !== null) return { value: value as Legacy };
    }
    return MISSING;
  }

  /** Values first, then the state that marks them: a crash in between leaves them unmarked, and migrate() then only marks them. */
  private async saveState(writes: [string, unknown][], marked: readonly string[] = []): Promise<void> {
    const next = new Set(this.migrated);
    for (const key of marked) next.add(key);
    const state: CompatState = { ...this.state, migrated: [...next] };
    await this.options.backend.set([...writes, [this.stateKey, state]]);
    this.state = state;
    this.migrated = next;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
