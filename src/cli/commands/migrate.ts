import type { RunReport } from '../../engine/migrator.js';
import { migrationLabel } from '../../model/migration.js';
import type { CommandContext } from '../command-context.js';
import { formatMs, showProgress, type Output } from '../output.js';
import { attachDryRunPrinter } from './dry-run.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output } = ctx;
  const migrator = await ctx.migrator();
  const dryRun = values['dry-run'] === true;
  const printed = dryRun ? attachDryRunPrinter(migrator.events, output) : undefined;
  if (!dryRun) showProgress(migrator.events, output);
  const report = await migrator.migrate({
    to: typeof values.to === 'string' ? values.to : undefined,
    dryRun,
    singleTransaction: values['single-transaction'] === true,
    resume: values['resume'] === true,
  });
  output.data({ ...report, ...(printed ? { plan: printed.plan } : {}) });
  summarise(report, output, (await ctx.config()).db);
  return 0;
}

export function summarise(report: RunReport, output: Output, db: string): void {
  const verb = report.direction === 'up' ? 'applied' : 'reverted';
  const version = report.currentVersion ?? '0 (nothing applied)';
  if (report.dryRun) {
    output.line(
      report.results.length
        ? `dry run: ${report.results.length} migration(s) would be ${verb}: ${report.results.map(migrationLabel).join(', ')}; nothing was changed`
        : `dry run: nothing to ${report.direction === 'up' ? 'apply' : 'roll back'}; current version ${version}`,
    );
    return;
  }
  if (report.results.length === 0) {
    output.line(report.direction === 'up' ? `${db} is up to date (version ${version})` : `nothing to roll back (version ${version})`);
    return;
  }
  output.line(`${report.results.length} migration(s) ${verb} in ${formatMs(report.durationMs)}; now at version ${version}`);
}
