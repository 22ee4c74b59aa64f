/**
 * One migrate or rollback, under the lock: its direction, the versions whose aborted attempt it
 * replaces, the rows it marked running, and the one place a finished step's ledger record is
 * written (commitStep), inside the step's transaction when the step has one.
 */
import { clock, elapsedSince } from '../model/clock.js';
import { ErrorCode, StrataError, messageOf, type StepResult } from '../model/errors.js';
import type { LedgerEntry } from '../model/ledger.js';
import type { LoadedMigration, Migration, MigrationBody, SqlBody } from '../model/migration.js';
import { commandLine, nextCommand } from '../model/next-command.js';
import type { Direction } from '../model/run-report.js';
import { storedDownSql } from '../sources/sql/stored-down.js';
import { schemaNow, type SchemaState } from './drift.js';
import { EventChannel, type EngineEvents, type StepEvent } from './events.js';
import { originOf, runBody, runSqlBodySync, runSqlVerifySync, runVerify, type BodyRunner, type Identity } from './run-body.js';
import { anchorShape } from './shape-anchors.js';
import { stepError } from './step-error.js';
import { syncStepsOf, type SyncSteps } from './sync-steps.js';
import type { Target } from './target.js';

export interface MigrationRunOptions<Ctx> {
  target: Target<Ctx>;
  events: EventChannel<EngineEvents>;
  direction: Direction;
  /** Versions with an aborted attempt in the ledger: their row is replaced when they commit. */
  retried?: ReadonlySet<string>;
  /** The clock for applied_at. */
  now?: () => Date;
  /** Runs before each step of applyEach (a check that may refuse it); `done`: the steps finished so far. */
  beforeStep?: (step: Identity, done: readonly StepResult[]) => Promise<void>;
  /** The schema before the run, when its stamp vouched for it (the drift check): the end of the run reuses its fingerprint if the stamp has not moved. */
  schemaBefore?: SchemaState;
}

export class MigrationRun<Ctx> {
  readonly direction: Direction;
  private readonly target: Target<Ctx>;
  private readonly events: EventChannel<EngineEvents>;
  private readonly runner: BodyRunner<Ctx>;
  private readonly retried: ReadonlySet<string>;
  private readonly now: (() => Date) | undefined;
  private readonly beforeStep: MigrationRunOptions<Ctx>['beforeStep'];
  private readonly schemaBefore: SchemaState | undefined;
  /** Versions whose ledger row this run wrote as 'running' (steps outside a transaction). */
  private readonly marked = new Set<string>();
  /** The target's synchronous step operations, when it has them (sync-steps.ts). */
  private readonly sync: SyncSteps | undefined;

  constructor(options: MigrationRunOptions<Ctx>) {
    this.direction = options.direction;
    this.target = options.target;
    this.events = options.events;
    this.runner = { target: options.target, events: options.events };
    this.retried = options.retried ?? new Set();
    this.now = options.now;
    this.beforeStep = options.beforeStep;
    this.schemaBefore = options.schemaBefore;
    this.sync = syncStepsOf(options.target);
  }

