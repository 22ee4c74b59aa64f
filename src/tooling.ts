/**
 * `strata-migrate/tooling`: the pieces a tool built on Strata needs beyond running migrations
 * (the `strata` CLI is one such tool and uses nothing else): reading migration file names and
 * ordering versions, loading `.ts`/`.js` settings and modules the way Strata does, checking a
 * placeholder pattern, creating and dropping databases, parsing relative times, and the text
 * form of a backfill's checkpoint key.
 */
export { isIgnoredFile, parseFileName } from './sources/file-name.js';
export type { MigrationFileKind, ParsedFileName } from './sources/file-name.js';
export { canonicalVersion, compareVersions } from './model/version.js';
export { defaultExport, importFile, readSettingsFile } from './sources/module-loader.js';
export { compilePlaceholderPattern, DEFAULT_PLACEHOLDER_PATTERN } from './sources/sql/placeholders.js';
export type { PlaceholderPattern } from './sources/sql/placeholders.js';
export { databaseAdmin } from './targets/sql/database-admin.js';
export type { DatabaseAdmin } from './targets/sql/database-admin.js';
export { parseTimeOption } from './journal/entry.js';
export { encodeKey as encodeBackfillKey } from './progressive/backfill-state.js';
