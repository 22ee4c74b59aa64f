import { ErrorCode } from 'strata-migrate';
import type { ValidationReport } from 'strata-migrate';
import type { CommandContext } from '../command-context.js';
import { eachDatabase } from '../multi-database.js';
import type { Output } from '../output.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { output } = ctx;
  if ((await ctx.project()).multi) {
    // Every database is checked, whatever an earlier one found; exit 0 only if all are valid.
    const outcomes = await eachDatabase(ctx, { stopOnFailure: false }, async (db) => {
      const report = await db.migrator().validate();
      printValidation(report, output);
      return report;
    });
    const ok = outcomes.every((o) => o.value?.ok === true);
    output.data({
      ok,
      databases: outcomes.map((o) => ({
        name: o.name,
        ...(o.database ? { database: o.database } : {}),
        ...(o.error ? { ok: false, error: o.error } : o.value),
      })),
    });
    const invalid = outcomes.filter((o) => o.value?.ok !== true).map((o) => o.name);
    if (invalid.length)
      output.failure(`error ${ErrorCode.VALIDATION_FAILED}: ${invalid.length} of ${outcomes.length} database(s) are not valid: ${invalid.join(', ')}`);
    return ok ? 0 : 1;
  }
  const report = await (await ctx.migrator()).validate();
  output.data(report);
  return printValidation(report, output) ? 0 : 1;
}

/** Prints the report; true if it is valid. */
function printValidation(report: ValidationReport, output: Output): boolean {
  for (const problem of report.problems) {
    output.problem(`✗ ${problem.code}: ${problem.message}`);
    output.problem(`  fix: ${problem.hint}`);
  }
  for (const line of report.integrity) output.problem(`✗ ${ErrorCode.VALIDATION_FAILED}: ${line}`);
  for (const failed of report.verify) {
    output.problem(`✗ ${ErrorCode.MIGRATION_VERIFY_FAILED}: ${failed.error}`);
    output.problem(`  fix: the database no longer has what ${failed.version}_${failed.name} made; find what changed it`);
  }
  // Only the checks that ran: the store's own depend on its kind, and need it to exist.
  const checked = report.checks.join(', ');
  if (report.ok) {
    output.line(`${report.target} is valid (${checked})${report.pending ? `; ${report.pending} migration(s) pending` : ''}`);
    return true;
  }
  output.failure(
    `error ${ErrorCode.VALIDATION_FAILED}: ${report.problems.length + report.integrity.length + report.verify.length} problem(s) found in ${report.target}`,
  );
  return false;
}
