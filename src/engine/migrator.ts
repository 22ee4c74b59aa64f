/**
 * The one engine loop: load -> plan -> inspect -> lock -> apply each step atomically with its
 * ledger row -> unlock. Stores differ behind Target; migrations come from a source function;
 * plugins attach through the plugin slot; one run's state lives on a MigrationRun.
 */
import { clock, elapsedSince } from '../model/clock.js';
import { ErrorCode, StrataError, messageOf, type StepResult } from '../model/errors.js';
import { adoptedHistoryTool, type LedgerEntry } from '../model/ledger.js';
import { DEFAULT_LOCK_TIMEOUT_MS, type LockTimeoutOption } from '../model/lock-timeout.js';
import { migrationLabel, type LoadedMigration, type Migration, type MigrationBody, type MigrationDefinition } from '../model/migration.js';
import { commandLine, nextCommand, repairCommands } from '../model/next-command.js';
import {
  findProblems,
  planDown,
  planUp,
  problemsError,
  reconcile,
  waitForServer,
  type ChecksumMatcher,
  type ProblemContext,
  type ProblemPolicy,
  type Reconciled,
  type RollbackTarget,
} from '../model/plan.js';
import type { Direction } from '../model/run-report.js';
import {
  checkDrift,
  DEFAULT_DRIFT_MODE,
  driftBeforeRun,
  driftError,
  schemaNow,
  type DriftHook,
  type DriftMode,
  type DriftReport,
  type SchemaState,
  unchangedSince,
} from './drift.js';
import { canonicalVersion, compareVersions, versionParts } from '../model/version.js';
import { EventChannel, type EngineEventName, type EngineEvents, type Listener } from './events.js';
import type { InspectedStep, MigratorPlugin } from './plugin.js';
import { PluginSlot } from './plugin-slot.js';
import type { RunReport, StatusReport, ValidationReport } from './reports.js';
import { originOf, runVerify, type Identity } from './run-body.js';
import { appliedEntry, MigrationRun } from './run.js';
import { takeLock } from './take-lock.js';
import type { OpenWait, Release, Target } from './target.js';

export { DEFAULT_LOCK_TIMEOUT_MS };
export type { RunReport, StatusReport, ValidationReport };

export interface MigratorOptions<Ctx> extends ProblemPolicy, LockTimeoutOption {
  target: Target<Ctx>;
  /** Reads the migrations; called by every command, so edits between runs are seen. */
  source: () => Migration<Ctx>[] | Promise<Migration<Ctx>[]>;
  /** Turns register() definitions into migrations (checksums need a hash the engine does not own). */
  define?: (definition: MigrationDefinition<Ctx>) => Migration<Ctx>;
  checksumMatches?: ChecksumMatcher<Ctx>;
  now?: () => Date;
  /** Backs the store up before a run that changes it, and restores it when the store cannot undo a failure. */
  backups?: BackupHook;
  /** Attached in order: see MigratorPlugin (engine/plugin.ts) for the hooks. */
  plugins?: readonly MigratorPlugin<Ctx>[];
  /** How the store replays its history and reads its schema, for drift(); absent: no drift checks beyond the fingerprint. */
  driftHook?: DriftHook<Ctx>;
  /** What migrate does when the schema's fingerprint differs from the one stored with the last step (default 'warn'). */
  drift?: DriftMode;
}

/**
 * The engine's view of backups: it knows when (before a run that changes something; after a
 * failure the store could not undo), the backup manager knows how.
 */
export interface BackupHook {
  before(run: { direction: Direction; steps: { version: string; name: string }[] }): Promise<{ id: string } | null>;
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
  /** Over the migrator's `drift` setting for this run: 'error' refuses a drifted schema, 'warn' emits `drift`, 'off' reads no catalog. */
  drift?: DriftMode;
}

export interface DriftOptions {
  /** Replay and compare even when the stored fingerprint matches. */
  replay?: boolean;
}

export interface RollbackOptions {
  /** Roll back to this version (0 = everything). */
  to?: string | number;
  /** Roll back the last N. Default: the last one. */
  steps?: number;
  dryRun?: boolean;
  /** Skip the backup taken before the run (when backups are configured). */
  backup?: boolean;
  /**
   * Revert applied steps whose files this build does not have with the down SQL their ledger
   * rows kept (an older build of an app meeting a database a newer build migrated). Before each,
   * the live schema's fingerprint must equal the one its row recorded, when it has one.
   */
  fromLedger?: boolean;
}

export interface BaselineOptions {
  /** Check (the verifies) and report what would be recorded; record nothing. */
  dryRun?: boolean;
}

export interface BaselineReport {
  /** The version the database's schema is at. */
  version: string;
  dryRun: boolean;
  /** The steps recorded as applied without running (to be recorded, in a dry run), in plan order. */
  recorded: { version: string; name: string }[];
  /** The steps whose verify ran and passed. */
  verified: { version: string; name: string }[];
  currentVersion: string | null;
  durationMs: number;
}

export type RepairOutcome = 'applied' | 'rolled-back';

export class Migrator<Ctx> {
  readonly events = new EventChannel<EngineEvents>();
  private readonly target: Target<Ctx>;
  private readonly registered: Migration<Ctx>[] = [];
  private readonly options: MigratorOptions<Ctx>;
  /** What findProblems lets through, and what it tells of the store (its server's activity view). */
  private readonly policy: ProblemContext;
  /** findProblems letting everything through but steps stopped part-way (baseline, rollback). */
  private readonly incompleteOnly: ProblemContext;
  private readonly plugins = new PluginSlot<Ctx>(this.events);

