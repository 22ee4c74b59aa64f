/**
 * Backup settings as users give them (API options, config file, CLI flags), and the
 * BackupManager they make. The hook that plugs one into the engine is backup-hook.ts.
 */
import type { EventChannel } from '../engine/events.js';
import type { KeySource } from './backup-key.js';
import type { CompressionCodec } from './compression.js';
import { BackupManager, type BackupLock } from './backup-manager.js';
import type { DatabaseSpec } from '../targets/sql/database-spec.js';
import type { RetentionPolicy } from './retention.js';
import type { BackupProvider, CheckLevel } from './providers/backup-provider.js';

export { backupHook } from './backup-hook.js';

/** The `backup` setting of a config file (strata.config, an import config): how backups are made and kept. */
export interface BackupConfig {
  dir?: string;
  keepDays?: number;
  keepCount?: number;
  /** Compression level 1-9 (absent or false: none). */
  compression?: number | false;
  /** gzip (default) or zstd (Node 22.15 / 23.8 on). */
  codec?: CompressionCodec;
  /** How new backups are checked (see BackupManagerOptions.check). */
  check?: CheckLevel;
  encrypt?: boolean;
  keyFile?: string;
  keyEnv?: string;
  passphraseEnv?: string;
}

export interface BackupSettings extends RetentionPolicy {
  /** The store's migration lock, for restore, delete and prune (see BackupManagerOptions.lock). */
  lock?: BackupLock;
  lockTimeoutMs?: number;
  /** Default: `backups/` beside the database. */
  dir?: string;
  /** Compression level 1-9; false or 0 for none (default). */
  compression?: number | false;
  /** gzip (default) or zstd (Node 22.15 / 23.8 on). */
  codec?: CompressionCodec;
  /** `structure` (default) or `full` (integrity_check at create too). */
  check?: CheckLevel;
  encrypt?: boolean;
  key?: KeySource;
  now?: () => Date;
}

export function backupManagerFor(provider: BackupProvider, settings: BackupSettings = {}, events?: EventChannel): BackupManager {
  return new BackupManager({
    provider,
    dir: settings.dir,
    retention: { keepDays: settings.keepDays, keepCount: settings.keepCount },
    compression: settings.compression,
    ...(settings.codec ? { codec: settings.codec } : {}),
    check: settings.check,
    encrypt: settings.encrypt,
    key: settings.key,
    lock: settings.lock,
    lockTimeoutMs: settings.lockTimeoutMs,
    events,
    now: settings.now,
  });
}

/**
 * The migration lock `migrate` takes on the database `spec` names, for a BackupManager: a
 * connection of its own holds it (for SQLite, the `<db>.strata-lock` sidecar, without opening
 * the database itself) and closes with the release.
 */
export function migrationLockOf(spec: DatabaseSpec): BackupLock {
  return async (timeoutMs, onWaiting) => {
    const driver = spec.openDriver();
    try {
      const release = await driver.lock(timeoutMs, onWaiting);
      return async () => {
        try {
          await release();
        } finally {
          await driver.close();
        }
      };
    } catch (error) {
      await driver.close().catch(() => undefined);
      throw error;
    }
  };
}
