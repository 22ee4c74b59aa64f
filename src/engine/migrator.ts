/**
 * The one engine loop: load -> plan -> lock -> apply each step atomically with its ledger row
 * -> unlock. Stores differ behind Target; migrations come from a source function.
 */
import { ErrorCode, StrataError, messageOf, type StepResult } from '../model/errors.js';
import type { LedgerEntry } from '../model/ledger.js';
import { migrationLabel, type LoadedMigration, type Migration, type MigrationBody, type MigrationDefinition, type SqlStatement } from '../model/migration.js';
import {
  findProblems,
  planDown,
  planUp,
  problemsError,
  reconcile,
  type ChecksumMatcher,
  type MigrationStatus,
  type Problem,
  type ProblemPolicy,
  type Reconciled,
  type RollbackTarget,
} from '../model/plan.js';
import { canonicalVersion, compareVersions, versionParts } from '../model/version.js';
import { EventChannel, type Listener, type StepEvent, type StrataEventName } from './events.js';
import type { Target } from './target.js';

export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

export interface MigratorOptions<Ctx> extends ProblemPolicy {
  target: Target<Ctx>;
  /** Reads the migrations; called by every command, so edits between runs are seen. */
  source: () => Migration<Ctx>[] | Promise<Migration<Ctx>[]>;
  /** Turns register() definitions into migrations (checksums need a hash the engine does not own). */
  define?: (definition: MigrationDefinition<Ctx>) => Migration<Ctx>;
  lockTimeoutMs?: number;
  checksumMatches?: ChecksumMatcher<Ctx>;
  now?: () => Date;
  /** Backs the store up before a run that changes it, and restores it when the store cannot undo a failure. */
  backups?: BackupHook;
}

/**
 * The engine's view of backups: it knows when (before a run that changes something; after a
 * failure the store could not undo), the backup manager knows how.
 */
export interface BackupHook {
  before(run: { direction: 'up' | 'down'; steps: { version: string; name: string }[] }): Promise<{ id: string } | null>;
  restore(id: string): Promise<void>;
}

export interface MigrateOptions {
  /** Apply pending migrations up to and including this version. */
  to?: string | number;
  /** Plan and emit every statement; change nothing. */
  dryRun?: boolean;
  /** All pending steps in one transaction: all or nothing. */
  singleTransaction?: boolean;
  /** Skip the backup taken before the run (when backups are configured). */
  backup?: boolean;
  /**
   * Continue a step that failed outside a transaction from the statement after the last one it
   * completed (the ledger counts them), then apply the rest. For stores whose DDL cannot roll
   * back (MySQL): fix the failing statement in the file, then resume.
   */
  resume?: boolean;
}

export interface RollbackOptions {
  /** Roll back to this version (0 = everything). */
  to?: string | number;
  /** Roll back the last N. Default: the last one. */
  steps?: number;
  dryRun?: boolean;
  /** Skip the backup taken before the run (when backups are configured). */
  backup?: boolean;
}

export interface RunReport {
  direction: 'up' | 'down';
  dryRun: boolean;
  results: StepResult[];
  currentVersion: string | null;
  durationMs: number;
}

export interface StatusReport {
  target: string;
  exists: boolean;
  currentVersion: string | null;
  migrations: MigrationStatus[];
  pending: number;
  problems: Problem[];
}

export interface ValidationReport {
  ok: boolean;
  target: string;
  problems: Problem[];
  integrity: string[];
  /** What was checked, in order: the ledger against the files, then what the store itself checks (when it exists). */
  checks: string[];
  /** Applied migrations whose verify fails on the database as it is now. */
  verify: { version: string; name: string; error: string }[];
  pending: number;
}

export type RepairOutcome = 'applied' | 'rolled-back';

export class Migrator<Ctx> {
  readonly events = new EventChannel();
  private readonly target: Target<Ctx>;
  private readonly registered: Migration<Ctx>[] = [];
  private readonly options: MigratorOptions<Ctx>;
  /** Versions of this run with an aborted attempt in the ledger: their row is replaced. */
  private retried: ReadonlySet<string> = new Set();

  constructor(options: MigratorOptions<Ctx>) {
    this.options = options;
    this.target = options.target;
  }

  on<K extends StrataEventName>(event: K, listener: Listener<K>): () => void {
    return this.events.on(event, listener);
  }

  /** Adds a migration defined in code; it runs with the folder's, in version order. */
  register(definition: MigrationDefinition<Ctx>): this {
    if (!this.options.define) throw new StrataError(ErrorCode.MIGRATION_INVALID, 'this migrator does not accept register()');
    this.registered.push(this.options.define(definition));
    return this;
  }

