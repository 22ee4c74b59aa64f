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
 * Finding and running the tools: external-tool.ts, shared with the MySQL provider.
 */
import { stat } from 'node:fs/promises';
import { devNull } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { loadPeer } from '../../targets/sql/load-peer.js';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { compareVersions } from '../../model/version.js';
import { postgresSql } from '../../targets/sql/postgres/postgres-sql.js';
import { parseServerUrl } from '../../targets/sql/server-url.js';
import type { BackupProvider } from './backup-provider.js';
import { idPart } from '../backup-manifest.js';
import { findTool, pipeThenCommit, redact, redactUrl, runTool, summarise, type ToolConnection } from './external-tool.js';

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
const PG_INSTALL =
  'install the PostgreSQL client tools (apt-get install postgresql-client; brew install libpq; or the EDB installer), in a version at least that of the server, or pass binDir';

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
    if (this.schema !== undefined) args.push('--strict-names', `--schema=${quoteIdent(this.schema)}`);
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
      throw new StrataError(
        ErrorCode.RESTORE_FAILED,
        `pg_restore into ${target.redacted} failed (exit ${result.code}): ${summarise(result.stderr, [...target.secrets, ...this.conn.secrets])}`,
        {
          hint: created ? 'the database created for the restore was dropped again' : 'the restore ran in one transaction: the database is still empty',
        },
      );
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
      const candidates =
        this.ledgerTable.includes('.') || this.schema === undefined ? [this.ledgerTable] : [`${this.schema}.${this.ledgerTable}`, this.ledgerTable];
      for (const table of candidates) {
        const found = await client.query<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [quoteQualified(table)]);
        const name = found.rows[0]?.t;
        if (!name) continue;
        try {
          const rows = await client.query<{ version: string }>(`SELECT version FROM ${quoteQualified(table)} WHERE status = 'applied'`);
          return (
            rows.rows
              .map((r) => String(r.version))
              .sort(compareVersions)
              .at(-1) ?? null
          );
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
      throw new StrataError(
        ErrorCode.RESTORE_FAILED,
        `cannot connect to the server of ${conn.redacted} to create the database: ${redact(messageOf(error), conn.secrets)}`,
        {
          hint: 'create the database first (createdb), then restore into it',
        },
      );
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
  const parsed = parseServerUrl(url, postgresSql.forms);
  const password = parsed.password ? decodeURIComponent(parsed.password) : parsed.searchParams.get('password');
  const user = decodeURIComponent(parsed.username) || process.env.PGUSER || 'postgres';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || process.env.PGDATABASE || 'postgres';
  const toolUrl = redactUrl(url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password) env.PGPASSWORD = password;
  return { redacted: toolUrl, toolUrl, env, secrets: password ? [password, encodeURIComponent(password)] : [], database, user };
}

const quoteIdent = postgresSql.quoteIdentifier;

function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
