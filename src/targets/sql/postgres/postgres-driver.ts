/**
 * PostgreSQL through `pg`: one connection runs the migrations; the migration lock lives on a
 * second one, as a transaction-scoped advisory lock held by a transaction that stays open for
 * the whole run (Flyway's design since 9.x). Why not `pg_advisory_lock` on the migration
 * connection: behind a transaction-pooling proxy (PgBouncer `pool_mode = transaction`) a session
 * lock is taken on one server connection and released, or not, on another; an open transaction
 * pins its server connection, so the lock is held exactly as long as the run, and the server
 * drops it the moment the holder's connection goes (a killed process, a lost network).
 * Exactly-once follows: the plan is made under the lock, from the ledger as committed.
 */
import { refuseSystemSchema } from '../system-schemas.js';
import { POSTGRES_INTEGRITY_CHECKS, postgresIntegrityProblems } from './postgres-integrity.js';
import type pg from 'pg';
import { migrationLockTimeout, waitForLock } from '../../../engine/lock-wait.js';
import type { PgClient } from './pg-client.js';
import type { Release } from '../../../engine/target.js';
import { ErrorCode, StrataError, messageOf } from '../../../model/errors.js';
import type { Dialect } from '../dialect.js';
import type { SqlDriver } from '../driver.js';
import { loadPeer } from '../load-peer.js';
import { databaseName, fnv1a32, redactUrl } from '../server-url.js';
import { postgresDialect } from './dialect.js';
import { postgresSql } from './postgres-sql.js';
import { postgresErrorOffset, postgresTableExists } from './postgres-session.js';

export interface PostgresDriverOptions {
  /** The schema migrations run in: created if missing, first on `search_path`, home of the ledger. */
  schema?: string;
  /** The session's `lock_timeout` (ms or a PostgreSQL interval such as '5s'): how long one statement waits for a table lock. */
  lockTimeout?: number | string;
  /** The session's `statement_timeout` (ms or an interval). */
  statementTimeout?: number | string;
  /** Names the advisory lock; runs with the same key exclude each other. Default: schema and ledger table. */
  lockKey?: string;
}

const LOCK_POLL_MS = 100;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

const { quoteIdentifier } = postgresSql;

export class PostgresDriver implements SqlDriver<PgClient> {
  readonly transactionalDdl = postgresSql.transactionalDdl;
  readonly description: string;
  readonly schema: string | undefined;
  private client: pg.Client | undefined;
  private schemaReady = false;

