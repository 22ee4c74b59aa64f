/**
 * `strata trace`: the pending migrations applied to a copy of the database, and what they did:
 * per statement the rows changed (SQLite), the locks held (PostgreSQL) or the algorithm the
 * server used (MySQL/MariaDB); per table (SQLite) rows before and after and where the missing
 * ones went. Exit 1 when rows were lost that no statement deleted by name, or the run failed.
 */
import { migrationLabel } from 'strata-migrate';
import { assertTraceClean, traceMigrations, type TracedMigratorOptions, type TracedStatement, type TraceReport } from 'strata-migrate/tooling';
import type { CommandContext, DatabaseHandle } from '../command-context.js';
import { formatMs, table, type Output } from '../output.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { output } = ctx;
  const report = await traceDatabase(await ctx.database(), ctx);
  output.data(report);
  printTrace(report, output);
  try {
    assertTraceClean(report);
    return 0;
  } catch (error) {
    // With --json the report (its failure, its rowsLost) is the one document on stdout.
    if (!output.json) output.error(error);
    return 1;
  }
}

/** The trace of one database with the run's settings (also `migrate --trace`'s first half). */
export function traceDatabase(db: DatabaseHandle, ctx: CommandContext): Promise<TraceReport> {
  const { values } = ctx;
  return traceMigrations({
    ...(db.config as TracedMigratorOptions),
    db: db.spec(),
    to: typeof values.to === 'string' ? values.to : undefined,
    mode: values['as-written'] === true ? 'as-written' : 'engine',
  });
}

export function printTrace(report: TraceReport, output: Output): void {
  output.line(`trace of ${report.target} on a copy (${report.copy}); the database itself was not changed`);
  if (report.steps.length === 0) {
    output.line('nothing pending: nothing to trace');
    return;
  }
  let step = '';
  for (const statement of report.statements) {
    const label = migrationLabel(statement);
    if (label !== step) output.line(`${label}:`);
    step = label;
    output.line(`  ${statement.index ? `#${statement.index} line ${statement.line}` : 'code'}  ${oneLine(statement.sql)}  (${formatMs(statement.durationMs)})`);
    for (const detail of details(statement)) output.line(`      ${detail}`);
  }
  if (report.dialect === 'sqlite') {
    output.line();
    output.line('tables:');
    const rows = [['table', 'before', 'after', 'deleted', 'cascade', 'triggers', 'fk-violations', 'rebuilt', 'indexes recreated', 'lost']];
    for (const t of report.tables) {
      rows.push([
        t.table,
        t.rowsBefore === null ? '-' : String(t.rowsBefore),
        t.rowsAfter === null ? '-' : String(t.rowsAfter),
        String(t.deletedByStatements),
        String(t.deletedByCascade + t.updatedByCascade),
        String(t.deletedByTriggers + t.changedByTriggers),
        String(t.foreignKeyViolations),
        t.rebuilt ? 'yes' : '',
        t.indexesRecreated.join(', '),
        t.rowsLost ? String(t.rowsLost) : '',
      ]);
    }
    for (const line of table(rows)) output.line(`  ${line}`);
  }
  output.line();
  // Rows are counted on SQLite only: elsewhere the trace says nothing about them.
  const rows =
    report.dialect !== 'sqlite'
      ? ''
      : report.rowsLost
        ? `; ${report.rowsLost} row(s) lost that no statement deletes by name`
        : '; no row lost that no statement deletes by name';
  output.line(`${report.steps.length} migration(s) traced in ${formatMs(report.durationMs)}${rows}`);
}

/** What one statement did, a line each. */
function details(statement: TracedStatement): string[] {
  const lines: string[] = [];
  for (const change of statement.changes ?? []) {
    const counts = [
      change.inserted ? `${change.inserted} inserted` : '',
      change.updated ? `${change.updated} updated` : '',
      change.deleted ? `${change.deleted} deleted` : '',
    ].filter(Boolean);
    const by = change.cause === 'statement' ? '' : change.cause === 'cascade' ? ' by a foreign key action' : change.cause === 'trigger' ? ' by a trigger' : '';
    lines.push(`${change.table}: ${counts.join(', ')}${by}`);
  }
  for (const lock of statement.locks ?? []) {
    lines.push(`${lock.mode} on ${lock.relation}, held ${formatMs(lock.heldMs)}${lock.waitedMs ? ` (waited ${formatMs(lock.waitedMs)})` : ''}`);
  }
  if (statement.rewrote?.length) lines.push(`rewrote ${statement.rewrote.join(', ')} (a new copy of the table)`);
  if (statement.algorithm)
    lines.push(`ALGORITHM=${statement.algorithm}; ${statement.blocksWrites ? 'blocks writes to the table while it runs' : 'writes go on while it runs'}`);
  return lines;
}

function oneLine(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  return text.length > 72 ? `${text.slice(0, 69)}...` : text;
}
