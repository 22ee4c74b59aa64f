/** AirPrompts' localStorage state on Strata: the migrations, the store and the app-facing service. */
export { migrateAppState, rollbackAppState, createAppStateMigrator } from './app-state.js';
export type { AppStateOptions, AppStateResult } from './app-state.js';
export {
  airPromptsMigrations,
  AIRPROMPTS_MIGRATIONS,
  CURRENT_VERSION,
  LEGACY_VERSION,
  DEFAULT_PERFORMANCE,
  snakeToCamel,
  camelToSnake,
  toV2,
  toV3,
} from './migrations.js';
export type { AirPromptsMigrationOptions } from './migrations.js';
export { appStateStore, readLegacyState, emptyLegacyState, APP_STATE_KEY, LEGACY_KEYS } from './legacy.js';
export type { AppStateStoreOptions, LegacyState } from './legacy.js';
export { appStateV2Schema, appStateV3Schema } from './schemas.js';
export type * from './types.js';
export { LEGACY_SAMPLE, legacySampleItems } from './sample-data.js';
