/**
 * Pure planning: compare the sources with the ledger (membership, never a high-water mark),
 * find what is wrong, and choose the steps of a run. No I/O here.
 */
import { ErrorCode, StrataError } from './errors.js';
import { adoptedHistoryTool, type LedgerEntry } from './ledger.js';
import { migrationLabel, type Migration } from './migration.js';
import { commandLine, nextCommand, repairCommands, type NextCommand } from './next-command.js';
import type { StatusProblem } from './status-report.js';
import { buildGraph, withDependencies, withDependents, type GraphNode, type MigrationGraph } from './graph.js';
import { compareVersions, versionParts } from './version.js';

export const MigrationState = {
  applied: 'applied',
  pending: 'pending',
  failed: 'failed',
  running: 'running',
  changed: 'changed',
  missing: 'missing',
  /**
   * Applied by another tool whose migrations are code Strata cannot run, and adopted with
   * `strata adopt`: history with no file, which is fine (not a missing file).
   */
  adopted: 'adopted',
} as const;
export type MigrationState = (typeof MigrationState)[keyof typeof MigrationState];

export interface MigrationStatus {
  version: string;
  name: string;
  state: MigrationState;
  origin: string | null;
  /** When it was applied; for a failed step, when it failed. */
  appliedAt: string | null;
  durationMs: number | null;
  error: string | null;
  /** A failed up whose transaction rolled back: nothing of it is applied, migrate retries it. */
  rolledBack?: boolean;
  /** Declared dependencies (other categories). */
  dependsOn?: readonly string[];
  /** For a pending step: the dependencies that stop it (failed, or stopped part-way). */
  blockedBy?: string[];
  /**
   * Present when Strata did not run the step but recorded it: 'baseline' (`strata baseline`), or
   * the tool whose history was adopted ('flyway', 'knex', ...).
   */
  adoptedFrom?: string;
}

export interface Reconciled<Ctx> {
  /** Every migration, in plan order. */
  statuses: MigrationStatus[];
  /** Sources not applied (not in the ledger, or an aborted attempt), in plan order. */
  pending: Migration<Ctx>[];
  /** Ledger rows whose status is applied, in plan order. */
  applied: LedgerEntry[];
  /** The last applied version in plan order (the highest, for integer versions), or null. */
  currentVersion: string | null;
  /** Versions with an aborted attempt in the ledger (its row is replaced when it runs again). */
  aborted: ReadonlySet<string>;
  graph: MigrationGraph;
}

export interface Problem extends StatusProblem {
  version: string;
  hint: string;
  /** The commands the hint names, as data. */
  next?: NextCommand[];
}

export interface ProblemPolicy {
  allowChanged?: boolean;
  allowMissing?: boolean;
  allowOutOfOrder?: boolean;
}

/** A policy, and what the advice may say of the store. */
export interface ProblemContext extends ProblemPolicy {
  /** Where the store's server lists its clients' statements (Target.serverActivity): said in the advice for a step left running. */
  serverActivity?: string;
}

/** Does the ledger's checksum still describe the source? Handles a changed algorithm tag. */
export type ChecksumMatcher<Ctx> = (migration: Migration<Ctx>, recorded: string) => boolean;

function sameChecksum<Ctx>(migration: Migration<Ctx>, recorded: string): boolean {
  return migration.checksum === recorded;
}

export function reconcile<Ctx>(
  sources: readonly Migration<Ctx>[],
  ledger: readonly LedgerEntry[],
  matches: ChecksumMatcher<Ctx> = sameChecksum,
): Reconciled<Ctx> {
  // Loops rather than callbacks made per call: this runs on every migrate, over every file, and
  // V8 drops the optimized code of such closures at each full GC (see folder-source.ts).
  const byVersion = new Map<string, LedgerEntry>();
  for (const entry of ledger) byVersion.set(entry.version, entry);
  const sourceVersions = new Set<string>();
  for (const migration of sources) sourceVersions.add(migration.version);
  // Applied rows whose files are gone still satisfy dependencies (and are ordered among them).
  const gone: LedgerEntry[] = [];
  const goneVersions = new Set<string>();
  for (const entry of ledger) {
    if (sourceVersions.has(entry.version) || entry.status === 'aborted') continue;
    gone.push(entry);
    goneVersions.add(entry.version);
  }
  const nodes: GraphNode[] = [...sources];
  for (const entry of gone) nodes.push({ version: entry.version });
  const graph = buildGraph(nodes, goneVersions);
  const statuses: MigrationStatus[] = [];
  const pending: Migration<Ctx>[] = [];
  const aborted = new Set<string>();

  for (const migration of sources) {
    const entry = byVersion.get(migration.version);
    let status: MigrationStatus;
    if (!entry || entry.status === 'aborted') {
      pending.push(migration);
      status = statusOf(migration.version, migration.name, entry ? 'failed' : 'pending', migration.origin, entry ?? null);
      if (entry) {
        aborted.add(migration.version);
        status.rolledBack = true;
      }
    } else {
      let state: MigrationState = entry.status;
      if (state === 'applied' && !matches(migration, entry.checksum)) state = 'changed';
      status = statusOf(migration.version, migration.name, state, migration.origin, entry);
    }
    if (migration.dependsOn?.length) status.dependsOn = migration.dependsOn;
    statuses.push(status);
  }
  for (const entry of gone) {
    const history = entry.status === 'applied' && adoptedHistoryTool(entry) !== undefined;
    const state: MigrationState = history ? 'adopted' : entry.status === 'applied' ? 'missing' : entry.status === 'aborted' ? 'failed' : entry.status;
    statuses.push(statusOf(entry.version, entry.name, state, null, entry));
  }

  const inOrder = inPlanOrder(statuses, graph.position);
  markBlocked(inOrder, graph);
  const applied = inPlanOrder(ledger.filter(isApplied), graph.position);
  return { statuses: inOrder, pending: inPlanOrder(pending, graph.position), applied, currentVersion: applied.at(-1)?.version ?? null, aborted, graph };
}

