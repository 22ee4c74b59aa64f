/**
 * `strata baseline V`: take over a database whose schema is already at V. Every migration up to
 * V is recorded as applied without running, after their verifies pass on the database as it is.
 */
import { migrationLabel } from 'strata-migrate';
import { usage } from '../args.js';
import type { CommandContext } from '../command-context.js';
import { showProgress } from '../output.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals, output } = ctx;
  const version = positionals[0];
  if (version === undefined) throw usage('baseline needs the version the database is at', "e.g. strata baseline 12 (see 'strata status' for the versions)");
  const migrator = await ctx.migrator();
  showProgress(migrator.events, output);
  const report = await migrator.baseline(version, { dryRun: values['dry-run'] === true });
  output.data(report);
  const steps = report.recorded.map(migrationLabel).join(', ');
  const checked = report.verified.length ? ` (verified: ${report.verified.map(migrationLabel).join(', ')})` : ' (none has a verify section)';
  if (!report.recorded.length) output.line(`nothing to record: every migration up to ${report.version} is already in the ledger`);
  else if (report.dryRun) output.line(`dry run: would record ${report.recorded.length} migration(s) as applied: ${steps}${checked}; nothing was changed`);
  else
    output.line(`recorded ${report.recorded.length} migration(s) as applied without running them: ${steps}${checked}; now at version ${report.currentVersion}`);
  return 0;
}
