/**
 * `strata db create` / `strata db drop --force`: the database itself, before the first migrate
 * (a server's database must exist before it can be migrated) or to start over. Both are no-ops
 * when there is nothing to do, so a setup script can run them every time.
 */
import { databaseAdmin } from 'strata-migrate/tooling';
import { usage } from '../args.js';
import type { CommandContext } from '../command-context.js';

const ACTIONS = ['create', 'drop'] as const;

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output, positionals } = ctx;
  const action = positionals[0];
  if (action !== 'create' && action !== 'drop') {
    throw usage(action ? `unknown db action '${action}'` : 'strata db needs an action', `the actions are: ${ACTIONS.join(', ')}`);
  }
  if (values.force !== undefined && action !== 'drop') throw usage('--force only applies to strata db drop');
  const { config } = await ctx.database();
  const admin = databaseAdmin(config.db);
  if (action === 'drop' && values.force !== true) {
    throw usage(
      `strata db drop removes ${admin.description} and everything in it: it needs --force`,
      "run 'strata db drop --force' if that is what you want (a backup first: 'strata backup create')",
    );
  }
  const exists = await admin.exists();
  if (action === 'create') {
    if (!exists) await admin.create();
    output.data({ action, created: !exists });
    output.line(exists ? `${admin.description} already exists; nothing to create` : `created ${admin.description}`);
    return 0;
  }
  if (exists) await admin.drop();
  output.data({ action, dropped: exists, ...(admin.files.length ? { files: admin.files } : {}) });
  output.line(exists ? `dropped ${admin.description}` : `${admin.description} does not exist; nothing to drop`);
  return 0;
}