function isApplied(entry: LedgerEntry): boolean {
  return entry.status === 'applied';
}

/**
 * `items` in plan order. Each version has its own position, so each item is put in its slot: no
 * comparator runs (a sort of a thousand items called one about ten thousand times).
 */
function inPlanOrder<T extends { version: string }>(items: readonly T[], position: ReadonlyMap<string, number>): T[] {
  const slots = new Array<T | undefined>(position.size);
  for (const item of items) {
    const at = position.get(item.version);
    // Not expected (every item's version is in the graph, once): order them as a sort would.
    if (at === undefined || slots[at] !== undefined) return [...items].sort((a, b) => position.get(a.version)! - position.get(b.version)!);
    slots[at] = item;
  }
  const ordered: T[] = [];
  for (const slot of slots) if (slot !== undefined) ordered.push(slot);
  return ordered;
}

/**
 * A pending step is blocked by a dependency that failed (even rolled back: it will fail again
 * unless fixed), stopped part-way, or is itself blocked.
 */
function markBlocked(statuses: MigrationStatus[], graph: MigrationGraph): void {
  // Loops and a module function: a filter with a closure made per status cost 6-8 ms of a
  // 1,000-step migrate until V8 had compiled it, several runs into a process (issue 19).
  const byVersion = new Map<string, MigrationStatus>();
  for (const status of statuses) byVersion.set(status.version, status);
  for (const status of statuses) {
    if (status.state !== 'pending' && !status.rolledBack) continue;
    const blockers = blockersOf(graph.dependencies.get(status.version), byVersion);
    if (blockers) status.blockedBy = blockers;
  }
}

/** The dependencies that block a step (failed, stopped part-way, or blocked themselves); undefined when none does. */
function blockersOf(dependencies: readonly string[] | undefined, byVersion: ReadonlyMap<string, MigrationStatus>): string[] | undefined {
  let blockers: string[] | undefined;
  for (const dependency of dependencies ?? []) {
    const other = byVersion.get(dependency);
    if (other !== undefined && (other.state === 'failed' || other.state === 'running' || (other.blockedBy?.length ?? 0) > 0))
      (blockers ??= []).push(dependency);
  }
  return blockers;
}

function statusOf(version: string, name: string, state: MigrationState, origin: string | null, entry: LedgerEntry | null): MigrationStatus {
  const status: MigrationStatus = {
    version,
    name,
    state,
    origin,
    appliedAt: entry?.appliedAt ?? null,
    durationMs: entry?.durationMs ?? null,
    error: entry?.error ?? null,
  };
  const adopted = entry && entry.status !== 'aborted' ? adoptedFrom(entry) : undefined;
  if (adopted) status.adoptedFrom = adopted;
  return status;
}

function adoptedFrom(entry: LedgerEntry): string | undefined {
  return entry.adoptedFrom ?? adoptedHistoryTool(entry);
}

/**
 * The start of the advice for a step left `running` on a database server (its last statement may
 * outlive its process, so the schema may still change); '' for any other step or store.
 */
export function waitForServer(state: string, serverActivity: string | undefined): string {
  return state === 'running' && serverActivity
    ? `a statement the stopped process had sent may still be running on the server: wait until ${serverActivity} shows nothing more of it; then `
    : '';
}

