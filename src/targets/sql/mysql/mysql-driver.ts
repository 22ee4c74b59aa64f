/**
 * MySQL and MariaDB through `mysql2`. DDL commits implicitly here, so no step can commit together
 * with its ledger row (`transactionalDdl: false`): the engine records a step as running before it
 * starts and the count of statements done after each one, so a failure says exactly how far it
 * got, and `migrate --resume` can continue from the failed statement. The lock is `GET_LOCK` on a
 * connection of its own, freed by the server when that connection ends (a killed process too).
 */
import { refuseSystemSchema } from '../system-schemas.js';
import type { Connection, ResultSetHeader } from 'mysql2/promise';
import { migrationLockTimeout, waitForLock } from '../../../engine/lock-wait.js';
import type { MysqlConnection } from './mysql-connection.js';
import type { Release } from '../../../engine/target.js';
import { ErrorCode, StrataError, messageOf } from '../../../model/errors.js';
import type { Dialect } from '../dialect.js';
import type { SqlDriver } from '../driver.js';
import { loadPeer } from '../load-peer.js';
import { databaseName, fnv1a32, redactUrl } from '../server-url.js';
import { mysqlDialect } from './dialect.js';
import { mysqlSql } from './mysql-sql.js';

export interface MysqlDriverOptions {
  /** Names the lock within the database (runs with the same name exclude each other). Default: the ledger table. */
  lockName?: string;
  /** The session's `lock_wait_timeout` in seconds (metadata locks a DDL statement waits for). */
  lockWaitTimeoutS?: number;
}

/** SERVER_STATUS_IN_TRANS in the OK packet's status flags. */
export const SERVER_STATUS_IN_TRANS = 1;

export class MysqlDriver implements SqlDriver<MysqlConnection> {
  readonly transactionalDdl = mysqlSql.transactionalDdl;
  readonly description: string;
  private conn: Connection | undefined;

  constructor(
    readonly url: string,
    private readonly options: MysqlDriverOptions = {},
  ) {
    this.description = redactUrl(url);
    // MySQL's schemas are its databases: the URL's database must not be one of the server's own.
    const database = databaseName(url);
    if (database !== 'NAME') refuseSystemSchema(database, 'mysql', `the database URL (${this.description})`);
  }

  // A getter: this module and the dialect's import each other, and neither reads the other while loading.
  get dialect(): Dialect {
    return mysqlDialect;
  }

  get location(): string {
    return this.url;
  }

  get connection(): MysqlConnection {
    if (!this.conn) throw new StrataError(ErrorCode.DB_OPEN_FAILED, `${this.description} is not open`);
    return this.conn;
  }

  async connect(mode: 'read' | 'write'): Promise<{ exists: boolean }> {
    if (this.conn) return { exists: true };
    const conn = await this.newConnection(mode);
    if (!conn) return { exists: false };
    this.conn = conn;
    if (this.options.lockWaitTimeoutS !== undefined) await conn.query('SET SESSION lock_wait_timeout = ?', [this.options.lockWaitTimeoutS]);
    return { exists: true };
  }

  async exec(sql: string): Promise<void> {
    // The text protocol: prepared statements cannot carry most DDL.
    await this.connection.query(sql);
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const [rows] = await this.connection.query(sql, params as unknown[]);
    return rows as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    const [result] = await this.connection.query<ResultSetHeader>(sql, params as unknown[]);
    return { changes: result.affectedRows ?? 0 };
  }

  async tableExists(table: string): Promise<boolean> {
    const [schema, name] = table.includes('.') ? table.split('.') : [null, table];
    const rows = await this.query('SELECT 1 FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?', [schema, name]);
    return rows.length > 0;
  }

  async begin(): Promise<void> {
    await this.connection.query(mysqlSql.beginWrite);
  }

