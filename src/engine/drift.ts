/**
 * Drift: does the database's schema still match what its applied history builds?
 *
 * The fastest path reads no catalog: where the store has a schema stamp (a cheap value that moves
 * whenever the schema may have changed: Dialect.schemaStamp), the stamp now equal to the one
 * stored with the last fingerprint means the schema is the one that fingerprint describes. Then
 * one catalog read: the live fingerprint against the one the ledger stored with the last
 * applied step; equal means no drift, and nothing is replayed. Otherwise (different, or
 * no fingerprint stored) the history is replayed into a scratch database (the DriftHook's job:
 * in-memory SQLite, a scratch database on the server, PGlite in memory) and the two models are
 * compared object by object. `migrate` uses only the fast path, before it runs anything.
 *
 * Pure engine code: the hook and the target do the I/O.
 */
import { clock, elapsedSince } from '../model/clock.js';
import { ErrorCode, StrataError } from '../model/errors.js';
import type { LedgerEntry } from '../model/ledger.js';
import { migrationLabel, type Migration } from '../model/migration.js';
import { commandLine, nextCommand } from '../model/next-command.js';
import { diffSchemas, type SchemaChange } from '../schema/diff.js';
import { isCurrentFingerprint } from '../schema/fingerprint.js';
import type { SchemaModel } from '../schema/schema-model.js';
import type { Target } from './target.js';

/** What `migrate` does when the schema's fingerprint differs from the stored one. */
export type DriftMode = 'error' | 'warn' | 'off';
export const DRIFT_MODES: readonly DriftMode[] = ['error', 'warn', 'off'];
export const DEFAULT_DRIFT_MODE: DriftMode = 'warn';

/** How a store replays its history and reads its schema (SQL targets; documents have none). */
export interface DriftHook<Ctx> {
  /** The schema the migrations build, applied in this order into a scratch database; never the live one. */
  replay(migrations: readonly Migration<Ctx>[]): Promise<SchemaModel>;
  /** The live database's schema, Strata's tables left out. */
  live(): Promise<SchemaModel>;
}

export interface DriftReport {
  target: string;
  /** False: the database does not exist yet (nothing applied, nothing to compare: no drift). */
  exists: boolean;
  drift: boolean;
  /**
   * 'stamp': the schema stamp equals the one stored with the last fingerprint, so the schema was
   * not read (the live fingerprint is the stored one); 'fingerprint': the catalog was read and
   * its fingerprint matched the stored one (nothing replayed); 'replay': the history was
   * replayed and compared.
   */
  checkedBy: 'stamp' | 'fingerprint' | 'replay';
  /** Null when the database does not exist. */
  liveFingerprint: string | null;
  /** The fingerprint stored with the last applied step; null when it has none (or none is applied). */
  storedFingerprint: string | null;
  lastApplied: { version: string; name: string } | null;
  /** Migrations replayed into the scratch database (0 on the fast path). */
  replayed: number;
  /** What differs, from the replayed schema (before) to the live one (after). */
  changes: SchemaChange[];
  /** The replayed schema, for `drift --adopt` (absent on the fast path). */
  expected?: SchemaModel;
  /** The live schema (absent on the fast path). */
  live?: SchemaModel;
  durationMs: number;
}

/** The step applied last (by time; ties in ledger order): its row holds the newest fingerprint. */
export function lastAppliedEntry(ledger: readonly LedgerEntry[]): LedgerEntry | undefined {
  let last: LedgerEntry | undefined;
  for (const entry of ledger) {
    if (entry.status !== 'applied') continue;
    // Steps of one run can share a millisecond: among those, the one holding the run's fingerprint.
    const later = !last || entry.appliedAt > last.appliedAt;
    const tied = last !== undefined && entry.appliedAt === last.appliedAt && (Boolean(entry.schemaFingerprint) || !last.schemaFingerprint);
    if (later || tied) last = entry;
  }
  return last;
}