/** Everything that stops a `migrate`, in the order a user should deal with it. */
export function findProblems<Ctx>(reconciled: Reconciled<Ctx>, policy: ProblemContext = {}): Problem[] {
  const problems: Problem[] = [];
  for (const status of reconciled.statuses) {
    if (status.state === 'applied' || status.state === 'pending' || status.state === 'adopted') continue;
    const label = migrationLabel(status);
    const where = status.origin ?? label;
    if ((status.state === 'failed' && !status.rolledBack) || status.state === 'running') {
      const what =
        status.state === 'running'
          ? `${label} was started outside a transaction and never finished (the process stopped part-way)`
          : `${label} failed part-way outside a transaction${status.error ? `: ${status.error}` : ''}`;
      const resume = nextCommand('migrate', '--resume');
      const [applied, rolledBack] = repairCommands(status.version);
      problems.push({
        code: ErrorCode.MIGRATION_INCOMPLETE,
        version: status.version,
        message: what,
        hint: `${waitForServer(status.state, policy.serverActivity)}fix the failing statement and run '${commandLine(resume)}' to continue from it; or inspect the database, then run '${commandLine(applied)}' or '${commandLine(rolledBack)}'`,
        next: [resume, applied, rolledBack],
      });
    } else if (status.state === 'changed' && !policy.allowChanged) {
      const accept = nextCommand('repair', '--checksums');
      problems.push({
        code: ErrorCode.CHECKSUM_MISMATCH,
        version: status.version,
        message: `${where} was edited after it was applied (its checksum differs from the ledger's)`,
        hint: `restore the applied version of the file, or, if the edit is intended, run '${commandLine(accept)}' (or pass --allow-changed)`,
        next: [accept],
      });
    } else if (status.state === 'missing' && !policy.allowMissing) {
      problems.push({
        code: ErrorCode.MIGRATION_FILE_MISSING,
        version: status.version,
        message: `${label} is applied but its file is gone from the migrations folder`,
        hint: `restore the file, or pass --allow-missing if it was removed on purpose`,
      });
    }
  }
  if (!policy.allowOutOfOrder) {
    // Per category: a pending step older than one already applied in its own sequence.
    const highest = new Map<string, LedgerEntry>();
    for (const entry of reconciled.applied) {
      const { category } = versionParts(entry.version);
      const known = highest.get(category);
      if (!known || compareVersions(entry.version, known.version) > 0) highest.set(category, entry);
    }
    for (const migration of reconciled.pending) {
      const current = highest.get(versionParts(migration.version).category);
      if (!current || compareVersions(migration.version, current.version) >= 0) continue;
      problems.push({
        code: ErrorCode.OUT_OF_ORDER,
        version: migration.version,
        message: `${migration.origin} is pending but older than the applied ${migrationLabel(current)}`,
        hint: `give it a version above ${current.version}, or pass --allow-out-of-order to apply it anyway`,
      });
    }
  }
  return problems;
}

/** One error for a list of problems: the first kind wins, and every instance of it is named. */
export function problemsError(problems: readonly Problem[]): StrataError {
  const first = problems[0];
  if (!first) throw new Error('problemsError needs at least one problem');
  const same = problems.filter((p) => p.code === first.code);
  const message = same.length === 1 ? first.message : same.map((p) => p.message).join('; ');
  return new StrataError(first.code, message, {
    hint: first.hint,
    ...(first.next ? { next: first.next } : {}),
    details: { problems: problems.map(({ code, version, message }) => ({ code, version, message })) },
  });
}

/**
 * Pending migrations, in plan order: all, or those `to` needs: itself and what it depends on,
 * its own category's earlier versions included (for integer versions: everything up to `to`).
 */
export function planUp<Ctx>(reconciled: Reconciled<Ctx>, to?: string): Migration<Ctx>[] {
  if (to === undefined) return reconciled.pending;
  if (!reconciled.graph.position.has(to)) {
    // A version that names no migration (integers between files, or 0): everything below it.
    return reconciled.pending.filter((m) => versionParts(m.version).category === versionParts(to).category && compareVersions(m.version, to) <= 0);
  }
  const needed = withDependencies(reconciled.graph, to);
  return reconciled.pending.filter((m) => needed.has(m.version));
}

export type RollbackTarget = { kind: 'last' } | { kind: 'steps'; steps: number } | { kind: 'to'; version: string };

/**
 * Applied ledger rows to revert, dependents before what they depend on (reverse plan order).
 * `to: V` keeps V and reverts what comes after it in V's category, and everything that depends
 * on those; `to: 0` (or `knowledge000`) reverts everything (in that category, and its dependents).
 */
export function planDown<Ctx>(reconciled: Reconciled<Ctx>, target: RollbackTarget): LedgerEntry[] {
  const newestFirst = [...reconciled.applied].reverse();
  switch (target.kind) {
    case 'last':
      return newestFirst.slice(0, 1);
    case 'steps':
      return newestFirst.slice(0, target.steps);
    case 'to': {
      if (target.version === '0') return newestFirst;
      const { category } = versionParts(target.version);
      const after = reconciled.applied.filter(
        (entry) => versionParts(entry.version).category === category && compareVersions(entry.version, target.version) > 0,
      );
      const doomed = withDependents(
        reconciled.graph,
        after.map((entry) => entry.version),
      );
      return newestFirst.filter((entry) => doomed.has(entry.version));
    }
  }
}
