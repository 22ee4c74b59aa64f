/**
 * The observability app's database module, on Strata.
 *
 * - Schema changes are the SQL files in ../migrations, applied by Strata (createMigrator) on the
 *   application's own better-sqlite3 connection: status, rollback and validation are Strata's too.
 * - Application queries are better-sqlite3 prepared statements, prepared on first use and cached.
 * - Every timestamp is in unix SECONDS (the unit of the schema's `unixepoch()` defaults).
 *
 * One connection per process, held by this module (as in the design document): await
 * initDatabase() once at start-up, before any other function, and closeDatabase() at shutdown.
 */
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { createMigrator, type RunReport, type SqlMigrator } from 'strata-migrate';

// ---- types: the tables, exactly ----------------------------------------------------------------

export type UsagePlan = 'pro' | 'max5' | 'max20' | 'custom';
export type UsageView = 'realtime' | 'daily' | 'monthly' | 'session';
export type TimeFormat = '12h' | '24h' | 'auto';
export type Theme = 'light' | 'dark' | 'classic' | 'auto';
export type SnapshotType = 'stats' | 'config' | 'session';

/** A row of usage_config. */
export interface UsageConfig {
  id: number;
  plan: UsagePlan;
  custom_limit_tokens: number | null;
  view: UsageView;
  timezone: string;
  time_format: TimeFormat;
  theme: Theme;
  refresh_rate: number;
  refresh_per_second: number;
  reset_hour: number | null;
  /** Unix seconds. */
  created_at: number;
  /** Unix seconds; set by every updateUsageConfig(). */
  updated_at: number;
  is_active: 0 | 1;
}

/** The settings updateUsageConfig() accepts: id, timestamps and is_active are managed here. */
export type UsageConfigUpdate = Partial<Omit<UsageConfig, 'id' | 'created_at' | 'updated_at' | 'is_active'>>;

/** A row of usage_snapshots. */
export interface UsageSnapshot {
  id: number;
  /** Must name a session present in events (foreign key). */
  session_id: string;
  /** JSON text. */
  snapshot_data: string;
  snapshot_type: SnapshotType;
  /** Unix seconds. */
  timestamp: number;
}

/** What insertUsageSnapshot() takes: Omit<UsageSnapshot, 'id'>, with the columns that have defaults optional. */
export type NewUsageSnapshot = Omit<UsageSnapshot, 'id' | 'snapshot_type' | 'timestamp'> & Partial<Pick<UsageSnapshot, 'snapshot_type' | 'timestamp'>>;

/** A row of events (the hook-events table; one row per session here, see the README). */
export interface EventRow {
  id: number;
  source_app: string;
  session_id: string;
  hook_event_type: string;
  payload: string;
  chat: string | null;
  summary: string | null;
  /** Unix seconds. */
  timestamp: number;
}

export type NewEvent = Omit<EventRow, 'id' | 'chat' | 'summary' | 'timestamp'> & Partial<Pick<EventRow, 'chat' | 'summary' | 'timestamp'>>;

export interface AppliedMigration {
  version: number;
  name: string;
  /** Unix seconds (Strata's ledger stores ISO-8601 text; converted here). */
  applied_at: number;
}

export interface PendingMigration {
  version: number;
  name: string;
}

export interface MigrationStatus {
  /** Highest applied version; 0 when nothing is applied. */
  currentVersion: number;
  /** Highest version in the migrations folder. */
  latestVersion: number;
  applied: AppliedMigration[];
  pending: PendingMigration[];
  /** Edited or missing migration files, steps left incomplete...: Strata's findings, as sentences. */
  problems: string[];
}

export interface DatabaseCheck {
  ok: boolean;
  problems: string[];
}

export interface InitDatabaseOptions {
  /** The SQLite file (default: $OBSERVABILITY_DB, then ./events.db). Its folder must exist. */
  path?: string;
  /** The migrations folder (default: this example's migrations/). */
  migrationsDir?: string;
  /** Apply pending migrations before returning (default true). The CLI passes false. */
  migrate?: boolean;
}

// ---- module state ------------------------------------------------------------------------------

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));
export const DEFAULT_DB_PATH = 'events.db';

/** The tables and indexes the migrations create (checkDatabase looks for them on a current schema). */
const EXPECTED_OBJECTS: readonly { type: 'table' | 'index'; name: string }[] = [
  { type: 'table', name: 'events' },
  { type: 'table', name: 'usage_config' },
  { type: 'table', name: 'usage_snapshots' },
  { type: 'index', name: 'idx_usage_config_active' },
  { type: 'index', name: 'idx_usage_snapshots_session_id' },
  { type: 'index', name: 'idx_usage_snapshots_timestamp' },
  { type: 'index', name: 'idx_usage_snapshots_type' },
  { type: 'index', name: 'idx_strata_migrations_applied_at' },
];

