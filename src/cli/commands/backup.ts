import type { BackupEntry } from 'strata-migrate/backup';
import { ErrorCode, StrataError } from 'strata-migrate';
import { usage } from '../args.js';
import type { CommandContext } from '../command-context.js';
import { formatBytes, showBackupProgress, table } from '../output.js';

const ACTIONS = ['create', 'list', 'verify', 'restore', 'delete', 'prune'] as const;
type Action = (typeof ACTIONS)[number];

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output, positionals } = ctx;
  const [action, id] = positionals;
  if (!action || !ACTIONS.includes(action as Action)) {
    throw usage(action ? `unknown backup action '${action}'` : 'strata backup needs an action', `the actions are: ${ACTIONS.join(', ')}`);
  }
  const needsId = action === 'verify' || action === 'restore' || action === 'delete';
  if (needsId && !id) throw usage(`strata backup ${action} needs a backup id`, "'strata backup list' shows the ids");
  if (!needsId && id) throw usage(`unexpected argument '${id}'`, `usage: strata backup ${action}`);
  if (values.to !== undefined && action !== 'restore') throw usage('--to only applies to strata backup restore');
  if (values.description !== undefined && action !== 'create') throw usage('--description only applies to strata backup create');
  const backups = await ctx.backups();
  showBackupProgress(backups.events, output);
  backups.events.on('lock:waiting', (e) => output.warn(`waiting for the migration running on ${e.target} to finish (--lock-timeout)...`));

  switch (action as Action) {
    case 'create': {
      const { backup, pruned, warnings } = await backups.create({ description: typeof values.description === 'string' ? values.description : 'manual' });
      output.data({ backup, pruned: pruned.map((b) => b.id), warnings });
      output.line(
        `backup ${backup.id} written: ${backups.dir}/${backup.file} (${formatBytes(backup.size)}${describeFormat(backup)}, sha256 ${backup.sha256.slice(0, 12)}, verified: ${backup.check === 'full' ? 'full check' : "structure; 'strata backup verify' runs the full check"})`,
      );
      if (pruned.length) output.line(`pruned ${pruned.length} old backup(s): ${pruned.map((b) => b.id).join(', ')}`);
      for (const warning of warnings) output.warn(`warning: ${warning}`);
      return 0;
    }
    case 'list': {
      const listing = await backups.list();
      const { unreadable } = listing;
      // Newest first (the API lists oldest first): the backup a restore most likely wants is on top.
      const entries = [...listing.backups].reverse();
      output.data({ dir: backups.dir, backups: entries, unreadable });
      if (entries.length === 0) output.line(`no backups of ${backups.provider.source} in ${backups.dir}`);
      else {
        // CHECKED: the last check and its result (a later verify's, or the one at creation), so a
        // backup that fails verify today never shows as good.
        const rows = [['ID', 'CREATED', 'VERSION', 'SIZE', 'FORMAT', 'CHECKED', 'DESCRIPTION']];
        for (const b of entries) {
          rows.push([
            b.id,
            b.createdAt.replace('T', ' ').slice(0, 19),
            b.schemaVersion ?? '-',
            formatBytes(b.size),
            describeFormat(b).replace(/^, /, '') || 'plain',
            b.missing ? 'FILE MISSING' : `${b.checked.ok ? 'ok' : 'FAILED'} ${b.checked.level} ${b.checked.at.replace('T', ' ').slice(0, 16)}`,
            b.description,
          ]);
        }
        for (const line of table(rows)) output.line(line);
      }
      for (const name of unreadable) output.warn(`warning: ${backups.dir}/${name} is not a readable manifest; that backup is ignored`);
      return 0;
    }
    case 'verify': {
      const entry = await backups.verify(id!);
      output.data({ ok: true, backup: entry });
      output.line(
        `backup ${entry.id} is intact: sha256 matches, decodes to the ${formatBytes(entry.plainSize)} snapshot, and it passes ${entry.kind === 'sqlite' ? 'PRAGMA integrity_check' : 'its check'}`,
      );
      return 0;
    }
    case 'restore': {
      const outcome = await backups.restore(id!, { to: typeof values.to === 'string' ? values.to : undefined });
      output.data(outcome);
      output.line(`restored backup ${outcome.restored.id} to ${outcome.target}`);
      if (outcome.safety) output.line(`what it replaced is kept as backup ${outcome.safety.id}`);
      return 0;
    }
    case 'delete': {
      const entry = await backups.delete(id!);
      output.data({ deleted: entry });
      output.line(`deleted backup ${entry.id}`);
      return 0;
    }
    case 'prune': {
      const pruned = await backups.prune();
      output.data({ pruned: pruned.map((b) => b.id) });
      output.line(pruned.length ? `pruned ${pruned.length} backup(s): ${pruned.map((b) => b.id).join(', ')}` : 'nothing to prune');
      return 0;
    }
  }
  throw new StrataError(ErrorCode.USAGE, `unknown backup action '${action}'`);
}

function describeFormat(entry: BackupEntry): string {
  const parts = [
    entry.compression ? `${entry.compression} -${entry.compressionLevel}` : '',
    entry.encryption ? `${entry.encryption}${entry.kdf === 'scrypt' ? ' (passphrase)' : ''}` : '',
  ].filter(Boolean);
  return parts.length ? `, ${parts.join(', ')}` : '';
}
