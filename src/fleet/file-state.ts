/**
 * A fleet run's state on one machine: a small SQLite journal (`.strata/fleet/<runId>.db`), one
 * row per target. Every change is one transaction in WAL mode, so a runner killed with SIGKILL
 * leaves each row as it was before or after a change, never half-written; the rows left
 * `running` by a dead runner (its pid gone) are handed out again, marked `recovered`.
 *
 * Target URLs are not written (they may hold passwords): the journal keeps ids, and a resumed
 * run finds its targets again through discovery (the run's fingerprint checks they are the same).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { isProcessAlive } from '../fs/process-alive.js';
import type { FleetClaim, FleetRunInfo, FleetStateStore, FleetTally, FleetTarget, TargetRecord, TargetState } from './fleet-state.js';
import { tallyOfGroups, type TallyGroup } from './fleet-tally.js';

/** Where journals go, relative to the config file's folder (or the working directory). */
export const DEFAULT_FLEET_STATE_DIR = '.strata/fleet';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fleet_run (
  run_id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  command TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fleet_target (
  id TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  state TEXT NOT NULL,
  runner TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  started_at TEXT,
  finished_at TEXT,
  from_version TEXT,
  to_version TEXT,
  error_code TEXT,
  error_message TEXT
);
CREATE INDEX IF NOT EXISTS fleet_target_pending ON fleet_target (state, position);
`;

interface Row {
  id: string;
  position: number;
  state: TargetState;
  runner: string | null;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  from_version: string | null;
  to_version: string | null;
  error_code: string | null;
  error_message: string | null;
}

/** `host:pid` of this process: how a claim names its runner. */
export function thisRunner(): string {
  return `${hostname()}:${process.pid}`;
}

/** A runner of this machine whose process is gone. Another machine's runner cannot be checked from here: taken as alive. */
function runnerIsDead(runner: string | null): boolean {
  if (!runner) return true;
  const at = runner.lastIndexOf(':');
  const pid = Number(runner.slice(at + 1));
  return runner.slice(0, at) === hostname() && Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid);
}

export class FileStateStore implements FleetStateStore {
  readonly description: string;
  private readonly db: Database.Database;
  private targets = new Map<string, FleetTarget>();
  /** Prepared once: a claim and a finish per target, thousands of times a run. */
  private statements: ReturnType<typeof prepareStatements> | undefined;

  /** `path`: the journal file (created with its folder), or `:memory:` for a run that keeps nothing (dry runs). */
  constructor(readonly path: string) {
    this.description = path;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (error) {
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot open the fleet journal ${path}: ${messageOf(error)}`, {
        hint: 'check that the folder is writable, or give another one (fleet.stateDir)',
        details: { path },
        cause: error,
      });
    }
  }

  async open(run: FleetRunInfo, targets: readonly FleetTarget[]): Promise<void> {
    this.targets = new Map(targets.map((t) => [t.id, t]));
    this.db
      .transaction(() => {
        const existing = this.db.prepare('SELECT fingerprint FROM fleet_run WHERE run_id = ?').get(run.runId) as { fingerprint: string } | undefined;
        if (existing && existing.fingerprint !== run.fingerprint) {
          throw new StrataError(
            ErrorCode.FLEET_RUN_MISMATCH,
            `fleet run ${run.runId} (${this.path}) was started with other targets or other migrations: it cannot be resumed as it is`,
            {
              hint: 'start a new run (strata fleet migrate without --resume): targets already migrated change nothing',
              details: { runId: run.runId, journal: this.path, expected: existing.fingerprint, actual: run.fingerprint },
            },
          );
        }
        if (!existing) {
          this.db
            .prepare('INSERT INTO fleet_run (run_id, fingerprint, command, created_at) VALUES (?, ?, ?, ?)')
            .run(run.runId, run.fingerprint, run.command, now());
        }
        const last = (this.db.prepare('SELECT max(position) AS last FROM fleet_target').get() as { last: number | null }).last ?? -1;
        const insert = this.db.prepare("INSERT OR IGNORE INTO fleet_target (id, position, state) VALUES (?, ?, 'pending')");
        let position = last + 1;
        for (const target of targets) if (insert.run(target.id, position).changes) position += 1;
      })
      .immediate();
  }

  async claim(runner: string, before: number): Promise<FleetClaim | null> {
    const statements = (this.statements ??= prepareStatements(this.db));
    const claimed = statements.claim.immediate(runner, before, this.targets);
    if (!claimed) return null;
    const target = this.targets.get(claimed.row.id);
    if (!target) {
      // A pending row that discovery no longer finds: the fingerprint check makes this a journal
      // edited by hand. Finished as failed so that it is never left running.
      this.finishRow(claimed.row.id, runner, {
        state: 'failed',
        error: { code: ErrorCode.FLEET_TARGETS_INVALID, message: `${claimed.row.id} is in the journal but was not found` },
      });
      return this.claim(runner, before);
    }
    return {
      target,
      record: recordOf(claimed.row),
      recovered: claimed.recovered,
      finish: async (outcome) => this.finishRow(target.id, runner, outcome),
    };
  }

  private finishRow(id: string, runner: string, outcome: Parameters<FleetClaim['finish']>[0]): void {
    (this.statements ??= prepareStatements(this.db)).finish.run(
      outcome.state,
      now(),
      outcome.fromVersion ?? null,
      outcome.toVersion ?? null,
      outcome.error?.code ?? null,
      outcome.error?.message ?? null,
      id,
      runner,
    );
  }

  async records(): Promise<TargetRecord[]> {
    return (this.db.prepare('SELECT * FROM fleet_target ORDER BY position').all() as Row[]).map(recordOf);
  }

  async tally(runner: string, before: number): Promise<FleetTally> {
    const rows = (this.statements ??= prepareStatements(this.db)).tally.all(before, before, runner) as TallyGroup[];
    return tallyOfGroups(rows);
  }

  async halt(reason: { code: string; message: string }): Promise<void> {
    this.db
      .prepare("UPDATE fleet_target SET state = 'skipped', finished_at = ?, error_code = ?, error_message = ? WHERE state = 'pending'")
      .run(now(), reason.code, reason.message);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** A claim (one IMMEDIATE transaction), a finish and the tally, their statements prepared once per journal. */
function prepareStatements(db: Database.Database) {
  const running = db.prepare("SELECT * FROM fleet_target WHERE state = 'running' AND position < ? ORDER BY position");
  const pending = db.prepare("SELECT * FROM fleet_target WHERE state = 'pending' AND position < ? ORDER BY position LIMIT 1");
  const take = db.prepare("UPDATE fleet_target SET state = 'running', runner = ?, attempts = attempts + 1, started_at = ? WHERE id = ?");
  const claim = db.transaction((runner: string, before: number, targets: ReadonlyMap<string, FleetTarget>) => {
    // A target left running by a dead runner first: it is the oldest work of the stage.
    const abandoned = (running.all(before) as Row[]).find((row) => row.runner !== runner && runnerIsDead(row.runner) && targets.has(row.id));
    const row = abandoned ?? (pending.get(before) as Row | undefined);
    if (!row) return null;
    const startedAt = now();
    take.run(runner, startedAt, row.id);
    return { row: { ...row, state: 'running' as const, runner, attempts: row.attempts + 1, started_at: startedAt }, recovered: row.state === 'running' };
  });
  const finish = db.prepare(
    `UPDATE fleet_target SET state = ?, finished_at = ?, from_version = ?, to_version = ?, error_code = ?, error_message = ?
     WHERE id = ? AND runner = ? AND state = 'running'`,
  );
  const tally = db.prepare(
    `SELECT state, count(*) AS n,
            count(*) FILTER (WHERE state = 'failed' AND position < ?) AS failed_before,
            count(*) FILTER (WHERE state = 'running' AND position < ? AND runner IS NOT ?) AS running_elsewhere
       FROM fleet_target GROUP BY state`,
  );
  return { claim, finish, tally };
}

function recordOf(row: Row): TargetRecord {
  return {
    id: row.id,
    state: row.state,
    position: row.position,
    attempts: row.attempts,
    ...(row.runner ? { runner: row.runner } : {}),
    ...(row.started_at ? { startedAt: row.started_at } : {}),
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    ...(row.from_version !== null ? { fromVersion: row.from_version } : {}),
    ...(row.to_version !== null ? { toVersion: row.to_version } : {}),
    ...(row.error_code ? { error: { code: row.error_code, message: row.error_message ?? '' } } : {}),
  };
}

function now(): string {
  return new Date().toISOString();
}

/** The journal of run `runId` in `dir`. */
export function journalPath(dir: string, runId: string): string {
  return join(dir, `${runId}.db`);
}

/** The newest run's id in `dir` (ids begin with their start time, so the greatest), or undefined when there is none. */
export function latestRunId(dir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.db'));
  } catch {
    // No folder: no run was ever journalled here.
    return undefined;
  }
  return names.sort().at(-1)?.slice(0, -'.db'.length);
}

/** A new run id: sortable by time, unique enough for one machine. */
export function newRunId(date = new Date()): string {
  return `${date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${process.pid.toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}
