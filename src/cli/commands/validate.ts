import { ErrorCode } from '../../model/errors.js';
import type { CommandContext } from '../command-context.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { output } = ctx;
  const report = await (await ctx.migrator()).validate();
  output.data(report);
  for (const problem of report.problems) {
    output.line(`✗ ${problem.code}: ${problem.message}`);
    output.line(`  fix: ${problem.hint}`);
  }
  for (const line of report.integrity) output.line(`✗ ${ErrorCode.VALIDATION_FAILED}: ${line}`);
  const checked = 'checksums, files, order, integrity_check, foreign_key_check';
  if (report.ok) {
    output.line(`${report.target} is valid (${checked})${report.pending ? `; ${report.pending} migration(s) pending` : ''}`);
    return 0;
  }
  output.warn(`error ${ErrorCode.VALIDATION_FAILED}: ${report.problems.length + report.integrity.length} problem(s) found in ${report.target}`);
  return 1;
}