  async migrate(options: MigrateOptions = {}): Promise<RunReport> {
    const started = performance.now();
    const sources = await this.sources();
    const to = options.to === undefined ? undefined : this.knownVersion(options.to, sources, []);
    if (options.dryRun) {
      const reconciled = await this.readOnly(sources);
      this.throwProblems(reconciled);
      const steps = planUp(reconciled, to);
      return this.dryRun('up', steps, reconciled, started);
    }
    // Read first without the lock: when everything is applied and nothing is wrong, that is the
    // answer (a committed ledger row is final), and the common no-op run takes no lock and
    // writes nothing. Anything else is decided again under the lock.
    const unlocked = await this.readOnly(sources);
    if (!options.resume && planUp(unlocked, to).length === 0 && findProblems(unlocked, this.options).length === 0) {
      return this.finish('up', [], started, unlocked.currentVersion);
    }
    await this.target.open('write');
    const release = await this.lock();
    try {
      const ledger = await this.target.readLedger();
      const resumed = options.resume ? this.resumableStep(ledger, sources) : undefined;
      // The resumed step plans as pending; its ledger row is rewritten as it continues.
      const reconciled = reconcile(sources, resumed ? ledger.filter((e) => e !== resumed.entry) : ledger, this.options.checksumMatches);
      this.throwProblems(reconciled);
      const steps = planUp(reconciled, to);
      if (resumed && steps[0]?.version !== resumed.entry.version) {
        throw new StrataError(ErrorCode.USAGE, `--to ${String(options.to)} stops before ${migrationLabel(resumed.entry)}, the step to resume`, { hint: 'resume without --to, or with a --to at or above it' });
      }
      this.events.emit('plan', { direction: 'up', steps: steps.map(identity), dryRun: false });
      const loaded = await Promise.all(steps.map((step) => step.load()));
      if (resumed) this.checkResumable(resumed.entry, loaded[0]!.up);
      const backup = await this.backupBefore('up', steps, options.backup);
      if (steps.length) await this.target.ensureLedger();
      this.retried = reconciled.aborted;
      const results = await this.restoringOnFailure(backup, options.singleTransaction === true, () =>
        options.singleTransaction ? this.applyAllInOneTransaction(steps, loaded) : this.applyEach(steps, loaded, 'up', resumed?.entry.statementsApplied ?? 0),
      );
      return this.finish('up', results, started, currentAfter(reconciled, results));
    } finally {
      await release();
    }
  }

  async rollback(options: RollbackOptions = {}): Promise<RunReport> {
    const started = performance.now();
    if (options.to !== undefined && options.steps !== undefined) {
      throw new StrataError(ErrorCode.USAGE, 'give either a version to roll back to or --steps, not both', {
        hint: "'strata rollback 3' rolls back to version 3; 'strata rollback --steps 2' rolls back the last two",
      });
    }
    if (options.steps !== undefined && (!Number.isInteger(options.steps) || options.steps < 1)) {
      throw new StrataError(ErrorCode.USAGE, `--steps must be a positive integer, got ${options.steps}`, {
        hint: "e.g. 'strata rollback --steps 1'; to roll back everything use 'strata rollback 0'",
      });
    }
    const sources = await this.sources();
    const readOnly = await this.readOnly(sources);
    const target: RollbackTarget =
      options.to !== undefined
        ? { kind: 'to', version: this.knownVersion(options.to, sources, readOnly.applied) }
        : options.steps !== undefined
          ? { kind: 'steps', steps: options.steps }
          : { kind: 'last' };
    const planned = this.downSteps(readOnly, target, sources);
    if (options.dryRun) return this.dryRun('down', planned, readOnly, started);
    if (planned.length === 0) return this.finish('down', [], started, readOnly.currentVersion);
    await this.target.open('write');
    const release = await this.lock();
    try {
      const reconciled = reconcile(sources, await this.target.readLedger(), this.options.checksumMatches);
      const steps = this.downSteps(reconciled, target, sources);
      this.events.emit('plan', { direction: 'down', steps: steps.map(identity), dryRun: false });
      const loaded = await this.loadDowns(steps);
      const backup = await this.backupBefore('down', steps, options.backup);
      const results = await this.restoringOnFailure(backup, false, () => this.applyEach(steps, loaded, 'down'));
      return this.finish('down', results, started, currentAfter(reconciled, results));
    } finally {
      await release();
    }
  }

