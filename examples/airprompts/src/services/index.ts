/** The guide's services on Strata: migration orchestration, backups, the migration log. */
export {
  DataMigrationService,
  itemToV3,
  ITEMS_INDEX_KEY,
  ITEMS_V2_PREFIX,
  ITEMS_V3_PREFIX,
  ITEMS_COMPAT_KEY,
  DEFAULT_BATCH_SIZE,
} from './DataMigrationService.js';
export type { DataMigrationServiceOptions, MigrationStatus, MigrationProgress, ItemKind, ItemV3Any } from './DataMigrationService.js';
export { BackupService, BACKUP_RETENTION } from './BackupService.js';
export type { BackupServiceOptions, BackupExport, BackupVerification, EnumerableStorage } from './BackupService.js';
export { MigrationLogger, createMigrationLogger, migrationLogger, JOURNAL_KEY } from './migrationLogger.js';
export type { MigrationLoggerOptions } from './migrationLogger.js';
