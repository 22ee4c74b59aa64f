/**
 * `strata-migrate/backup`: backups of a database or a file, their providers, keys and retention.
 *
 * @module strata-migrate/backup
 */
export { BackupManager } from './backup/backup-manager.js';
export type { BackupLock, BackupManagerOptions, CreateBackupOptions, CreateOutcome, BackupListing, RestoreOutcome } from './backup/backup-manager.js';
export type { BackupEntry, CheckRecord } from './backup/backup-manifest.js';
export type { BackupProvider } from './backup/providers/backup-provider.js';
export { SqliteBackupProvider } from './backup/providers/sqlite-provider.js';
export { FileBackupProvider } from './backup/providers/file-provider.js';
export { PostgresBackupProvider } from './backup/providers/postgres-provider.js';
export type { PostgresProviderOptions } from './backup/providers/postgres-provider.js';
export { MysqlBackupProvider } from './backup/providers/mysql-provider.js';
export type { MysqlProviderOptions } from './backup/providers/mysql-provider.js';
export { backupManagerFor, migrationLockOf } from './backup/backup-settings.js';
export type { BackupSettings, BackupConfig } from './backup/backup-settings.js';
export type { CompressionCodec } from './backup/compression.js';
export type { KeySource } from './backup/backup-key.js';
export type { RetentionPolicy } from './backup/retention.js';
export { DEFAULT_RETENTION } from './backup/retention.js';
export type { CheckLevel, Snapshot, SnapshotOptions } from './backup/providers/backup-provider.js';
export type { SqliteProviderOptions } from './backup/providers/sqlite-provider.js';