  async status(): Promise<StatusReport> {
    return this.statusOf(await this.sources());
  }

  private async statusOf(sources: Migration<Ctx>[]): Promise<StatusReport> {
    const { exists, reconciled } = await this.readOnlyState(sources);
    return {
      target: this.target.description,
      exists,
      currentVersion: reconciled.currentVersion,
      migrations: reconciled.statuses,
      pending: reconciled.pending.length,
      problems: findProblems(reconciled, this.options),
    };
  }

  async validate(): Promise<ValidationReport> {
    const sources = await this.sources();
    const status = await this.statusOf(sources);
    const integrity = status.exists ? await this.target.integrityProblems() : [];
    const verified = status.exists ? await this.verifyApplied(sources, status) : [];
    return {
      ok: status.problems.length === 0 && integrity.length === 0 && verified.length === 0,
      target: status.target,
      problems: status.problems,
      integrity,
      checks: ['checksums', 'files', 'order', ...(status.exists ? [...this.target.integrityChecks, "migrations' verify"] : [])],
      verify: verified,
      pending: status.pending,
    };
  }

  /**
   * Runs the verify of every applied migration that has one, each in a transaction that is
   * rolled back: the schema as it is now still passes the checks of the steps that made it.
   */
  private async verifyApplied(sources: readonly Migration<Ctx>[], status: StatusReport): Promise<{ version: string; name: string; error: string }[]> {
    const applied = new Set(status.migrations.filter((m) => m.state === 'applied').map((m) => m.version));
    const failures: { version: string; name: string; error: string }[] = [];
    for (const migration of sources) {
      if (!applied.has(migration.version)) continue;
      const { verify } = await migration.load();
      if (!verify) continue;
      const rollback = new Error('verify only');
      try {
        await this.target.transaction(async () => {
          await this.runVerify(migration, verify, 'now');
          throw rollback;
        }, { foreignKeys: true });
      } catch (error) {
        if (error !== rollback) failures.push({ version: migration.version, name: migration.name, error: messageOf(error) });
      }
    }
    return failures;
  }

  /** Records the outcome of a step that failed outside a transaction, after a person looked. */
  async repair(version: string | number, outcome: RepairOutcome): Promise<LedgerEntry | null> {
    const wanted = canonicalVersion(String(version));
    const sources = await this.sources();
    await this.target.open('write');
    const release = await this.lock();
    try {
      const entry = (await this.target.readLedger()).find((e) => e.version === wanted);
      if (!entry || entry.status === 'applied' || entry.status === 'aborted') {
        throw new StrataError(ErrorCode.NOTHING_TO_REPAIR, `migration ${wanted} is ${!entry ? 'not in the ledger' : entry.status === 'aborted' ? 'pending (its last attempt rolled back)' : 'applied'}: there is nothing to repair`, {
          hint: "'strata status' shows which steps are failed or running",
        });
      }
      if (outcome === 'rolled-back') {
        await this.target.deleteLedger(wanted);
        return null;
      }
      const source = sources.find((m) => m.version === wanted);
      const repaired: LedgerEntry = {
        ...entry,
        checksum: source?.checksum ?? entry.checksum,
        status: 'applied',
        operation: 'up',
        error: null,
      };
      await this.target.writeLedger(repaired);
      return repaired;
    } finally {
      await release();
    }
  }

  /** Accepts edited files: the ledger's checksums are set to the files' current ones. */
  async repairChecksums(): Promise<{ version: string; name: string }[]> {
    const sources = await this.sources();
    await this.target.open('write');
    const release = await this.lock();
    try {
      const reconciled = reconcile(sources, await this.target.readLedger(), this.options.checksumMatches);
      const byVersion = new Map(sources.map((m) => [m.version, m]));
      const changed = new Set(reconciled.statuses.filter((s) => s.state === 'changed').map((s) => s.version));
      const updated: { version: string; name: string }[] = [];
      for (const entry of reconciled.applied) {
        const source = byVersion.get(entry.version);
        if (!source || !changed.has(entry.version)) continue;
        await this.target.writeLedger({ ...entry, checksum: source.checksum, name: source.name });
        updated.push({ version: entry.version, name: source.name });
      }
      return updated;
    } finally {
      await release();
    }
  }

  async close(): Promise<void> {
    await this.target.close();
  }

  // ---- backups ---------------------------------------------------------------------------

  private async backupBefore(direction: 'up' | 'down', steps: readonly Identity[], wanted: boolean | undefined): Promise<{ id: string } | null> {
    if (!this.options.backups || wanted === false || steps.length === 0) return null;
    return this.options.backups.before({ direction, steps: steps.map(identity) });
  }

