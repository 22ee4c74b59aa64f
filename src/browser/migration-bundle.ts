/**
 * Migrations without a folder: what `strata bundle`, the Vite plugin and the esbuild plugin write
 * (src/bundle/), read in the browser by bundledMigrations(). Browsers cannot list files, so the
 * folder is read at build time, by the same reader Node uses: each migration keeps its file, its
 * checksum (the one `strata status` shows for that file) and its SQL as statements, already split
 * for the dialect family (the browser bundles no SQL splitter).
 */

/** The bundle layout this Strata writes and reads. */
export const MIGRATION_BUNDLE_FORMAT = 'strata-bundle/1';

/**
 * One statement as the bundle keeps it. The bundle's types are loose (strings, not the literal
 * unions) so that a generated module, whose object TypeScript infers from JSON, type-checks where
 * it is passed; bundledMigrations() checks the values.
 */
export interface BundledStatement {
  index: number;
  line: number;
  column?: number;
  sql: string;
  /** 'begin' or 'commit': a transaction statement written in the file. */
  control?: string;
}

export interface BundledBody {
  statements: BundledStatement[];
  /** false: the file asked to run outside a transaction. */
  transaction: boolean;
  foreignKeys: boolean;
  /** The file the statements come from when it is not the migration's (a .down.sql). */
  file?: string;
}

export interface BundledMigration {
  version: string;
  name: string;
  /** The file, relative to the migrations folder. */
  file: string;
  /** `sha256:<hex>` of the file's text, as `strata status --json` shows it. */
  checksum: string;
  dependsOn?: string[];
  up: BundledBody;
  down?: BundledBody;
  verify?: BundledBody;
}

export interface MigrationBundle {
  /** MIGRATION_BUNDLE_FORMAT. */
  format: string;
  /** The SQL family the statements were split for: 'sqlite' or 'postgres'. */
  dialect: string;
  migrations: BundledMigration[];
}
