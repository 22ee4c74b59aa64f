import { integerOption } from '../args.js';
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
  const report = await migrator.rollback({
    to: positionals[0],
    steps: integerOption(values.steps, '--steps', 1),
    dryRun,
  });
  summarise(report, output, database.config.db);
  const dumpPath = dumpSchemaPath(ctx, database);
  const schemaDump = dumpPath && !dryRun ? await writeSchemaDump(database, dumpPath, output) : undefined;
  output.data({ ...report, ...(printed ? { plan: printed.plan } : {}), ...(schemaDump ? { schemaDump } : {}) });
  return 0;
}
