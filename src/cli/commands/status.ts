import type { CommandContext } from '../command-context.js';
import { formatMs, table } from '../output.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { output } = ctx;
  const report = await (await ctx.migrator()).status();
  output.data(report);
  output.line(`${report.target}${report.exists ? '' : ' (does not exist yet)'}: current version ${report.currentVersion ?? '0 (nothing applied)'}`);
  if (report.migrations.length) {
    const rows = [['VERSION', 'NAME', 'STATE', 'APPLIED AT', 'DURATION']];
    for (const m of report.migrations) {
      rows.push([m.version, m.name, m.state, m.appliedAt ?? '', m.durationMs === null ? '' : formatMs(m.durationMs)]);
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
  return 0;
}
