/**
 * Every failure Strata reports is a StrataError with a stable `code`: callers branch on the code,
 * the CLI prints `message` and, on a second line, `hint` (what to do next); `next` holds the
 * commands the hint names, as data.
 */
import type { NextCommand } from './next-command.js';
import type { StepResult } from './run-report.js';

export const ErrorCode = {
  /** Bad flags or arguments. The CLI exits 2 for these. */
  USAGE: 'USAGE',
  CONFIG_INVALID: 'CONFIG_INVALID',
  MIGRATIONS_DIR_MISSING: 'MIGRATIONS_DIR_MISSING',
  MIGRATION_NAME_INVALID: 'MIGRATION_NAME_INVALID',
  MIGRATION_VERSION_DUPLICATE: 'MIGRATION_VERSION_DUPLICATE',
  MIGRATION_INVALID: 'MIGRATION_INVALID',
  /** A migration's dependsOn names a version no migration has. */
  MIGRATION_DEPENDENCY_MISSING: 'MIGRATION_DEPENDENCY_MISSING',
  /** Migrations that depend on each other in a cycle. */
  MIGRATION_DEPENDENCY_CYCLE: 'MIGRATION_DEPENDENCY_CYCLE',
  /** A file another tool's format allows that Strata cannot run (a Flyway repeatable, a goose .go migration); details.file names it. */
  FORMAT_UNSUPPORTED: 'FORMAT_UNSUPPORTED',
  /** A migrations folder holding files of two tools' formats (details.formats: format -> files). */
  FORMAT_MIXED: 'FORMAT_MIXED',
  /** A SQL file uses a placeholder (`${name}`) that has no value. */
  PLACEHOLDER_UNKNOWN: 'PLACEHOLDER_UNKNOWN',
  MIGRATION_DOWN_MISSING: 'MIGRATION_DOWN_MISSING',
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  /** A migration's verify found that its up did not leave the schema it expects. */
  MIGRATION_VERIFY_FAILED: 'MIGRATION_VERIFY_FAILED',
  MIGRATION_INCOMPLETE: 'MIGRATION_INCOMPLETE',
  MIGRATION_FILE_MISSING: 'MIGRATION_FILE_MISSING',
  CHECKSUM_MISMATCH: 'CHECKSUM_MISMATCH',
  OUT_OF_ORDER: 'OUT_OF_ORDER',
  VERSION_UNKNOWN: 'VERSION_UNKNOWN',
  TRANSACTION_REQUIRED: 'TRANSACTION_REQUIRED',
  FOREIGN_KEY_VIOLATION: 'FOREIGN_KEY_VIOLATION',
  LOCK_TIMEOUT: 'LOCK_TIMEOUT',
  DB_OPEN_FAILED: 'DB_OPEN_FAILED',
  NOT_A_DATABASE: 'NOT_A_DATABASE',
  DRIVER_UNSUPPORTED: 'DRIVER_UNSUPPORTED',
  /** The database's dialect cannot read its schema (no catalog reader): no fingerprint, drift or schema dump. */
  SCHEMA_UNSUPPORTED: 'SCHEMA_UNSUPPORTED',
  /** A database URL whose driver package (an optional peer: pg, mysql2, @electric-sql/pglite) is not installed; details.package names it. */
  DRIVER_MISSING: 'DRIVER_MISSING',
  /** A .ts migration or config on a Node without type stripping and without tsx installed. */
  TYPESCRIPT_UNSUPPORTED: 'TYPESCRIPT_UNSUPPORTED',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** A Migrator plugin's inspect() found errors in the plan: nothing ran (details.findings lists them). */
  PLAN_REJECTED: 'PLAN_REJECTED',
  NOTHING_TO_REPAIR: 'NOTHING_TO_REPAIR',
  /** The ledger has a newer layout than this Strata reads (details: ledgerVersion, reads, install). */
  LEDGER_TOO_NEW: 'LEDGER_TOO_NEW',
  /** `strata baseline V` on a ledger that already holds rows after V (details.versions names them). */
  BASELINE_CONFLICT: 'BASELINE_CONFLICT',
  /** `rollback --from-ledger`: the live schema is not the one the ledger row recorded after its step (details: version, expected, actual). */
  FINGERPRINT_MISMATCH: 'FINGERPRINT_MISMATCH',
  FILE_EXISTS: 'FILE_EXISTS',
  /** `strata db create` / `db drop` could not create or drop the database (rights, a database in use). */
  DB_ADMIN_FAILED: 'DB_ADMIN_FAILED',
  /** A stored document that cannot be read as the layout expects (bad JSON, wrong shape). */
  DOCUMENT_INVALID: 'DOCUMENT_INVALID',
  /** The stored document is at a version newer than any migration this app knows. */
  DOCUMENT_NEWER: 'DOCUMENT_NEWER',
  /** A step returned a promise to the synchronous applyMigrations(). */
  MIGRATION_ASYNC: 'MIGRATION_ASYNC',
  BACKUP_FAILED: 'BACKUP_FAILED',
  BACKUP_NOT_FOUND: 'BACKUP_NOT_FOUND',
  /** Stored bytes that do not match the manifest (flipped, truncated, tampered, swapped). */
  BACKUP_CORRUPT: 'BACKUP_CORRUPT',
  /** An encrypted backup and no key, or the wrong one. */
  BACKUP_KEY_MISSING: 'BACKUP_KEY_MISSING',
  BACKUP_KEY_INVALID: 'BACKUP_KEY_INVALID',
  /** A key file the group or others may read or write (as ssh, Strata refuses it): chmod 600. */
  BACKUP_KEY_UNPROTECTED: 'BACKUP_KEY_UNPROTECTED',
  /** A target that cannot be backed up this way (an in-memory database). */
  BACKUP_UNSUPPORTED: 'BACKUP_UNSUPPORTED',
  RESTORE_FAILED: 'RESTORE_FAILED',
  /** No space left (ENOSPC, SQLITE_FULL): a check that could not run, never a damaged backup. details.path names where. */
  DISK_FULL: 'DISK_FULL',
  /** The disk or file system reported an I/O error (EIO, SQLITE_IOERR) while Strata read or wrote details.path. */
  IO_ERROR: 'IO_ERROR',
  /** The operating system refused access (EACCES, EPERM, EROFS) to details.path. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  STORE_WRITE_FAILED: 'STORE_WRITE_FAILED',
  /** Import: an importer threw while importing (the target tables were cleared). */
  IMPORT_FAILED: 'IMPORT_FAILED',
  /** Import: counts that do not add up, foreign-key violations, or an importer's own validation errors. */
  IMPORT_VALIDATION_FAILED: 'IMPORT_VALIDATION_FAILED',
  /** Import: a prepare() said the run cannot start (a missing or unreadable source). */
  IMPORT_NOT_READY: 'IMPORT_NOT_READY',
  /** Import: cancelled through its AbortSignal (the target tables were cleared). */
  IMPORT_CANCELLED: 'IMPORT_CANCELLED',
  /** Import: another live process is running an import into this database. */
  IMPORT_IN_PROGRESS: 'IMPORT_IN_PROGRESS',
  /** Import: a mapped row that cannot be inserted as it is (unknown column, unsupported value). */
  IMPORT_ROW_INVALID: 'IMPORT_ROW_INVALID',
  /** Import source: a file that is missing or cannot be opened. */
  IMPORT_SOURCE_MISSING: 'IMPORT_SOURCE_MISSING',
  /** Import source: truncated, not valid JSON, or not the shape the reader expects (details: file, offset, table, row). */
  IMPORT_SOURCE_INVALID: 'IMPORT_SOURCE_INVALID',
  /** Import source: a format name or version, or a `$types` value type, that the reader cannot read. */
  IMPORT_SOURCE_UNSUPPORTED: 'IMPORT_SOURCE_UNSUPPORTED',
  /** Import source: a table (or path) the source does not have. */
  IMPORT_TABLE_UNKNOWN: 'IMPORT_TABLE_UNKNOWN',
  /** Dual-read: cleanupLegacy() while keys are not migrated yet (details.remaining lists them). */
  COMPAT_LEGACY_REMAINING: 'COMPAT_LEGACY_REMAINING',
  /** Dual-read: cleanupLegacy() with no backup of the legacy data. */
  COMPAT_BACKUP_MISSING: 'COMPAT_BACKUP_MISSING',
  /** Dual-read: cleanupLegacy() while the dual-read window is still open. */
  COMPAT_WINDOW_OPEN: 'COMPAT_WINDOW_OPEN',
  /** Backfill: a batch threw; it was rolled back and the checkpoint is the last committed batch. */
  BACKFILL_FAILED: 'BACKFILL_FAILED',
  /** Backfill: stopped between batches by its AbortSignal (the checkpoint is consistent; run it again to resume). */
  BACKFILL_CANCELLED: 'BACKFILL_CANCELLED',
  /** Backfill: options that cannot work (no table, a bad identifier, no update, a name reused for another table or key). */
  BACKFILL_INVALID: 'BACKFILL_INVALID',
  /** Adopt: `--from` names no tool Strata can adopt from (details.tools lists those it can). */
  ADOPT_TOOL_UNKNOWN: 'ADOPT_TOOL_UNKNOWN',
  /** Adopt: the tool's ledger table (or file) is not in the database. */
  ADOPT_LEDGER_MISSING: 'ADOPT_LEDGER_MISSING',
  /** Adopt: the tool marked a step unfinished or failed (golang-migrate dirty, Prisma unfinished, sqlx success = false). */
  ADOPT_STEP_UNFINISHED: 'ADOPT_STEP_UNFINISHED',
  /** Adopt: steps of the tool's ledger have no file in its migrations folder (details.steps). */
  ADOPT_FILE_MISSING: 'ADOPT_FILE_MISSING',
  /** Adopt: files whose contents no longer match the checksum the tool stored (details.files: file, stored, computed). */
  ADOPT_CHECKSUM_MISMATCH: 'ADOPT_CHECKSUM_MISMATCH',
  /** Adopt: Strata's ledger already holds rows other than the ones this adoption would write. */
  ADOPT_LEDGER_NOT_EMPTY: 'ADOPT_LEDGER_NOT_EMPTY',
  /** Adopt: another tool's ledger that cannot be taken over as it is (names without a version, two names with one version). */
  ADOPT_LEDGER_INVALID: 'ADOPT_LEDGER_INVALID',
  /** Adopt: the other tool holds its migration lock (knex_migrations_lock.is_locked = 1): a run of it may be in progress. */
  ADOPT_LEDGER_LOCKED: 'ADOPT_LEDGER_LOCKED',
  /** The schema differs from the one the applied history left (its fingerprint changed) and drift is "error": migrate refused. */
  SCHEMA_DRIFT: 'SCHEMA_DRIFT',
  /** The applied history could not be replayed into a scratch database (details: version, the database's error). */
  DRIFT_REPLAY_FAILED: 'DRIFT_REPLAY_FAILED',
  /** `drift --adopt` cannot write a change as DDL for this dialect (details.changes lists them). */
  DRIFT_NOT_EXPRESSIBLE: 'DRIFT_NOT_EXPRESSIBLE',
  /** `strata trace` / `migrate --trace`: on a copy, the pending migrations lost rows no statement deleted by name (details: tables, rowsLost). */
  TRACE_DATA_LOSS: 'TRACE_DATA_LOSS',
  /** `migrate --trace`: the pending migrations failed on the copy (details.failure), so the live database was not touched. */
  TRACE_RUN_FAILED: 'TRACE_RUN_FAILED',
  /** `strata trace` cannot trace this database (an in-memory one, PGlite) or this migration that way (details say which). */
  TRACE_UNSUPPORTED: 'TRACE_UNSUPPORTED',
  /** Fleet: a resumed run whose targets or migrations changed since it started (details: runId, journal): start a new run. */
  FLEET_RUN_MISMATCH: 'FLEET_RUN_MISMATCH',
  /** Fleet: `--resume` (or `--run ID`) and no such run in the state store. */
  FLEET_RUN_NOT_FOUND: 'FLEET_RUN_NOT_FOUND',
  /** Fleet: the targets could not be found (a failing query or module, a bad list entry, the same database twice). */
  FLEET_TARGETS_INVALID: 'FLEET_TARGETS_INVALID',
  /** Fleet: a target not started because the rollout halted (canary or stage failed, --max-failures reached). */
  FLEET_HALTED: 'FLEET_HALTED',
  /** Browser: another tab or worker held the database's migration lock past the timeout (retryable: details.retryable). */
  LOCKED_BY_OTHER_TAB: 'LOCKED_BY_OTHER_TAB',
  /** The database was migrated by a newer build of the app (details.versions: applied steps this build does not know). */
  DATABASE_NEWER: 'DATABASE_NEWER',
  /** The fleet's shared state database failed (unreachable, read-only); the targets' own ledgers are untouched. */
  FLEET_STATE_FAILED: 'FLEET_STATE_FAILED',
  /** A migration file that is not a regular file Strata may read (a folder, a FIFO, a dangling link); details: file, reason. */
  MIGRATION_FILE_UNREADABLE: 'MIGRATION_FILE_UNREADABLE',
  /** The database is locked by another connection (SQLITE_BUSY/LOCKED) and stayed so for details.waitedMs: not a fault of the migration. */
  DATABASE_BUSY: 'DATABASE_BUSY',
  /** `--table`/`table` names a table that exists and is not a Strata ledger, or one reserved by the database (details.table). */
  LEDGER_TABLE_INVALID: 'LEDGER_TABLE_INVALID',
  /** `--schema`/`schema` names a system schema (information_schema, pg_catalog, pg_toast, pg_temp*, mysql, performance_schema, sys). */
  SCHEMA_RESERVED: 'SCHEMA_RESERVED',
  /** A backup manifest without a MAC while a backup key is configured: it may have been rewritten (details.id). */
  BACKUP_UNAUTHENTICATED: 'BACKUP_UNAUTHENTICATED',
  /** Import source: larger than the reader can hold (details: file, size, limit). */
  IMPORT_SOURCE_TOO_LARGE: 'IMPORT_SOURCE_TOO_LARGE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type { StepResult };

export interface StrataErrorOptions {
  /** How to fix it: one sentence, printed on its own line by the CLI. */
  hint?: string;
  /** The commands the hint names, in its order (rendered there with commandLine()). */
  next?: NextCommand[];
  cause?: unknown;
  /** Steps that completed (or failed) before the error: a run's partial results. */
  results?: StepResult[];
  /** Machine-readable facts (file, version, statement, line...). */
  details?: Record<string, unknown>;
}

export class StrataError extends Error {
  override readonly name = 'StrataError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly next: NextCommand[];
  readonly results: StepResult[];
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.next = options.next ?? [];
    this.results = options.results ?? [];
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.next.length ? { next: this.next } : {}),
      ...(Object.keys(this.details).length ? { details: this.details } : {}),
      ...(this.results.length ? { results: this.results } : {}),
    };
  }
}

export function isStrataError(error: unknown): error is StrataError {
  return error instanceof StrataError;
}

/** The message of anything thrown, for wrapping third-party errors without losing them. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