  constructor(
    readonly url: string,
    private readonly options: PostgresDriverOptions = {},
  ) {
    this.description = redactUrl(url);
    this.schema = options.schema;
    if (this.schema !== undefined && !IDENTIFIER.test(this.schema)) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `schema ${JSON.stringify(this.schema)} is not a plain identifier`, {
        hint: 'use letters, digits and underscores (e.g. app or graphile_worker)',
      });
    }
    if (this.schema !== undefined) refuseSystemSchema(this.schema, 'postgres', `the schema setting (--schema)`);
  }

  // A getter: this module and the dialect's import each other, and neither reads the other while loading.
  get dialect(): Dialect {
    return postgresDialect;
  }

  get location(): string {
    return this.url;
  }

  get connection(): PgClient {
    if (!this.client) throw new StrataError(ErrorCode.DB_OPEN_FAILED, `${this.description} is not open`);
    return this.client;
  }

  async connect(mode: 'read' | 'write'): Promise<{ exists: boolean }> {
    if (!this.client) {
      const client = await this.newClient(mode);
      if (!client) return { exists: false };
      this.client = client;
      try {
        const settings: string[] = [];
        if (this.options.lockTimeout !== undefined) settings.push(`SET lock_timeout = ${interval(this.options.lockTimeout)}`);
        if (this.options.statementTimeout !== undefined) settings.push(`SET statement_timeout = ${interval(this.options.statementTimeout)}`);
        for (const sql of settings) await client.query(sql);
      } catch (error) {
        await this.close();
        throw new StrataError(ErrorCode.CONFIG_INVALID, `cannot apply the session settings on ${this.description}: ${messageOf(error)}`, {
          hint: "timeouts are milliseconds or PostgreSQL intervals such as '5s'",
          cause: error,
        });
      }
    }
    if (this.schema === undefined) return { exists: true };
    if (!this.schemaReady) {
      const present = (await this.client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema])).rowCount! > 0;
      if (!present && mode === 'read') return { exists: false };
      if (!present) {
        // A tenant schema the user may not create (no CREATE right, a reserved pg_ name) is bad
        // input for that database, said with a code, not the driver's bare error.
        await this.client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(this.schema)}`).catch((error: unknown) => {
          throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot create schema ${this.schema} on ${this.description}: ${messageOf(error)}`, {
            hint: `create it as a user who may (CREATE SCHEMA ${quoteIdentifier(this.schema!)} AUTHORIZATION ...), or grant this user CREATE on the database`,
            details: { schema: this.schema },
            cause: error,
          });
        });
      }
      // The schema first: objects a migration creates unqualified land there; public stays
      // reachable for extensions' functions.
      await this.client.query(`SET search_path TO ${quoteIdentifier(this.schema)}, public`);
      this.schemaReady = true;
    }
    return { exists: true };
  }

  async exec(sql: string): Promise<void> {
    await this.connection.query(sql);
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.connection.query(sql, params as unknown[])).rows as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    return { changes: (await this.connection.query(sql, params as unknown[])).rowCount ?? 0 };
  }

  tableExists(table: string): Promise<boolean> {
    return postgresTableExists((sql, params) => this.query(sql, params), table, this.schema);
  }

  async begin(): Promise<void> {
    await this.connection.query(postgresSql.beginWrite);
  }

  async commit(): Promise<void> {
    await this.connection.query('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.rollbackIfOpen();
  }

  async rollbackIfOpen(): Promise<boolean> {
    // 'T' in a transaction, 'E' in a failed one, 'I' idle: the server says so after every query.
    const status = this.connection.getTransactionStatus();
    if (status !== 'T' && status !== 'E') return false;
    await this.connection.query('ROLLBACK');
    return true;
  }

  async lock(timeoutMs: number, onWaiting: () => void): Promise<Release> {
    const key = this.options.lockKey ?? `${this.schema ?? 'public'}`;
    const [classId, objectId] = [fnv1a32('strata'), fnv1a32(key)];
    const holder = await this.newClient('write');
    if (!holder) throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot connect to ${this.description} for the migration lock`);
    // The connection may drop while we hold it; the server then frees the lock, and the run's
    // next statement or its release reports the loss.
    let lost: unknown;
    holder.on('error', (error) => (lost = error));
    try {
      await holder.query('BEGIN');
      // An idle transaction must not be ended by the server's idle timeouts while the run goes on.
      await holder.query(
        "SET LOCAL idle_in_transaction_session_timeout = 0; SET LOCAL statement_timeout = 0; SET LOCAL application_name = 'strata migration lock'",
      );
      await waitForLock({
        timeoutMs,
        pollMs: LOCK_POLL_MS,
        onWaiting,
        async attempt() {
          // The simple protocol (no parameters): an extended-protocol query leaves its unnamed
          // portal's snapshot registered, so this idle transaction would keep an xmin, and
          // CREATE INDEX CONCURRENTLY in the run would wait for it forever.
          const { rows } = await holder.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${classId}, ${objectId}) AS locked`);
          return rows[0]?.locked ? true : undefined;
        },
        timedOut: async () => migrationLockTimeout(this.description, timeoutMs, await lockHolder(holder, classId, objectId)),
      });
    } catch (error) {
      await holder.end().catch(() => undefined);
      throw error;
    }
    return async () => {
      try {
        if (lost === undefined) await holder.query('COMMIT');
      } finally {
        await holder.end().catch(() => undefined);
      }
    };
  }

  /** PostgreSQL enforces foreign keys always; SQL files cannot switch them off here. */
  async setForeignKeys(): Promise<boolean> {
    return true;
  }

  async foreignKeyViolations(): Promise<string[]> {
    return [];
  }

  readonly integrityChecks = POSTGRES_INTEGRITY_CHECKS;

  /** What a failed or half-done migration leaves behind: unvalidated constraints, invalid indexes. */
  integrityProblems(): Promise<string[]> {
    return postgresIntegrityProblems((sql, params) => this.query(sql, params), this.schema);
  }

  errorOffset(error: unknown): number | undefined {
    return postgresErrorOffset(error);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.schemaReady = false;
    await client?.end().catch(() => undefined);
  }

  /** A connected client; undefined in 'read' mode when the database does not exist. */
  private async newClient(mode: 'read' | 'write'): Promise<pg.Client | undefined> {
    const { default: pgModule } = await loadPeer('pg', 'a PostgreSQL URL', () => import('pg'));
    const client = new pgModule.Client({ connectionString: this.url, application_name: 'strata' });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      const code = (error as { code?: string }).code;
      if (code === '3D000' && mode === 'read') return undefined;
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot connect to ${this.description}: ${messageOf(error)}`, {
        hint:
          code === '3D000'
            ? `create the database first (e.g. createdb ${databaseName(this.url)}), or point --db at an existing one`
            : 'check that the server is running and that the URL (host, port, user, password, database) is right',
        cause: error,
      });
    }
  }
}

function interval(value: number | string): string {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) throw new StrataError(ErrorCode.CONFIG_INVALID, `a timeout must be a whole number of ms, got ${value}`);
    return String(value);
  }
  if (!/^\d+\s*(ms|s|min|h|d)?$/.test(value.trim())) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `timeout ${JSON.stringify(value)} is not a PostgreSQL interval`, {
      hint: "use ms as a number or e.g. '500ms', '5s', '1min'",
    });
  }
  return `'${value.trim()}'`;
}

async function lockHolder(client: pg.Client, classId: number, objectId: number): Promise<string | undefined> {
  try {
    const { rows } = await client.query<{ pid: number; app: string; addr: string | null; since: Date | null }>(
      `SELECT a.pid, a.application_name AS app, a.client_addr::text AS addr, a.xact_start AS since
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.classid::int = $1 AND l.objid::int = $2 AND l.granted`,
      [classId, objectId],
    );
    const row = rows[0];
    return row ? `held by backend pid ${row.pid}${row.addr ? ` from ${row.addr}` : ''}${row.since ? ` since ${row.since.toISOString()}` : ''}` : undefined;
  } catch {
    return undefined;
  }
}