  /**
   * Runs the steps; if they fail in a way the store could not undo by itself (a step outside a
   * transaction, or an all-or-nothing run on a store without transactional steps), puts the
   * pre-run backup back and says so in the error.
   */
  private async restoringOnFailure(backup: { id: string } | null, allOrNothing: boolean, run: () => Promise<StepResult[]>): Promise<StepResult[]> {
    try {
      return await run();
    } catch (caught) {
      if (!backup || !(caught instanceof StrataError)) throw caught;
      const undoable = caught.details.transaction !== false && !(allOrNothing && !this.target.transactionalSteps);
      if (undoable) throw caught;
      try {
        await this.options.backups!.restore(backup.id);
      } catch (restoreError) {
        throw new StrataError(caught.code, caught.message, {
          hint: `the automatic restore of backup ${backup.id} failed too (${messageOf(restoreError)}): restore it with 'strata backup restore ${backup.id}'`,
          cause: caught.cause,
          results: caught.results,
          details: { ...caught.details, backup: backup.id, restored: false },
        });
      }
      throw new StrataError(caught.code, caught.message, {
        hint: `Strata restored backup ${backup.id}, taken before this run: the database is exactly as it was before it; fix the migration and run again`,
        cause: caught.cause,
        results: caught.results,
        details: { ...caught.details, backup: backup.id, restored: true },
      });
    }
  }

  // ---- resume ----------------------------------------------------------------------------

  /** The one step a `--resume` continues: an up that failed (or stopped) outside a transaction. */
  private resumableStep(ledger: readonly LedgerEntry[], sources: readonly Migration<Ctx>[]): { entry: LedgerEntry } {
    const incomplete = ledger.filter((e) => e.status === 'failed' || e.status === 'running');
    const entry = incomplete[0];
    if (!entry) {
      throw new StrataError(ErrorCode.NOTHING_TO_REPAIR, 'there is no failed step to resume: every step in the ledger is applied', {
        hint: "run 'strata migrate' to apply pending migrations",
      });
    }
    if (incomplete.length > 1 || entry.operation !== 'up') {
      throw new StrataError(ErrorCode.MIGRATION_INCOMPLETE, `${migrationLabel(entry)} stopped part-way through a ${entry.operation === 'down' ? 'rollback' : 'run'} that --resume cannot continue${incomplete.length > 1 ? ` (and ${incomplete.length - 1} more steps are incomplete)` : ''}`, {
        hint: `inspect the database, then run 'strata repair ${entry.version} --applied' or 'strata repair ${entry.version} --rolled-back'`,
      });
    }
    if (!sources.some((m) => m.version === entry.version)) {
      throw new StrataError(ErrorCode.MIGRATION_FILE_MISSING, `${migrationLabel(entry)} is the step to resume, but its file is gone`, { hint: 'restore the file, then resume' });
    }
    return { entry };
  }

  private checkResumable(entry: LedgerEntry, body: MigrationBody<Ctx>): void {
    if (body.kind === 'code' && entry.statementsApplied === 0) return;
    if (body.kind === 'code') {
      throw new StrataError(ErrorCode.MIGRATION_INCOMPLETE, `${migrationLabel(entry)} is code: it cannot continue part-way`, {
        hint: `inspect the database, then run 'strata repair ${entry.version} --applied' or 'strata repair ${entry.version} --rolled-back'`,
      });
    }
    const statements = body.statements.filter((s) => !s.control).length;
    if (entry.statementsApplied > statements) {
      throw new StrataError(ErrorCode.MIGRATION_INCOMPLETE, `${migrationLabel(entry)} completed ${entry.statementsApplied} statements, but its file now has ${statements}`, {
        hint: `keep the statements that ran as they were; or record the outcome with 'strata repair ${entry.version} --applied' or '--rolled-back'`,
      });
    }
  }

  // ---- steps -----------------------------------------------------------------------------

