/**
 * Seed 000's API, exactly: register / applyMigrations / getLatestVersion, and a ready
 * `migrationManager`. Pure: it migrates values; stores, locks and history are the
 * DocumentMigrator's job. Everything that can be wrong with a request (unknown version, a
 * missing down, data newer than the app) is an error before any step runs.
 */
import { clock, elapsedSince } from '../../model/clock.js';
import { ErrorCode, StrataError, messageOf, type StepResult } from '../../model/errors.js';
import type { Direction } from '../../model/run-report.js';
import { sourceChecksum, type DocumentMigration, type RegisteredMigration } from './document-migration.js';
import { compareDocumentVersions, normaliseVersion, versionKind, type DocumentVersion, type VersionKind } from './document-version.js';
import { describeIssues, type StandardSchemaV1 } from './standard-schema.js';

export interface DocumentStep<Data = any> {
  migration: RegisteredMigration<Data>;
  direction: Direction;
  /** The data's version before and after this step. */
  from: DocumentVersion;
  to: DocumentVersion;
  /** What the data must satisfy after the step (the schema of version `to`, if it has one). */
  schema: StandardSchemaV1 | undefined;
}

export interface StepObserver {
  starting?(step: DocumentStep, index: number, total: number): void;
  finished?(step: DocumentStep, index: number, total: number, durationMs: number): void;
}

export class MigrationManager<Data = any> {
  private readonly sorted: RegisteredMigration<Data>[] = [];
  private kind: VersionKind | undefined;

  /** Adds a migration; order of registration does not matter. Throws on a duplicate version. */
  register(migration: DocumentMigration<Data>): this {
    const where = `migration ${JSON.stringify(migration?.version)}`;
    if (!migration || typeof migration.up !== 'function') {
      throw new StrataError(ErrorCode.MIGRATION_INVALID, `${where} has no up() function`, {
        hint: 'register({ version, description, up: (data) => newData, down: (data) => oldData })',
      });
    }
    if (migration.down !== undefined && typeof migration.down !== 'function') {
      throw new StrataError(ErrorCode.MIGRATION_INVALID, `${where}: down must be a function`, { hint: 'down: (data) => oldData' });
    }
    const version = normaliseVersion(migration.version, where);
    const kind = versionKind(version)!;
    if (this.kind && kind !== this.kind) {
      throw new StrataError(ErrorCode.MIGRATION_INVALID, `${where} is a ${kind} version but the others are ${this.kind} versions`, {
        hint: 'use one kind of version for one document: all integers or all semver strings',
      });
    }
    const existing = this.sorted.find((m) => compareDocumentVersions(m.version, version) === 0);
    if (existing) {
      throw new StrataError(ErrorCode.MIGRATION_VERSION_DUPLICATE, `version ${version} is registered twice ("${existing.name}" and "${labelOf(migration)}")`, {
        hint: 'give each migration its own version',
        details: { version },
      });
    }
    this.kind = kind;
    const registered: RegisteredMigration<Data> = { ...migration, version, name: labelOf(migration), checksum: sourceChecksum(migration) };
    const at = this.sorted.findIndex((m) => compareDocumentVersions(m.version, version) > 0);
    this.sorted.splice(at === -1 ? this.sorted.length : at, 0, registered);
    return this;
  }

  /** The highest registered version; 0 when nothing is registered. */
  getLatestVersion(): DocumentVersion {
    return this.sorted.at(-1)?.version ?? 0;
  }

  /** Registered migrations, lowest version first. */
  list(): readonly RegisteredMigration<Data>[] {
    return this.sorted;
  }

