/**
 * `strata redo`: roll back the last applied migration and apply it again, the loop of writing a
 * migration. Two runs, each exactly as `rollback` and `migrate --to V` run alone (each takes its
 * backup first, unless --no-backup), so a failure in either half is reported as that half's.
 */
import { migrationLabel } from 'strata-migrate';
import type { CommandContext } from '../command-context.js';
import { formatMs, showProgress } from '../output.js';
import { warnOnEmptySteps } from './migrate.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { output } = ctx;
  const migrator = (await ctx.database()).migrator();
  showProgress(migrator.events, output);
  const warnings = warnOnEmptySteps(migrator.events, output);
  const down = await migrator.rollback({ steps: 1 });
  const step = down.results[0];
  if (!step) {
    output.data({ rollback: down, migrate: null, warnings });
    output.line(`nothing to redo: no migration is applied (version ${down.currentVersion ?? '0'})`);
    return 0;
  }
  const up = await migrator.migrate({ to: step.version });
  output.data({ rollback: down, migrate: up, warnings });
  output.line(`redid ${migrationLabel(step)} in ${formatMs(down.durationMs + up.durationMs)}; now at version ${up.currentVersion ?? '0 (nothing applied)'}`);
  return 0;
}
