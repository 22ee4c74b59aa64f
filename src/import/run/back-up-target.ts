/**
 * The backing-up stage: a verified backup of a target that has data, before the first table is
 * cleared. A backup that fails stops the run.
 */
import { backupManagerFor } from '../../backup/backup-settings.js';
import { SqliteBackupProvider } from '../../backup/providers/sqlite-provider.js';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import type { ImportReport } from '../types.js';
import type { ImportRun } from './import-run.js';

/** The backup taken, or null: turned off, an in-memory target, or nothing in it to lose. */
export async function backUpTarget(run: ImportRun<any>): Promise<ImportReport['backup']> {
  const { backup: settings } = run.options;
  if (settings === false || run.target.path === ':memory:') return null;
  run.stage('backing-up');
  const manager = backupManagerFor(new SqliteBackupProvider(run.target.path), settings || {}, run.events);
  if (await manager.provider.isEmpty()) return null;
  try {
    const { backup: entry } = await manager.create({ description: `before import${run.interrupted ? ' (after an interrupted run)' : ''}` });
    return { id: entry.id, location: `${manager.dir}/${entry.file}` };
  } catch (error) {
    throw new StrataError(ErrorCode.BACKUP_FAILED, `the backup before the import failed: ${messageOf(error)}`, {
      hint: 'nothing was imported; fix the cause, or run without a backup (backup: false / --no-backup)',
      cause: error,
    });
  }
}