  /** Each step in its own transaction (where it has one), in order; stops at the first failure. */
  async applyEach(
    steps: readonly Identity[],
    loaded: readonly LoadedMigration<Ctx>[],
    /** Statements of the first step already done (a resumed step). */
    firstStepDone = 0,
  ): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (let k = 0; k < steps.length; k++) {
      const migration = loaded[k]!;
      const body = this.direction === 'up' ? migration.up : migration.down!;
      const verify = this.direction === 'up' ? migration.verify : undefined;
      const position = { index: k + 1, total: steps.length };
      const alreadyDone = k === 0 ? firstStepDone : 0;
      if (this.beforeStep) await this.beforeStep(steps[k]!, results);
      // The last step fingerprints the schema inside its transaction (commitStep): awaited. A step
      // with foreign keys off switches them around its transaction and checks them: awaited too.
      const sql = this.sync && position.index < position.total && alreadyDone === 0 && this.target.transactionalSteps ? sqlBodies(body, verify) : undefined;
      if (this.sync && sql?.body.foreignKeys) {
        const outcome = this.applyStepSync(this.sync, steps[k]!, sql.body, position, sql.verify, migration.down);
        if (outcome instanceof FailedStep) throw await this.stepFailed(outcome, steps[k]!, true, results);
        results.push(outcome);
      } else {
        results.push(await this.applyStep(steps[k]!, body, position, results, alreadyDone, verify, migration.down));
      }
    }
    return results;
  }

  /** Every step in one transaction: all or nothing (ups only). */
  async applyAllInOneTransaction(steps: readonly Migration<Ctx>[], loaded: readonly LoadedMigration<Ctx>[]): Promise<StepResult[]> {
    const outside: Migration<Ctx>[] = [];
    for (let k = 0; k < steps.length; k++) if (!loaded[k]!.up.transaction) outside.push(steps[k]!);
    if (outside.length || (steps.length && !this.target.transactionalSteps)) {
      throw new StrataError(
        ErrorCode.TRANSACTION_REQUIRED,
        outside.length
          ? `--single-transaction cannot include ${outside.map((m) => m.origin).join(', ')}: it opts out of transactions`
          : `${this.target.description} cannot run migrations in one transaction`,
        { hint: 'run without --single-transaction, or apply up to the version before it with --to' },
      );
    }
    const foreignKeys = loaded.every(keepsForeignKeys);
    const progress: { current: StepUnderWay<Ctx> | undefined } = { current: undefined };
    let results: StepResult[];
    try {
      results = await this.target.transaction(() => this.applyEachInTransaction(steps, loaded, progress), { foreignKeys });
    } catch (caught) {
      const failing = progress.current ?? { step: steps.at(-1)!, event: undefined, started: clock() };
      const durationMs = elapsedSince(failing.started);
      const again = nextCommand('migrate');
      const error = stepError(
        caught,
        failing.step,
        'up',
        true,
        0,
        [{ version: failing.step.version, name: failing.step.name, direction: 'up', status: 'failed', durationMs }],
        {
          hint: `the whole run was rolled back (--single-transaction): none of its ${steps.length} migrations is applied; fix it and run '${commandLine(again)}' again`,
          next: [again],
        },
      );
      await this.recordAborted(this.ledgerEntry(failing.step, undefined), caught, durationMs);
      if (failing.event) this.events.emit('failed', { ...failing.event(), error, durationMs });
      throw error;
    }
    return results;
  }

  /**
   * applyAllInOneTransaction's steps, inside its transaction. A method rather than a closure made
   * per run: V8 keeps a closure's optimized code only while one of its closures lives, so the
   * loop ran unoptimized again after every full GC. `progress.current`: the step under way, for
   * the failure.
   */
  private async applyEachInTransaction(
    steps: readonly Migration<Ctx>[],
    loaded: readonly LoadedMigration<Ctx>[],
    progress: { current: StepUnderWay<Ctx> | undefined },
  ): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k]!;
      // Made only for listeners, or for the failure event.
      const event = (): StepEvent => ({
        version: step.version,
        name: step.name,
        direction: 'up',
        index: k + 1,
        total: steps.length,
        ...statementCount(loaded[k]!.up),
      });
      const started = clock();
      progress.current = { step, event, started };
      if (this.events.has('migrating')) this.events.emit('migrating', event());
      const { up, verify, down } = loaded[k]!;
      const last = k === steps.length - 1;
      // The last step fingerprints the schema (commitStep): awaited, like any step without synchronous operations.
      const sql = this.sync && !last ? sqlBodies(up, verify) : undefined;
      let durationMs: number;
      if (this.sync && sql) {
        const statementsApplied = runSqlBodySync(this.runner, this.sync, step, sql.body, 'up');
        if (sql.verify) runSqlVerifySync(this.runner, this.sync, step, sql.verify);
        // One clock read for the row and the result: the transaction commits after the last step.
        durationMs = elapsedSince(started);
        this.commitStepSync(this.sync, step, this.ledgerEntry(step, down), statementsApplied, durationMs);
      } else {
        const statementsApplied = await runBody(this.runner, step, up, 'up', true);
        if (verify) await runVerify(this.runner, step, verify);
        await this.commitStep(step, this.ledgerEntry(step, down), statementsApplied, elapsedSince(started), last);
        durationMs = elapsedSince(started);
      }
      results.push({ version: step.version, name: step.name, direction: 'up', status: 'applied', durationMs });
      if (this.events.has('migrated')) this.events.emit('migrated', { ...event(), durationMs });
    }
    progress.current = undefined;
    return results;
  }

  /**
   * The ledger's record of a finished step: an up's row (replacing the row it marked running,
   * or an aborted attempt's), or a down's row deleted. Called inside the step's transaction
   * when it has one, so the step and its record commit together.
   */
  async commitStep(step: Identity, entry: LedgerEntry, statementsApplied: number, durationMs: number, fingerprint = false): Promise<void> {
    if (this.direction === 'down') return this.target.deleteLedger(step.version);
    // The schema as the run's last step left it (inside its transaction where it has one): drift
    // and `rollback --from-ledger` compare the live schema with it. Only the last: a fingerprint
    // reads the whole schema, so one per step made a run quadratic (1,000 steps on SQLite:
    // 200 steps took 4.9 s instead of 0.3 s).
    // With it the stamp (drift's fast path), and no catalog read at all when the stamp shows the
    // run left the schema as it found it.
    const schema = fingerprint ? await schemaNow(this.target, this.schemaBefore) : { schemaFingerprint: null, schemaStamp: null };
    const applied = finishedEntry(entry, statementsApplied, durationMs, schema.schemaFingerprint, schema.schemaStamp);
    if (this.marked.has(step.version)) return this.target.writeLedger(applied);
    // Pending means "no ledger row" (or an aborted attempt's), and the lock is held: a plain
    // insert, not an upsert.
    if (this.retried.has(step.version)) await this.target.deleteLedger(step.version);
    await this.target.insertApplied(applied);
  }

  /** commitStep for a step that is not the run's last (no fingerprint), through the synchronous operations. */
  private commitStepSync(sync: SyncSteps, step: Identity, entry: LedgerEntry, statementsApplied: number, durationMs: number): void {
    if (this.direction === 'down') return sync.deleteLedger(step.version);
    const applied = finishedEntry(entry, statementsApplied, durationMs, null, null);
    if (this.marked.has(step.version)) return sync.writeLedger(applied);
    if (this.retried.has(step.version)) sync.deleteLedger(step.version);
    sync.insertApplied(applied);
  }

  /**
   * applyStep for a transactional SQL step on a target with synchronous operations: begin, its
   * statements, its verify, its ledger row and commit in one call, with no await in between (the
   * same order and events as applyStep). A failure is rolled back here and returned, for
   * stepFailed to record and turn into the step's error as applyStep does.
   */
  private applyStepSync(
    sync: SyncSteps,
    step: Identity,
    body: SqlBody,
    position: { index: number; total: number },
    verify: SqlBody | undefined,
    down: MigrationBody<Ctx> | undefined,
  ): StepResult | FailedStep {
    const { direction } = this;
    const { finished, eventOf } = this.announceStep(step, body, position);
    const started = clock();
    const entry = direction === 'up' ? this.ledgerEntry(step as Migration<Ctx>, down) : (step as LedgerEntry);
    let statementsApplied = 0;
    try {
      sync.begin();
      try {
        statementsApplied = runSqlBodySync(this.runner, sync, step, body, direction);
        if (verify) runSqlVerifySync(this.runner, sync, step, verify);
        this.commitStepSync(sync, step, entry, statementsApplied, elapsedSince(started));
        sync.commit();
      } catch (error) {
        sync.rollback();
        throw error;
      }
    } catch (caught) {
      return new FailedStep(caught, entry, statementsApplied, elapsedSince(started), eventOf);
    }
    const durationMs = elapsedSince(started);
    if (this.events.has(finished)) this.events.emit(finished, { ...eventOf(), durationMs });
    return { version: step.version, name: step.name, direction, status: direction === 'up' ? 'applied' : 'reverted', durationMs };
  }

  /**
   * Emits a step's `migrating`/`reverting` event and returns what its end needs: the finishing
   * event's name and the event's payload, made only for listeners (a run of 1,000 steps with none
   * made 3,000 objects for nobody); a failure always makes it.
   */
  private announceStep(
    step: Identity,
    body: MigrationBody<Ctx>,
    position: { index: number; total: number },
  ): { finished: 'migrated' | 'reverted'; eventOf: () => StepEvent } {
    const { direction } = this;
    const eventOf = (): StepEvent => ({ version: step.version, name: step.name, direction, ...position, ...statementCount(body) });
    const starting = direction === 'up' ? 'migrating' : 'reverting';
    if (this.events.has(starting)) this.events.emit(starting, eventOf());
    return { finished: direction === 'up' ? 'migrated' : 'reverted', eventOf };
  }

  /** After a step failed (and what it could undo was undone): its record, its `failed` event, the error the run throws. */
  private async stepFailed(failure: FailedStep, step: Identity, atomic: boolean, done: readonly StepResult[]): Promise<StrataError> {
    const { caught, entry, statementsApplied, durationMs, eventOf } = failure;
    const { direction } = this;
    const failedResult: StepResult = { version: step.version, name: step.name, direction, status: 'failed', durationMs };
    if (atomic && direction === 'up') await this.recordAborted(entry, caught, durationMs);
    const error = stepError(caught, step, direction, atomic, statementsApplied, [...done, failedResult]);
    this.events.emit('failed', { ...eventOf(), error, durationMs });
    return error;
  }

  private async applyStep(
    step: Identity,
    body: MigrationBody<Ctx>,
    position: { index: number; total: number },
    done: readonly StepResult[],
    alreadyDone = 0,
    verify?: MigrationBody<Ctx>,
    down?: MigrationBody<Ctx>,
  ): Promise<StepResult> {
    const { direction } = this;
    const { finished, eventOf } = this.announceStep(step, body, position);
    const started = clock();
    // A resumed step continues outside a transaction, as it began.
    const atomic = body.transaction && this.target.transactionalSteps && alreadyDone === 0;
    const entry = direction === 'up' ? this.ledgerEntry(step as Migration<Ctx>, down) : (step as LedgerEntry);
    let statementsApplied = alreadyDone;
    // Statements done before a file's own still-open BEGIN: all that survives if it fails there.
    let statementsBeforeOpen: number | undefined;
    try {
      if (atomic) {
        await this.target.transaction(async () => {
          statementsApplied = await runBody(this.runner, step, body, direction, true);
          if (verify) await runVerify(this.runner, step, verify);
          await this.commitStep(step, entry, statementsApplied, elapsedSince(started), position.index === position.total);
        }, body);
      } else {
        const mark = async () => {
          await this.target.writeLedger({
            ...entry,
            status: 'running',
            operation: direction,
            statementsApplied,
            error: null,
            durationMs: elapsedSince(started),
          });
          this.marked.add(step.version);
        };
        await mark();
        await this.target.withoutTransaction(
          () =>
            runBody(
              this.runner,
              step,
              body,
              direction,
              false,
              async (count, openedAt) => {
                statementsApplied = count;
                statementsBeforeOpen = openedAt;
                await mark();
              },
              alreadyDone,
            ),
          body,
        );
        if (await this.target.abortOpenTransaction()) {
          throw new StrataError(ErrorCode.MIGRATION_FAILED, `${originOf(step)} left a transaction open (BEGIN without COMMIT); it was rolled back`, {
            details: { file: originOf(step), version: step.version },
          });
        }
        if (verify) await runVerify(this.runner, step, verify);
        await this.commitStep(step, entry, statementsApplied, elapsedSince(started), position.index === position.total);
      }
    } catch (caught) {
      const durationMs = elapsedSince(started);
      if (!atomic) {
        // A file's own BEGIN may still be open: end it first, or the failure record would be
        // written inside it and vanish with it. What it held is gone, so it does not count.
        await this.target.abortOpenTransaction().catch(() => false);
        if (statementsBeforeOpen !== undefined) statementsApplied = statementsBeforeOpen;
        // Best effort: the row already says 'running', which status reports just as clearly.
        await this.target
          .writeLedger({ ...entry, status: 'failed', operation: direction, statementsApplied, error: messageOf(caught), durationMs })
          .catch(() => undefined);
      }
      throw await this.stepFailed(new FailedStep(caught, entry, statementsApplied, durationMs, eventOf), step, atomic, done);
    }
    const durationMs = elapsedSince(started);
    if (this.events.has(finished)) this.events.emit(finished, { ...eventOf(), durationMs });
    return { version: step.version, name: step.name, direction, status: direction === 'up' ? 'applied' : 'reverted', durationMs };
  }

  /** After a transaction rolled back: when and why, so status can say it (best effort). */
  private async recordAborted(entry: LedgerEntry, caught: unknown, durationMs: number): Promise<void> {
    await this.target
      .writeLedger({ ...entry, status: 'aborted', operation: 'up', statementsApplied: 0, error: messageOf(caught), durationMs })
      .catch(() => undefined);
  }

  private ledgerEntry(migration: Migration<Ctx>, down: MigrationBody<Ctx> | undefined): LedgerEntry {
    return appliedEntry(migration, down, this.now ? this.now().toISOString() : isoNow());
  }
}

