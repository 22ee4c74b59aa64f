/**
 * A migrator over a folder, closed when the callback ends: the suite reads the database through
 * its own connection only between such blocks, while Strata holds no connection.
 */
import { createMigrator, type SqlMigrator } from './strata-access.js';

export interface MigratorSettings {
  lockTimeoutMs?: number;
  journal?: boolean;
}

export function openMigrator(db: string, dir: string, settings: MigratorSettings = {}): SqlMigrator {
  return createMigrator({ db, dir, backup: false, lockTimeoutMs: settings.lockTimeoutMs ?? 20_000, journal: settings.journal ?? false });
}

export async function withMigrator<T>(db: string, dir: string, fn: (migrator: SqlMigrator) => Promise<T>, settings: MigratorSettings = {}): Promise<T> {
  const migrator = openMigrator(db, dir, settings);
  try {
    return await fn(migrator);
  } finally {
    await migrator.close();
  }
}
