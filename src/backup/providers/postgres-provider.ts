/**
 * PostgreSQL backups through the client tools: `pg_dump --format=custom` (one consistent snapshot:
 * pg_dump reads everything in one repeatable-read transaction, writers are never blocked) and
 * `pg_restore`. The tools run as child processes without a shell, write straight to/from the
 * file (O(1) memory here), and get the password through PGPASSWORD, never on the command line.
 *
 * Restoring in place is one transaction: the restore script (`pg_restore --clean --if-exists`, as
 * SQL) is fed to `psql` after a preamble that clears what the backup covers (every user schema,
 * or the `schema` given), between an explicit BEGIN and a COMMIT that is only sent once pg_restore
 * has read the whole archive. PostgreSQL DDL is transactional, so a failure anywhere (a bad
 * archive, a missing role, a lock timeout, a killed process) leaves the database as it was, and
 * other sessions see the old content until the COMMIT, then the new one. Objects created after
 * the backup are removed too: the database ends up exactly as backed up. In the `public` schema
 * (which pg_dump does not recreate) tables, views, sequences, routines and types are dropped;
 * other kinds of objects created there since the backup (operators, collations, text search
 * configurations) are left.
 *
 * `restoreTo(plain, url)` restores into another database: it must be empty (no user tables) or
 * not exist yet (it is then created, and dropped again when the restore fails). Objects are owned
 * by the connecting user there and grants are not restored (`--no-owner --no-privileges`), so a
 * copy restores on any server. Note: BackupManager.restore({ to }) resolves `to` as a file path
 * today; call the provider's restoreTo directly for URLs.
 *
 * The helpers at the end (URL redaction, tool lookup and spawning) are shared with the MySQL
 * provider.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { devNull } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Writable } from 'node:stream';
import type pg from 'pg';
import { loadPeer } from '../../targets/sql/load-peer.js';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { compareVersions } from '../../model/version.js';
import type { BackupProvider } from './backup-provider.js';
import { parseServerUrl, redactUrl as redactSecrets } from '../../targets/sql/server-url.js';

export interface PostgresProviderOptions {
  /** Back up and restore this schema only (default: the whole database). */
  schema?: string;
  /** The ledger table that holds the schema version (default strata_migrations; may be schema.table). */
  ledgerTable?: string;
  /** The folder holding pg_dump, pg_restore and psql (default: found on the PATH). */
  binDir?: string;
  /** Default: `backups/` in the current directory. */
  defaultDir?: string;
}

const SYSTEM_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";
const PG_INSTALL = 'install the PostgreSQL client tools (apt-get install postgresql-client; brew install libpq; or the EDB installer), in a version at least that of the server, or pass binDir';

export class PostgresBackupProvider implements BackupProvider {
  readonly kind = 'postgres';
  readonly source: string;
  readonly name: string;
  readonly defaultDir: string;
  private readonly url: string;
  private readonly conn: ToolConnection;
  private readonly schema: string | undefined;
  private readonly ledgerTable: string;
  private readonly binDir: string | undefined;

  constructor(url: string, options: PostgresProviderOptions = {}) {
    this.url = url;
    this.conn = pgConnection(url);
    this.schema = options.schema;
    this.ledgerTable = options.ledgerTable ?? 'strata_migrations';
    this.binDir = options.binDir;
    this.source = this.conn.redacted + (this.schema === undefined ? '' : `#schema=${this.schema}`);
    this.name = idPart(this.schema === undefined ? this.conn.database : `${this.conn.database}-${this.schema}`);
    this.defaultDir = options.defaultDir ?? join(process.cwd(), 'backups');
  }

