/**
 * A migration as the engine sees it, wherever it came from (a .sql file, a module, register()).
 * Bodies are loaded lazily: `status` and a no-op `migrate` only need version, name and checksum,
 * so no migration module is imported unless it is about to run.
 */

/** One SQL statement of a file, with where it stands, so failures can point at it. */
export interface SqlStatement {
  /** 1-based position among the section's statements. */
  index: number;
  /** 1-based line in the file where the statement starts. */
  line: number;
  /** 1-based column of its first token on that line (1 when unknown). */
  column?: number;
  sql: string;
  /**
   * A transaction statement written in the file (`BEGIN`, `COMMIT`): skipped when the engine
   * wraps the step in its own transaction, executed when it does not.
   */
  control?: 'begin' | 'commit';
}

interface BodyOptions {
  /** false: run outside the wrapping transaction (e.g. VACUUM, CREATE INDEX CONCURRENTLY). */
  transaction: boolean;
  /** false: run with foreign key enforcement off, checked before commit (SQLite table rebuilds). */
  foreignKeys: boolean;
}

export interface SqlBody extends BodyOptions {
  kind: 'sql';
  statements: SqlStatement[];
  /** The file the statements come from when it is not the migration's origin (a .down.sql). */
  file?: string;
}

export interface CodeBody<Ctx> extends BodyOptions {
  kind: 'code';
  run: (ctx: Ctx) => unknown;
}

export type MigrationBody<Ctx> = SqlBody | CodeBody<Ctx>;

/** What a loaded migration offers once its module (if any) has been imported. */
export interface LoadedMigration<Ctx> {
  up: MigrationBody<Ctx>;
  down: MigrationBody<Ctx> | undefined;
  /** Checks the up did its job (Sqitch's verify): throws, or a statement fails, when it did not. */
  verify?: MigrationBody<Ctx>;
}

export interface Migration<Ctx = unknown> {
  /** Canonical version string (see model/version.ts). */
  version: string;
  name: string;
  /** `algorithm:hex`, e.g. `sha256:9f86...`; the tag lets the algorithm change without breaking old ledgers. */
  checksum: string;
  /** Where it came from, for messages: a file path or `register()`. */
  origin: string;
  /** Versions (canonical) that must be applied before this one, beyond its own category's order. */
  dependsOn?: readonly string[];
  /** Recomputes the checksum with another algorithm (for ledgers written with an older one). */
  checksumWith?(algorithm: string): string | undefined;
  load(): Promise<LoadedMigration<Ctx>>;
}

/** The shape users give to register() or export from a module. */
export interface MigrationDefinition<Ctx = unknown> {
  version: number | string;
  name: string;
  up: (ctx: Ctx) => unknown;
  down?: (ctx: Ctx) => unknown;
  /** Runs after up, in its transaction: throw if the schema is not what up should have made. */
  verify?: (ctx: Ctx) => unknown;
  transaction?: boolean;
  foreignKeys?: boolean;
  /** Migrations (in other categories) that must be applied first: `['knowledge001']`. */
  dependsOn?: readonly (string | number)[];
  /** Overrides the checksum derived from the functions' source text. */
  checksum?: string;
}

export function migrationLabel(migration: { version: string; name: string }): string {
  return `${migration.version}_${migration.name}`;
}
