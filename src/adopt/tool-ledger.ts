/**
 * The seam between `strata adopt` and one other tool (src/adopt/tools/<tool>.ts): where its
 * ledger lives, how to read it, and what its migration folder looks like. The adopt engine
 * (src/adopt/adopt.ts) checks the ledger against the folder and writes Strata ledger rows
 * marked `adoptedFrom: tool`; a reader only reads, it never writes.
 */
import type { SqlDriver } from '../targets/sql/driver.js';

/** One step of the other tool's history, as its ledger records it. */
export interface AdoptedStep {
  /** Strata's version for the step: the version or timestamp the tool's file name starts with. */
  version: string;
  /** The step's name as the tool stores it (a file name, a migration class name). */
  name: string;
  /** ISO 8601 UTC when the tool says it ran it; null when the tool does not record it. */
  appliedAt: string | null;
  /** The checksum the tool stored, for tools that store one (Flyway, Prisma, drizzle, sqlx, Atlas). */
  storedChecksum?: string;
  /**
   * A step that has no file by nature (Flyway's and Atlas's baseline marker): recorded as
   * adopted history, like the steps of a history-only tool, and never matched to a file.
   */
  historyOnly?: boolean;
}

/** A step the tool marked unfinished or failed: adoption stops and names it. */
export interface UnfinishedStep {
  version: string;
  name: string;
  /** What the tool says: `dirty = true`, `finished_at IS NULL`, `success = false`. */
  reason: string;
}

export interface ToolHistory {
  /** The table (or file) read, for messages: `schema_migrations`, `./migrations/.umzug.json`. */
  source: string;
  steps: AdoptedStep[];
  unfinished: UnfinishedStep[];
}

export interface ToolLedgerReader {
  /** The `--from` name: 'dbmate', 'golang-migrate', 'goose', 'flyway', 'node-pg-migrate', 'knex', 'umzug', 'sequelize', 'prisma', 'drizzle', 'typeorm', 'mikro-orm', 'd1', 'sqlx', 'atlas'. */
  readonly tool: string;
  /** Where the tool's own source defines the layout read here (a repository path), for docs and tests. */
  readonly layoutSource: string;
  /** The ledger table the tool uses by default, for messages (`schema_migrations`); `--table` names another. */
  readonly defaultTable?: string;
  /** The migration folder the tool uses by default, relative to the project. */
  readonly defaultDir: string;
  /**
   * 'in-place': Strata reads the folder as it is (SQL files in a format src/sources understands);
   * 'history-only': the tool's migrations are code written against its own API, so only the
   * history is recorded and new migrations are written for Strata.
   */
  readonly folder: 'in-place' | 'history-only';
  /**
   * For an in-place folder: the source format Strata reads it with (the config's `format`:
   * 'flyway', 'goose', 'prisma', 'drizzle', 'sqlx', 'd1', 'atlas'); absent when Strata's own
   * reader already understands the folder (dbmate, golang-migrate).
   */
  readonly format?: string;
  /** Reads the ledger; null when the tool's ledger table (or file) is not there. */
  read(db: SqlDriver, options: { dir: string; table?: string }): Promise<ToolHistory | null>;
  /**
   * For tools that store a checksum: the checksum the tool would compute for this file's
   * contents, to compare with `storedChecksum` (a mismatch refuses with a per-file report).
   * `dir` is the migrations folder, for tools whose checksum chains over earlier files (Atlas).
   */
  checksumOf?(file: { path: string; contents: Buffer; dir: string }): string;
  /**
   * For tools that accept more than one form of a file (Prisma: either line ending): whether the
   * stored checksum holds for these contents. Without it, `checksumOf(file) === storedChecksum`.
   */
  checksumMatches?(file: { path: string; contents: Buffer; dir: string }, stored: string): boolean;
}