  async isEmpty(): Promise<boolean> {
    let client: pg.Client;
    try {
      client = await this.connect(this.url);
    } catch (error) {
      if ((error as { code?: string }).code === '3D000') return true; // the database does not exist yet
      throw error;
    }
    try {
      return await userTablesEmpty(client, this.schema, this.ledgerTable);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async snapshot(plainPath: string): Promise<{ schemaVersion: string | null }> {
    const pgDump = findTool(['pg_dump'], this.binDir, PG_INSTALL, 'BACKUP');
    const schemaVersion = await this.readSchemaVersion();
    const args = ['--format=custom', '--no-password', `--file=${plainPath}`];
    if (this.schema !== undefined) args.push('--strict-names', `--schema="${this.schema.replace(/"/g, '""')}"`);
    args.push(`--dbname=${this.conn.toolUrl}`);
    const result = await runTool(pgDump, args, { env: this.conn.env, secrets: this.conn.secrets });
    if (result.code !== 0) {
      throw new StrataError(ErrorCode.BACKUP_FAILED, `pg_dump of ${this.source} failed (exit ${result.code}): ${summarise(result.stderr, this.conn.secrets)}`, {
        hint: pgHint(result.stderr, 'nothing was changed; fix the cause and retry'),
        details: { tool: 'pg_dump', exitCode: result.code },
      });
    }
    return { schemaVersion };
  }

  async check(plainPath: string): Promise<string[]> {
    const size = (await stat(plainPath).catch(() => null))?.size ?? 0;
    if (size === 0) return ['the archive is empty'];
    const pgRestore = findTool(['pg_restore'], this.binDir, PG_INSTALL, 'RESTORE');
    const listed = await runTool(pgRestore, ['--list', plainPath], { secrets: this.conn.secrets, captureStdout: true });
    if (listed.code !== 0) return [`pg_restore --list fails: ${summarise(listed.stderr, this.conn.secrets)}`];
    const entries = listed.stdout.split('\n').filter((line) => /^\d+;/.test(line)).length;
    if (entries === 0) return ['the archive lists no entries'];
    // --list reads the table of contents only: reading every data block finds truncation and corruption.
    const read = await runTool(pgRestore, [`--file=${devNull}`, plainPath], { secrets: this.conn.secrets });
    if (read.code !== 0) return [`the archive cannot be read in full: ${summarise(read.stderr, this.conn.secrets)}`];
    return [];
  }

  async restoreInto(plainPath: string): Promise<void> {
    const pgRestore = findTool(['pg_restore'], this.binDir, PG_INSTALL, 'RESTORE');
    const psql = findTool(['psql'], this.binDir, PG_INSTALL, 'RESTORE');
    const preamble = ['\\set ON_ERROR_STOP on', 'BEGIN;', "SET LOCAL lock_timeout = '60s';", this.clearSql(), ''].join('\n');
    // No --schema here: a schema's archive holds that schema only, including its CREATE SCHEMA.
    const restoreArgs = ['--clean', '--if-exists', '--file=-', plainPath];
    const psqlArgs = ['--no-psqlrc', '--quiet', '--no-password', `--dbname=${this.conn.toolUrl}`, '--file=-'];
    const outcome = await pipeThenCommit(pgRestore, restoreArgs, psql, psqlArgs, preamble, 'COMMIT;\n', this.conn);
    if (outcome.failed) {
      throw new StrataError(ErrorCode.RESTORE_FAILED, `restoring into ${this.source} failed: ${outcome.failed}`, {
        hint: pgHint(outcome.stderr, 'the database is as it was before the restore (the restore runs in one transaction); fix the cause and retry'),
      });
    }
  }

  async restoreTo(plainPath: string, to: string): Promise<void> {
    const pgRestore = findTool(['pg_restore'], this.binDir, PG_INSTALL, 'RESTORE');
    const target = pgConnection(to);
    let created = false;
    let client: pg.Client | null = null;
    try {
      client = await this.connect(to);
    } catch (error) {
      if ((error as { code?: string }).code !== '3D000') throw error;
    }
    if (client) {
      try {
        if (!(await userTablesEmpty(client, undefined, this.ledgerTable))) {
          throw new StrataError(ErrorCode.FILE_EXISTS, `${target.redacted} already has tables`, { hint: 'restore into an empty or new database' });
        }
      } finally {
        await client.end().catch(() => undefined);
      }
    } else {
      await this.maintenance(to, `CREATE DATABASE ${quoteIdent(target.database)}`);
      created = true;
    }
    const args = ['--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', '--no-password', `--dbname=${target.toolUrl}`, plainPath];
    const result = await runTool(pgRestore, args, { env: target.env, secrets: [...target.secrets, ...this.conn.secrets] });
    if (result.code !== 0) {
      if (created) await this.maintenance(to, `DROP DATABASE IF EXISTS ${quoteIdent(target.database)}`).catch(() => undefined);
      throw new StrataError(ErrorCode.RESTORE_FAILED, `pg_restore into ${target.redacted} failed (exit ${result.code}): ${summarise(result.stderr, [...target.secrets, ...this.conn.secrets])}`, {
        hint: created ? 'the database created for the restore was dropped again' : 'the restore ran in one transaction: the database is still empty',
      });
    }
  }

  /** Statements that drop what the backup will recreate, and everything created since it. */
  private clearSql(): string {
    const only = this.schema === undefined ? '' : ` AND n.nspname = ${quoteLiteral(this.schema)}`;
    const dependents =
      this.schema === undefined
        ? ''
        : `  SELECT string_agg(DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid), ', ') INTO deps
    FROM pg_catalog.pg_depend d, pg_catalog.pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid) r, pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid) o
    WHERE r.schema = ${quoteLiteral(this.schema)} AND o.schema IS NOT NULL AND o.schema <> ${quoteLiteral(this.schema)} AND d.deptype IN ('n', 'a');
  IF deps IS NOT NULL THEN
    RAISE EXCEPTION 'objects outside schema % depend on it: %', ${quoteLiteral(this.schema)}, deps;
  END IF;
`;
    const notExtension = (catalog: string, oid: string) =>
      `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = '${catalog}'::pg_catalog.regclass AND e.objid = ${oid} AND e.deptype = 'e')`;
    return `DO $strata$
DECLARE item record; deps text;
BEGIN
${dependents}  FOR item IN SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE ${SYSTEM_SCHEMAS}${only} AND n.nspname <> 'public' AND ${notExtension('pg_namespace', 'n.oid')} LOOP
    EXECUTE pg_catalog.format('DROP SCHEMA %I CASCADE', item.nspname);
  END LOOP;
  IF ${this.schema === undefined || this.schema === 'public' ? 'true' : 'false'} THEN
    FOR item IN SELECT c.relname, CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
      FROM pg_catalog.pg_class c WHERE c.relnamespace = 'public'::pg_catalog.regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${notExtension('pg_class', 'c.oid')} LOOP
      EXECUTE pg_catalog.format('DROP %s IF EXISTS public.%I CASCADE', item.kind, item.relname);
    END LOOP;
    FOR item IN SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'public'::pg_catalog.regnamespace AND ${notExtension('pg_proc', 'p.oid')} LOOP
      IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE oid = item.oid) THEN
        EXECUTE pg_catalog.format('DROP ROUTINE IF EXISTS %s CASCADE', item.oid::pg_catalog.regprocedure);
      END IF;
    END LOOP;
    FOR item IN SELECT t.typname, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS kind FROM pg_catalog.pg_type t
      WHERE t.typnamespace = 'public'::pg_catalog.regnamespace AND ${notExtension('pg_type', 't.oid')}
        AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_catalog.pg_class k WHERE k.oid = t.typrelid AND k.relkind = 'c'))) LOOP
      EXECUTE pg_catalog.format('DROP %s IF EXISTS public.%I CASCADE', item.kind, item.typname);
    END LOOP;
  END IF;
END
$strata$;`;
  }

  private async readSchemaVersion(): Promise<string | null> {
    let client: pg.Client;
    try {
      client = await this.connect(this.url);
    } catch (error) {
      throw new StrataError(ErrorCode.BACKUP_FAILED, `cannot connect to ${this.source}: ${redact(messageOf(error), this.conn.secrets)}`, {
        hint: 'check the URL, that the server is running and that the database exists',
      });
    }
    try {
      const candidates = this.ledgerTable.includes('.') || this.schema === undefined ? [this.ledgerTable] : [`${this.schema}.${this.ledgerTable}`, this.ledgerTable];
      for (const table of candidates) {
        const found = await client.query<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [quoteQualified(table)]);
        const name = found.rows[0]?.t;
        if (!name) continue;
        try {
          const rows = await client.query<{ version: string }>(`SELECT version FROM ${quoteQualified(table)} WHERE status = 'applied'`);
          return rows.rows.map((r) => String(r.version)).sort(compareVersions).at(-1) ?? null;
        } catch {
          return null;
        }
      }
      return null;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async connect(url: string): Promise<pg.Client> {
    // Loaded here: a SQLite or MySQL run never pays for pg.
    const { default: pgModule } = await loadPeer('pg', 'a PostgreSQL backup', () => import('pg'));
    const client = new pgModule.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  /** Runs one statement on the `postgres` database of the server `url` points at. */
  private async maintenance(url: string, sql: string): Promise<void> {
    const parsed = new URL(url);
    parsed.pathname = '/postgres';
    let client: pg.Client;
    try {
      client = await this.connect(parsed.toString());
    } catch (error) {
      const conn = pgConnection(url);
      throw new StrataError(ErrorCode.RESTORE_FAILED, `cannot connect to the server of ${conn.redacted} to create the database: ${redact(messageOf(error), conn.secrets)}`, {
        hint: 'create the database first (createdb), then restore into it',
      });
    }
    try {
      await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function userTablesEmpty(client: pg.Client, schema: string | undefined, ledgerTable: string): Promise<boolean> {
  const [ledgerSchema, ledgerName] = ledgerTable.includes('.') ? (ledgerTable.split('.', 2) as [string, string]) : [null, ledgerTable];
  const scope = schema === undefined ? SYSTEM_SCHEMAS : 'n.nspname = $3';
  const params: unknown[] = [ledgerName, ledgerSchema];
  if (schema !== undefined) params.push(schema);
  const rows = await client.query<{ relname: string; nspname: string; ledger: boolean }>(
    `SELECT c.relname, n.nspname, (c.relname = $1 AND ($2::text IS NULL OR n.nspname = $2)) AS ledger
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${scope}`,
    params,
  );
  if (rows.rows.some((r) => !r.ledger)) return false;
  for (const r of rows.rows) {
    const count = await client.query(`SELECT 1 FROM ${quoteIdent(r.nspname)}.${quoteIdent(r.relname)} LIMIT 1`);
    if (count.rowCount) return false;
  }
  return true;
}

function pgHint(stderr: string, otherwise: string): string {
  if (/server version mismatch|aborting because of server version/i.test(stderr)) return `pg_dump is older than the server: ${PG_INSTALL}`;
  if (/password authentication failed|no password supplied/i.test(stderr)) return 'check the user and password in the URL';
  if (/does not exist/i.test(stderr)) return `${otherwise} (a role, schema or database the archive names does not exist)`;
  if (/could not connect|connection refused|could not translate host/i.test(stderr)) return 'check that the server is running and the host and port in the URL';
  return otherwise;
}

function pgConnection(url: string): ToolConnection {
  const parsed = parseServerUrl(url, 'postgres');
  const password = parsed.password ? decodeURIComponent(parsed.password) : parsed.searchParams.get('password');
  const user = decodeURIComponent(parsed.username) || process.env.PGUSER || 'postgres';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || process.env.PGDATABASE || 'postgres';
  const toolUrl = redactUrl(url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password) env.PGPASSWORD = password;
  return { redacted: toolUrl, toolUrl, env, secrets: password ? [password, encodeURIComponent(password)] : [], database, user };
}

// ---- shared with the MySQL provider ----------------------------------------------------------

export interface ToolConnection {
  /** The URL without its password: for messages, manifests and (PostgreSQL) the tools' --dbname. */
  redacted: string;
  toolUrl: string;
  /** The environment for the tools (the password in PGPASSWORD / MYSQL_PWD). */
  env: NodeJS.ProcessEnv;
  /** Strings that must never appear in a message (the password, raw and URL-encoded). */
  secrets: string[];
  database: string;
  user: string;
}

/** The URL without its password: removed, not masked (it names backups' sources). */
export function redactUrl(url: string): string {
  return redactSecrets(url, '');
}

/** `text` with every secret replaced by `***`. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

/** A backup-id-safe form of a database name. */
export function idPart(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/\.{2,}/g, '.').replace(/^[^A-Za-z0-9]+/, '');
  return safe || 'db';
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The absolute path of the first of `names` found in `binDir` or on the PATH; a coded
 * BACKUP_UNSUPPORTED error naming the tool and how to install it otherwise.
 */
export function findTool(names: string[], binDir: string | undefined, install: string, purpose: 'BACKUP' | 'RESTORE'): string {
  const dirs = binDir !== undefined ? [binDir] : (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const suffixes = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const name of names) {
    for (const dir of dirs) {
      for (const suffix of suffixes) {
        const candidate = join(dir, name + suffix);
        try {
          accessSync(candidate, fsConstants.X_OK);
          if (statSync(candidate).isFile()) return candidate;
        } catch {
          // not here
        }
      }
    }
  }
  const where = binDir !== undefined ? `in ${binDir}` : 'on the PATH';
  throw new StrataError(ErrorCode.BACKUP_UNSUPPORTED, `${names.join(' or ')} is not ${where}: it is needed to ${purpose === 'BACKUP' ? 'back up' : 'check or restore'} this database`, {
    hint: install,
    details: { tool: names[0] },
  });
}

export interface ToolResult {
  code: number | null;
  stderr: string;
  stdout: string;
}

const STDERR_KEEP = 64 * 1024;

/**
 * Runs a tool without a shell. stdout goes to `stdoutFd` (a file, written by the child directly),
 * or is captured when `captureStdout`, or is dropped; stdin comes from `stdinFd` or nothing.
 * stderr is kept (its first 64 KiB) for messages.
 */
export function runTool(
  tool: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; secrets: string[]; stdoutFd?: number; stdinFd?: number; captureStdout?: boolean },
): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(tool, args, {
        env: options.env ?? process.env,
        stdio: [options.stdinFd ?? 'ignore', options.stdoutFd ?? (options.captureStdout ? 'pipe' : 'ignore'), 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      reject(spawnError(tool, error));
      return;
    }
    let stderr = '';
    let stdout = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < STDERR_KEEP) stderr += chunk.slice(0, STDERR_KEEP - stderr.length);
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', (error) => reject(spawnError(tool, error)));
    child.on('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : null), stderr: redact(stderr, options.secrets), stdout }));
  });
}

function spawnError(tool: string, error: unknown): StrataError {
  return new StrataError(ErrorCode.BACKUP_UNSUPPORTED, `cannot run ${tool}: ${messageOf(error)}`, { hint: 'check that the tool is installed and executable', cause: error });
}

/** The lines of a tool's stderr that say what went wrong, short enough for one message. */
export function summarise(stderr: string, secrets: string[]): string {
  const lines = redact(stderr, secrets)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const important = lines.filter((line) => /error|fatal|failed|denied|cannot|could not|unknown|does not exist|aborting/i.test(line));
  const chosen = (important.length ? important : lines).slice(0, 3).join(' | ');
  const text = chosen || 'no message on stderr';
  return text.length > 600 ? `${text.slice(0, 600)}...` : text;
}

/**
 * `producer args | consumer args` where the consumer first gets `preamble` and, only when the
 * producer exits 0 and the consumer is still fine, `commit`; otherwise the consumer is killed
 * with its input still open, so an open transaction is rolled back by the server.
 */
export async function pipeThenCommit(
  producer: string,
  producerArgs: string[],
  consumer: string,
  consumerArgs: string[],
  preamble: string,
  commit: string,
  conn: ToolConnection,
): Promise<{ failed: string | null; stderr: string }> {
  const consumerChild = spawn(consumer, consumerArgs, { env: conn.env, stdio: ['pipe', 'ignore', 'pipe'], windowsHide: true });
  const producerChild = spawn(producer, producerArgs, { env: conn.env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  let consumerErr = '';
  let producerErr = '';
  let spawnFailure: unknown = null;
  consumerChild.stderr.setEncoding('utf8').on('data', (c: string) => consumerErr.length < STDERR_KEEP && (consumerErr += c));
  producerChild.stderr.setEncoding('utf8').on('data', (c: string) => producerErr.length < STDERR_KEEP && (producerErr += c));
  const consumerDone = new Promise<number | null>((res) => {
    consumerChild.on('error', (e) => ((spawnFailure ??= e), res(null)));
    consumerChild.on('close', (code, signal) => res(code ?? (signal ? 128 : null)));
  });
  const producerDone = new Promise<number | null>((res) => {
    producerChild.on('error', (e) => ((spawnFailure ??= e), res(null)));
    producerChild.on('close', (code, signal) => res(code ?? (signal ? 128 : null)));
  });
  const input: Writable = consumerChild.stdin;
  input.on('error', () => undefined); // EPIPE when the consumer stopped early: reported by its exit code
  let consumerExited = false;
  void consumerDone.then(() => {
    consumerExited = true;
    producerChild.kill('SIGKILL');
  });
  input.write(preamble);
  producerChild.stdout.pipe(input, { end: false });
  const producerCode = await producerDone;
  if (producerCode === 0 && !consumerExited && spawnFailure === null) {
    producerChild.stdout.unpipe(input);
    input.end(commit);
  } else {
    consumerChild.kill('SIGKILL');
  }
  const consumerCode = await consumerDone;
  if (spawnFailure) throw spawnError(`${producer} | ${consumer}`, spawnFailure);
  const stderr = redact(`${producerErr}\n${consumerErr}`, conn.secrets);
  if (producerCode !== 0 && !consumerExited) return { failed: `${producer.split(/[\\/]/).pop()} could not read the archive (exit ${producerCode}): ${summarise(producerErr, conn.secrets)}`, stderr };
  if (consumerCode !== 0) return { failed: `${consumer.split(/[\\/]/).pop()} stopped (exit ${consumerCode}): ${summarise(consumerErr || producerErr, conn.secrets)}`, stderr };
  if (producerCode !== 0) return { failed: `${producer.split(/[\\/]/).pop()} failed (exit ${producerCode}): ${summarise(producerErr, conn.secrets)}`, stderr };
  return { failed: null, stderr };
}

/** Opens `path` for a tool's stdout (created 0600) and closes it after `run`. */
export async function withOutputFile<T>(path: string, run: (fd: number) => Promise<T>): Promise<T> {
  const handle = await open(path, 'w', 0o600);
  try {
    return await run(handle.fd);
  } finally {
    await handle.close();
  }
}

/** Opens `path` for a tool's stdin and closes it after `run`. */
export async function withInputFile<T>(path: string, run: (fd: number) => Promise<T>): Promise<T> {
  const handle = await open(path, 'r');
  try {
    return await run(handle.fd);
  } finally {
    await handle.close();
  }
}

/** A short random suffix for scratch names. */
export function scratchSuffix(): string {
  return randomBytes(4).toString('hex');
}