let db: Database.Database | undefined;
let migrator: SqlMigrator<Database.Database> | undefined;
const statements = new Map<string, Database.Statement<unknown[]>>();

// ---- lifecycle ---------------------------------------------------------------------------------

/**
 * Opens the database (WAL, foreign keys on, synchronous NORMAL) and applies pending migrations.
 * Unlike the design document's version, the migrations are awaited: when this resolves the
 * schema is current, and a failed migration rejects this promise (the connection is closed).
 */
export async function initDatabase(options: InitDatabaseOptions = {}): Promise<void> {
  await closeDatabase();
  const path = options.path ?? (process.env.OBSERVABILITY_DB || DEFAULT_DB_PATH);
  const connection = new Database(path);
  try {
    connection.pragma('journal_mode = WAL');
    connection.pragma('foreign_keys = ON');
    connection.pragma('synchronous = NORMAL');
    connection.pragma('busy_timeout = 5000');
    // Strata uses this connection as it is (it sets no pragmas on a connection it did not open).
    const runner = createMigrator<Database.Database>({ db: connection, dir: options.migrationsDir ?? MIGRATIONS_DIR });
    db = connection;
    migrator = runner;
    if (options.migrate !== false) await runner.migrate();
  } catch (error) {
    await closeDatabase();
    if (connection.open) connection.close();
    throw error;
  }
}

export async function closeDatabase(): Promise<void> {
  statements.clear();
  const [closingMigrator, closingDb] = [migrator, db];
  migrator = undefined;
  db = undefined;
  await closingMigrator?.close();
  if (closingDb?.open) closingDb.close();
}

/** The open connection, for queries this module does not offer. */
export function getDatabase(): Database.Database {
  if (!db) throw new Error('the database is not open: await initDatabase() first');
  return db;
}

/** The Strata migrator over the same connection (the document's MigrationRunner). */
export function getMigrationRunner(): SqlMigrator<Database.Database> {
  if (!migrator) throw new Error('the database is not open: await initDatabase() first');
  return migrator;
}

function statement(sql: string): Database.Statement<unknown[]> {
  let prepared = statements.get(sql);
  if (!prepared) {
    prepared = getDatabase().prepare(sql);
    statements.set(sql, prepared);
  }
  return prepared;
}

/** CHECK, NOT NULL, UNIQUE and FOREIGN KEY failures: the row was refused, the database is fine. */
function isConstraintError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}

/** Seconds, not milliseconds: 10^11 s is the year 5138, while Date.now() is above 10^12. */
function isUnixSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1e11;
}

function isJsonText(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

// ---- usage configuration -----------------------------------------------------------------------

type FieldKind = 'text' | 'integer' | 'integer-or-null' | 'number';

/** The columns updateUsageConfig() may set, with the JS type each takes; the CHECKs do the rest. */
const UPDATABLE: Readonly<Record<keyof UsageConfigUpdate, FieldKind>> = {
  plan: 'text',
  custom_limit_tokens: 'integer-or-null',
  view: 'text',
  timezone: 'text',
  time_format: 'text',
  theme: 'text',
  refresh_rate: 'integer',
  refresh_per_second: 'number',
  reset_hour: 'integer-or-null',
};

function fits(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'text':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'integer-or-null':
      return value === null || Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
  }
}

/** The active configuration, or null when there is none. */
export function getUsageConfig(): UsageConfig | null {
  return (statement('SELECT * FROM usage_config WHERE is_active = 1').get() as UsageConfig | undefined) ?? null;
}

/**
 * Sets some settings of the active configuration and its updated_at (unix seconds).
 * Returns false, changing nothing, when a key is unknown or read-only (id, created_at,
 * updated_at, is_active), a value has the wrong type, a CHECK constraint refuses a value,
 * nothing was given, or there is no active configuration. Undefined values are skipped.
 */