/** A fingerprint both sides can compare: stored by the same canonical form (`v1:`) as the live one. */
function comparable(stored: string | null | undefined, live: string): stored is string {
  return typeof stored === 'string' && stored.slice(0, stored.indexOf(':')) === live.slice(0, live.indexOf(':'));
}

function unsupported(description: string): StrataError {
  return new StrataError(ErrorCode.SCHEMA_UNSUPPORTED, `${description} cannot report its schema: drift is checked on SQL databases only`, {
    hint: 'drift works on sqlite, postgres, pglite and mysql/mariadb databases',
  });
}

export interface DriftInput<Ctx> {
  target: Target<Ctx>;
  hook: DriftHook<Ctx> | undefined;
  /** The ledger as read now. */
  ledger: readonly LedgerEntry[];
  /** Every migration the source has (the applied ones are replayed). */
  sources: readonly Migration<Ctx>[];
  /** Replay even when the fingerprints match. */
  replay?: boolean;
  /** Whether the database exists (when it does not, there is nothing to compare). */
  exists: boolean;
}

export async function checkDrift<Ctx>(input: DriftInput<Ctx>): Promise<DriftReport> {
  const started = clock();
  const { target, hook, ledger, sources } = input;
  if (!target.schemaFingerprint || !hook) throw unsupported(target.description);
  if (!input.exists) {
    const none = { target: target.description, exists: false, drift: false, liveFingerprint: null, storedFingerprint: null, lastApplied: null };
    return { ...none, checkedBy: 'fingerprint', replayed: 0, changes: [], durationMs: elapsedSince(started) };
  }
  const last = lastAppliedEntry(ledger);
  const storedFingerprint = last?.schemaFingerprint ?? null;
  const lastApplied = last ? { version: last.version, name: last.name } : null;
  const unchanged = input.replay ? undefined : await unchangedSince(target, last);
  if (unchanged) {
    const base = { target: target.description, exists: true, liveFingerprint: unchanged.fingerprint, storedFingerprint, lastApplied };
    return { ...base, drift: false, checkedBy: 'stamp', replayed: 0, changes: [], durationMs: elapsedSince(started) };
  }
  const liveFingerprint = await target.schemaFingerprint();
  const base = { target: target.description, exists: true, liveFingerprint, storedFingerprint, lastApplied };
  if (!input.replay && comparable(storedFingerprint, liveFingerprint) && storedFingerprint === liveFingerprint) {
    return { ...base, drift: false, checkedBy: 'fingerprint', replayed: 0, changes: [], durationMs: elapsedSince(started) };
  }
  const history = appliedMigrations(ledger, sources);
  const expected = await hook.replay(history);
  const live = await hook.live();
  const changes = diffSchemas(expected, live);
  return { ...base, drift: changes.length > 0, checkedBy: 'replay', replayed: history.length, changes, expected, live, durationMs: elapsedSince(started) };
}

/** The applied steps' migrations in the order they were applied; each needs its file. */
function appliedMigrations<Ctx>(ledger: readonly LedgerEntry[], sources: readonly Migration<Ctx>[]): Migration<Ctx>[] {
  const byVersion = new Map(sources.map((m) => [m.version, m]));
  const applied = ledger
    .map((entry, position) => ({ entry, position }))
    .filter(({ entry }) => entry.status === 'applied')
    .sort((a, b) => (a.entry.appliedAt < b.entry.appliedAt ? -1 : a.entry.appliedAt > b.entry.appliedAt ? 1 : a.position - b.position))
    .map(({ entry }) => entry);
  const missing = applied.filter((entry) => !byVersion.has(entry.version));
  if (missing.length) {
    throw new StrataError(
      ErrorCode.MIGRATION_FILE_MISSING,
      `cannot replay the applied history: ${missing.map(migrationLabel).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no file`,
      { hint: 'restore the file(s): the replay runs every applied migration into a scratch database', details: { versions: missing.map((e) => e.version) } },
    );
  }
  return applied.map((entry) => byVersion.get(entry.version)!);
}

/** What `migrate` found before running: the fingerprints differ (fast path only, nothing replayed). */
export interface DriftWarning {
  target: string;
  lastApplied: { version: string; name: string };
  storedFingerprint: string;
  liveFingerprint: string;
  message: string;
}

