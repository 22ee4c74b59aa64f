/** What `traceMigrations()` takes, and what each dialect's tracer gets from it. */
import type { CreateMigratorOptions } from '../create-migrator.js';
import type { DatabaseSpec } from '../targets/sql/database-spec.js';
import type { TraceMode } from './trace-report.js';

/** The migrator's settings that decide what runs on the copy (the folder, its format, placeholders...); the linter does not run there (the trace is what it cannot see). */
export type TracedMigratorOptions = Omit<CreateMigratorOptions, 'db' | 'backup' | 'journal' | 'plugins' | 'drift' | 'now' | 'lint'>;

export interface TraceOptions extends TracedMigratorOptions {
  /** The live database (a path, a URL, or a spec): only read, to make the copy. */
  db: string | DatabaseSpec;
  /** Trace the pending migrations up to and including this version. */
  to?: string | number;
  /** `engine` (default): as `strata migrate` runs them. `as-written` (SQLite): each file as written in one transaction, as drizzle-kit's migrator runs it. */
  mode?: TraceMode;
  /**
   * PostgreSQL: how often (ms) a second connection reads `pg_locks` for the traced session, to
   * see lock waits (default 5). The locks themselves are read exactly inside the transaction.
   */
  sampleEveryMs?: number;
}

/** A dialect tracer's view of the options: the migrator's settings apart. */
export interface TraceRunOptions {
  migrator: TracedMigratorOptions;
  to?: string | number;
  mode?: TraceMode;
  sampleEveryMs?: number;
}