export function updateUsageConfig(updates: UsageConfigUpdate): boolean {
  if (updates === null || typeof updates !== 'object' || Array.isArray(updates)) return false;
  const entries = Object.entries(updates).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return false;
  for (const [key, value] of entries) {
    if (!Object.hasOwn(UPDATABLE, key)) return false;
    if (!fits(UPDATABLE[key as keyof UsageConfigUpdate], value)) return false;
  }
  // Column names come from UPDATABLE only, never from the caller's text.
  const assignments = entries.map(([key]) => `${key} = ?`).join(', ');
  try {
    const sql = `UPDATE usage_config SET ${assignments}, updated_at = unixepoch() WHERE is_active = 1`;
    return statement(sql).run(...entries.map(([, value]) => value)).changes === 1;
  } catch (error) {
    if (isConstraintError(error)) return false;
    throw error;
  }
}

/**
 * Makes a configuration with every default the active one. The previous active row is kept as
 * history (is_active = 0: the partial unique index allows any number of inactive rows); the
 * defaults are the table's column defaults, the same ones the default-data migration uses.
 */
export function resetUsageConfig(): boolean {
  const reset = getDatabase().transaction(() => {
    statement('UPDATE usage_config SET is_active = 0, updated_at = unixepoch() WHERE is_active = 1').run();
    statement('INSERT INTO usage_config DEFAULT VALUES').run();
  });
  try {
    reset.immediate();
    return true;
  } catch (error) {
    if (isConstraintError(error)) return false;
    throw error;
  }
}

// ---- events (the pre-existing table) -----------------------------------------------------------

/** Records a session's event. Null when refused (a duplicate session_id, a missing column). */
export function insertEvent(event: NewEvent): EventRow | null {
  if (event.timestamp !== undefined && !isUnixSeconds(event.timestamp)) return null;
  try {
    return statement(
      `INSERT INTO events (source_app, session_id, hook_event_type, payload, chat, summary, timestamp)
       VALUES (?, ?, ?, ?, ?, ?, coalesce(?, unixepoch())) RETURNING *`,
    ).get(
      event.source_app ?? null,
      event.session_id ?? null,
      event.hook_event_type ?? null,
      event.payload ?? null,
      event.chat ?? null,
      event.summary ?? null,
      event.timestamp ?? null,
    ) as EventRow;
  } catch (error) {
    if (isConstraintError(error)) return null;
    throw error;
  }
}

// ---- usage snapshots ---------------------------------------------------------------------------

/**
 * Stores a snapshot. snapshot_type defaults to 'stats' and timestamp to now (unix seconds).
 * Returns the stored row, or null when it is refused: snapshot_data not JSON, a timestamp that
 * is not whole unix seconds (a Date.now() value is refused, not stored 1000x in the future),
 * an unknown snapshot_type (CHECK) or a session_id with no events row (foreign key).
 */
export function insertUsageSnapshot(snapshot: NewUsageSnapshot): UsageSnapshot | null {
  if (typeof snapshot.session_id !== 'string' || !isJsonText(snapshot.snapshot_data)) return null;
  if (snapshot.timestamp !== undefined && !isUnixSeconds(snapshot.timestamp)) return null;
  if (snapshot.snapshot_type !== undefined && typeof snapshot.snapshot_type !== 'string') return null;
  try {
    return statement(
      `INSERT INTO usage_snapshots (session_id, snapshot_data, snapshot_type, timestamp)
       VALUES (?, ?, coalesce(?, 'stats'), coalesce(?, unixepoch())) RETURNING *`,
    ).get(snapshot.session_id, snapshot.snapshot_data, snapshot.snapshot_type ?? null, snapshot.timestamp ?? null) as UsageSnapshot;
  } catch (error) {
    if (isConstraintError(error)) return null;
    throw error;
  }
}

/**
 * Snapshots from the last `hoursBack` hours, newest first, at most `limit` of them, for one
 * session when `sessionId` is given. Throws RangeError for a limit that is not a positive
 * integer or a hoursBack that is not a positive number (SQLite would read LIMIT -1 as "all").
 */
export function getUsageSnapshots(sessionId?: string, limit: number = 100, hoursBack: number = 24): UsageSnapshot[] {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (typeof hoursBack !== 'number' || !Number.isFinite(hoursBack) || hoursBack <= 0) {
    throw new RangeError(`hoursBack must be a positive number of hours, got ${hoursBack}`);
  }
  const seconds = Math.round(hoursBack * 3600);
  if (sessionId === undefined) {
    return statement('SELECT * FROM usage_snapshots WHERE timestamp >= unixepoch() - ? ORDER BY timestamp DESC, id DESC LIMIT ?').all(
      seconds,
      limit,
    ) as UsageSnapshot[];
  }
  return statement('SELECT * FROM usage_snapshots WHERE session_id = ? AND timestamp >= unixepoch() - ? ORDER BY timestamp DESC, id DESC LIMIT ?').all(
    sessionId,
    seconds,
    limit,
  ) as UsageSnapshot[];
}

