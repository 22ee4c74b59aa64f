import { integerOption, usage } from '../args.js';
import type { CommandContext } from '../command-context.js';
import { showProgress } from '../output.js';
import { attachDryRunPrinter } from './dry-run.js';
import { summarise } from './migrate.js';
import { dumpSchemaPath, writeSchemaDump } from './schema.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output, positionals } = ctx;
  const database = await ctx.database();
  const migrator = database.migrator();
  const dryRun = values['dry-run'] === true;
  const printed = dryRun ? attachDryRunPrinter(migrator.events, output) : undefined;
  if (!dryRun) showProgress(migrator.events, output);
  const to = typeof values.to === 'string' ? values.to : undefined;
  if (to !== undefined && positionals[0] !== undefined && to !== positionals[0])
    throw usage(`give the version once: ${positionals[0]} or --to ${to}`, `e.g. strata rollback --to ${to}`);
  const report = await migrator.rollback({
    to: to ?? positionals[0],
    steps: integerOption(values.steps, '--steps', 1),
    dryRun,
    fromLedger: values['from-ledger'] === true,
  });
  summarise(report, output, database.config.db);
  const dumpPath = dumpSchemaPath(ctx, database);
  const schemaDump = dumpPath && !dryRun ? await writeSchemaDump(database, dumpPath, output) : undefined;
  output.data({ ...report, ...(printed ? { plan: printed.plan } : {}), ...(schemaDump ? { schemaDump } : {}) });
  return 0;
}
