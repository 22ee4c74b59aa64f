/**
 * The one-shot migration as the app's main process runs it: apply the SQLite schema (Strata
 * migrations), then import the legacy stores into it. Progress goes to `events` (the migration
 * window listens); the status is in `app_state.migration_v2_status`.
 */
import Database from 'better-sqlite3';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMigrator, type EventChannel } from 'strata-migrate';
import { importStatus, runImport, type ImportReport, type ImportStatus } from 'strata-migrate/import';
import { importers } from './importers/index.js';
import { openLegacySources, type LegacyInputs } from './sources.js';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');
export const STATUS = { table: 'app_state', key: 'migration_v2_status' } as const;

export interface MigrateLegacyOptions extends LegacyInputs {
  /** The new SQLite database (created if missing). */
  db: string;
  events?: EventChannel;
  signal?: AbortSignal;
  dryRun?: boolean;
  /** Backups of an existing database before the import (default on). */
  backup?: boolean;
}

export async function migrateLegacyData(options: MigrateLegacyOptions): Promise<ImportReport> {
  if (!options.dryRun) {
    const migrator = createMigrator({ db: options.db, dir: MIGRATIONS_DIR, backup: false });
    try {
      await migrator.migrate();
    } finally {
      await migrator.close();
    }
  }
  const sources = await openLegacySources(options);
  return runImport({
    db: options.db,
    importers,
    sources,
    statusTable: STATUS.table,
    statusKey: STATUS.key,
    events: options.events,
    signal: options.signal,
    dryRun: options.dryRun,
    backup: options.backup === false ? false : {},
  });
}

/** What the app checks on start: whether to open the migration window at all. */
export function migrationStatus(path: string): ImportStatus {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return importStatus({ db, statusTable: STATUS.table, statusKey: STATUS.key }).status;
  } finally {
    db.close();
  }
}
