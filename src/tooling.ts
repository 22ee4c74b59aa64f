/**
 * `strata-migrate/tooling`: the pieces a tool built on Strata needs beyond running migrations
 * (the `strata` CLI is one such tool and uses nothing else): reading migration file names and
 * ordering versions, loading `.ts`/`.js` settings and modules the way Strata does, checking a
 * placeholder pattern, creating and dropping databases, parsing relative times, the text
 * form of a backfill's checkpoint key, and other tools' migration folders (which format a folder
 * is in, and each tool's own checksum of its files, to compare with the tool's ledger), and
 * `traceMigrations()`: the pending migrations applied to a copy of the database, and what they
 * did to its rows and locks.
 *
 * @module strata-migrate/tooling
 */
export { isIgnoredFile, parseFileName } from './sources/file-name.js';
export type { MigrationFileKind, ParsedFileName } from './sources/file-name.js';
export { canonicalVersion, compareVersions } from './model/version.js';
export { canLoadTypeScript, defaultExport, importFile, readSettingsFile } from './sources/module-loader.js';
export { compilePlaceholderPattern, DEFAULT_PLACEHOLDER_PATTERN } from './sources/sql/placeholders.js';
export type { PlaceholderPattern } from './sources/sql/placeholders.js';
export { databaseAdmin } from './targets/sql/database-admin.js';
export type { DatabaseAdmin } from './targets/sql/database-admin.js';
export { parseTimeOption } from './journal/entry.js';
export { nearestName } from './model/nearest-name.js';
export { encodeKey as encodeBackfillKey } from './progressive/backfill-state.js';
export { detectMigrationFormat, FORMAT_NAMES, formatNamed } from './sources/formats/index.js';
export type { FormatName } from './sources/formats/index.js';
export { flywayChecksum } from './sources/formats/flyway.js';
export { prismaChecksum, prismaChecksumMatches } from './sources/formats/prisma.js';
export { drizzleChecksum, readDrizzleJournal } from './sources/formats/drizzle.js';
export type { DrizzleJournalEntry } from './sources/formats/drizzle.js';
export { sqlxChecksum } from './sources/formats/sqlx.js';
export { atlasHashFile, formatAtlasSum, parseAtlasSum } from './sources/formats/atlas.js';
export type { AtlasSum } from './sources/formats/atlas.js';
export { nextNumber, scaffoldMigration } from './sources/formats/scaffold.js';
export type { Scaffold, ScaffoldOptions } from './sources/formats/scaffold.js';
export { assertNoDataLoss, assertTraceClean, traceMigrations } from './trace/trace-migrations.js';
export type { TracedMigratorOptions, TraceOptions } from './trace/trace-options.js';
export type {
  ChangeCause,
  DdlAlgorithm,
  TracedChange,
  TracedLock,
  TracedStatement,
  TracedTable,
  TraceMode,
  TraceReport,
} from './trace/trace-report.js';
export { bundleMigrationFolder, bundleModuleSource } from './bundle/bundle-folder.js';
export type { BundleFolderOptions } from './bundle/bundle-folder.js';
export type { MigrationBundle, BundledMigration, BundledBody, BundledStatement } from './browser/migration-bundle.js';
export { writeFileAtomic } from './fs/atomic-write.js';
