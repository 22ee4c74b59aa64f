/**
 * A fleet's run state in PostgreSQL (`fleet.state: "postgres://..."`, `--state URL`), so that
 * runners on any number of machines share one rollout. Two tables in a schema of their own
 * (default `strata_fleet`): `runs` (one row per run id, with its fingerprint) and `targets` (one
 * row per target of a run: state, position, attempts, outcome).
 *
 * How a claim is held. A claim is a transaction-scoped advisory lock keyed by the run and the
 * target, taken by a transaction kept open on a connection of its own for as long as the target
 * runs; the row's `state = 'running'` is committed beside it, on the control connection, so every
 * runner sees who is working on what. When the holder dies (SIGKILL, a lost network) the server
 * ends its connection and drops the lock: the next claim finds a `running` row whose lock it can
 * take, and hands it out again with `recovered: true`. A lease with an expiry would need a clock
 * and a guess at how long a migration takes; the lock needs neither. Why a transaction and not
 * `pg_advisory_lock` (a session lock) on one connection: behind PgBouncer in transaction pooling a
 * session lock is taken on one server connection and released, or not, on another; an open
 * transaction pins its server connection (the migration lock in postgres-driver.ts is held the
 * same way, for the same reason). The cost is one connection per target in flight (a runner at
 * `--concurrency 4` keeps at most 5), reused from one target to the next. The holder runs its
 * lock query with the simple protocol (no parameters), so its open transaction holds no snapshot
 * and keeps no xmin: a long rollout does not hold back vacuum on the state database.
 *
 * The claim query takes the candidates `FOR UPDATE SKIP LOCKED`, so two runners claiming at the
 * same moment look at different rows and never wait for each other; the advisory lock is what
 * decides who holds a target, so even a candidate both see (a `running` row after its claimer
 * committed) is held by one.
 */
import type pg from 'pg';
import { hostname } from 'node:os';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { loadPeer } from '../targets/sql/load-peer.js';
import { fnv1a32, redactUrl } from '../targets/sql/server-url.js';
import type { FleetClaim, FleetRunInfo, FleetStateStore, FleetTally, FleetTarget, TargetRecord, TargetState } from './fleet-state.js';
import { tallyOfGroups, type TallyGroup } from './fleet-tally.js';

/** Options of {@link createPostgresFleetState}. */
export interface PostgresFleetStateOptions {
  /** The schema holding the state tables, created on first use. Default `strata_fleet`, or the URL's `?schema=`. */
  schema?: string;
}

/** The default schema of the state tables. */
export const DEFAULT_FLEET_STATE_SCHEMA = 'strata_fleet';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Candidates looked at per claim query; more only when all of them are held by live runners. */
const CANDIDATES = 32;
/** How often a runner whose stage's last targets are held by others looks again. */
const STAGE_POLL_MS = 200;

/** True for a `postgres://` or `postgresql://` state URL (anything else is a journal path). */
export function isPostgresStateUrl(state: string): boolean {
  return /^postgres(ql)?:\/\//i.test(state);
}

/**
 * The PostgreSQL state store for `url` (`postgres://user:pass@host/db`, optionally `?schema=NAME`).
 * Nothing connects until `open()`.
 *
 * @example
 * const store = createPostgresFleetState('postgres://fleet@db.internal/ops');
 * await store.open({ runId: 'release-42', fingerprint, command: 'migrate' }, targets);
 * for (let claim = await store.claim(`${host}:${pid}`, Infinity); claim; claim = await store.claim(`${host}:${pid}`, Infinity)) {
 *   // migrate claim.target, then:
 *   await claim.finish({ state: 'succeeded' });
 * }
 * await store.close();
 */
export function createPostgresFleetState(url: string, options: PostgresFleetStateOptions = {}): FleetStateStore {
  return new PostgresFleetState(url, options);
}

/** The records of a run in a PostgreSQL state (the latest when `runId` is omitted), without joining it; undefined when there is none. */
export async function readPostgresFleetRun(
  url: string,
  runId?: string,
  options: PostgresFleetStateOptions = {},
): Promise<{ runId: string; journal: string; records: TargetRecord[] } | undefined> {
  const state = new PostgresFleetState(url, options);
  try {
    const run = await state.readRun(runId);
    return run && { ...run, journal: state.description };
  } finally {
    await state.close();
  }
}