  private async applyEach(
    steps: readonly Identity[],
    loaded: readonly LoadedMigration<Ctx>[],
    direction: 'up' | 'down' = 'up',
    /** Statements of the first step already done (a resumed step). */
    firstStepDone = 0,
  ): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k]!;
      const migration = loaded[k]!;
      const body = direction === 'up' ? migration.up : migration.down!;
      const verify = direction === 'up' ? migration.verify : undefined;
      results.push(await this.applyStep(step, body, direction, { index: k + 1, total: steps.length }, results, k === 0 ? firstStepDone : 0, verify));
    }
    return results;
  }

  private async applyStep(
    step: Identity,
    body: MigrationBody<Ctx>,
    direction: 'up' | 'down',
    position: { index: number; total: number },
    done: readonly StepResult[],
    alreadyDone = 0,
    verify?: MigrationBody<Ctx>,
  ): Promise<StepResult> {
    const event: StepEvent = { version: step.version, name: step.name, direction, ...position, ...statementCount(body) };
    this.events.emit(direction === 'up' ? 'migrating' : 'reverting', event);
    const started = performance.now();
    // A resumed step continues outside a transaction, as it began.
    const atomic = body.transaction && this.target.transactionalSteps && alreadyDone === 0;
    const entry = direction === 'up' ? this.ledgerEntry(step as Migration<Ctx>) : (step as LedgerEntry);
    let statementsApplied = alreadyDone;
    // Statements done before a file's own still-open BEGIN: all that survives if it fails there.
    let statementsBeforeOpen: number | undefined;
    try {
      if (atomic) {
        await this.target.transaction(async () => {
          statementsApplied = await this.runBody(step, body, direction, true);
          if (verify) await this.runVerify(step, verify);
          // Pending means "no ledger row" (or an aborted attempt's), and the lock is held: a
          // plain insert, not an upsert.
          if (direction === 'up' && this.retried.has(step.version)) await this.target.deleteLedger(step.version);
          if (direction === 'up') await this.target.insertApplied({ ...entry, statementsApplied, durationMs: elapsed(started) });
          else await this.target.deleteLedger(step.version);
        }, body);
      } else {
        const mark = (status: LedgerEntry['status'], error: string | null) =>
          this.target.writeLedger({ ...entry, status, operation: direction, statementsApplied, error, durationMs: elapsed(started) });
        await mark('running', null);
        await this.target.withoutTransaction(
          () =>
            this.runBody(
              step,
              body,
              direction,
              false,
              async (count, openedAt) => {
                statementsApplied = count;
                statementsBeforeOpen = openedAt;
                await mark('running', null);
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
        if (verify) await this.runVerify(step, verify);
        if (direction === 'up') await this.target.writeLedger({ ...entry, statementsApplied, durationMs: elapsed(started) });
        else await this.target.deleteLedger(step.version);
      }
    } catch (caught) {
      const durationMs = elapsed(started);
      const failedResult: StepResult = { version: step.version, name: step.name, direction, status: 'failed', durationMs };
      if (atomic && direction === 'up') await this.recordAborted(entry, caught, durationMs);
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
      const error = stepError(caught, step, direction, atomic, statementsApplied, [...done, failedResult]);
      this.events.emit('failed', { ...event, error, durationMs });
      throw error;
    }
    const durationMs = elapsed(started);
    this.events.emit(direction === 'up' ? 'migrated' : 'reverted', { ...event, durationMs });
    return { version: step.version, name: step.name, direction, status: direction === 'up' ? 'applied' : 'reverted', durationMs };
  }

  /** A step's own check of what its up did; a failure fails the step like any other. */
  private async runVerify(step: Identity, verify: MigrationBody<Ctx>, when: 'after up' | 'now' = 'after up'): Promise<void> {
    try {
      await this.runBody(step, verify, 'up', true);
    } catch (error) {
      const cause = error instanceof StrataError ? error.message.replace(/^.*?: (?:up\(\) threw: )?/, '') : messageOf(error);
      throw new StrataError(ErrorCode.MIGRATION_VERIFY_FAILED, `${originOf(step)}: its verify ${when === 'now' ? 'fails on the database as it is now' : 'failed after up'}: ${cause}`, {
        hint: when === 'now' ? 'something changed what this migration made: find what, or restore a backup' : 'up did not leave the schema its verify expects: fix the migration (or its verify) and run again',
        cause: error,
        details: { file: originOf(step), version: step.version },
      });
    }
  }

  /** After a transaction rolled back: when and why, so status can say it (best effort). */
  private async recordAborted(entry: LedgerEntry, caught: unknown, durationMs: number): Promise<void> {
    await this.target.writeLedger({ ...entry, status: 'aborted', operation: 'up', statementsApplied: 0, error: messageOf(caught), durationMs }).catch(() => undefined);
  }

  private async applyAllInOneTransaction(steps: readonly Migration<Ctx>[], loaded: readonly LoadedMigration<Ctx>[]): Promise<StepResult[]> {
    const outside = steps.filter((_, k) => !loaded[k]!.up.transaction);
    if (outside.length || (steps.length && !this.target.transactionalSteps)) {
      throw new StrataError(
        ErrorCode.TRANSACTION_REQUIRED,
        outside.length
          ? `--single-transaction cannot include ${outside.map((m) => m.origin).join(', ')}: it opts out of transactions`
          : `${this.target.description} cannot run migrations in one transaction`,
        { hint: 'run without --single-transaction, or apply up to the version before it with --to' },
      );
    }
    const results: StepResult[] = [];
    const foreignKeys = loaded.every((m) => m.up.foreignKeys);
    let current: { step: Migration<Ctx>; event: StepEvent; started: number } | undefined;
    try {
      await this.target.transaction(async () => {
        for (let k = 0; k < steps.length; k++) {
          const step = steps[k]!;
          const event: StepEvent = { version: step.version, name: step.name, direction: 'up', index: k + 1, total: steps.length, ...statementCount(loaded[k]!.up) };
          current = { step, event, started: performance.now() };
          this.events.emit('migrating', event);
          const statementsApplied = await this.runBody(step, loaded[k]!.up, 'up', true);
          const verify = loaded[k]!.verify;
          if (verify) await this.runVerify(step, verify);
          if (this.retried.has(step.version)) await this.target.deleteLedger(step.version);
          await this.target.insertApplied({ ...this.ledgerEntry(step), statementsApplied, durationMs: elapsed(current.started) });
          const durationMs = elapsed(current.started);
          results.push({ version: step.version, name: step.name, direction: 'up', status: 'applied', durationMs });
          this.events.emit('migrated', { ...event, durationMs });
        }
        current = undefined;
      }, { foreignKeys });
    } catch (caught) {
      const failing = current ?? { step: steps.at(-1)!, event: undefined, started: performance.now() };
      const durationMs = elapsed(failing.started);
      const error = stepError(
        caught,
        failing.step,
        'up',
        true,
        0,
        [{ version: failing.step.version, name: failing.step.name, direction: 'up', status: 'failed', durationMs }],
        `the whole run was rolled back (--single-transaction): none of its ${steps.length} migrations is applied; fix it and run 'strata migrate' again`,
      );
      await this.recordAborted(this.ledgerEntry(failing.step), caught, durationMs);
      if (failing.event) this.events.emit('failed', { ...failing.event, error, durationMs });
      throw error;
    }
    return results;
  }

  private async runBody(
    step: Identity,
    body: MigrationBody<Ctx>,
    direction: 'up' | 'down',
    inTransaction: boolean,
    onStatement?: (count: number, openedAt: number | undefined) => Promise<void>,
    /** Statements already done by an earlier, failed run of this step: not run again. */
    skip = 0,
  ): Promise<number> {
    if (body.kind === 'code') {
      try {
        await body.run(this.target.context());
      } catch (error) {
        throw new StrataError(ErrorCode.MIGRATION_FAILED, `${originOf(step)}: ${direction}() threw: ${messageOf(error)}`, {
          cause: error,
          details: { file: originOf(step), version: step.version },
        });
      }
      return 0;
    }
    const file = body.file ?? originOf(step);
    const announce = this.events.has('statement');
    let count = 0;
    let openedAt: number | undefined;
    for (const statement of body.statements) {
      if (statement.control && inTransaction) continue;
      if (count < skip) {
        count++;
        continue;
      }
      if (statement.control === 'begin') openedAt = count;
      else if (statement.control === 'commit') openedAt = undefined;
      if (announce) this.events.emit('statement', { version: step.version, name: step.name, direction, index: statement.index, line: statement.line, sql: statement.sql });
      try {
        await this.target.execute(statement.sql);
      } catch (error) {
        const { line, column } = statementPosition(statement, this.target.locateError?.(error, statement.sql));
        throw new StrataError(
          ErrorCode.MIGRATION_FAILED,
          `${file}: statement ${statement.index} (line ${line}${column === undefined ? '' : `, column ${column}`}) failed: ${messageOf(error)}`,
          { cause: error, details: { file, version: step.version, statement: statement.index, line, column: column ?? null, sql: statement.sql } },
        );
      }
      count++;
      if (onStatement) await onStatement(count, openedAt);
    }
    return count;
  }

  // ---- planning helpers ------------------------------------------------------------------

  private async sources(): Promise<Migration<Ctx>[]> {
    const fromSource = await this.options.source();
    if (this.registered.length === 0) return fromSource;
    const all = [...fromSource, ...this.registered].sort((a, b) => compareVersions(a.version, b.version));
    for (let k = 1; k < all.length; k++) {
      if (all[k]!.version === all[k - 1]!.version) {
        throw new StrataError(ErrorCode.MIGRATION_VERSION_DUPLICATE, `version ${all[k]!.version} is used by more than one migration: ${all[k - 1]!.origin}, ${all[k]!.origin}`, {
          hint: 'give each migration its own version number',
        });
      }
    }
    return all;
  }

  /** The store as it is, without creating it (nor its ledger) and without the lock. */
  private async readOnlyState(sources: Migration<Ctx>[]): Promise<{ exists: boolean; reconciled: Reconciled<Ctx> }> {
    const { exists } = await this.target.open('read');
    return { exists, reconciled: reconcile(sources, exists ? await this.target.readLedger() : [], this.options.checksumMatches) };
  }

  private async readOnly(sources: Migration<Ctx>[]): Promise<Reconciled<Ctx>> {
    return (await this.readOnlyState(sources)).reconciled;
  }

  private throwProblems(reconciled: Reconciled<Ctx>): void {
    const problems = findProblems(reconciled, this.options);
    if (problems.length) throw problemsError(problems);
  }

  private knownVersion(version: string | number, sources: readonly Migration<Ctx>[], applied: readonly LedgerEntry[]): string {
    const wanted = canonicalVersion(String(version));
    if (wanted === '0' || sources.some((m) => m.version === wanted) || applied.some((e) => e.version === wanted)) return wanted;
    // `knowledge000`: before the first migration of a category that exists.
    const { category, number } = versionParts(wanted);
    if (category && number === '0' && [...sources, ...applied].some((m) => versionParts(m.version).category === category)) return wanted;
    throw new StrataError(ErrorCode.VERSION_UNKNOWN, `there is no migration with version ${version}`, {
      hint: "'strata status' lists the versions (0 means before the first migration; knowledge000 before a category's first)",
    });
  }

  /** The ledger rows to revert, each checked: file present and unchanged (unless allowed). */
  private downSteps(reconciled: Reconciled<Ctx>, target: RollbackTarget, sources: readonly Migration<Ctx>[]): DownStep<Ctx>[] {
    const incomplete = findProblems(reconciled, { allowChanged: true, allowMissing: true, allowOutOfOrder: true });
    if (incomplete.length) throw problemsError(incomplete);
    const byVersion = new Map(sources.map((m) => [m.version, m]));
    const steps = planDown(reconciled, target);
    const problems = findProblems(reconciled, this.options).filter(
      (p) => p.code === ErrorCode.CHECKSUM_MISMATCH && steps.some((s) => s.version === p.version),
    );
    const missing = steps.filter((s) => !byVersion.has(s.version));
    if (missing.length) {
      throw new StrataError(ErrorCode.MIGRATION_FILE_MISSING, `cannot roll back ${missing.map(migrationLabel).join(', ')}: the migration file is gone`, {
        hint: 'restore the file (its down is needed to roll back)',
      });
    }
    if (problems.length) throw problemsError(problems);
    return steps.map((entry) => ({ ...entry, migration: byVersion.get(entry.version)! }));
  }

  private async loadDowns(steps: readonly DownStep<Ctx>[]): Promise<LoadedMigration<Ctx>[]> {
    const loaded = await Promise.all(steps.map((s) => s.migration.load()));
    const withoutDown = steps.filter((_, k) => !loaded[k]!.down);
    if (withoutDown.length) {
      throw new StrataError(ErrorCode.MIGRATION_DOWN_MISSING, `cannot roll back: ${withoutDown.map((s) => s.migration.origin).join(', ')} ${withoutDown.length > 1 ? 'have' : 'has'} no down migration`, {
        hint: 'add a -- migrate:down section (or a .down.sql file, or export down()), or roll back to a later version',
        details: { versions: withoutDown.map((s) => s.version) },
      });
    }
    return loaded;
  }

  private async dryRun(
    direction: 'up' | 'down',
    steps: readonly (Migration<Ctx> | DownStep<Ctx>)[],
    reconciled: Reconciled<Ctx>,
    started: number,
  ): Promise<RunReport> {
    this.events.emit('plan', { direction, steps: steps.map(identity), dryRun: true });
    const loaded = direction === 'up' ? await Promise.all(steps.map((s) => (s as Migration<Ctx>).load())) : await this.loadDowns(steps as DownStep<Ctx>[]);
    const results: StepResult[] = [];
    steps.forEach((step, k) => {
      const body = direction === 'up' ? loaded[k]!.up : loaded[k]!.down!;
      if (body.kind === 'sql') {
        for (const s of body.statements) {
          this.events.emit('statement', { version: step.version, name: step.name, direction, index: s.index, line: s.line, sql: s.sql });
        }
      }
      results.push({ version: step.version, name: step.name, direction, status: 'planned', durationMs: 0 });
    });
    return this.finish(direction, results, started, reconciled.currentVersion, true);
  }

  private finish(direction: 'up' | 'down', results: StepResult[], started: number, currentVersion: string | null, dryRun = false): RunReport {
    const report: RunReport = { direction, dryRun, results, currentVersion, durationMs: elapsed(started) };
    this.events.emit('done', { direction, results, durationMs: report.durationMs });
    return report;
  }

  private async lock(): Promise<() => Promise<void>> {
    const description = this.target.description;
    const started = performance.now();
    const release = await this.target.lock(this.options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, () =>
      this.events.emit('lock:waiting', { target: description }),
    );
    this.events.emit('lock:acquired', { target: description, waitedMs: elapsed(started) });
    return release;
  }

  private ledgerEntry(migration: Migration<Ctx>): LedgerEntry {
    return {
      version: migration.version,
      name: migration.name,
      checksum: migration.checksum,
      appliedAt: this.options.now ? this.options.now().toISOString() : isoNow(),
      durationMs: 0,
      status: 'applied',
      operation: 'up',
      statementsApplied: 0,
      error: null,
    };
  }
}

interface Identity {
  version: string;
  name: string;
}

type DownStep<Ctx> = LedgerEntry & { migration: Migration<Ctx> };

function identity(step: Identity): Identity {
  return { version: step.version, name: step.name };
}

function originOf(step: Identity): string {
  const withOrigin = step as Partial<Migration<unknown>> & { migration?: Migration<unknown> };
  return withOrigin.origin ?? withOrigin.migration?.origin ?? migrationLabel(step);
}

/** The last applied version in plan order once `results` (all successful) are done. */
function currentAfter<Ctx>(before: Reconciled<Ctx>, results: readonly StepResult[]): string | null {
  const applied = new Set(before.applied.map((entry) => entry.version));
  for (const result of results) {
    if (result.status === 'applied') applied.add(result.version);
    else if (result.status === 'reverted') applied.delete(result.version);
  }
  const { position } = before.graph;
  return [...applied].sort((a, b) => (position.get(a) ?? -1) - (position.get(b) ?? -1) || compareVersions(a, b)).at(-1) ?? null;
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

/** The file position of a failure: the statement's start, moved to where the store says it stopped. */
function statementPosition(statement: SqlStatement, within: { line: number; column?: number } | undefined): { line: number; column: number | undefined } {
  if (!within) return { line: statement.line, column: undefined };
  const line = statement.line + within.line - 1;
  if (within.column === undefined) return { line, column: undefined };
  return { line, column: within.line === 1 ? (statement.column ?? 1) + within.column - 1 : within.column };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

function stepError(
  caught: unknown,
  step: Identity,
  direction: 'up' | 'down',
  atomic: boolean,
  statementsApplied: number,
  results: StepResult[],
  /** Replaces the default remedy (the single-transaction run says what it rolled back). */
  hintOverride?: string,
): StrataError {
  const base = caught instanceof StrataError ? caught : new StrataError(ErrorCode.MIGRATION_FAILED, `${originOf(step)}: ${messageOf(caught)}`, { cause: caught });
  const hint = atomic
    ? `nothing from ${migrationLabel(step)} was applied (its transaction was rolled back); fix it and run 'strata ${direction === 'up' ? 'migrate' : 'rollback'}' again`
    : `${migrationLabel(step)} ran outside a transaction and stopped after ${statementsApplied} statement(s): ${
        direction === 'up' ? `fix the failing statement and run 'strata migrate --resume' to continue from it, or inspect the database and` : 'inspect the database, then'
      } run 'strata repair ${step.version} --applied' or 'strata repair ${step.version} --rolled-back'`;
  return new StrataError(base.code, base.message, {
    hint: hintOverride ?? base.hint ?? hint,
    cause: base.cause ?? caught,
    results,
    details: { ...base.details, direction, transaction: atomic },
  });
}

/** For step events: a SQL body's statement count (a file's own BEGIN/COMMIT do not count); nothing for code. */
function statementCount<Ctx>(body: MigrationBody<Ctx>): Pick<StepEvent, 'statements'> {
  return body.kind === 'sql' ? { statements: body.statements.filter((s) => !s.control).length } : {};
}