  /** The steps from one version to another, checked; throws before anything could run. */
  plan(currentVersion: DocumentVersion, targetVersion: DocumentVersion): DocumentStep<Data>[] {
    const current = this.known(currentVersion, 'current');
    const target = this.known(targetVersion, 'target');
    const order = compareDocumentVersions(current, target);
    if (order === 0) return [];
    if (order < 0) {
      const ups = this.sorted.filter((m) => compareDocumentVersions(m.version, current) > 0 && compareDocumentVersions(m.version, target) <= 0);
      return ups.map((migration, k) => ({
        migration,
        direction: 'up',
        from: k === 0 ? current : ups[k - 1]!.version,
        to: migration.version,
        schema: migration.schema,
      }));
    }
    const downs = this.sorted.filter((m) => compareDocumentVersions(m.version, target) > 0 && compareDocumentVersions(m.version, current) <= 0).reverse();
    const withoutDown = downs.filter((m) => !m.down);
    if (withoutDown.length) {
      throw new StrataError(
        ErrorCode.MIGRATION_DOWN_MISSING,
        `cannot go down from ${current} to ${target}: ${withoutDown.map((m) => `migration ${m.version} ("${m.name}")`).join(', ')} ${withoutDown.length > 1 ? 'have' : 'has'} no down()`,
        {
          hint: 'add a down() to those migrations, or choose a target version above them',
          details: { versions: withoutDown.map((m) => m.version) },
        },
      );
    }
    return downs.map((migration) => {
      const below = this.below(migration.version);
      const to = below && compareDocumentVersions(below.version, target) >= 0 ? below.version : target;
      return { migration, direction: 'down', from: migration.version, to, schema: below && to === below.version ? below.schema : undefined };
    });
  }

  /**
   * Brings `data` from currentVersion to targetVersion: ups ascending, or downs descending.
   * Synchronous; a step that returns a promise is an error (use applyMigrationsAsync). The input
   * is never mutated: steps work on a copy.
   */
  applyMigrations(currentVersion: DocumentVersion, targetVersion: DocumentVersion, data: Data): Data {
    const steps = this.plan(currentVersion, targetVersion);
    let state = steps.length ? copyOf(data) : data;
    const results: StepResult[] = [];
    steps.forEach((step, k) => {
      const started = clock();
      let next: unknown;
      try {
        next = runStep(step, state);
      } catch (error) {
        throw stepFailure(step, error, results, started);
      }
      if (isThenable(next)) {
        (next as Promise<unknown>).then(undefined, () => undefined);
        throw new StrataError(ErrorCode.MIGRATION_ASYNC, `${describeStep(step)} returned a promise, but applyMigrations() is synchronous`, {
          hint: 'await applyMigrationsAsync(...) instead (it supports async steps)',
          details: { version: step.migration.version, direction: step.direction },
        });
      }
      state = returned(step, next, results, started);
      if (step.schema) {
        const verdict = step.schema['~standard'].validate(state);
        if (isThenable(verdict)) {
          throw new StrataError(ErrorCode.MIGRATION_ASYNC, `the schema of version ${step.to} validates asynchronously, but applyMigrations() is synchronous`, {
            hint: 'await applyMigrationsAsync(...) instead',
          });
        }
        checkVerdict(step, verdict as { issues?: ReadonlyArray<{ message: string }> }, results, started);
      }
      results.push(resultOf(step, started));
    });
    return state;
  }

  /** Like applyMigrations, for steps (or schemas) that may be async. */
  async applyMigrationsAsync(currentVersion: DocumentVersion, targetVersion: DocumentVersion, data: Data): Promise<Data> {
    const steps = this.plan(currentVersion, targetVersion);
    return (await runSteps(steps, steps.length ? copyOf(data) : data)).data;
  }

  /** The known form of a version, or a clear error about it. */
  known(version: DocumentVersion, role: 'current' | 'target'): DocumentVersion {
    const normal = normaliseVersion(version, `${role} version`);
    const kind = versionKind(normal);
    if (this.kind && kind !== this.kind) {
      throw new StrataError(
        ErrorCode.VERSION_UNKNOWN,
        `${role} version ${JSON.stringify(version)} is a ${kind} version but the migrations use ${this.kind} versions`,
        {
          hint: this.kind === 'semver' ? 'write versions like "2.0.0"' : 'write versions as integers',
        },
      );
    }
    const lowest = this.sorted[0];
    const latest = this.sorted.at(-1);
    if (!lowest || !latest || compareDocumentVersions(normal, lowest.version) < 0) return normal;
    if (this.sorted.some((m) => compareDocumentVersions(m.version, normal) === 0)) return normal;
    if (role === 'current' && compareDocumentVersions(normal, latest.version) > 0) {
      throw new StrataError(ErrorCode.DOCUMENT_NEWER, `the data is at version ${normal}, newer than the latest migration this app knows (${latest.version})`, {
        hint: 'an older build is reading data written by a newer one: run the newer build and migrate down to this version, or restore a backup',
        details: { version: normal, latest: latest.version },
      });
    }
    throw new StrataError(ErrorCode.VERSION_UNKNOWN, `no migration has version ${normal} (the ${role} version)`, {
      hint: `known versions: ${this.sorted.map((m) => m.version).join(', ')} (or any version below ${lowest.version}, meaning before the first migration)`,
      details: { version: normal },
    });
  }

