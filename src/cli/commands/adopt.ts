import { adopt, type AdoptReport } from 'strata-migrate/adopt';
import { usage } from '../args.js';
import type { CommandContext } from '../command-context.js';
import { table, type Output } from '../output.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output } = ctx;
  const from = typeof values.from === 'string' ? values.from : undefined;
  if (!from) throw usage('adopt needs --from TOOL: the tool whose history to take over', 'e.g. strata adopt --from dbmate --dir db/migrations');
  const migrator = await ctx.migrator();
  const report = await adopt(migrator, {
    from,
    ...(typeof values.dir === 'string' ? { dir: values.dir } : {}),
    ...(typeof values['tool-table'] === 'string' ? { table: values['tool-table'] } : {}),
    dryRun: values['dry-run'] === true,
  });
  output.data(report);
  printReport(report, output);
  return 0;
}

function printReport(report: AdoptReport, output: Output): void {
  const count = `${report.entries.length} step${report.entries.length === 1 ? '' : 's'}`;
  if (report.alreadyAdopted) output.line(`the ${report.tool} history (${count}) is already in Strata's ledger: nothing to do`);
  else if (report.dryRun) output.line(`would adopt ${count} from ${report.tool} (${report.source}); nothing was written (dry run)`);
  else output.line(`adopted ${count} from ${report.tool} (${report.source}); no migration ran, ${report.source} is left as it was`);
  if (report.entries.length && !report.alreadyAdopted) {
    const rows = [['VERSION', 'NAME', 'APPLIED AT', 'CHECKSUM']];
    for (const e of report.entries) rows.push([e.version, e.name, e.appliedAt, e.checksum.length > 24 ? `${e.checksum.slice(0, 21)}...` : e.checksum]);
    output.line();
    for (const line of table(rows)) output.line(line);
  }
  if (report.checksumsVerified) output.line(`verified ${report.checksumsVerified} checksum(s) ${report.tool} stored against the files`);
  if (report.pending.length) {
    output.line(`${report.pending.length} file(s) ${report.tool} never ran are pending: ${report.pending.map((p) => p.origin).join(', ')}`);
    for (const p of report.pending.filter((x) => x.outOfOrder)) {
      output.line(`! ${p.origin} is older than the last step ${report.tool} ran: 'strata migrate' refuses it unless --allow-out-of-order`);
    }
  }
  output.line();
  if (report.config) {
    output.line(`the folder stays where it is; point Strata at it in strata.config.json:`);
    output.line(`  "dir": ${JSON.stringify(report.config.dir)}${report.config.format ? ',' : ''}`);
    if (report.config.format) output.line(`  "format": ${JSON.stringify(report.config.format)}`);
  } else {
    output.line(`${report.tool}'s migrations are code Strata does not run: its history is recorded (status shows it as adopted);`);
    output.line("write new migrations for Strata in a folder of its own ('strata create NAME --timestamp')");
  }
}
