/**
 * The guide's BackupService on Strata's BackupManager (Node / Electron main): the app's storage
 * is exported to one JSON file, and that file is backed up by a FileBackupProvider (sha256 in a
 * manifest, verified, pruned to 7 days and at most 5 backups). restoreBackup() puts the file
 * back and writes its keys into storage again.
 */
import { writeFileSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BackupManager, ErrorCode, FileBackupProvider, StrataError, type BackupEntry } from 'strata-migrate';
import type { WebStorageLike } from 'strata-migrate/document';
import { APP_STATE_KEY, LEGACY_KEYS } from '../legacy.js';

/** Web Storage that can list its keys (localStorage, sessionStorage). */
export interface EnumerableStorage extends WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  readonly length: number;
  key(index: number): string | null;
}

export const BACKUP_RETENTION = { keepDays: 7, keepCount: 5 } as const;

export interface BackupServiceOptions {
  storage: EnumerableStorage;
  /** The JSON export file that is backed up (its folder must exist). */
  exportPath: string;
  /** Default: `backups/` beside the export file. */
  dir?: string;
  /** Which storage keys belong to the app (default: `airprompts` and its `airprompts:*` keys, and the 1.x keys). */
  ownsKey?: (key: string) => boolean;
  now?: () => Date;
}

export interface BackupExport {
  format: 'airprompts-backup';
  createdAt: string;
  schemaVersion: string | null;
  description: string;
  /** key -> the stored text, exactly. */
  items: Record<string, string>;
}

export interface BackupVerification {
  id: string;
  valid: boolean;
  entry: BackupEntry | null;
  error: string | null;
  code: string | null;
}

const LEGACY = new Set(Object.values(LEGACY_KEYS).flat());

function defaultOwnsKey(key: string): boolean {
  return key === APP_STATE_KEY || key.startsWith(`${APP_STATE_KEY}:`) || LEGACY.has(key);
}

export class BackupService {
  readonly manager: BackupManager;
  private readonly options: BackupServiceOptions;
  private readonly ownsKey: (key: string) => boolean;

  constructor(options: BackupServiceOptions) {
    this.options = options;
    this.ownsKey = options.ownsKey ?? defaultOwnsKey;
    this.manager = new BackupManager({
      provider: new FileBackupProvider(options.exportPath, (text) => (JSON.parse(text) as BackupExport).schemaVersion),
      dir: options.dir ?? join(dirname(options.exportPath), 'backups'),
      retention: BACKUP_RETENTION,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** Exports every key of the app and backs the export up; returns the backup's manifest entry. */
  async createFullBackup(description = 'manual backup'): Promise<BackupEntry> {
    const exported = this.writeExport(description);
    const { backup } = await this.manager.create({ description, schemaVersion: exported.schemaVersion });
    return backup;
  }

  /** The app's keys, exactly as stored, into the export file (write-temp-and-rename). */
  private writeExport(description: string): BackupExport {
    const items: Record<string, string> = {};
    for (const key of this.appKeys()) {
      const text = this.options.storage.getItem(key);
      if (typeof text === 'string') items[key] = text;
    }
    const exported: BackupExport = {
      format: 'airprompts-backup',
      createdAt: this.now().toISOString(),
      schemaVersion: this.schemaVersion(),
      description,
      items,
    };
    const temp = `${this.options.exportPath}.tmp`;
    writeFileSync(temp, JSON.stringify(exported), { mode: 0o600 });
    renameSync(temp, this.options.exportPath);
    return exported;
  }

  /** Newest first. */
  async listBackups(): Promise<BackupEntry[]> {
    const { backups } = await this.manager.list();
    return backups.filter((b) => !b.missing).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  }

  async hasBackup(): Promise<boolean> {
    return (await this.listBackups()).some((b) => b.verified);
  }

  /** Checks the stored bytes against the manifest (sha256, size) and that the export parses. */
  async verifyBackup(id: string): Promise<BackupVerification> {
    try {
      const entry = await this.manager.verify(id);
      return { id, valid: true, entry, error: null, code: null };
    } catch (error) {
      if (!(error instanceof StrataError)) throw error;
      return { id, valid: false, entry: null, error: error.message, code: error.code };
    }
  }

  /**
   * Puts the backup's keys back exactly: the app's keys it holds get their stored text, the app's
   * keys it does not hold are removed. Other apps' keys are left alone.
   */
  async restoreBackup(id: string): Promise<{ restored: BackupEntry; keys: number }> {
    // The export first holds what storage holds now: the manager's safety backup of it is what the restore replaces.
    this.writeExport(`before restoring ${id}`);
    const { restored } = await this.manager.restore(id);
    const exported = JSON.parse(readFileSync(this.options.exportPath, 'utf8')) as BackupExport;
    if (exported.format !== 'airprompts-backup') {
      throw new StrataError(ErrorCode.BACKUP_CORRUPT, `backup ${id} is not an AirPrompts export`, { hint: 'restore another backup' });
    }
    for (const key of this.appKeys()) if (!(key in exported.items)) this.options.storage.removeItem(key);
    for (const [key, text] of Object.entries(exported.items)) this.options.storage.setItem(key, text);
    return { restored, keys: Object.keys(exported.items).length };
  }

  async deleteBackup(id: string): Promise<BackupEntry> {
    return this.manager.delete(id);
  }

  private appKeys(): string[] {
    const keys: string[] = [];
    for (let i = 0; i < this.options.storage.length; i++) {
      const key = this.options.storage.key(i);
      if (key !== null && this.ownsKey(key)) keys.push(key);
    }
    return keys;
  }

  private schemaVersion(): string | null {
    const text = this.options.storage.getItem(APP_STATE_KEY);
    if (!text) return null;
    try {
      const version = (JSON.parse(text) as { version?: unknown }).version;
      return version === undefined || version === null ? null : String(version);
    } catch {
      return null;
    }
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}
