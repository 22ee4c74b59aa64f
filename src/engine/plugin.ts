/**
 * The Migrator's plugin slot: what attaches to a migrator without overwriting its methods. How
 * to write one:
 * 1. `name`: for messages (`journal`, `lint`).
 * 2. `inspect(plan)`: called before every migrate and rollback (dry runs included), before the
 *    lock is taken or anything is created, with each step's body as it will run (a SQL body's
 *    statements carry their file and line). Return findings: one `severity: 'error'` stops the
 *    run with PLAN_REJECTED (the findings are in `details.findings`); warnings are emitted as
 *    the `plan:warnings` event and the run goes on.
 * 3. `onEvent(name, payload)`: every event on the migrator's channel (runs, locks, backups, and
 *    the backfills that report there; see StrataEvents). Synchronous: queue anything slow yourself.
 * 4. `onStatus(report)`: fields to add to `status()`'s report (not ones it already has).
 * 5. `onClose()`: once, from `migrator.close()`, before the store's connection closes.
 *
 * @example
 * const noDrops: MigratorPlugin = {
 *   name: 'no-drops',
 *   inspect: (plan) => plan.steps.flatMap((step) =>
 *     step.body.kind === 'sql'
 *       ? step.body.statements.filter((s) => /^drop table/i.test(s.sql)).map((s) => ({
 *           severity: 'error' as const, rule: 'no-drop-table', message: 'drops a table',
 *           version: step.version, file: step.file, line: s.line, statement: s.index }))
 *       : []),
 * };
 * createMigrator({ db: './app.db', dir: './migrations', plugins: [noDrops] });
 */
import type { MigrationBody } from '../model/migration.js';
import type { Direction } from '../model/run-report.js';
import type { StatusReport } from './reports.js';

export interface PlanFinding {
  severity: 'error' | 'warning';
  /** The check that found it: `no-drop-table`. */
  rule: string;
  message: string;
  hint?: string;
  version?: string;
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** 1-based index of the statement among the body's statements. */
  statement?: number;
  /** The plugin that reported it (set by the engine). */
  plugin?: string;
}

export interface InspectedStep<Ctx = unknown> {
  version: string;
  name: string;
  /** Where the migration came from: a file path or `register()`. */
  origin: string;
  /** The file the body's statements come from (a `.down.sql`, or the origin). */
  file: string;
  /** What will run in the plan's direction: SQL statements with their lines, or code. */
  body: MigrationBody<Ctx>;
  /** Up only: the step's own check, run after its body in the same transaction. */
  verify?: MigrationBody<Ctx>;
  /** Up only: the migration's checksum, as the ledger will record it. */
  checksum?: string;
}

export interface InspectedPlan<Ctx = unknown> {
  direction: Direction;
  dryRun: boolean;
  /** The store, for messages: `sqlite:./app.db`. */
  target: string;
  /** In the order they will run. */
  steps: InspectedStep<Ctx>[];
}

export type Awaitable<T> = T | Promise<T>;

export interface MigratorPlugin<Ctx = unknown> {
  readonly name: string;
  inspect?(plan: InspectedPlan<Ctx>): Awaitable<readonly PlanFinding[] | void>;
  /** Untyped, as the channel carries events of other layers too: narrow the payload by the name (StrataEvents[name]). */
  onEvent?(event: string, payload: unknown): void;
  onStatus?(report: StatusReport): Awaitable<Record<string, unknown> | void>;
  onClose?(): Awaitable<void>;
}