interface TargetRow {
  id: string;
  state: TargetState;
  position: number;
  runner: string | null;
  attempts: number;
  started_at: Date | null;
  finished_at: Date | null;
  from_version: string | null;
  to_version: string | null;
  error_code: string | null;
  error_message: string | null;
}

type PgModule = typeof pg;

class PostgresFleetState implements FleetStateStore {
  readonly description: string;
  private readonly url: string;
  private readonly schema: string;
  private pgModule: PgModule | undefined;
  /** Runs the state's own statements, one at a time (see `serially`). */
  private control: pg.Client | undefined;
  private controlLost: unknown;
  /** Holder connections between targets, kept for the next claim. */
  private readonly idleHolders: pg.Client[] = [];
  /** Every connection this store opened and has not ended: close() ends them all (an unfinished claim's lock goes with it). */
  private readonly connections = new Set<pg.Client>();
  /** Ids this store holds a claim on now: never claimed twice by the same runner. */
  private readonly held = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private run: FleetRunInfo | undefined;
  private targets = new Map<string, FleetTarget>();
  private runKey = 0;

  constructor(url: string, options: PostgresFleetStateOptions) {
    const parsed = parseStateUrl(url);
    this.schema = options.schema ?? parsed.schema ?? DEFAULT_FLEET_STATE_SCHEMA;
    if (!IDENTIFIER.test(this.schema)) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `fleet state schema ${JSON.stringify(this.schema)} is not a plain identifier`, {
        hint: 'use letters, digits and underscores (e.g. strata_fleet)',
      });
    }
    this.url = parsed.url;
    this.description = `${redactUrl(parsed.url)} (schema ${this.schema})`;
  }

  async open(run: FleetRunInfo, targets: readonly FleetTarget[]): Promise<void> {
    this.run = run;
    this.targets = new Map(targets.map((target) => [target.id, target]));
    this.runKey = fnv1a32(`strata_fleet:${this.schema}:${run.runId}`);
    await this.serially(async (client) => {
      await this.createTables(client);
      const s = this.schema;
      await transaction(client, async () => {
        // Runners joining at the same moment: one inserts the run, the others find it.
        await client.query(`INSERT INTO ${s}.runs (run_id, fingerprint, command) VALUES ($1, $2, $3) ON CONFLICT (run_id) DO NOTHING`, [
          run.runId,
          run.fingerprint,
          run.command,
        ]);
        const { rows } = await client.query<{ fingerprint: string }>(`SELECT fingerprint FROM ${s}.runs WHERE run_id = $1 FOR UPDATE`, [run.runId]);
        const stored = rows[0]?.fingerprint;
        if (stored !== run.fingerprint) {
          throw new StrataError(
            ErrorCode.FLEET_RUN_MISMATCH,
            `fleet run ${run.runId} in ${this.description} was started with other targets or migrations (fingerprint ${stored}, now ${run.fingerprint})`,
            {
              hint: 'start a new run (another run id), or run the same migrations over the same targets to join this one',
              details: { runId: run.runId, stored, current: run.fingerprint },
            },
          );
        }
        // Targets not yet known go after the others, in the order given.
        await client.query(
          `INSERT INTO ${s}.targets (run_id, id, position)
           SELECT $1, t.id, (SELECT coalesce(max(position) + 1, 0) FROM ${s}.targets WHERE run_id = $1) + row_number() OVER (ORDER BY t.ord) - 1
             FROM unnest($2::text[]) WITH ORDINALITY AS t (id, ord)
            WHERE NOT EXISTS (SELECT 1 FROM ${s}.targets x WHERE x.run_id = $1 AND x.id = t.id)
           ON CONFLICT (run_id, id) DO NOTHING`,
          [run.runId, targets.map((target) => target.id)],
        );
      });
    });
  }

  async claim(runner: string, before: number): Promise<FleetClaim | null> {
    const run = this.opened();
    const holder = await this.holder();
    try {
      for (;;) {
        const claimed = await this.serially((client) => this.claimWith(client, holder, runner, before));
        if (claimed === 'none') {
          await this.release(holder, 'ROLLBACK');
          return null;
        }
        if (claimed !== 'busy') return this.claimOf(run, claimed.row, claimed.recovered, holder);
        // Other runners hold the stage's last targets: wait for them (or for their death, when
        // their targets become claimable), so that null means the stage is over for every runner.
        await new Promise((resolve) => setTimeout(resolve, STAGE_POLL_MS));
      }
    } catch (error) {
      await this.release(holder, 'ROLLBACK', true);
      throw error;
    }
  }

  async records(): Promise<TargetRecord[]> {
    const run = this.opened();
    const { rows } = await this.serially((client) =>
      client.query<TargetRow>(`SELECT * FROM ${this.schema}.targets WHERE run_id = $1 ORDER BY position, id`, [run.runId]),
    );
    return rows.map(recordOf);
  }

  async tally(runner: string, before: number): Promise<FleetTally> {
    const run = this.opened();
    const { rows } = await this.serially((client) =>
      client.query<TallyGroup>(
        `SELECT state, count(*)::int AS n,
                count(*) FILTER (WHERE state = 'failed' AND position < $2)::int AS failed_before,
                count(*) FILTER (WHERE state = 'running' AND position < $2 AND runner IS DISTINCT FROM $3)::int AS running_elsewhere
           FROM ${this.schema}.targets WHERE run_id = $1 GROUP BY state`,
        [run.runId, before, runner],
      ),
    );
    return tallyOfGroups(rows);
  }

  /**
   * A run's records without joining it (`strata fleet status --state URL`): the run named, or the
   * latest one started; undefined when the state holds none (its tables not created yet included).
   */
  async readRun(runId?: string): Promise<{ runId: string; records: TargetRecord[] } | undefined> {
    return this.serially(async (client) => {
      const s = this.schema;
      const { rows: present } = await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [`${s}.runs`]);
      if (!present[0]?.found) return undefined;
      const { rows: runs } = await client.query<{ run_id: string }>(
        runId === undefined ? `SELECT run_id FROM ${s}.runs ORDER BY created_at DESC, run_id DESC LIMIT 1` : `SELECT run_id FROM ${s}.runs WHERE run_id = $1`,
        runId === undefined ? [] : [runId],
      );
      const found = runs[0]?.run_id;
      if (found === undefined) return undefined;
      const { rows } = await client.query<TargetRow>(`SELECT * FROM ${s}.targets WHERE run_id = $1 ORDER BY position, id`, [found]);
      return { runId: found, records: rows.map(recordOf) };
    });
  }

  async halt(reason: { code: string; message: string }): Promise<void> {
    const run = this.opened();
    await this.serially(async (client) => {
      await client.query(
        `UPDATE ${this.schema}.targets SET state = 'skipped', finished_at = now(), error_code = $2, error_message = $3 WHERE run_id = $1 AND state = 'pending'`,
        [run.runId, reason.code, reason.message],
      );
      await client.query(`UPDATE ${this.schema}.runs SET halted_at = now(), halt_code = $2, halt_message = $3 WHERE run_id = $1`, [
        run.runId,
        reason.code,
        reason.message,
      ]);
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.control = undefined;
    this.idleHolders.length = 0;
    const clients = [...this.connections];
    this.connections.clear();
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }

  /**
   * Looks at the next candidates in position order; holds the first whose lock is free. 'busy':
   * none is free, but targets of the stage are still pending or running on other runners.
   */
  private async claimWith(
    client: pg.Client,
    holder: pg.Client,
    runner: string,
    before: number,
  ): Promise<{ row: TargetRow; recovered: boolean } | 'none' | 'busy'> {
    const run = this.opened();
    const s = this.schema;
    const limit = Number.isFinite(before) ? Math.floor(before) : 2 ** 31 - 1;
    const held = [...this.held];
    let after = -1;
    for (;;) {
      const found = await transaction(client, async () => {
        const { rows } = await client.query<TargetRow>(
          `SELECT * FROM ${s}.targets
            WHERE run_id = $1 AND state IN ('pending', 'running') AND position < $2 AND position > $3 AND NOT (id = ANY($4::text[]))
            ORDER BY position LIMIT ${CANDIDATES} FOR UPDATE SKIP LOCKED`,
          [run.runId, limit, after, held],
        );
        for (const row of rows) {
          if (!this.targets.has(row.id)) throw unknownTarget(run, row.id, this.description);
          // Literals, not parameters: the simple protocol leaves no snapshot in the holder's
          // transaction (see the module comment).
          const { rows: locked } = await holder.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${this.runKey}, ${fnv1a32(row.id)}) AS ok`);
          if (!locked[0]?.ok) continue;
          const { rows: updated } = await client.query<TargetRow>(
            `UPDATE ${s}.targets SET state = 'running', runner = $3, attempts = attempts + 1, started_at = now(), finished_at = NULL
              WHERE run_id = $1 AND id = $2 RETURNING *`,
            [run.runId, row.id, runner],
          );
          return { row: updated[0]!, recovered: row.state === 'running' };
        }
        after = rows.at(-1)?.position ?? after;
        return rows.length < CANDIDATES ? 'end' : 'more';
      });
      if (found === 'more') continue;
      if (found !== 'end') return found;
      // Nothing to take. Rows skipped as locked (another runner claiming them this instant) or
      // held by live runners still belong to the stage: look again without skipping any.
      const { rows } = await client.query<{ busy: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${s}.targets WHERE run_id = $1 AND state IN ('pending', 'running') AND position < $2 AND NOT (id = ANY($3::text[]))) AS busy`,
        [run.runId, limit, held],
      );
      return rows[0]?.busy ? 'busy' : 'none';
    }
  }

  private claimOf(run: FleetRunInfo, row: TargetRow, recovered: boolean, holder: pg.Client): FleetClaim {
    const target = this.targets.get(row.id);
    if (!target) throw unknownTarget(run, row.id, this.description);
    this.held.add(row.id);
    const attempts = row.attempts;
    let finished = false;
    return {
      target,
      record: recordOf(row),
      recovered,
      finish: async (outcome) => {
        if (finished) throw new Error(`fleet target ${row.id}: finish() called twice`);
        finished = true;
        try {
          // `attempts` guards a late finish: if this runner lost its holder connection and another
          // runner took the target over, the other one's outcome stands.
          await this.serially((client) =>
            client.query(
              `UPDATE ${this.schema}.targets
                  SET state = $4, finished_at = now(), from_version = $5, to_version = $6, error_code = $7, error_message = $8
                WHERE run_id = $1 AND id = $2 AND attempts = $3 AND state = 'running'`,
              [
                run.runId,
                row.id,
                attempts,
                outcome.state,
                outcome.fromVersion ?? null,
                outcome.toVersion ?? null,
                outcome.error?.code ?? null,
                outcome.error?.message ?? null,
              ],
            ),
          );
        } finally {
          this.held.delete(row.id);
          // The outcome is committed first: a runner that sees the lock free also sees the outcome.
          await this.release(holder, 'COMMIT');
        }
      },
    };
  }

  private opened(): FleetRunInfo {
    if (!this.run) throw new Error('fleet state: open() the run first');
    return this.run;
  }

  /** Creates the schema and tables once, under an advisory lock: racing runners create them once. */
  private async createTables(client: pg.Client): Promise<void> {
    const s = this.schema;
    const { rows } = await client.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS ok`, [
      `${s}.runs`,
      `${s}.targets`,
    ]);
    if (rows[0]?.ok) return;
    try {
      await transaction(client, async () => {
        // CREATE ... IF NOT EXISTS alone still races (two creators, one unique violation in the catalog).
        await client.query(`SELECT pg_advisory_xact_lock(${fnv1a32('strata_fleet')}, ${fnv1a32(s)})`);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${s}.runs (
          run_id text PRIMARY KEY,
          fingerprint text NOT NULL,
          command text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          halted_at timestamptz,
          halt_code text,
          halt_message text)`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${s}.targets (
          run_id text NOT NULL REFERENCES ${s}.runs (run_id) ON DELETE CASCADE,
          id text NOT NULL,
          position integer NOT NULL,
          state text NOT NULL DEFAULT 'pending',
          runner text,
          attempts integer NOT NULL DEFAULT 0,
          started_at timestamptz,
          finished_at timestamptz,
          from_version text,
          to_version text,
          error_code text,
          error_message text,
          PRIMARY KEY (run_id, id))`);
        await client.query(`CREATE INDEX IF NOT EXISTS targets_claim ON ${s}.targets (run_id, position) WHERE state IN ('pending', 'running')`);
      });
    } catch (error) {
      throw new StrataError(ErrorCode.DB_ADMIN_FAILED, `cannot create the fleet state tables in schema ${s} of ${this.description}: ${messageOf(error)}`, {
        hint: `create them once as a user who may (run the fleet once as the schema's owner), or grant CREATE on the database; or pick another schema with ?schema=NAME`,
        cause: error,
        details: { schema: s },
      });
    }
  }

  /** The control connection's statements, one at a time: concurrent claims must not interleave their transactions. */
  private serially<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => fn(await this.controlClient()));
    this.queue = next.catch(() => undefined);
    return next.catch((error: unknown) => {
      throw stateError(error, this.description);
    });
  }

  private async controlClient(): Promise<pg.Client> {
    if (this.controlLost !== undefined) {
      // The connection dropped between two statements: connect again (a failure then is reported).
      this.controlLost = undefined;
      if (this.control) await this.end(this.control);
      this.control = undefined;
    }
    if (!this.control) {
      const client = await this.connect('strata fleet state');
      client.on('error', (error) => (this.controlLost = error));
      this.control = client;
    }
    return this.control;
  }

  /** A holder connection with a transaction open, ready to take one target's lock. */
  private async holder(): Promise<pg.Client> {
    // A kept connection may have dropped since its last target: then one new connection.
    for (let kept = this.idleHolders.pop(); ; kept = undefined) {
      const client = kept ?? (await this.connect('strata fleet claim'));
      try {
        await client.query('BEGIN');
        // Idle in a transaction for as long as a target migrates: the server's idle timeouts must not end it.
        await client.query('SET LOCAL idle_in_transaction_session_timeout = 0; SET LOCAL statement_timeout = 0');
        return client;
      } catch (error) {
        await this.end(client);
        if (!kept) throw stateError(error, this.description);
      }
    }
  }

  private async end(client: pg.Client): Promise<void> {
    this.connections.delete(client);
    await client.end().catch(() => undefined);
  }

  private async release(holder: pg.Client, end: 'COMMIT' | 'ROLLBACK', discard = false): Promise<void> {
    try {
      await holder.query(end);
      if (!discard) {
        this.idleHolders.push(holder);
        return;
      }
    } catch {
      // A lost holder: its lock went with its connection.
    }
    await this.end(holder);
  }

  private async connect(applicationName: string): Promise<pg.Client> {
    this.pgModule ??= (await loadPeer('pg', 'a PostgreSQL fleet state', () => import('pg'))).default;
    const client = new this.pgModule.Client({ connectionString: this.url, application_name: applicationName, keepAlive: true });
    client.on('error', () => undefined);
    try {
      await client.connect();
      this.connections.add(client);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot connect to the fleet state at ${this.description}: ${messageOf(error)}`, {
        hint: 'check that the server is running and that the URL (host, port, user, password, database) is right',
        cause: error,
      });
    }
    return client;
  }
}

/** Runs `fn` in a transaction on `client`: committed when it returns, rolled back when it throws. */
async function transaction<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function recordOf(row: TargetRow): TargetRecord {
  return {
    id: row.id,
    state: row.state,
    position: row.position,
    attempts: row.attempts,
    ...(row.runner === null ? {} : { runner: row.runner }),
    ...(row.started_at === null ? {} : { startedAt: row.started_at.toISOString() }),
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at.toISOString() }),
    ...(row.from_version === null ? {} : { fromVersion: row.from_version }),
    ...(row.to_version === null ? {} : { toVersion: row.to_version }),
    ...(row.error_code === null ? {} : { error: { code: row.error_code, message: row.error_message ?? '' } }),
  };
}

/** The URL pg connects with (without Strata's `schema` parameter) and that schema. */
function parseStateUrl(url: string): { url: string; schema: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StrataError(ErrorCode.CONFIG_INVALID, 'the fleet state URL cannot be parsed', { hint: 'use postgres://user:password@host:5432/database' });
  }
  if (!isPostgresStateUrl(url)) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${redactUrl(url)} is not a postgres:// URL`, {
      hint: 'a shared fleet state lives in PostgreSQL: postgres://user:password@host:5432/database',
    });
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return { url: parsed.toString(), schema };
}

/** Runners of one run share a fingerprint of the sorted target ids: this one was started without `id`. */
function unknownTarget(run: FleetRunInfo, id: string, description: string): StrataError {
  return new StrataError(ErrorCode.FLEET_RUN_MISMATCH, `fleet run ${run.runId} in ${description} has target ${id}, which this runner did not find`, {
    hint: 'run every runner of a rollout with the same targets (the same glob, list or query), or start a new run',
    details: { runId: run.runId, target: id },
  });
}

/** A failure of the state database itself, coded; StrataErrors pass through. */
function stateError(error: unknown, description: string): unknown {
  if (error instanceof StrataError) return error;
  return new StrataError(ErrorCode.FLEET_STATE_FAILED, `the fleet state at ${description} failed: ${messageOf(error)}`, {
    hint: 'check the state database (reachable, not read-only); the targets keep their own ledgers, so running the fleet again resumes where it stopped',
    cause: error,
  });
}

/** The runner name the contract asks for: `host:pid`. */
export function runnerName(): string {
  return `${hostname()}:${process.pid}`;
}
