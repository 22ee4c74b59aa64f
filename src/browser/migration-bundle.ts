/**
 * Migrations without a folder: what `strata bundle`, the Vite plugin and the esbuild plugin write
 * (src/bundle/), read in the browser by bundledMigrations(). Browsers cannot list files, so the
 * folder is read at build time, by the same reader Node uses: each migration keeps its file, its
 * checksum (the one `strata status` shows for that file) and its SQL as statements, already split
 * for the dialect family (the browser bundles no SQL splitter).
 */
import type { SqlStatement } from '../model/migration.js';
import type { SqlFamily } from '../targets/sql/dialect.js';

/** The bundle layout this Strata writes and reads. */
export const MIGRATION_BUNDLE_FORMAT = 'strata-bundle/1';

export interface BundledBody {
  statements: SqlStatement[];
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
  format: typeof MIGRATION_BUNDLE_FORMAT;
  /** The SQL family the statements were split for. */
  dialect: SqlFamily;
  migrations: BundledMigration[];
}