  constructor(options: MigratorOptions<Ctx>) {
    this.options = options;
    this.target = options.target;
    const { allowChanged, allowMissing, allowOutOfOrder } = options;
    const { serverActivity } = options.target;
    this.policy = { allowChanged, allowMissing, allowOutOfOrder, serverActivity };
    this.incompleteOnly = { allowChanged: true, allowMissing: true, allowOutOfOrder: true, serverActivity };
    for (const plugin of options.plugins ?? []) this.plugins.add(plugin);
  }

  on<K extends EngineEventName>(event: K, listener: Listener<EngineEvents, K>): () => void {
    return this.events.on(event, listener);
  }

  /** Attaches a plugin (after those given as options), for every run from now on. */
  use(plugin: MigratorPlugin<Ctx>): this {
    this.plugins.add(plugin);
    return this;
  }

  /** Adds a migration defined in code; it runs with the folder's, in version order. */
  register(definition: MigrationDefinition<Ctx>): this {
    if (!this.options.define) throw new StrataError(ErrorCode.MIGRATION_INVALID, 'this migrator does not accept register()');
    this.registered.push(this.options.define(definition));
    return this;
  }

  async migrate(options: MigrateOptions = {}): Promise<RunReport> {
    const started = clock();
    const sources = await this.sources();
    const to = options.to === undefined ? undefined : this.knownVersion(options.to, sources, []);
    const unlocked = await this.readOnlyState(sources);
    if (options.dryRun) {
      // A dry run plans what a plain migrate would (as it always has, --resume or not).
      const { reconciled, steps } = this.planMigrate(unlocked.ledger, sources, to, { ...options, resume: false });
      const loaded = await loadUps(steps);
      await this.inspect('up', true, steps, loaded);
      return this.dryRun('up', steps, loaded, reconciled, started);
    }
    // Plugins see the plan before the lock is taken or anything is created: planned from the
    // ledger as read now, and planned again under the lock (where the decision is made).
    const inspected = this.plugins.inspects ? await this.inspectMigrate(unlocked, sources, to, options) : undefined;
    // Read first without the lock: when everything is applied and nothing is wrong, that is the
    // answer (a committed ledger row is final), and the common no-op run takes no lock and
    // writes nothing. Anything else is decided again under the lock.
    if (!options.resume && planUp(unlocked.reconciled, to).length === 0 && findProblems(unlocked.reconciled, this.policy).length === 0) {
      return this.finish('up', [], started, unlocked.reconciled.currentVersion);
    }
    await this.target.open('write', this.openWait());
    const release = await this.lock();
    try {
      const ledger = await this.target.readLedger();
      // The same ledger as read without the lock (the target returns its cached entries while
      // nobody has written; an absent ledger reads empty both times): the plan made from it stands.
      const unchanged = !options.resume && (ledger === unlocked.ledger || (ledger.length === 0 && unlocked.ledger.length === 0));
      const { reconciled, steps, resumed } = unchanged ? this.planFrom(unlocked.reconciled, to) : this.planMigrate(ledger, sources, to, options);
      if (this.events.has('plan')) this.events.emit('plan', { direction: 'up', steps: steps.map(identity), dryRun: false });
      const loaded = await loadUps(steps);
      if (inspected && !allIn(steps, inspected)) await this.inspect('up', false, steps, loaded);
      if (resumed) this.checkResumable(resumed, loaded[0]!.up);
      const schemaBefore = steps.length ? await this.checkDriftBefore(reconciled.applied, options.drift) : undefined;
      const backup = await this.backupBefore('up', steps, options.backup);
      if (steps.length) await this.ensureLedger();
      const run = new MigrationRun({
        target: this.target,
        events: this.events,
        direction: 'up',
        retried: reconciled.aborted,
        now: this.options.now,
        schemaBefore,
      });
      const results = await this.restoringOnFailure(backup, options.singleTransaction === true, steps, () =>
        options.singleTransaction ? run.applyAllInOneTransaction(steps, loaded) : run.applyEach(steps, loaded, resumed?.statementsApplied ?? 0),
      );
      return this.finish('up', results, started, currentAfter(reconciled, results));
    } finally {
      await release();
    }
  }

