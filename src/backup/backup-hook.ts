/**
 * The hook that plugs a BackupManager into the engine: a verified backup before every run that
 * changes something, an automatic restore after a failure the store cannot undo. A module of its
 * own, apart from the manager: `manager` may load it (and the backup code behind it: codecs,
 * worker threads, child processes) with import() the first time a run needs a backup, so a run
 * with nothing to do does not load it.
 */
import type { BackupHook } from '../engine/migrator.js';
import { ErrorCode, StrataError } from '../model/errors.js';
import type { BackupManager } from './backup-manager.js';

export function backupHook(manager: () => BackupManager | Promise<BackupManager>): BackupHook {
  return {
    async before({ direction, steps }) {
      const backups = await manager();
      if (await backups.provider.isEmpty()) return null;
      const names = steps.map((s) => `${s.version}_${s.name}`);
      const listed = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
      try {
        const { backup } = await backups.create({ description: `before ${direction === 'up' ? 'migrate' : 'rollback'}: ${listed}` });
        return { id: backup.id };
      } catch (error) {
        // Errors that already say what happened to the run pass as they are.
        if (error instanceof StrataError && error.code === ErrorCode.BACKUP_FAILED && /nothing was migrated/.test(error.hint ?? '')) throw error;
        throw new StrataError(ErrorCode.BACKUP_FAILED, `the backup before this run failed: ${error instanceof Error ? error.message : String(error)}`, {
          hint: 'nothing was migrated; fix the cause, or run with --no-backup to migrate without a backup',
          cause: error,
          details: error instanceof StrataError ? { code: error.code } : {},
        });
      }
    },
    async restore(id) {
      await (await manager()).restore(id, { automatic: true });
    },
  };
}
