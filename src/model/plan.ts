/**
 * Pure planning: compare the sources with the ledger (membership, never a high-water mark),
 * find what is wrong, and choose the steps of a run. No I/O here.
 */
import { ErrorCode, StrataError } from './errors.js';
import type { LedgerEntry } from './ledger.js';
import { migrationLabel, type Migration } from './migration.js';
import { compareVersions } from './version.js';

export const MigrationState = {
  applied: 'applied',
  pending: 'pending',
  failed: 'failed',
  running: 'running',
  changed: 'changed',
  missing: 'missing',
} as const;
export type MigrationState = (typeof MigrationState)[keyof typeof MigrationState];

export interface MigrationStatus {
  version: string;
  name: string;
  state: MigrationState;
  origin: string | null;
  appliedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export interface Reconciled<Ctx> {
  statuses: MigrationStatus[];
  /** Sources not in the ledger, in version order. */
  pending: Migration<Ctx>[];
  /** Ledger rows whose status is applied, in version order. */
  applied: LedgerEntry[];
  /** Highest applied version, or null when nothing is applied. */
  currentVersion: string | null;
}

export interface Problem {
  code: ErrorCode;
  version: string;
  message: string;
  hint: string;
}

export interface ProblemPolicy {
  allowChanged?: boolean;
  allowMissing?: boolean;
  allowOutOfOrder?: boolean;
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
  const byVersion = new Map(ledger.map((entry) => [entry.version, entry]));
  const sourceVersions = new Set<string>();
  const statuses: MigrationStatus[] = [];
  const pending: Migration<Ctx>[] = [];

  for (const migration of sources) {
    sourceVersions.add(migration.version);
    const entry = byVersion.get(migration.version);
    if (!entry) {
      pending.push(migration);
      statuses.push(statusOf(migration.version, migration.name, 'pending', migration.origin, null));
      continue;
    }
    let state: MigrationState = entry.status;
    if (state === 'applied' && !matches(migration, entry.checksum)) state = 'changed';
    statuses.push(statusOf(migration.version, migration.name, state, migration.origin, entry));
  }
  for (const entry of ledger) {
    if (sourceVersions.has(entry.version)) continue;
    const state = entry.status === 'applied' ? 'missing' : entry.status;
    statuses.push(statusOf(entry.version, entry.name, state, null, entry));
  }

  statuses.sort((a, b) => compareVersions(a.version, b.version));
  pending.sort((a, b) => compareVersions(a.version, b.version));
  const applied = ledger
    .filter((entry) => entry.status === 'applied')
    .sort((a, b) => compareVersions(a.version, b.version));
  return { statuses, pending, applied, currentVersion: applied.at(-1)?.version ?? null };
}

function statusOf(
  version: string,
  name: string,
  state: MigrationState,
  origin: string | null,
  entry: LedgerEntry | null,
): MigrationStatus {
  return {
    version,
    name,
    state,
    origin,
    appliedAt: entry?.appliedAt ?? null,
    durationMs: entry?.durationMs ?? null,
    error: entry?.error ?? null,
  };
}

/** Everything that stops a `migrate`, in the order a user should deal with it. */
export function findProblems<Ctx>(reconciled: Reconciled<Ctx>, policy: ProblemPolicy = {}): Problem[] {
  const problems: Problem[] = [];
  for (const status of reconciled.statuses) {
    const label = migrationLabel(status);
    const where = status.origin ?? label;
    if (status.state === 'failed' || status.state === 'running') {
      const what =
        status.state === 'running'
          ? `${label} was started outside a transaction and never finished (the process stopped part-way)`
          : `${label} failed part-way outside a transaction${status.error ? `: ${status.error}` : ''}`;
      problems.push({
        code: ErrorCode.MIGRATION_INCOMPLETE,
        version: status.version,
        message: what,
        hint: `fix the failing statement and run 'strata migrate --resume' to continue from it; or inspect the database, then run 'strata repair ${status.version} --applied' or 'strata repair ${status.version} --rolled-back'`,
      });
    } else if (status.state === 'changed' && !policy.allowChanged) {
      problems.push({
        code: ErrorCode.CHECKSUM_MISMATCH,
        version: status.version,
        message: `${where} was edited after it was applied (its checksum differs from the ledger's)`,
        hint: `restore the applied version of the file, or, if the edit is intended, run 'strata repair --checksums' (or pass --allow-changed)`,
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
  if (!policy.allowOutOfOrder && reconciled.currentVersion !== null) {
    const current = reconciled.currentVersion;
    const currentStatus = reconciled.statuses.find((s) => s.version === current);
    for (const migration of reconciled.pending) {
      if (compareVersions(migration.version, current) >= 0) continue;
      problems.push({
        code: ErrorCode.OUT_OF_ORDER,
        version: migration.version,
        message: `${migration.origin} is pending but older than the applied ${currentStatus ? migrationLabel(currentStatus) : current}`,
        hint: `give it a version above ${current}, or pass --allow-out-of-order to apply it anyway`,
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
    details: { problems: problems.map(({ code, version, message }) => ({ code, version, message })) },
  });
}

/** Pending migrations up to and including `to` (all when undefined). */
export function planUp<Ctx>(reconciled: Reconciled<Ctx>, to?: string): Migration<Ctx>[] {
  if (to === undefined) return reconciled.pending;
  return reconciled.pending.filter((m) => compareVersions(m.version, to) <= 0);
}

export type RollbackTarget = { kind: 'last' } | { kind: 'steps'; steps: number } | { kind: 'to'; version: string };

/** Applied ledger rows to revert, newest version first. */
export function planDown<Ctx>(reconciled: Reconciled<Ctx>, target: RollbackTarget): LedgerEntry[] {
  const newestFirst = [...reconciled.applied].reverse();
  switch (target.kind) {
    case 'last':
      return newestFirst.slice(0, 1);
    case 'steps':
      return newestFirst.slice(0, target.steps);
    case 'to':
      return newestFirst.filter((entry) => compareVersions(entry.version, target.version) > 0);
  }
}