  async commit(): Promise<void> {
    await this.connection.query('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.connection.query('ROLLBACK');
  }

  async rollbackIfOpen(): Promise<boolean> {
    // `DO 0` does nothing and answers with an OK packet, whose status flags say whether a
    // transaction is open on this connection (MySQL and MariaDB alike).
    const [result] = await this.connection.query<ResultSetHeader>('DO 0');
    if (((result.serverStatus ?? 0) & SERVER_STATUS_IN_TRANS) === 0) return false;
    await this.connection.query('ROLLBACK');
    return true;
  }

  async lock(timeoutMs: number, onWaiting: () => void): Promise<Release> {
    const holder = await this.newConnection('write');
    if (!holder) throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot connect to ${this.description} for the migration lock`);
    holder.on('error', () => undefined);
    try {
      // GET_LOCK names are server-wide: the database is part of the name. At most 64 characters.
      const name = `strata:${databaseName(this.url)}.${this.options.lockName ?? 'strata_migrations'}`;
      const lockName = name.length > 64 ? `strata:${fnv1a32(name).toString(16)}:${name.slice(-45)}` : name;
      const tryLock = async (seconds: number) => {
        const [rows] = await holder.query<(import('mysql2').RowDataPacket & { got: number | null })[]>('SELECT GET_LOCK(?, ?) AS got', [lockName, seconds]);
        return rows[0]?.got === 1;
      };
      await waitForLock({
        timeoutMs,
        // GET_LOCK waits on the server for the time left: the second try is the last.
        pollMs: 0,
        onWaiting,
        attempt: async (remainingMs) => ((await tryLock(remainingMs === 0 ? 0 : Math.max(1, Math.ceil(remainingMs / 1000)))) ? true : undefined),
        timedOut: async () => {
          const [rows] = await holder.query<(import('mysql2').RowDataPacket & { id: number | null })[]>('SELECT IS_USED_LOCK(?) AS id', [lockName]);
          const id = rows[0]?.id;
          return migrationLockTimeout(this.description, timeoutMs, id ? `connection ${id}` : undefined);
        },
      });
      return async () => {
        try {
          await holder.query('SELECT RELEASE_LOCK(?)', [lockName]);
        } finally {
          await holder.end().catch(() => undefined);
        }
      };
    } catch (error) {
      await holder.end().catch(() => undefined);
      throw error;
    }
  }

  async setForeignKeys(enabled: boolean): Promise<boolean> {
    const rows = await this.query<{ fk: number }>('SELECT @@SESSION.foreign_key_checks AS fk');
    await this.connection.query(`SET SESSION foreign_key_checks = ${enabled ? 1 : 0}`);
    return Number(rows[0]?.fk) === 1;
  }

  async foreignKeyViolations(): Promise<string[]> {
    return [];
  }

  readonly integrityChecks = ['rows breaking a foreign key'] as const;

  /** Rows that break a foreign key (possible after foreign_key_checks = 0), per constraint. */
  async integrityProblems(): Promise<string[]> {
    const constraints = await this.query<{ tbl: string; col: string; ref_tbl: string; ref_col: string; name: string }>(
      `SELECT k.TABLE_NAME AS tbl, k.COLUMN_NAME AS col, k.REFERENCED_TABLE_NAME AS ref_tbl, k.REFERENCED_COLUMN_NAME AS ref_col, k.CONSTRAINT_NAME AS name
         FROM information_schema.KEY_COLUMN_USAGE k
        WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL AND k.REFERENCED_TABLE_SCHEMA = DATABASE()`,
    );
    const problems: string[] = [];
    for (const c of constraints) {
      const q = mysqlSql.quoteIdentifier;
      const rows = await this.query<{ n: number }>(
        `SELECT count(*) AS n FROM ${q(c.tbl)} t LEFT JOIN ${q(c.ref_tbl)} r ON r.${q(c.ref_col)} = t.${q(c.col)} WHERE t.${q(c.col)} IS NOT NULL AND r.${q(c.ref_col)} IS NULL`,
      );
      const n = Number(rows[0]?.n ?? 0);
      if (n > 0) problems.push(`foreign key ${c.name}: ${n} row(s) of ${c.tbl}.${c.col} reference a missing ${c.ref_tbl}.${c.ref_col}`);
    }
    return problems;
  }

  /** MySQL names the line of the statement it stopped at: "... near '...' at line 3". */
  errorLine(error: unknown): number | undefined {
    const line = /at line (\d+)\s*$/.exec(messageOf(error))?.[1];
    return line === undefined ? undefined : Number(line);
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    await conn?.end().catch(() => undefined);
  }

  private async newConnection(mode: 'read' | 'write'): Promise<Connection | undefined> {
    const mysql = await loadPeer('mysql2', 'a MySQL/MariaDB URL', () => import('mysql2/promise'), 'mysql2/promise');
    try {
      // Version and applied_at strings stay strings; big numbers stay exact.
      const conn = await mysql.createConnection({
        uri: this.url.replace(/^mariadb:/i, 'mysql:'),
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: true,
      });
      conn.on('error', () => undefined);
      return conn;
    } catch (error) {
      const errno = (error as { errno?: number }).errno;
      // ER_BAD_DB_ERROR: unknown database.
      if (errno === 1049 && mode === 'read') return undefined;
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot connect to ${this.description}: ${messageOf(error)}`, {
        hint:
          errno === 1049
            ? `create the database first (CREATE DATABASE ${databaseName(this.url)}), or point --db at an existing one`
            : 'check that the server is running and that the URL (host, port, user, password, database) is right',
        cause: error,
      });
    }
  }
}
