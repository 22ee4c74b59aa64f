/**
 * The import run's status: one JSON value in a key-value table of the target database (seed 001:
 * `app_state.key = 'migration_v2_status'`), so the app reads it with the data it describes.
 * A `running` status carries the pid, host and a heartbeat: a run whose process is gone (killed,
 * crashed, power cut) is told apart from a live one on the next start.
 */
import type { BetterSqlite3Database } from '../targets/sql/sqlite/better-sqlite3-database.js';
import { hostname } from 'node:os';
import type { ImportStatus } from './types.js';
import { isProcessAlive } from '../fs/process-alive.js';
import { sqliteSql } from '../targets/sql/sqlite/sqlite-sql.js';

export const DEFAULT_STATUS_TABLE = 'app_state';
export const DEFAULT_STATUS_KEY = 'migration_v2_status';
/** A live run refreshes its heartbeat at least this often (between batches, and on a timer). */
export const HEARTBEAT_MS = 2000;
/** A running status whose heartbeat is older than this is taken as dead even if its pid exists (pid reuse, a hung process). */
export const DEFAULT_STALE_AFTER_MS = 60_000;

/** `schema.table` quoted part by part (imports write to SQLite). */
export function quoteIdentifier(name: string): string {
  return name.split('.').map(sqliteSql.quoteIdentifier).join('.');
}

export class StatusStore {
  private readonly table: string;

  constructor(
    private readonly db: BetterSqlite3Database,
    table: string,
    private readonly key: string,
  ) {
    this.table = quoteIdentifier(table);
  }

  exists(): boolean {
    const name = this.table.split('.').pop()!.slice(1, -1).replace(/""/g, '"');
    return this.db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) === 1;
  }

  /** Creates the key-value table when the app's schema has none (`key TEXT PRIMARY KEY, value TEXT`). */
  ensure(): void {
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (key TEXT PRIMARY KEY NOT NULL, value TEXT)`);
  }

  read(): ImportStatus {
    if (!this.exists()) return { state: 'not-started' };
    const raw = this.db.prepare(`SELECT value FROM ${this.table} WHERE key = ?`).pluck().get(this.key) as string | null | undefined;
    if (raw === undefined || raw === null) return { state: 'not-started' };
    try {
      const parsed = JSON.parse(raw) as ImportStatus;
      return parsed && typeof parsed === 'object' && typeof parsed.state === 'string' ? parsed : { state: 'not-started' };
    } catch {
      // A bare string written by an app ("completed") is read as that state.
      return ['completed', 'failed', 'running', 'cancelled'].includes(raw) ? ({ state: raw } as ImportStatus) : { state: 'not-started' };
    }
  }

  write(status: ImportStatus): void {
    this.db
      .prepare(`INSERT INTO ${this.table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`)
      .run(this.key, JSON.stringify(status));
  }
}

/** Whether a `running` status belongs to a live process (this host, pid alive, heartbeat fresh). */
export function isLive(status: Extract<ImportStatus, { state: 'running' }>, staleAfterMs: number, activeRuns: ReadonlySet<string>, now = Date.now()): boolean {
  if (status.host !== hostname()) {
    // Another machine (a shared folder): only the heartbeat can tell.
    return now - Date.parse(status.heartbeatAt) < staleAfterMs;
  }
  if (status.pid === process.pid) return activeRuns.has(status.runId);
  if (!isProcessAlive(status.pid)) return false;
  return now - Date.parse(status.heartbeatAt) < staleAfterMs;
}
