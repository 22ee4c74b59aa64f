/**
 * `strata-migrate/backfill`: progressive backfills in batches, resumable, with their status.
 *
 * @module strata-migrate/backfill
 */
export { backfill, backfillInMigration, backfillStatus, DEFAULT_BACKFILL_BATCH_ROWS, DEFAULT_BATCH_SIZE } from './progressive/backfill.js';
export type { BackfillOptions, BackfillDefinition, BackfillReport, BackfillBatchContext, BackfillRow } from './progressive/backfill.js';
export { DEFAULT_BACKFILL_TABLE } from './progressive/backfill-state.js';
export type { BackfillState, BackfillStatus } from './progressive/backfill-state.js';
export type { BackfillEvents, BackfillProgress } from './progressive/backfill-events.js';