  async rollback(options: RollbackOptions = {}): Promise<RunReport> {
    const started = clock();
    if (options.to !== undefined && options.steps !== undefined) {
      const [toVersion, lastTwo] = [nextCommand('rollback', '3'), nextCommand('rollback', '--steps', '2')];
      throw new StrataError(ErrorCode.USAGE, 'give either a version to roll back to or --steps, not both', {
        hint: `'${commandLine(toVersion)}' rolls back to version 3; '${commandLine(lastTwo)}' rolls back the last two`,
        next: [toVersion, lastTwo],
      });
    }
    if (options.steps !== undefined && (!Number.isInteger(options.steps) || options.steps < 1)) {
      const [last, everything] = [nextCommand('rollback', '--steps', '1'), nextCommand('rollback', '0')];
      throw new StrataError(ErrorCode.USAGE, `--steps must be a positive integer, got ${options.steps}`, {
        hint: `e.g. '${commandLine(last)}'; to roll back everything use '${commandLine(everything)}'`,
        next: [last, everything],
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
    const fromLedger = options.fromLedger === true;
    const planned = this.downSteps(readOnly, target, sources, fromLedger);
    let inspected: Set<string> | undefined;
    if (options.dryRun || this.plugins.inspects) {
      const loaded = await this.loadDowns(planned);
      await this.inspect('down', options.dryRun === true, planned, loaded);
      if (options.dryRun) return this.dryRun('down', planned, loaded, readOnly, started);
      inspected = new Set(planned.map((s) => s.version));
    }
    if (planned.length === 0) return this.finish('down', [], started, readOnly.currentVersion);
    await this.target.open('write', this.openWait());
    const release = await this.lock();
    try {
      const reconciled = reconcile(sources, await this.target.readLedger(), this.options.checksumMatches);
      const steps = this.downSteps(reconciled, target, sources, fromLedger);
      this.events.emit('plan', { direction: 'down', steps: steps.map(identity), dryRun: false });
      const loaded = await this.loadDowns(steps);
      if (inspected && steps.some((s) => !inspected.has(s.version))) await this.inspect('down', false, steps, loaded);
      const backup = await this.backupBefore('down', steps, options.backup);
      if (steps.length) await this.ensureLedger();
      const run = new MigrationRun({
        target: this.target,
        events: this.events,
        direction: 'down',
        now: this.options.now,
        beforeStep: fromLedger ? (step, done) => this.checkFingerprint(step as DownStep<Ctx>, done) : undefined,
      });
      const results = await this.restoringOnFailure(backup, false, [], () => run.applyEach(steps, loaded));
      return this.finish('down', results, started, currentAfter(reconciled, results));
    } finally {
      await release();
    }
  }

  /** The store's state; plugins add their fields (the journal: its last run's metrics). */
  async status(): Promise<StatusReport> {
    return this.plugins.status(await this.statusOf(await this.sources()));
  }

  private async statusOf(sources: Migration<Ctx>[]): Promise<StatusReport> {
    const { exists, reconciled } = await this.readOnlyState(sources);
    return {
      target: this.target.description,
      exists,
      currentVersion: reconciled.currentVersion,
      migrations: reconciled.statuses,
      pending: reconciled.pending.length,
      problems: findProblems(reconciled, this.policy),
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
    return (await this.verifyEach(sources.filter((m) => applied.has(m.version)))).failures;
  }

  /** Each migration's verify (those that have one), in a transaction rolled back; every failure, not just the first. */
  private async verifyEach(
    migrations: readonly Migration<Ctx>[],
  ): Promise<{ passed: Identity[]; failures: { version: string; name: string; error: string }[] }> {
    const failures: { version: string; name: string; error: string }[] = [];
    const passed: Identity[] = [];
    const runner = { target: this.target, events: this.events };
    for (const migration of migrations) {
      const { verify } = await migration.load();
      if (!verify) continue;
      const rollback = new Error('verify only');
      try {
        await this.target.transaction(
          async () => {
            await runVerify(runner, migration, verify, 'now');
            throw rollback;
          },
          { foreignKeys: true },
        );
      } catch (error) {
        if (error !== rollback) failures.push({ version: migration.version, name: migration.name, error: messageOf(error) });
        else passed.push(identity(migration));
      }
    }
    return { passed, failures };
  }

  /**
   * Records every migration up to `version` as applied without running it, for a database whose
   * schema already is at that version: operation 'baseline', the files' checksums and downs.
   * Refuses when the ledger holds rows after it, and when a verify of those migrations fails on
   * the database as it is (all are run first, every failure reported): a baseline is checked,
   * not trusted. All rows or none, under the lock.
   */
  async baseline(version: string | number, options: BaselineOptions = {}): Promise<BaselineReport> {
    const started = clock();
    const wanted = canonicalVersion(String(version));
    const sources = await this.sources();
    if (!sources.some((m) => m.version === wanted)) {
      const status = nextCommand('status');
      throw new StrataError(
        ErrorCode.VERSION_UNKNOWN,
        `there is no migration with version ${version}: a baseline records the migrations up to one that exists`,
        {
          hint: `'${commandLine(status)}' lists the versions; give the version of the last migration the database's schema already has`,
          next: [status],
          details: { version: String(version) },
        },
      );
    }
    const { exists, ledger } = await this.readOnlyState(sources);
    if (!exists) {
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `${this.target.description} does not exist: there is no schema to baseline`, {
        hint: "a baseline is for a database that already has its schema; for a new one run 'strata migrate'",
      });
    }
    if (options.dryRun) {
      const { reconciled, steps } = this.planBaseline(sources, ledger, wanted);
      const verified = await this.verifiedBaseline(wanted, steps);
      this.events.emit('baseline', { target: this.target.description, version: wanted, steps: steps.map(identity), dryRun: true });
      return {
        version: wanted,
        dryRun: true,
        recorded: steps.map(identity),
        verified,
        currentVersion: reconciled.currentVersion,
        durationMs: elapsedSince(started),
      };
    }
    await this.target.open('write', this.openWait());
    const release = await this.lock();
    try {
      const { reconciled, steps } = this.planBaseline(sources, await this.target.readLedger(), wanted);
      const verified = await this.verifiedBaseline(wanted, steps);
      if (steps.length) {
        await this.ensureLedger();
        const loaded = await loadUps(steps);
        const schema = await schemaNow(this.target);
        const appliedAt = (this.options.now?.() ?? new Date()).toISOString();
        await this.target.transaction(
          async () => {
            for (const [k, step] of steps.entries()) {
              await this.target.writeLedger(
                appliedEntry(step, loaded[k]!.down, appliedAt, {
                  operation: 'baseline',
                  adoptedFrom: 'baseline',
                  // The schema now is the schema after the last of them; of the others nothing is known.
                  ...(k === steps.length - 1 ? schema : { schemaFingerprint: null, schemaStamp: null }),
                }),
              );
            }
          },
          { foreignKeys: true },
        );
      }
      this.events.emit('baseline', { target: this.target.description, version: wanted, steps: steps.map(identity), dryRun: false });
      const after = new Set([...reconciled.applied.map((e) => e.version), ...steps.map((s) => s.version)]);
      const currentVersion = [...after].sort((a, b) => (reconciled.graph.position.get(a) ?? -1) - (reconciled.graph.position.get(b) ?? -1)).at(-1) ?? null;
      return { version: wanted, dryRun: false, recorded: steps.map(identity), verified, currentVersion, durationMs: elapsedSince(started) };
    } finally {
      await release();
    }
  }

  /** The pending migrations a baseline at `wanted` records; refuses rows after it and steps stopped part-way. */
  private planBaseline(sources: Migration<Ctx>[], ledger: readonly LedgerEntry[], wanted: string): { reconciled: Reconciled<Ctx>; steps: Migration<Ctx>[] } {
    const reconciled = reconcile(sources, ledger, this.options.checksumMatches);
    const incomplete = findProblems(reconciled, this.incompleteOnly);
    if (incomplete.length) throw problemsError(incomplete);
    const { category } = versionParts(wanted);
    const after = ledger.filter(
      (entry) => entry.status !== 'aborted' && versionParts(entry.version).category === category && compareVersions(entry.version, wanted) > 0,
    );
    if (after.length) {
      const status = nextCommand('status');
      throw new StrataError(
        ErrorCode.BASELINE_CONFLICT,
        `cannot baseline at ${wanted}: the ledger already holds ${after.map(migrationLabel).join(', ')}, after it`,
        {
          hint: `a baseline records history up to a version for a database that has none past it; '${commandLine(status)}' shows what the ledger holds`,
          next: [status],
          details: { version: wanted, versions: after.map((e) => e.version) },
        },
      );
    }
    return { reconciled, steps: planUp(reconciled, wanted) };
  }

  private async verifiedBaseline(wanted: string, steps: readonly Migration<Ctx>[]): Promise<Identity[]> {
    const { passed, failures } = await this.verifyEach(steps);
    if (failures.length) {
      throw new StrataError(
        ErrorCode.MIGRATION_VERIFY_FAILED,
        `cannot baseline at ${wanted}: the verify of ${failures.length} migration(s) fails on the database as it is: ${failures
          .map((f) => `${migrationLabel(f)} (${f.error})`)
          .join('; ')}`,
        {
          hint: "the schema is not what those migrations make: bring it there (or baseline at an earlier version and let 'strata migrate' do the rest); nothing was recorded",
          details: { version: wanted, failures },
        },
      );
    }
    return passed;
  }

  /** Records the outcome of a step that failed outside a transaction, after a person looked. */
  async repair(version: string | number, outcome: RepairOutcome): Promise<LedgerEntry | null> {
    const wanted = canonicalVersion(String(version));
    const sources = await this.sources();
    await this.target.open('write', this.openWait());
    const release = await this.lock();
    try {
      const entry = (await this.target.readLedger()).find((e) => e.version === wanted);
      if (!entry || entry.status === 'applied' || entry.status === 'aborted') {
        const status = nextCommand('status');
        // A pending step whose schema is already there is what a baseline records, checked by its verify.
        const pending = outcome === 'applied' && (!entry || entry.status === 'aborted') && sources.some((m) => m.version === wanted);
        const baseline = nextCommand('baseline', wanted);
        throw new StrataError(
          ErrorCode.NOTHING_TO_REPAIR,
          `migration ${wanted} is ${!entry ? 'not in the ledger' : entry.status === 'aborted' ? 'pending (its last attempt rolled back)' : 'applied'}: there is nothing to repair`,
          {
            hint: pending
              ? `if the database already has its schema, '${commandLine(baseline)}' records it (and every migration before it) as applied, after running their verifies`
              : `'${commandLine(status)}' shows which steps are failed or running`,
            next: pending ? [baseline, status] : [status],
          },
        );
      }
      await this.ensureLedger();
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
    await this.target.open('write', this.openWait());
    const release = await this.lock();
    try {
      const reconciled = reconcile(sources, await this.target.readLedger(), this.options.checksumMatches);
      const byVersion = new Map(sources.map((m) => [m.version, m]));
      const changed = new Set(reconciled.statuses.filter((s) => s.state === 'changed').map((s) => s.version));
      if (changed.size) await this.ensureLedger();
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

  /**
   * Whether the schema still matches what the applied history builds: the live fingerprint
   * against the one stored with the last applied step (one catalog read); on a mismatch, or
   * with none stored, the history replayed into a scratch database and compared object by object.
   */
  async drift(options: DriftOptions = {}): Promise<DriftReport> {
    const sources = await this.sources();
    const { exists, ledger } = await this.readOnlyState(sources);
    return checkDrift({ target: this.target, hook: this.options.driftHook, ledger, sources, replay: options.replay, exists });
  }

  /**
   * Records a migration as applied without running it, with the schema's fingerprint now: for a
   * file that describes changes already in the database (`drift --adopt`). It must be pending.
   */
  async recordApplied(version: string | number): Promise<LedgerEntry> {
    const wanted = canonicalVersion(String(version));
    const sources = await this.sources();
    await this.target.open('write', this.openWait());
    const release = await this.lock();
    try {
      const migration = sources.find((m) => m.version === wanted);
      if (!migration) throw new StrataError(ErrorCode.VERSION_UNKNOWN, `there is no migration with version ${wanted}`, { hint: 'write its file first' });
      if ((await this.target.readLedger()).some((e) => e.version === wanted)) {
        throw new StrataError(ErrorCode.NOTHING_TO_REPAIR, `${migrationLabel(migration)} is in the ledger already`, {
          hint: `'${commandLine(nextCommand('status'))}' shows its state`,
        });
      }
      await this.target.ensureLedger();
      const { down } = await migration.load();
      const appliedAt = (this.options.now?.() ?? new Date()).toISOString();
      const entry = appliedEntry(migration, down, appliedAt, await schemaNow(this.target));
      await this.target.writeLedger(entry);
      return entry;
    } finally {
      await release();
    }
  }

  /**
   * Before a run: the fast drift check (the stamp, else the fingerprint; never a replay), as the
   * run's `drift` mode says. Returns the schema state the run starts from when the stamp vouched
   * for it, so the run's end can skip its own fingerprint if its steps left the schema alone.
   */
  private async checkDriftBefore(ledger: readonly LedgerEntry[], mode: DriftMode | undefined): Promise<SchemaState | undefined> {
    const effective = mode ?? this.options.drift ?? DEFAULT_DRIFT_MODE;
    if (effective === 'off') return undefined;
    const { warning, unchanged } = await driftBeforeRun(this.target, ledger);
    if (!warning) return unchanged;
    if (effective === 'error') throw driftError(warning);
    this.events.emit('drift', warning);
    return undefined;
  }

  /** Closes the plugins (once), then the store's connection. */
  async close(): Promise<void> {
    try {
      await this.plugins.close();
    } finally {
      await this.target.close();
    }
  }

  // ---- plugins ---------------------------------------------------------------------------

  /** Plans the run from the ledger as read without the lock, and has the plugins inspect it. */
  private async inspectMigrate(
    unlocked: { ledger: LedgerEntry[]; reconciled: Reconciled<Ctx> },
    sources: Migration<Ctx>[],
    to: string | undefined,
    options: MigrateOptions,
  ): Promise<Set<string>> {
    let steps: Migration<Ctx>[];
    try {
      // Without --resume the plan is the one reconciled from this ledger already.
      ({ steps } = options.resume ? this.planMigrate(unlocked.ledger, sources, to, options) : this.planFrom(unlocked.reconciled, to));
    } catch (error) {
      // Read without the lock, a step another process is running looks stopped part-way (its
      // ledger row says running): only the plan made under the lock can tell, so the plugins
      // inspect that one (the under-lock check below sees no step inspected yet).
      if (error instanceof StrataError && error.code === ErrorCode.MIGRATION_INCOMPLETE) return new Set();
      throw error;
    }
    await this.inspect('up', false, steps, await loadUps(steps));
    return versionSet(steps);
  }

  private async inspect(
    direction: Direction,
    dryRun: boolean,
    steps: readonly (Migration<Ctx> | DownStep<Ctx>)[],
    loaded: readonly LoadedMigration<Ctx>[],
  ): Promise<void> {
    if (!this.plugins.inspects) return;
    const inspectedSteps: InspectedStep<Ctx>[] = [];
    for (let k = 0; k < steps.length; k++) inspectedSteps.push(inspectedStep(direction, steps[k]!, loaded[k]!));
    await this.plugins.inspect({ direction, dryRun, target: this.target.description, steps: inspectedSteps });
  }

  // ---- backups ---------------------------------------------------------------------------

  private async backupBefore(direction: Direction, steps: readonly Identity[], wanted: boolean | undefined): Promise<{ id: string } | null> {
    if (!this.options.backups || wanted === false || steps.length === 0) return null;
    return this.options.backups.before({ direction, steps: steps.map(identity) });
  }

  /**
   * Runs the steps; if they fail in a way the store could not undo by itself (a step outside a
   * transaction, or an all-or-nothing run on a store without transactional steps), puts the
   * pre-run backup back and says so in the error.
   */
  private async restoringOnFailure(
    backup: { id: string } | null,
    allOrNothing: boolean,
    /** The run's up steps (none for a rollback): the failed one's attempt is recorded after the restore. */
    ups: readonly Migration<Ctx>[],
    run: () => Promise<StepResult[]>,
  ): Promise<StepResult[]> {
    try {
      return await run();
    } catch (caught) {
      if (!backup || !(caught instanceof StrataError)) throw caught;
      const undoable = caught.details.transaction !== false && !(allOrNothing && !this.target.transactionalSteps);
      if (undoable) throw caught;
      try {
        await this.options.backups!.restore(backup.id);
      } catch (restoreError) {
        const restore = nextCommand('backup restore', backup.id);
        throw new StrataError(caught.code, caught.message, {
          hint: `the automatic restore of backup ${backup.id} failed too (${messageOf(restoreError)}): restore it with '${commandLine(restore)}'`,
          next: [restore],
          cause: caught.cause,
          results: caught.results,
          details: { ...caught.details, backup: backup.id, restored: false },
        });
      }
      await this.recordFailureAfterRestore(caught, ups);
      throw new StrataError(caught.code, caught.message, {
        hint: `Strata restored backup ${backup.id}, taken before this run: the database is exactly as it was before it; fix the migration and run again`,
        cause: caught.cause,
        results: caught.results,
        details: { ...caught.details, backup: backup.id, restored: true },
      });
    }
  }

  /**
   * The restore put back the ledger of before the run, with the failure record of an earlier
   * attempt if there was one: `status` would show that run's error. The failed step is recorded
   * again as an attempt that left nothing applied ('aborted'), with this run's error. Best effort:
   * the error thrown says it all the same.
   */
  private async recordFailureAfterRestore(caught: StrataError, ups: readonly Migration<Ctx>[]): Promise<void> {
    const failed = caught.results.find((result) => result.status === 'failed');
    const step = failed && ups.find((migration) => migration.version === failed.version);
    if (!step) return;
    const entry = appliedEntry(step, undefined, (this.options.now ? this.options.now() : new Date()).toISOString());
    await this.target
      .writeLedger({ ...entry, status: 'aborted', statementsApplied: 0, error: caught.message, durationMs: failed.durationMs })
      .catch(() => undefined);
  }

  // ---- resume ----------------------------------------------------------------------------

  /** The one step a `--resume` continues: an up that failed (or stopped) outside a transaction. */
  private resumableStep(ledger: readonly LedgerEntry[], sources: readonly Migration<Ctx>[]): LedgerEntry {
    const incomplete = ledger.filter((e) => e.status === 'failed' || e.status === 'running');
    const entry = incomplete[0];
    if (!entry) {
      const migrate = nextCommand('migrate');
      throw new StrataError(ErrorCode.NOTHING_TO_REPAIR, 'there is no failed step to resume: every step in the ledger is applied', {
        hint: `run '${commandLine(migrate)}' to apply pending migrations`,
        next: [migrate],
      });
    }
    if (incomplete.length > 1 || entry.operation !== 'up') {
      const [applied, rolledBack] = repairCommands(entry.version);
      throw new StrataError(
        ErrorCode.MIGRATION_INCOMPLETE,
        `${migrationLabel(entry)} stopped part-way through a ${entry.operation === 'down' ? 'rollback' : 'run'} that --resume cannot continue${incomplete.length > 1 ? ` (and ${incomplete.length - 1} more steps are incomplete)` : ''}`,
        {
          hint: `${waitForServer(entry.status, this.target.serverActivity)}inspect the database, then run '${commandLine(applied)}' or '${commandLine(rolledBack)}'`,
          next: [applied, rolledBack],
        },
      );
    }
    if (!sources.some((m) => m.version === entry.version)) {
      throw new StrataError(ErrorCode.MIGRATION_FILE_MISSING, `${migrationLabel(entry)} is the step to resume, but its file is gone`, {
        hint: 'restore the file, then resume',
      });
    }
    return entry;
  }

  private checkResumable(entry: LedgerEntry, body: MigrationBody<Ctx>): void {
    if (body.kind === 'code' && entry.statementsApplied === 0) return;
    const [applied, rolledBack] = repairCommands(entry.version);
    if (body.kind === 'code') {
      throw new StrataError(ErrorCode.MIGRATION_INCOMPLETE, `${migrationLabel(entry)} is code: it cannot continue part-way`, {
        hint: `inspect the database, then run '${commandLine(applied)}' or '${commandLine(rolledBack)}'`,
        next: [applied, rolledBack],
      });
    }
    const statements = body.statements.filter((s) => !s.control).length;
    if (entry.statementsApplied > statements) {
      throw new StrataError(
        ErrorCode.MIGRATION_INCOMPLETE,
        `${migrationLabel(entry)} completed ${entry.statementsApplied} statements, but its file now has ${statements}`,
        {
          hint: `keep the statements that ran as they were; or record the outcome with '${commandLine(applied)}' or '${rolledBack.args.at(-1)}'`,
          next: [applied, rolledBack],
        },
      );
    }
  }

  // ---- planning helpers ------------------------------------------------------------------

  /**
   * The ups of a migrate, from a ledger: problems throw; a resumed step plans as pending (its
   * ledger row is rewritten as it continues) and must come first.
   */
  /** The plan of a reconciled ledger and folder (planMigrate without --resume). */
  private planFrom(reconciled: Reconciled<Ctx>, to: string | undefined): { reconciled: Reconciled<Ctx>; steps: Migration<Ctx>[]; resumed: undefined } {
    this.throwProblems(reconciled);
    return { reconciled, steps: planUp(reconciled, to), resumed: undefined };
  }

  private planMigrate(
    ledger: readonly LedgerEntry[],
    sources: Migration<Ctx>[],
    to: string | undefined,
    options: MigrateOptions,
  ): { reconciled: Reconciled<Ctx>; steps: Migration<Ctx>[]; resumed: LedgerEntry | undefined } {
    const resumed = options.resume ? this.resumableStep(ledger, sources) : undefined;
    const reconciled = reconcile(sources, resumed ? ledger.filter((e) => e !== resumed) : ledger, this.options.checksumMatches);
    this.throwProblems(reconciled);
    const steps = planUp(reconciled, to);
    if (resumed && steps[0]?.version !== resumed.version) {
      throw new StrataError(ErrorCode.USAGE, `--to ${String(options.to)} stops before ${migrationLabel(resumed)}, the step to resume`, {
        hint: 'resume without --to, or with a --to at or above it',
      });
    }
    return { reconciled, steps, resumed };
  }

  private async sources(): Promise<Migration<Ctx>[]> {
    const fromSource = await this.options.source();
    if (this.registered.length === 0) return fromSource;
    const all = [...fromSource, ...this.registered].sort((a, b) => compareVersions(a.version, b.version));
    for (let k = 1; k < all.length; k++) {
      if (all[k]!.version === all[k - 1]!.version) {
        throw new StrataError(
          ErrorCode.MIGRATION_VERSION_DUPLICATE,
          `version ${all[k]!.version} is used by more than one migration: ${all[k - 1]!.origin}, ${all[k]!.origin}`,
          {
            hint: 'give each migration its own version number',
          },
        );
      }
    }
    return all;
  }

  /** The store as it is, without creating it (nor its ledger) and without the lock. */
  private async readOnlyState(sources: Migration<Ctx>[]): Promise<{ exists: boolean; ledger: LedgerEntry[]; reconciled: Reconciled<Ctx> }> {
    const { exists } = await this.target.open('read', this.openWait());
    const ledger = exists ? await this.target.readLedger() : [];
    return { exists, ledger, reconciled: reconcile(sources, ledger, this.options.checksumMatches) };
  }

  private async readOnly(sources: Migration<Ctx>[]): Promise<Reconciled<Ctx>> {
    return (await this.readOnlyState(sources)).reconciled;
  }

  private throwProblems(reconciled: Reconciled<Ctx>): void {
    const problems = findProblems(reconciled, this.policy);
    if (problems.length) throw problemsError(problems);
  }

  private knownVersion(version: string | number, sources: readonly Migration<Ctx>[], applied: readonly LedgerEntry[]): string {
    const wanted = canonicalVersion(String(version));
    if (wanted === '0' || sources.some((m) => m.version === wanted) || applied.some((e) => e.version === wanted)) return wanted;
    // `knowledge000`: before the first migration of a category that exists.
    const { category, number } = versionParts(wanted);
    if (category && number === '0' && [...sources, ...applied].some((m) => versionParts(m.version).category === category)) return wanted;
    const status = nextCommand('status');
    throw new StrataError(ErrorCode.VERSION_UNKNOWN, `there is no migration with version ${version}`, {
      hint: `'${commandLine(status)}' lists the versions (0 means before the first migration; knowledge000 before a category's first)`,
      next: [status],
    });
  }

  /**
   * The ledger rows to revert, each checked: file present and unchanged (unless allowed), or,
   * `fromLedger`, its down kept in the row.
   */
  private downSteps(reconciled: Reconciled<Ctx>, target: RollbackTarget, sources: readonly Migration<Ctx>[], fromLedger = false): DownStep<Ctx>[] {
    const incomplete = findProblems(reconciled, this.incompleteOnly);
    if (incomplete.length) throw problemsError(incomplete);
    const byVersion = new Map(sources.map((m) => [m.version, m]));
    const steps = planDown(reconciled, target);
    const problems = findProblems(reconciled, this.policy).filter((p) => p.code === ErrorCode.CHECKSUM_MISMATCH && steps.some((s) => s.version === p.version));
    const missing = steps.filter((s) => !byVersion.has(s.version));
    const history = missing.filter((s) => adoptedHistoryTool(s) !== undefined);
    if (history.length) {
      const tools = [...new Set(history.map((s) => adoptedHistoryTool(s)))].join(', ');
      throw new StrataError(
        ErrorCode.MIGRATION_DOWN_MISSING,
        `cannot roll back ${history.map(migrationLabel).join(', ')}: adopted from ${tools} as history only, Strata has no down for ${history.length > 1 ? 'them' : 'it'}`,
        {
          hint: `roll back to a later version, or undo ${history.length > 1 ? 'them' : 'it'} with a new migration`,
          details: { versions: history.map((s) => s.version) },
        },
      );
    }
    if (missing.length && !fromLedger) {
      const stored = missing.every((s) => s.downSql);
      const fromLedgerCommand = nextCommand('rollback', '--to', target.kind === 'to' ? target.version : '<V>', '--from-ledger');
      throw new StrataError(ErrorCode.MIGRATION_FILE_MISSING, `cannot roll back ${missing.map(migrationLabel).join(', ')}: the migration file is gone`, {
        hint: stored
          ? `the ledger kept the down SQL of ${missing.length > 1 ? 'these steps' : 'this step'}: '${commandLine(fromLedgerCommand)}' reverts with it (checked against the schema fingerprint)`
          : 'restore the file (its down is needed to roll back)',
        ...(stored ? { next: [fromLedgerCommand] } : {}),
        details: { versions: missing.map((s) => s.version) },
      });
    }
    const withoutDown = missing.filter((s) => !s.downSql);
    if (withoutDown.length) {
      throw new StrataError(
        ErrorCode.MIGRATION_DOWN_MISSING,
        `cannot roll back ${withoutDown.map(migrationLabel).join(', ')} from the ledger: ${withoutDown.length > 1 ? 'their rows keep' : 'its row keeps'} no down SQL (a code migration, one without a down, or applied before ledger layout 2)`,
        {
          hint: 'restore the migration file (a build that has it can roll it back), or restore a backup taken before it was applied',
          details: { versions: withoutDown.map((s) => s.version) },
        },
      );
    }
    if (problems.length) throw problemsError(problems);
    return steps.map((entry) => ({ ...entry, migration: byVersion.get(entry.version) ?? this.ledgerMigration(entry) }));
  }

  /** A step this build has no file for, as a migration whose down is the SQL its ledger row kept. */
  private ledgerMigration(entry: LedgerEntry): Migration<Ctx> {
    const origin = `ledger:${migrationLabel(entry)}`;
    const parse = this.target.parseStoredDown?.bind(this.target);
    if (!parse) {
      throw new StrataError(ErrorCode.MIGRATION_DOWN_MISSING, `${this.target.description} cannot run a down kept in its ledger (${origin})`, {
        hint: 'restore the migration file',
      });
    }
    const down = parse(entry.downSql!, origin);
    return {
      version: entry.version,
      name: entry.name,
      checksum: entry.checksum,
      origin,
      load: async () => ({ up: { kind: 'sql', statements: [], transaction: true, foreignKeys: true }, down }),
    };
  }

  /**
   * Before a down kept in the ledger runs: the schema must be the one its step left (the row's
   * fingerprint), or that down was written for another schema. Rows or stores without one pass.
   */
  private async checkFingerprint(step: DownStep<Ctx>, done: readonly StepResult[]): Promise<void> {
    if (!step.migration.origin.startsWith('ledger:') || !step.schemaFingerprint || !this.target.schemaFingerprint) return;
    // The row's stamp still the schema's: it is the schema that fingerprint describes (no catalog read).
    if (await unchangedSince(this.target, step)) return;
    const actual = await this.target.schemaFingerprint();
    if (actual === step.schemaFingerprint) return;
    const drift = nextCommand('drift');
    throw new StrataError(
      ErrorCode.FINGERPRINT_MISMATCH,
      `cannot roll back ${migrationLabel(step)} from the ledger: the schema is not the one it left (fingerprint ${actual}, the ledger recorded ${step.schemaFingerprint})`,
      {
        hint: `something changed the schema after that step; '${commandLine(drift)}' shows what. Its stored down was not run`,
        next: [drift],
        results: [...done],
        details: { version: step.version, expected: step.schemaFingerprint, actual },
      },
    );
  }

  /** Creates or upgrades the ledger (under the lock), telling listeners when it upgraded. */
  private async ensureLedger(): Promise<void> {
    const upgrade = await this.target.ensureLedger();
    if (upgrade) this.events.emit('ledger:upgraded', { target: this.target.description, ...upgrade });
  }

  private async loadDowns(steps: readonly DownStep<Ctx>[]): Promise<LoadedMigration<Ctx>[]> {
    const loaded = await Promise.all(steps.map((s) => s.migration.load()));
    const withoutDown = steps.filter((_, k) => !loaded[k]!.down);
    if (withoutDown.length) {
      throw new StrataError(
        ErrorCode.MIGRATION_DOWN_MISSING,
        `cannot roll back: ${withoutDown.map((s) => s.migration.origin).join(', ')} ${withoutDown.length > 1 ? 'have' : 'has'} no down migration`,
        {
          hint: 'add a -- migrate:down section (or a .down.sql file, or export down()), or roll back to a later version',
          details: { versions: withoutDown.map((s) => s.version) },
        },
      );
    }
    return loaded;
  }

  private dryRun(
    direction: Direction,
    steps: readonly (Migration<Ctx> | DownStep<Ctx>)[],
    loaded: readonly LoadedMigration<Ctx>[],
    reconciled: Reconciled<Ctx>,
    started: number,
  ): RunReport {
    this.events.emit('plan', { direction, steps: steps.map(identity), dryRun: true });
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

  private finish(direction: Direction, results: StepResult[], started: number, currentVersion: string | null, dryRun = false): RunReport {
    const report: RunReport = { direction, dryRun, results, currentVersion, durationMs: elapsedSince(started) };
    this.events.emit('done', { direction, results, durationMs: report.durationMs });
    return report;
  }

  /** For stores whose open waits for another process: the same timeout and `lock:waiting` as the lock (told once). */
  private openWait(): OpenWait {
    let told = false;
    const target = this.target.description;
    return {
      timeoutMs: this.options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      onWaiting: () => {
        if (!told) this.events.emit('lock:waiting', { target });
        told = true;
      },
    };
  }

  private lock(): Promise<Release> {
    return takeLock(
      (timeoutMs, onWaiting) => this.target.lock(timeoutMs, onWaiting),
      this.target.description,
      this.options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      this.events,
    );
  }
}

type DownStep<Ctx> = LedgerEntry & { migration: Migration<Ctx> };

function identity(step: Identity): Identity {
  return { version: step.version, name: step.name };
}

// The per-step helpers below are module functions and loops, not closures made per call: they
// run over every step of every migrate, and V8 drops such closures' optimized code at each full
// GC (see sources/folder-source.ts).

/**
 * A step as the plugins inspect it. One literal per shape, not optional fields added afterwards:
 * V8 keeps the shape of a literal for good, but a shape reached by adding properties lives only
 * as long as some object has it, and the code that read it was deoptimised at each full GC.
 */
function inspectedStep<Ctx>(direction: Direction, step: Migration<Ctx> | DownStep<Ctx>, loaded: LoadedMigration<Ctx>): InspectedStep<Ctx> {
  const { version, name } = step;
  const origin = originOf(step);
  const body = direction === 'up' ? loaded.up : loaded.down!;
  const file = (body.kind === 'sql' && body.file) || origin;
  const checksum = direction === 'up' ? (step as Migration<Ctx>).checksum : undefined;
  const verify = direction === 'up' ? loaded.verify : undefined;
  if (!checksum) return verify ? { version, name, origin, file, body, verify } : { version, name, origin, file, body };
  return verify ? { version, name, origin, file, body, verify, checksum } : { version, name, origin, file, body, checksum };
}

function loadUps<Ctx>(steps: readonly Migration<Ctx>[]): Promise<LoadedMigration<Ctx>[]> {
  return Promise.all(steps.map(loadOf));
}

function loadOf<Ctx>(step: Migration<Ctx>): Promise<LoadedMigration<Ctx>> {
  return step.load();
}

function versionSet(steps: readonly Identity[]): Set<string> {
  const versions = new Set<string>();
  for (const step of steps) versions.add(step.version);
  return versions;
}

function allIn(steps: readonly Identity[], versions: ReadonlySet<string>): boolean {
  for (const step of steps) if (!versions.has(step.version)) return false;
  return true;
}

/** The last applied version in plan order once `results` (all successful) are done. */
function currentAfter<Ctx>(before: Reconciled<Ctx>, results: readonly StepResult[]): string | null {
  const applied = versionSet(before.applied);
  for (const result of results) {
    if (result.status === 'applied') applied.add(result.version);
    else if (result.status === 'reverted') applied.delete(result.version);
  }
  // The last in (position, version) order; versions outside the graph count as position -1.
  const { position } = before.graph;
  let last: string | null = null;
  let lastAt = -1;
  for (const version of applied) {
    const at = position.get(version) ?? -1;
    if (last === null || at > lastAt || (at === lastAt && compareVersions(version, last) > 0)) {
      last = version;
      lastAt = at;
    }
  }
  return last;
}
