/** What `runImport` takes. */
import type { BetterSqlite3Database } from '../targets/sql/sqlite/better-sqlite3-database.js';
import type { BackupSettings } from '../backup/backup-settings.js';
import type { EngineEvents, EventChannel } from '../engine/events.js';
import type { ImportEvents } from './import-events.js';
import type { ImportLogger, ImportSources, Importer } from './types.js';

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
  events?: EventChannel<ImportEvents & EngineEvents>;
  logger?: ImportLogger;
  /** Shared between importers; give one to pre-seed it. */
  sharedData?: Map<string, unknown>;
  /** A running status with no heartbeat for this long is taken as dead (default 60 s). */
  staleAfterMs?: number;
}
