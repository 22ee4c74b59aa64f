import { usage } from '../args.js';
import type { CommandContext } from '../command-context.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals, output } = ctx;
  const chosen = ['applied', 'rolled-back', 'checksums'].filter((flag) => values[flag] === true);
  if (chosen.length !== 1)
    throw usage(
      'repair needs exactly one of --applied, --rolled-back or --checksums',
      'usage: strata repair V --applied | --rolled-back, or strata repair --checksums',
    );
  const migrator = await ctx.migrator();
  if (values.checksums) {
    if (positionals[0] !== undefined)
      throw usage(
        '--checksums takes no version: it accepts every edited file',
        "run 'strata repair --checksums' alone, or 'strata repair V --applied' for one failed step",
      );
    const updated = await migrator.repairChecksums();
    output.data({ updated });
    output.line(
      updated.length
        ? `accepted the edited file(s) of ${updated.map((u) => `${u.version}_${u.name}`).join(', ')}`
        : 'no applied migration was edited: nothing to repair',
    );
    return 0;
  }
  const version = positionals[0];
  if (version === undefined) throw usage(`--${chosen[0]} needs the version to repair`, `e.g. strata repair 42 --${chosen[0]}`);
  const outcome = values.applied ? 'applied' : 'rolled-back';
  const entry = await migrator.repair(version, outcome);
  output.data({ version, outcome, entry });
  output.line(outcome === 'applied' ? `marked ${version} as applied` : `removed ${version} from the ledger: it is pending again`);
  return 0;
}