  private below(version: DocumentVersion): RegisteredMigration<Data> | undefined {
    const index = this.sorted.findIndex((m) => compareDocumentVersions(m.version, version) === 0);
    return index > 0 ? this.sorted[index - 1] : undefined;
  }
}

/** The ready instance seed 000 imports. */
export const migrationManager = new MigrationManager<any>();

/** Runs planned steps on data the caller owns (already a copy, or freshly parsed). */
export async function runSteps<Data>(
  steps: readonly DocumentStep<Data>[],
  data: Data,
  observer: StepObserver = {},
): Promise<{ data: Data; results: StepResult[] }> {
  let state = data;
  const results: StepResult[] = [];
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k]!;
    observer.starting?.(step, k + 1, steps.length);
    const started = clock();
    let next: unknown;
    try {
      next = await runStep(step, state);
    } catch (error) {
      throw stepFailure(step, error, results, started);
    }
    state = returned(step, next, results, started);
    if (step.schema) checkVerdict(step, await step.schema['~standard'].validate(state), results, started);
    const result = resultOf(step, started);
    results.push(result);
    observer.finished?.(step, k + 1, steps.length, result.durationMs);
  }
  return { data: state, results };
}

function runStep(step: DocumentStep, state: unknown): unknown {
  return step.direction === 'up' ? step.migration.up(state) : step.migration.down!(state);
}

function returned<Data>(step: DocumentStep<Data>, next: unknown, results: StepResult[], started: number): Data {
  if (next === undefined) {
    throw new StrataError(ErrorCode.MIGRATION_FAILED, `${describeStep(step)} returned undefined; nothing was written`, {
      hint: `make ${step.direction}() return the migrated data (a step that only mutates its argument must still return it)`,
      details: { version: step.migration.version, direction: step.direction },
      results: [...results, resultOf(step, started, 'failed')],
    });
  }
  return next as Data;
}

function checkVerdict(step: DocumentStep, verdict: { issues?: ReadonlyArray<{ message: string }> | undefined }, results: StepResult[], started: number): void {
  if (!verdict.issues) return;
  const problems = describeIssues(verdict.issues as never);
  throw new StrataError(
    ErrorCode.VALIDATION_FAILED,
    `after ${describeStep(step)}, the data does not match version ${step.to}'s schema: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
    {
      hint: `fix ${step.direction}() of migration ${step.migration.version} (or the schema); nothing was written`,
      details: { version: step.migration.version, direction: step.direction, issues: problems },
      results: [...results, resultOf(step, started, 'failed')],
    },
  );
}

function stepFailure(step: DocumentStep, error: unknown, results: StepResult[], started: number): StrataError {
  return new StrataError(ErrorCode.MIGRATION_FAILED, `${describeStep(step)} threw: ${messageOf(error)}`, {
    hint: `nothing was written; fix ${step.direction}() of migration ${step.migration.version} and run again`,
    cause: error,
    details: { version: step.migration.version, direction: step.direction },
    results: [...results, resultOf(step, started, 'failed')],
  });
}

function describeStep(step: DocumentStep): string {
  return `migration ${step.migration.version} ("${step.migration.name}") ${step.direction}()`;
}

function resultOf(step: DocumentStep, started: number, status?: StepResult['status']): StepResult {
  return {
    version: String(step.migration.version),
    name: step.migration.name,
    direction: step.direction,
    status: status ?? (step.direction === 'up' ? 'applied' : 'reverted'),
    durationMs: elapsedSince(started),
  };
}

function labelOf(migration: DocumentMigration): string {
  return migration.name ?? migration.description ?? `version ${migration.version}`;
}

function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** A deep copy, so that steps which mutate their argument cannot touch the caller's data. */
export function copyOf<T>(data: T): T {
  try {
    return typeof structuredClone === 'function' ? structuredClone(data) : (JSON.parse(JSON.stringify(data)) as T);
  } catch (error) {
    throw new StrataError(ErrorCode.DOCUMENT_INVALID, `the data cannot be copied: ${messageOf(error)}`, {
      hint: 'document data must be plain values (objects, arrays, strings, numbers, booleans, null): no functions or class instances with private state',
    });
  }
}
