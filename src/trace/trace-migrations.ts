/**
 * `traceMigrations()`: apply the pending migrations to a copy of the database and report what
 * they did (see trace-report.ts); the live database is only read. One tracer per dialect.
 *
 * @example
 * import { assertNoDataLoss, traceMigrations } from 'strata-migrate/tooling';
 * const report = await traceMigrations({ db: './app.db', dir: './migrations' });
 * for (const table of report.tables) console.log(table.table, table.rowsBefore, '->', table.rowsAfter, 'lost', table.rowsLost);
 * assertNoDataLoss(report); // TRACE_DATA_LOSS when rows were lost that no statement deleted by name
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import { resolveDatabase } from '../targets/sql/database-spec.js';
import type { TraceOptions } from './trace-options.js';
import type { TraceReport } from './trace-report.js';

export async function traceMigrations(options: TraceOptions): Promise<TraceReport> {
  const { db, to, mode, sampleEveryMs, ...migrator } = options;
  const spec = resolveDatabase({ ...migrator, db });
  const run = { migrator, to, mode, sampleEveryMs };
  const family = spec.dialect.name;
  if (mode === 'as-written' && family !== 'sqlite') {
    throw new StrataError(ErrorCode.TRACE_UNSUPPORTED, `--as-written traces SQLite files, and ${spec.description} is ${family}`, {
      hint: 'trace without --as-written',
    });
  }
  if (family === 'sqlite') return (await import('./sqlite-trace.js')).traceSqlite(spec, run);
  if (family === 'postgres') return (await import('./postgres-trace.js')).tracePostgres(spec, run);
  if (family === 'mysql') return (await import('./mysql-trace.js')).traceMysql(spec, run);
  throw new StrataError(ErrorCode.TRACE_UNSUPPORTED, `strata trace works on SQLite, PostgreSQL and MySQL/MariaDB, and ${spec.description} is ${family}`, {
    hint: 'PGlite: trace the same migrations on a PostgreSQL server (the lock modes are the same)',
  });
}

/** TRACE_DATA_LOSS when the trace lost rows that no statement deleted by name; TRACE_RUN_FAILED when the run failed on the copy. */
export function assertTraceClean(report: TraceReport): void {
  if (report.failure) {
    throw new StrataError(ErrorCode.TRACE_RUN_FAILED, `the pending migrations fail on a copy of ${report.target}: ${String(report.failure.message)}`, {
      hint: 'fix the migration and run again; the live database was not touched',
      details: { failure: report.failure },
    });
  }
  assertNoDataLoss(report);
}

/** TRACE_DATA_LOSS when the trace lost rows that no statement deleted by name. */
export function assertNoDataLoss(report: TraceReport): void {
  if (report.rowsLost === 0) return;
  const tables = report.tables.filter((t) => t.rowsLost > 0);
  throw new StrataError(
    ErrorCode.TRACE_DATA_LOSS,
    `on a copy of ${report.target}, the pending migrations lose ${report.rowsLost} row(s) no statement deletes by name: ${tables
      .map((t) => `${t.table} ${t.rowsLost}${t.deletedByCascade ? ` (${t.deletedByCascade} by ON DELETE CASCADE)` : ''}`)
      .join(', ')}`,
    {
      hint: "a table rebuild with foreign keys on deletes the children of the rebuilt table: put 'PRAGMA foreign_keys = OFF' in the file (Strata runs it outside the transaction), or delete the rows by name if that is the intent; 'strata trace' shows each statement",
      details: { rowsLost: report.rowsLost, tables },
    },
  );
}