// A run is made per migrate and dropped: without a twin its hidden class, which the whole step
// path is compiled against, died at each full GC (shape-anchors.ts). Its target is an empty
// object: the twin runs nothing.
anchorShape('MigrationRun', new MigrationRun({ target: {} as Target<unknown>, events: new EventChannel(), direction: 'up' }));

/** applyAllInOneTransaction's step under way: what its failure reports. */
interface StepUnderWay<Ctx> {
  step: Migration<Ctx>;
  event: () => StepEvent;
  started: number;
}

/** A step that failed: what stepFailed needs to record it and say why. */
class FailedStep {
  constructor(
    readonly caught: unknown,
    readonly entry: LedgerEntry,
    readonly statementsApplied: number,
    readonly durationMs: number,
    readonly eventOf: () => StepEvent,
  ) {}
}

function keepsForeignKeys<Ctx>(migration: LoadedMigration<Ctx>): boolean {
  return migration.up.foreignKeys;
}

/** A step's bodies when they are SQL in the step's transaction, which a target's synchronous operations can run (a code body awaits its own calls). */
function sqlBodies<Ctx>(body: MigrationBody<Ctx>, verify: MigrationBody<Ctx> | undefined): { body: SqlBody; verify: SqlBody | undefined } | undefined {
  if (body.kind !== 'sql' || !body.transaction || verify?.kind === 'code') return undefined;
  return { body, verify };
}

