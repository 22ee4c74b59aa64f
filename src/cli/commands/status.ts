import type { StatusReport } from 'strata-migrate';
import { backfillStatus } from 'strata-migrate/backfill';
import type { BackfillState } from 'strata-migrate/backfill';
import type { CommandContext } from '../command-context.js';
import { eachDatabase } from '../multi-database.js';
import { formatMs, table, type Output } from '../output.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { output, values } = ctx;
  const gate = values['exit-code'] === true;
  if ((await ctx.project()).multi) {
    // Every database, even after one that cannot be read: status only reads.
    const outcomes = await eachDatabase(ctx, { stopOnFailure: false }, async (db) => {
      const report = await db.migrator().status();
      printStatus(report, output);
      return report;
    });
    output.data({
      databases: outcomes.map((o) => ({ name: o.name, ...(o.database ? { database: o.database } : {}), ...(o.error ? { error: o.error } : o.value) })),
    });
    if (outcomes.some((o) => o.error)) return EXIT_FAILED;
    if (!gate) return 0;
    // The worst database decides: failed (1) over pending (3) over up to date (0).
    const codes = outcomes.map((o) => statusExitCode(o.value!));
    return codes.includes(EXIT_FAILED) ? EXIT_FAILED : codes.includes(EXIT_PENDING) ? EXIT_PENDING : 0;
  }
  const report = await (await ctx.migrator()).status();
  // Backfills (batched data migrations) keep their own checkpoints; status shows them too.
  // The migrator's connection closes first: a database only one session may have open (a PGlite folder) cannot have two.
  if (report.exists) await (await ctx.database()).close();
  const backfills = report.exists ? await backfillStatus(await ctx.spec()) : [];
  output.data({ ...report, backfills });
  printStatus(report, output);
  printBackfills(backfills, output);
  return gate ? statusExitCode(report) : 0;
}

const EXIT_FAILED = 1;
const EXIT_PENDING = 3;

/**
 * `status --exit-code`, a gate for CI: 1 when anything needs a person (a failed, running, changed
 * or missing migration, or a pending one migrate would refuse), 3 when migrations are pending, 0
 * when the database is up to date.
 */
export function statusExitCode(report: StatusReport): 0 | 1 | 3 {
  const wrong =
    report.problems.length > 0 ||
    report.migrations.some((m) => m.state === 'failed' || m.state === 'running' || m.state === 'changed' || m.state === 'missing');
  if (wrong) return EXIT_FAILED;
  return report.pending > 0 ? EXIT_PENDING : 0;
}

function printBackfills(backfills: readonly BackfillState[], output: Output): void {
  if (!backfills.length) return;
  output.line();
  const rows = [['BACKFILL', 'TABLE', 'STATE', 'DONE', 'UPDATED AT']];
  for (const b of backfills) rows.push([b.name, b.table, b.status, `${b.rowsDone}${b.total === null ? '' : ` / ${b.total}`}`, b.updatedAt]);
  for (const line of table(rows)) output.line(line);
  for (const b of backfills.filter((x) => x.status !== 'done')) {
    output.line(`! backfill ${b.name} is ${b.status}${b.error ? `: ${b.error}` : ''}`);
    output.line(`  fix: 'strata backfill ${b.name} ...' resumes it from its checkpoint`);
  }
}

function printStatus(report: StatusReport, output: Output): void {
  output.line(`${report.target}${report.exists ? '' : ' (does not exist yet)'}: current version ${report.currentVersion ?? '0 (nothing applied)'}`);
  if (report.migrations.length) {
    // Graph projects (dependsOn) get a column saying what each step needs and what blocks it.
    const graph = report.migrations.some((m) => m.dependsOn?.length || m.blockedBy?.length);
    const rows = [['VERSION', 'NAME', 'STATE', 'APPLIED AT', 'DURATION', ...(graph ? ['NEEDS'] : [])]];
    for (const m of report.migrations) {
      const state = m.rolledBack
        ? 'failed (rolled back)'
        : m.blockedBy?.length
          ? `${m.state} (blocked by ${m.blockedBy.join(', ')})`
          : m.state === 'adopted'
            ? `adopted from ${m.adoptedFrom} (history only)`
            : m.adoptedFrom
              ? `${m.state} (${m.adoptedFrom === 'baseline' ? 'baseline' : `adopted from ${m.adoptedFrom}`})`
              : m.state;
      rows.push([
        m.version,
        m.name,
        state,
        m.appliedAt ?? '',
        m.durationMs === null ? '' : formatMs(m.durationMs),
        ...(graph ? [m.dependsOn?.join(', ') ?? ''] : []),
      ]);
    }
    output.line();
    for (const line of table(rows)) output.line(line);
  } else {
    output.line('no migrations found');
  }
  const counts = new Map<string, number>();
  for (const m of report.migrations) counts.set(m.state, (counts.get(m.state) ?? 0) + 1);
  output.line();
  output.line([...counts].map(([state, n]) => `${n} ${state}`).join(', ') || 'nothing to report');
  for (const problem of report.problems) {
    output.line(`! ${problem.message}`);
    output.line(`  fix: ${problem.hint}`);
  }
  for (const m of report.migrations.filter((s) => s.rolledBack)) {
    output.line(`! ${m.version}_${m.name} failed at ${m.appliedAt} and was rolled back: ${m.error}`);
    output.line("  fix: correct it and run 'strata migrate' again (nothing of it was applied)");
  }
}
