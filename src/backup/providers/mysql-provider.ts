/**
 * MySQL and MariaDB backups through the client tools: `mysqldump` (or `mariadb-dump`) with
 * `--single-transaction` (one consistent InnoDB snapshot, writers not blocked), routines, triggers,
 * events and `--hex-blob`; `mysql` (or `mariadb`) to load it back. The tools run without a shell,
 * stream straight to/from the file, and get the password through MYSQL_PWD, never on the command
 * line. `check` wants the dump's "-- Dump completed" trailer (a cut-off dump has none).
 *
 * Restoring in place: MySQL DDL is not transactional, so the dump is first loaded into a fresh
 * scratch database (`strata_new_<hex>`) on the same server; a failure there leaves the source
 * untouched. Then one multi-table `RENAME TABLE` moves every base table of the source into a
 * holding database (`strata_old_<hex>`) and every restored table into the source: a single atomic
 * statement, so other sessions see all the old tables or all the new ones (it waits for their open
 * transactions, up to lock_wait_timeout = 60 s). Tables created since the backup go to the holding
 * database too: the source ends up with exactly the backed-up tables. The holding and scratch
 * databases are dropped afterwards.
 *
 * Not covered by the atomic swap: triggers cannot be moved between databases, so the source's
 * triggers are dropped just before the RENAME and the backup's created just after it; views (which
 * MySQL cannot move between databases either), stored routines and events are replaced after the
 * swap. In those few milliseconds a write may run without its trigger and a query may see an old
 * view definition (views resolve tables by name, so they read the new tables at once). If one of
 * them fails to recreate, the error says so and the old tables stay in the holding database. The
 * restoring user needs CREATE and DROP on the scratch/holding databases, and the privileges the
 * dump's DEFINER clauses require.
 *
 * `restoreTo(plain, url)` loads the dump into another database, which must be empty or not exist
 * (it is then created, and dropped again if the load fails). Note: BackupManager.restore({ to })
 * resolves `to` as a file path today; call the provider's restoreTo directly for URLs.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as mysql from 'mysql2/promise';
import { loadPeer } from '../../targets/sql/load-peer.js';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { compareVersions } from '../../model/version.js';
import type { BackupProvider } from './backup-provider.js';
import { mysqlSql } from '../../targets/sql/mysql/mysql-sql.js';
import { parseServerUrl } from '../../targets/sql/server-url.js';
import { idPart } from '../backup-manifest.js';
import { findTool, redact, redactUrl, runTool, scratchSuffix, summarise, withInputFile, withOutputFile, type ToolConnection } from './external-tool.js';

export interface MysqlProviderOptions {
  /** The ledger table that holds the schema version (default strata_migrations). */
  ledgerTable?: string;
  /** The folder holding mysqldump/mariadb-dump and mysql/mariadb (default: found on the PATH). */
  binDir?: string;
  /** Default: `backups/` in the current directory. */
  defaultDir?: string;
}

interface MysqlConnection extends ToolConnection {
  host: string;
  port: number;
  password: string | undefined;
  /** --host, --port, --user, TLS and socket flags for the tools (never the password). */
  args: string[];
  ssl: mysql.SslOptions | undefined;
  socket: string | undefined;
  mariadb: boolean;
}

const MYSQL_INSTALL = 'install the MariaDB or MySQL client tools (apt-get install mariadb-client, or mysql-client; brew install mariadb), or pass binDir';
const TRAILER = /-- Dump completed/;

export class MysqlBackupProvider implements BackupProvider {
  readonly kind = 'mysql';
  readonly source: string;
  readonly name: string;
  readonly defaultDir: string;
  private readonly conn: MysqlConnection;
  private readonly ledgerTable: string;
  private readonly binDir: string | undefined;

