/**
 * What the app calls at startup: `const { state } = await migrateAppState(localStorage)`. Built on
 * Strata's DocumentMigrator: one migration at a time across tabs (Web Locks), every step run and
 * validated on a copy, then the state written once; a step that throws or a state that fails its
 * schema leaves localStorage exactly as it was.
 */
import { DocumentMigrator, type MigrationManager, type DocumentRunReport, type WebStorageLike } from 'strata-migrate/document';
import { appStateStore, emptyLegacyState, type AppStateStoreOptions } from './legacy.js';
import { airPromptsMigrations, LEGACY_VERSION, type AirPromptsMigrationOptions } from './migrations.js';
import type { AppState, AppStateV2 } from './types.js';

export interface AppStateOptions extends AppStateStoreOptions, AirPromptsMigrationOptions {
  /** The migrations to run; default airPromptsMigrations({ validate }). */
  migrations?: MigrationManager<any>;
  lockTimeoutMs?: number;
  /** Clock for the history entries (tests). */
  now?: () => Date;
}

/** A DocumentMigrator over the app's storage, for status(), events or a rollback. */
export function createAppStateMigrator(storage: WebStorageLike, options: AppStateOptions = {}): DocumentMigrator<any> {
  return new DocumentMigrator<any>({
    store: appStateStore(storage, options),
    migrations: options.migrations ?? airPromptsMigrations(options),
    // 1.x data carries no version: it is 1.0.0. A fresh install starts from an empty 1.0.0 state.
    unversioned: LEGACY_VERSION,
    initial: emptyLegacyState,
    ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}

export interface AppStateResult<State> {
  state: State;
  /** The version before the run; null for 1.x keys or a fresh install. */
  from: string | null;
  version: string;
  /** Whether anything was migrated and written (false: the state was already current). */
  migrated: boolean;
  report: DocumentRunReport<State>;
}

/** Brings the stored state to the current version (or `to`) and returns it. */
export async function migrateAppState(storage: WebStorageLike, options: AppStateOptions & { to?: string } = {}): Promise<AppStateResult<AppState>> {
  const report = await createAppStateMigrator(storage, options).migrate(options.to ? { to: options.to } : {});
  return resultOf(report);
}

/** Takes the stored state back to an older version (what an older build of the app reads). */
export async function rollbackAppState(
  storage: WebStorageLike,
  to: '2.0.0' | '1.0.0' | string,
  options: AppStateOptions = {},
): Promise<AppStateResult<AppStateV2>> {
  return resultOf(await createAppStateMigrator(storage, options).rollback({ to }));
}

function resultOf<State>(report: DocumentRunReport<State>): AppStateResult<State> {
  return {
    state: report.data as State,
    from: report.from === null ? null : String(report.from),
    version: String(report.version),
    migrated: report.written,
    report,
  };
}
