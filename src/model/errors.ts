/**
 * Every failure Strata reports is a StrataError with a stable `code`: callers branch on the code,
 * the CLI prints `message` and, on a second line, `hint` (what to do next).
 */
export const ErrorCode = {
  /** Bad flags or arguments. The CLI exits 2 for these. */
  USAGE: 'USAGE',
  CONFIG_INVALID: 'CONFIG_INVALID',
  MIGRATIONS_DIR_MISSING: 'MIGRATIONS_DIR_MISSING',
  MIGRATION_NAME_INVALID: 'MIGRATION_NAME_INVALID',
  MIGRATION_VERSION_DUPLICATE: 'MIGRATION_VERSION_DUPLICATE',
  MIGRATION_INVALID: 'MIGRATION_INVALID',
  /** A SQL file uses a placeholder (`${name}`) that has no value. */
  PLACEHOLDER_UNKNOWN: 'PLACEHOLDER_UNKNOWN',
  MIGRATION_DOWN_MISSING: 'MIGRATION_DOWN_MISSING',
  MIGRATION_FAILED: 'MIGRATION_FAILED',
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
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  NOTHING_TO_REPAIR: 'NOTHING_TO_REPAIR',
  FILE_EXISTS: 'FILE_EXISTS',
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
  /** A target that cannot be backed up this way (an in-memory database). */
  BACKUP_UNSUPPORTED: 'BACKUP_UNSUPPORTED',
  RESTORE_FAILED: 'RESTORE_FAILED',
  STORE_WRITE_FAILED: 'STORE_WRITE_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What a finished or attempted step looks like. Results are data, never log lines. */
export interface StepResult {
  version: string;
  name: string;
  direction: 'up' | 'down';
  status: 'applied' | 'reverted' | 'failed' | 'planned';
  durationMs: number;
}

export interface StrataErrorOptions {
  /** How to fix it: one sentence, printed on its own line by the CLI. */
  hint?: string;
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
  readonly results: StepResult[];
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.results = options.results ?? [];
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
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