/**
 * The ledger row of a step recorded as applied: by a run, a baseline, `drift --adopt`.
 * `overrides` says how it got there when Strata did not run it.
 */
export function appliedEntry<Ctx>(
  migration: Pick<Migration<Ctx>, 'version' | 'name' | 'checksum'>,
  down: MigrationBody<Ctx> | undefined,
  appliedAt: string,
  overrides: Partial<LedgerEntry> = {},
): LedgerEntry {
  return {
    version: migration.version,
    name: migration.name,
    checksum: migration.checksum,
    appliedAt,
    durationMs: 0,
    status: 'applied',
    operation: 'up',
    statementsApplied: 0,
    error: null,
    adoptedFrom: null,
    schemaFingerprint: null,
    schemaStamp: null,
    // Kept for a later build that no longer has this file: `rollback --from-ledger`.
    downSql: down?.kind === 'sql' ? storedDownSql(down) : null,
    ...overrides,
  };
}

/**
 * `entry` as its step finished it. One literal with every field in appliedEntry's order, where
 * spreads made a differently shaped object on each path: the code that reads rows for the ledger
 * saw several shapes and was deoptimized on every run.
 */
function finishedEntry(
  entry: LedgerEntry,
  statementsApplied: number,
  durationMs: number,
  schemaFingerprint: string | null,
  schemaStamp: string | null,
): LedgerEntry {
  return {
    version: entry.version,
    name: entry.name,
    checksum: entry.checksum,
    appliedAt: entry.appliedAt,
    durationMs,
    status: entry.status,
    operation: entry.operation,
    statementsApplied,
    error: entry.error,
    adoptedFrom: entry.adoptedFrom ?? null,
    schemaFingerprint,
    schemaStamp,
    downSql: entry.downSql ?? null,
  };
}

let lastMs = 0;
let lastIso = '';
/** toISOString() costs ~1 µs, once per step; steps that share a millisecond share the string. */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** For step events: a SQL body's statement count (a file's own BEGIN/COMMIT do not count); nothing for code. */
function statementCount<Ctx>(body: MigrationBody<Ctx>): Pick<StepEvent, 'statements'> {
  return body.kind === 'sql' ? { statements: body.statements.filter((s) => !s.control).length } : {};
}