  constructor(url: string, options: MysqlProviderOptions = {}) {
    this.conn = mysqlConnection(url);
    if (!this.conn.database) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${this.conn.redacted} names no database`, { hint: 'use mysql://user:password@host:3306/database' });
    }
    this.source = this.conn.redacted;
    this.name = idPart(this.conn.database);
    this.ledgerTable = options.ledgerTable ?? 'strata_migrations';
    this.binDir = options.binDir;
    this.defaultDir = options.defaultDir ?? join(process.cwd(), 'backups');
  }

  private dumpTool(): string {
    return findTool(this.conn.mariadb ? ['mariadb-dump', 'mysqldump'] : ['mysqldump', 'mariadb-dump'], this.binDir, MYSQL_INSTALL, 'BACKUP');
  }

  private clientTool(): string {
    return findTool(this.conn.mariadb ? ['mariadb', 'mysql'] : ['mysql', 'mariadb'], this.binDir, MYSQL_INSTALL, 'RESTORE');
  }

  async isEmpty(): Promise<boolean> {
    const c = await this.connect(this.conn);
    try {
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [
        this.conn.database,
      ]);
      if (rows.some((r) => r.name !== this.ledgerTable)) return false;
      if (rows.length === 0) return true;
      const [ledger] = await c.query<mysql.RowDataPacket[]>(`SELECT 1 FROM ${q(this.conn.database)}.${q(this.ledgerTable)} LIMIT 1`);
      return ledger.length === 0;
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async snapshot(plainPath: string): Promise<{ schemaVersion: string | null }> {
    const tool = this.dumpTool();
    const schemaVersion = await this.readSchemaVersion();
    const args = [
      ...this.conn.args,
      '--single-transaction',
      '--routines',
      '--triggers',
      '--events',
      '--hex-blob',
      '--no-tablespaces',
      '--default-character-set=utf8mb4',
      this.conn.database,
    ];
    const result = await withOutputFile(plainPath, (fd) => runTool(tool, args, { env: this.conn.env, secrets: this.conn.secrets, stdoutFd: fd }));
    if (result.code !== 0) {
      throw new StrataError(
        ErrorCode.BACKUP_FAILED,
        `${toolName(tool)} of ${this.source} failed (exit ${result.code}): ${summarise(result.stderr, this.conn.secrets)}`,
        {
          hint: mysqlHint(result.stderr, 'nothing was changed; fix the cause and retry'),
          details: { tool: toolName(tool), exitCode: result.code },
        },
      );
    }
    return { schemaVersion };
  }

  async check(plainPath: string): Promise<string[]> {
    const size = (await stat(plainPath).catch(() => null))?.size ?? 0;
    if (size === 0) return ['the dump is empty'];
    const handle = await open(plainPath, 'r');
    try {
      const length = Math.min(size, 4096);
      const tail = Buffer.alloc(length);
      await handle.read(tail, 0, length, size - length);
      if (!TRAILER.test(tail.toString('latin1'))) return ['the dump does not end with "-- Dump completed": it was cut off or is not a mysqldump file'];
      return [];
    } finally {
      await handle.close();
    }
  }

  async restoreInto(plainPath: string): Promise<void> {
    const client = this.clientTool();
    const live = this.conn.database;
    const suffix = scratchSuffix();
    const scratch = `strata_new_${suffix}`;
    const holding = `strata_old_${suffix}`;
    const c = await this.connect(this.conn);
    let keepHolding = false;
    try {
      await c.query('SET SESSION lock_wait_timeout = 60');
      const [schemas] = await c.query<mysql.RowDataPacket[]>(
        'SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        [live],
      );
      const charset = schemas[0] ? ` CHARACTER SET ${schemas[0].cs as string} COLLATE ${schemas[0].co as string}` : '';
      if (!schemas[0]) await c.query(`CREATE DATABASE ${q(live)}`);
      await c.query(`CREATE DATABASE ${q(scratch)}${charset}`);

      // 1. Load into the scratch database: the source is untouched whatever happens here.
      const loaded = await withInputFile(plainPath, (fd) =>
        runTool(client, [...this.conn.args, `--database=${scratch}`], { env: this.conn.env, secrets: this.conn.secrets, stdinFd: fd }),
      );
      if (loaded.code !== 0) {
        throw new StrataError(
          ErrorCode.RESTORE_FAILED,
          `loading the backup into a scratch database for ${this.source} failed (exit ${loaded.code}): ${summarise(loaded.stderr, this.conn.secrets)}`,
          {
            hint: mysqlHint(loaded.stderr, 'the database is as it was before the restore; fix the cause and retry'),
          },
        );
      }

      // 2. What the backup holds, and what the source holds.
      const incoming = await objectsOf(c, scratch);
      const current = await objectsOf(c, live);
      const incomingTriggers = await triggerDefinitions(c, scratch, incoming.triggers);
      const currentTriggers = await triggerDefinitions(c, live, current.triggers);
      const incomingViews = await viewDefinitions(c, scratch, incoming.views);
      const incomingRoutines = await routineDefinitions(c, scratch, incoming.routines);
      const incomingEvents = await eventDefinitions(c, scratch, incoming.events);
      for (const t of incoming.triggers) await c.query(`DROP TRIGGER ${q(scratch)}.${q(t)}`);
      await c.query(`CREATE DATABASE ${q(holding)}${charset}`);

      // 3. The swap: one RENAME TABLE, atomic for every other session.
      const renames = [
        ...current.tables.map((t) => `${q(live)}.${q(t)} TO ${q(holding)}.${q(t)}`),
        ...incoming.tables.map((t) => `${q(scratch)}.${q(t)} TO ${q(live)}.${q(t)}`),
      ];
      for (const t of current.triggers) await c.query(`DROP TRIGGER ${q(live)}.${q(t)}`);
      try {
        if (renames.length) await c.query(`RENAME TABLE ${renames.join(', ')}`);
      } catch (error) {
        await recreate(c, live, currentTriggers).catch(() => undefined);
        throw new StrataError(
          ErrorCode.RESTORE_FAILED,
          `swapping the restored tables into ${this.source} failed: ${redact(messageOf(error), this.conn.secrets)}`,
          {
            hint: 'the tables are as they were before the restore; retry when no long transaction holds them',
          },
        );
      }

      // 4. What cannot move: triggers, views, routines, events.
      keepHolding = true;
      try {
        await c.query(`USE ${q(live)}`);
        await recreate(c, live, incomingTriggers);
        for (const v of current.views) if (!incoming.views.includes(v)) await c.query(`DROP VIEW IF EXISTS ${q(live)}.${q(v)}`);
        await createViews(c, incomingViews);
        for (const r of current.routines) await c.query(`DROP ${r.type} IF EXISTS ${q(live)}.${q(r.name)}`);
        await recreate(c, live, incomingRoutines);
        for (const e of current.events) await c.query(`DROP EVENT IF EXISTS ${q(live)}.${q(e)}`);
        await recreate(c, live, incomingEvents);
      } catch (error) {
        throw new StrataError(
          ErrorCode.RESTORE_FAILED,
          `the tables of ${this.source} were restored, but recreating its triggers, views, routines or events failed: ${redact(messageOf(error), this.conn.secrets)}`,
          {
            hint: `the replaced tables are kept in database ${holding}; fix the cause and restore again`,
            details: { holding },
          },
        );
      }
      keepHolding = false;
    } catch (error) {
      if (error instanceof StrataError) throw error;
      throw new StrataError(ErrorCode.RESTORE_FAILED, `restoring into ${this.source} failed: ${redact(messageOf(error), this.conn.secrets)}`, {
        hint: 'check the privileges of the user in the URL (CREATE and DROP of scratch databases are needed)',
        cause: error,
      });
    } finally {
      await c.query(`DROP DATABASE IF EXISTS ${q(scratch)}`).catch(() => undefined);
      if (!keepHolding) await c.query(`DROP DATABASE IF EXISTS ${q(holding)}`).catch(() => undefined);
      await c.end().catch(() => undefined);
    }
  }

  async restoreTo(plainPath: string, to: string): Promise<void> {
    const target = mysqlConnection(to);
    if (!target.database)
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${target.redacted} names no database`, { hint: 'use mysql://user:password@host:3306/database' });
    const client = this.clientTool();
    const c = await this.connect(target);
    let created = false;
    try {
      const [schemas] = await c.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [target.database]);
      if (schemas.length) {
        const [tables] = await c.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? LIMIT 1', [target.database]);
        if (tables.length)
          throw new StrataError(ErrorCode.FILE_EXISTS, `${target.redacted} already has tables`, { hint: 'restore into an empty or new database' });
      } else {
        await c.query(`CREATE DATABASE ${q(target.database)}`);
        created = true;
      }
      const loaded = await withInputFile(plainPath, (fd) =>
        runTool(client, [...target.args, `--database=${target.database}`], {
          env: target.env,
          secrets: [...target.secrets, ...this.conn.secrets],
          stdinFd: fd,
        }),
      );
      if (loaded.code !== 0) {
        if (created) await c.query(`DROP DATABASE IF EXISTS ${q(target.database)}`).catch(() => undefined);
        throw new StrataError(
          ErrorCode.RESTORE_FAILED,
          `loading the backup into ${target.redacted} failed (exit ${loaded.code}): ${summarise(loaded.stderr, target.secrets)}`,
          {
            hint: created ? 'the database created for the restore was dropped again' : 'the database may hold part of the backup: empty it before retrying',
          },
        );
      }
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  private async readSchemaVersion(): Promise<string | null> {
    const c = await this.connect(this.conn);
    try {
      const [rows] = await c.query<mysql.RowDataPacket[]>(`SELECT version FROM ${q(this.conn.database)}.${q(this.ledgerTable)} WHERE status = 'applied'`);
      return (
        rows
          .map((r) => String(r.version))
          .sort(compareVersions)
          .at(-1) ?? null
      );
    } catch {
      return null; // no ledger yet
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  private async connect(conn: MysqlConnection): Promise<mysql.Connection> {
    // Loaded here: a SQLite or PostgreSQL run never pays for mysql2 (~100 modules).
    const { default: mysql } = await loadPeer('mysql2', 'a MySQL/MariaDB backup', () => import('mysql2/promise'), 'mysql2/promise');
    try {
      const c = await mysql.createConnection({
        host: conn.host,
        port: conn.port,
        user: conn.user,
        password: conn.password,
        ssl: conn.ssl,
        socketPath: conn.socket,
        multipleStatements: false,
        supportBigNumbers: true,
        bigNumberStrings: true,
      });
      c.on('error', () => undefined);
      return c;
    } catch (error) {
      throw new StrataError(ErrorCode.BACKUP_FAILED, `cannot connect to ${conn.redacted}: ${redact(messageOf(error), conn.secrets)}`, {
        hint: 'check the URL, and that the server is running',
      });
    }
  }
}

interface Objects {
  tables: string[];
  views: string[];
  triggers: string[];
  routines: { name: string; type: 'PROCEDURE' | 'FUNCTION' }[];
  events: string[];
}

async function objectsOf(c: mysql.Connection, db: string): Promise<Objects> {
  const names = async (sql: string): Promise<mysql.RowDataPacket[]> => (await c.query<mysql.RowDataPacket[]>(sql, [db]))[0];
  const tables = await names('SELECT TABLE_NAME AS n, TABLE_TYPE AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME');
  return {
    tables: tables.filter((r) => r.t !== 'VIEW').map((r) => r.n as string),
    views: tables.filter((r) => r.t === 'VIEW').map((r) => r.n as string),
    triggers: (await names('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY ACTION_ORDER')).map(
      (r) => r.n as string,
    ),
    routines: (await names('SELECT ROUTINE_NAME AS n, ROUTINE_TYPE AS t FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?')).map((r) => ({
      name: r.n as string,
      type: r.t as 'PROCEDURE' | 'FUNCTION',
    })),
    events: (await names('SELECT EVENT_NAME AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?')).map((r) => r.n as string),
  };
}

interface Definition {
  sql: string;
  sqlMode: string | null;
}

async function triggerDefinitions(c: mysql.Connection, db: string, triggers: string[]): Promise<Definition[]> {
  const out: Definition[] = [];
  for (const t of triggers) {
    const [rows] = await c.query<mysql.RowDataPacket[]>(`SHOW CREATE TRIGGER ${q(db)}.${q(t)}`);
    out.push({ sql: rows[0]!['SQL Original Statement'] as string, sqlMode: rows[0]!.sql_mode as string });
  }
  return out;
}

async function viewDefinitions(c: mysql.Connection, db: string, views: string[]): Promise<Definition[]> {
  const out: Definition[] = [];
  for (const v of views) {
    const [rows] = await c.query<mysql.RowDataPacket[]>(`SHOW CREATE VIEW ${q(db)}.${q(v)}`);
    // Views are stored fully qualified: the scratch database's name goes, so they resolve in the source.
    const text = (rows[0]!['Create View'] as string).split(`${q(db)}.`).join('');
    out.push({ sql: text.replace(/^CREATE /, 'CREATE OR REPLACE '), sqlMode: null });
  }
  return out;
}

async function routineDefinitions(c: mysql.Connection, db: string, routines: Objects['routines']): Promise<Definition[]> {
  const out: Definition[] = [];
  for (const r of routines) {
    const [rows] = await c.query<mysql.RowDataPacket[]>(`SHOW CREATE ${r.type} ${q(db)}.${q(r.name)}`);
    const sql = rows[0]![r.type === 'PROCEDURE' ? 'Create Procedure' : 'Create Function'] as string | null;
    if (sql === null) throw new Error(`cannot read the definition of ${r.type.toLowerCase()} ${r.name} (missing privileges)`);
    out.push({ sql, sqlMode: rows[0]!.sql_mode as string });
  }
  return out;
}

async function eventDefinitions(c: mysql.Connection, db: string, events: string[]): Promise<Definition[]> {
  const out: Definition[] = [];
  for (const e of events) {
    const [rows] = await c.query<mysql.RowDataPacket[]>(`SHOW CREATE EVENT ${q(db)}.${q(e)}`);
    out.push({ sql: rows[0]!['Create Event'] as string, sqlMode: rows[0]!.sql_mode as string });
  }
  return out;
}

async function recreate(c: mysql.Connection, db: string, definitions: Definition[]): Promise<void> {
  if (!definitions.length) return;
  await c.query(`USE ${q(db)}`);
  const [modes] = await c.query<mysql.RowDataPacket[]>('SELECT @@SESSION.sql_mode AS m');
  try {
    for (const d of definitions) {
      if (d.sqlMode !== null) await c.query('SET SESSION sql_mode = ?', [d.sqlMode]);
      await c.query(d.sql);
    }
  } finally {
    await c.query('SET SESSION sql_mode = ?', [modes[0]!.m as string]);
  }
}

/** Views may select from other views: create in passes until all exist or no progress is made. */
async function createViews(c: mysql.Connection, views: Definition[]): Promise<void> {
  let pending = views;
  while (pending.length) {
    const failed: Definition[] = [];
    let lastError: unknown = null;
    for (const v of pending) {
      try {
        await c.query(v.sql);
      } catch (error) {
        failed.push(v);
        lastError = error;
      }
    }
    if (failed.length === pending.length) throw lastError;
    pending = failed;
  }
}

const q = mysqlSql.quoteIdentifier;

function toolName(tool: string): string {
  return tool.split(/[\\/]/).pop() ?? tool;
}

function mysqlHint(stderr: string, otherwise: string): string {
  if (/access denied/i.test(stderr)) return 'check the user, password and privileges in the URL';
  if (/can't connect|unknown (mysql|mariadb) server host|connection refused/i.test(stderr))
    return 'check that the server is running and the host and port in the URL';
  if (/unknown database/i.test(stderr)) return 'check the database name in the URL';
  return otherwise;
}

function mysqlConnection(url: string): MysqlConnection {
  const parsed = parseServerUrl(url, mysqlSql.forms);
  const params = parsed.searchParams;
  const password = parsed.password ? decodeURIComponent(parsed.password) : (params.get('password') ?? undefined);
  const user = decodeURIComponent(parsed.username) || 'root';
  const host = decodeURIComponent(parsed.hostname) || 'localhost';
  const port = parsed.port ? Number(parsed.port) : 3306;
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const socket = params.get('socket') ?? undefined;
  const sslMode = (params.get('sslmode') ?? params.get('ssl-mode') ?? params.get('ssl') ?? '').toLowerCase().replace(/_/g, '-');
  const sslCa = params.get('ssl-ca') ?? params.get('sslca') ?? params.get('sslrootcert') ?? undefined;
  const args = socket ? [`--socket=${socket}`, `--user=${user}`] : [`--host=${host}`, `--port=${port}`, `--user=${user}`];
  let ssl: mysql.SslOptions | undefined;
  if (sslMode === 'disable' || sslMode === 'disabled' || sslMode === 'false') {
    args.push('--skip-ssl');
  } else if (sslMode === 'verify-ca' || sslMode === 'verify-full' || sslMode === 'verify-identity') {
    args.push('--ssl', '--ssl-verify-server-cert');
    ssl = { rejectUnauthorized: true };
  } else if (sslMode) {
    args.push('--ssl');
    ssl = { rejectUnauthorized: false };
  }
  if (sslCa) {
    args.push(`--ssl-ca=${sslCa}`);
    ssl = { ...(ssl ?? { rejectUnauthorized: true }) };
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password !== undefined) env.MYSQL_PWD = password;
  const redacted = redactUrl(url);
  return {
    redacted,
    toolUrl: redacted,
    env,
    secrets: password ? [password, encodeURIComponent(password)] : [],
    database,
    user,
    host,
    port,
    password,
    args,
    ssl,
    socket,
    mariadb: parsed.protocol === 'mariadb:',
  };
}