/** The schema as a stamp and the fingerprint it vouches for (both as the ledger stores them). */
export interface SchemaState {
  stamp: string;
  fingerprint: string;
}

/**
 * The schema state `entry` stored, when the store's stamp now is still that stored with it (and
 * its fingerprint was made by this canonical form): the schema has not changed since, and was
 * not read to know it. Undefined otherwise (then only a catalog read can tell).
 */
export async function unchangedSince<Ctx>(target: Target<Ctx>, entry: LedgerEntry | undefined): Promise<SchemaState | undefined> {
  const stamp = entry?.schemaStamp;
  const fingerprint = entry?.schemaFingerprint;
  if (!target.schemaStamp || !stamp || !fingerprint || !isCurrentFingerprint(fingerprint)) return undefined;
  return (await target.schemaStamp()) === stamp ? { stamp, fingerprint } : undefined;
}

/**
 * The schema's fingerprint and stamp now, as the ledger stores them with a step. The stamp is
 * read first: a change someone else commits between the two reads is then in the fingerprint and
 * not in the stamp, so a later check sees a different stamp and reads the catalog, rather than a
 * stamp that vouches for a fingerprint that does not include the change. `known`: the state the
 * run started from; when the stamp has not moved since, its fingerprint is reused (no catalog
 * read: a run whose steps changed only data).
 */
export async function schemaNow<Ctx>(target: Target<Ctx>, known?: SchemaState): Promise<{ schemaFingerprint: string | null; schemaStamp: string | null }> {
  if (!target.schemaFingerprint) return { schemaFingerprint: null, schemaStamp: null };
  const stamp = target.schemaStamp ? await target.schemaStamp() : null;
  if (stamp !== null && known && stamp === known.stamp) return { schemaFingerprint: known.fingerprint, schemaStamp: stamp };
  return { schemaFingerprint: await target.schemaFingerprint(stamp), schemaStamp: stamp };
}

/** What `migrate` learns before it runs: drift (when the fingerprints differ), or the state it starts from (when the stamp vouches for it). */
export interface DriftBeforeRun {
  warning?: DriftWarning;
  unchanged?: SchemaState;
}

/**
 * The check `migrate` makes before it runs: no warning when the schema matches the stored
 * fingerprint (by its stamp, or by a catalog read), or when there is nothing to compare (no
 * fingerprint stored, another canonical form, a store without a schema). Never replays.
 */
export async function driftBeforeRun<Ctx>(target: Target<Ctx>, ledger: readonly LedgerEntry[]): Promise<DriftBeforeRun> {
  const last = lastAppliedEntry(ledger);
  if (!target.schemaFingerprint || !last?.schemaFingerprint) return {};
  const unchanged = await unchangedSince(target, last);
  if (unchanged) return { unchanged };
  const liveFingerprint = await target.schemaFingerprint();
  if (!comparable(last.schemaFingerprint, liveFingerprint) || last.schemaFingerprint === liveFingerprint) return {};
  const warning: DriftWarning = {
    target: target.description,
    lastApplied: { version: last.version, name: last.name },
    storedFingerprint: last.schemaFingerprint,
    liveFingerprint,
    message: `the schema of ${target.description} changed since ${migrationLabel(last)} was applied (its fingerprint differs from the one stored then): someone changed it outside the migrations`,
  };
  return { warning };
}

export function driftError(warning: DriftWarning): StrataError {
  const drift = nextCommand('drift');
  return new StrataError(ErrorCode.SCHEMA_DRIFT, `${warning.message}; migrate refuses to run on it (drift: "error")`, {
    hint: `'${commandLine(drift)}' shows what changed; record it with '${commandLine(nextCommand('drift', '--adopt', 'NAME'))}' or undo it, then migrate again`,
    next: [drift],
    details: { lastApplied: warning.lastApplied, storedFingerprint: warning.storedFingerprint, liveFingerprint: warning.liveFingerprint },
  });
}
