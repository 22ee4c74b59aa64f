/**
 * `strata drift`: is the schema still what the applied migrations built? The fingerprint first
 * (one catalog read); on a mismatch the history replayed into a scratch database and compared
 * object by object. `--adopt NAME` writes the difference as a migration and records it applied.
 */
import type { DriftReport } from 'strata-migrate';
import { adoptDrift, describeSchemaChange } from 'strata-migrate/schema';
import { isIgnoredFile } from 'strata-migrate/tooling';
import { mkdirSync, readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { usage } from '../args.js';
import type { CommandContext } from '../command-context.js';
import type { Output } from '../output.js';
import { nextVersion, slug } from './create.js';

const EXIT_DRIFT = 1;

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output } = ctx;
  const migrator = await ctx.migrator();
  if (values.adopt !== undefined) {
    const name = slug(String(values.adopt));
    if (!name) throw usage('--adopt needs a NAME made of letters or digits', 'e.g. strata drift --adopt hand_made_index');
    const { dir } = await ctx.config();
    mkdirSync(dir, { recursive: true });
    const version = nextVersion(
      readdirSync(dir).filter((f) => !isIgnoredFile(f)),
      new Date(),
    );
    const adopted = await adoptDrift(migrator, { dir, name, version });
    output.data({ ...summary(adopted.report), adopted: adopted.file ? { file: adopted.file, version: adopted.version, name } : null });
    if (!adopted.file) {
      output.line('no drift: nothing to adopt');
      return 0;
    }
    printChanges(adopted.report, output);
    output.line(`wrote ${relative(process.cwd(), adopted.file) || adopted.file} and recorded it as applied: the history describes the database again`);
    return 0;
  }
  const report = await migrator.drift({ replay: values.replay === true });
  output.data(summary(report));
  if (!report.exists) {
    output.line('no drift: the database does not exist yet (nothing is applied, there is nothing to compare)');
    return 0;
  }
  if (!report.drift) {
    output.line(
      report.checkedBy === 'stamp'
        ? `no drift: the schema has not changed since ${label(report)} (its schema stamp is the one stored then)`
        : report.checkedBy === 'fingerprint'
          ? `no drift: the schema's fingerprint is the one stored with ${label(report)}`
          : `no drift: the schema is what the ${report.replayed} applied migration(s) build (replayed into a scratch database)`,
    );
    return 0;
  }
  printChanges(report, output);
  output.problem(`drift: ${report.changes.length} change(s) made outside the migrations`);
  output.problem("  fix: record them with 'strata drift --adopt NAME' (a new migration, recorded as applied), or undo them by hand");
  return EXIT_DRIFT;
}

/** The report without the two whole models (they can be large; the changes carry before/after). */
function summary(report: DriftReport): Omit<DriftReport, 'expected' | 'live'> {
  const { expected: _expected, live: _live, ...rest } = report;
  return rest;
}

function label(report: DriftReport): string {
  return report.lastApplied ? `${report.lastApplied.version}_${report.lastApplied.name}` : 'the last migration';
}

function printChanges(report: DriftReport, output: Output): void {
  output.problem(`the schema differs from what the ${report.replayed} applied migration(s) build:`);
  for (const change of report.changes) output.problem(`  ${describeSchemaChange(change)}`);
}
