/**
 * `strata-migrate/adopt`: take over another tool's migration history (dbmate, golang-migrate,
 * goose, Flyway, Prisma, drizzle, sqlx, Wrangler D1, Atlas, and the code-based tools), and the
 * contract a reader of one more tool implements.
 *
 * @example
 * import { createMigrator } from 'strata-migrate';
 * import { adopt } from 'strata-migrate/adopt';
 * const migrator = createMigrator({ db: './app.db', dir: './db/migrations' });
 * const report = await adopt(migrator, { from: 'dbmate', dir: './db/migrations' });
 * await migrator.close();
 */
export { adopt, adoptableTools } from './adopt/adopt.js';
export type { AdoptOptions, AdoptReport, ChecksumMismatch, MissingFile } from './adopt/adopt.js';
export type { AdoptEvents } from './adopt/adopt-events.js';
export type { AdoptedStep, ToolHistory, ToolLedgerReader, UnfinishedStep } from './adopt/tool-ledger.js';
export { findToolReader, TOOL_READERS } from './adopt/tools/index.js';