/** Every snapshot of a session, oldest first (the session's timeline), with no time window. */
export function getUsageSnapshotsBySession(sessionId: string): UsageSnapshot[] {
  return statement('SELECT * FROM usage_snapshots WHERE session_id = ? ORDER BY timestamp ASC, id ASC').all(sessionId) as UsageSnapshot[];
}

/** Deletes snapshots older than `daysOld` days; returns how many. Throws RangeError for a negative or non-finite daysOld. */
export function deleteOldUsageSnapshots(daysOld: number = 30): number {
  if (typeof daysOld !== 'number' || !Number.isFinite(daysOld) || daysOld < 0) {
    throw new RangeError(`daysOld must be a number of days >= 0, got ${daysOld}`);
  }
  return statement('DELETE FROM usage_snapshots WHERE timestamp < unixepoch() - ?').run(Math.round(daysOld * 86_400)).changes;
}

// ---- migrations --------------------------------------------------------------------------------

/** Where the schema stands, from Strata's ledger (strata_migrations) and the migrations folder. */
export async function getMigrationStatus(): Promise<MigrationStatus> {
  const report = await getMigrationRunner().status();
  const applied: AppliedMigration[] = [];
  const pending: PendingMigration[] = [];
  for (const m of report.migrations) {
    const version = Number(m.version);
    if (m.state === 'pending') pending.push({ version, name: m.name });
    // 'changed' and 'missing' steps are applied too (and reported as problems below).
    else if (m.state === 'applied' || m.state === 'changed' || m.state === 'missing') {
      applied.push({ version, name: m.name, applied_at: m.appliedAt ? Math.floor(Date.parse(m.appliedAt) / 1000) : 0 });
    }
  }
  const inFolder = report.migrations.filter((m) => m.origin !== null).map((m) => Number(m.version));
  return {
    currentVersion: Number(report.currentVersion ?? 0),
    latestVersion: Math.max(0, ...inFolder),
    applied,
    pending,
    problems: report.problems.map((p) => p.message),
  };
}

/** Applies every pending migration, each in its own transaction with its ledger row. */
export async function runMigrations(): Promise<RunReport> {
  return getMigrationRunner().migrate();
}

/**
 * Rolls back the last applied migration, or, given a version, every migration above it
 * (0 = all of them). Each step runs its down section in a transaction with its ledger row.
 */
export async function rollbackMigrations(targetVersion?: number): Promise<RunReport> {
  if (targetVersion === undefined) return getMigrationRunner().rollback();
  if (!Number.isInteger(targetVersion) || targetVersion < 0) {
    throw new RangeError(`targetVersion must be an integer >= 0, got ${targetVersion}`);
  }
  return getMigrationRunner().rollback({ to: targetVersion });
}

/**
 * Everything validateDatabase() checks, with the reasons it fails:
 * Strata's validate (migration files unchanged and present, order, no half-applied step,
 * PRAGMA integrity_check and foreign_key_check), no pending migration, then for a current
 * schema: the tables and indexes of the migrations exist and exactly one configuration is active.
 */
export async function checkDatabase(): Promise<DatabaseCheck> {
  const connection = getDatabase();
  const report = await getMigrationRunner().validate();
  const problems = [...report.problems.map((p) => p.message), ...report.integrity];
  if (connection.pragma('foreign_keys', { simple: true }) !== 1) problems.push('foreign key enforcement is off on this connection');
  if (report.pending > 0) {
    problems.push(`${report.pending} migration(s) pending: the schema is not current`);
  } else {
    const present = new Set((connection.prepare("SELECT type || ':' || name AS object FROM sqlite_master").all() as { object: string }[]).map((r) => r.object));
    for (const object of EXPECTED_OBJECTS) {
      if (!present.has(`${object.type}:${object.name}`)) problems.push(`${object.type} ${object.name} is missing`);
    }
    if (present.has('table:usage_config')) {
      const { active } = connection.prepare('SELECT count(*) AS active FROM usage_config WHERE is_active = 1').get() as { active: number };
      if (active !== 1) problems.push(`usage_config has ${active} active rows (expected exactly 1)`);
    }
  }
  return { ok: problems.length === 0, problems };
}

/** True when checkDatabase() finds nothing wrong. */
export async function validateDatabase(): Promise<boolean> {
  return (await checkDatabase()).ok;
}
