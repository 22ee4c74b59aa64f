/**
 * Backups of a PGlite data folder. A snapshot is PGlite's own `dumpDataDir()`: a tarball of the
 * data folder taken under PGlite's query mutex, after a CHECKPOINT when no transaction is open.
 * It is taken while this process holds the folder (its migration lock, or the folder opened for
 * the backup alone), so no other process writes; a transaction open in this process at that
 * moment is simply absent from it, as after a crash, and PostgreSQL's recovery makes the copy
 * consistent when it is loaded. `check` loads it into a fresh in-memory PGlite and reads it;
 * restores build a complete folder beside the old one and swap it in (folder-swap.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { idPart } from '../../../backup/backup-manifest.js';
import type { BackupProvider, CheckLevel, Snapshot } from '../../../backup/providers/backup-provider.js';
import { ErrorCode, StrataError, messageOf } from '../../../model/errors.js';
import { compareVersions } from '../../../model/version.js';
import { fsyncDirectory } from '../../../fs/atomic-write.js';
import { postgresSql } from '../postgres/postgres-sql.js';
import { stagedFolderOf, swapInFolder, swapPending, syncFolder } from './folder-swap.js';
import { createPglite, type PGlite } from './load-pglite.js';
import { DEFAULT_PGLITE_LOCK_TIMEOUT_MS } from './pglite-driver.js';
import { holdPgliteFolder, openPgliteFolder, openedPgliteFolder, type FolderWait } from './pglite-folder.js';

export interface PgliteBackupProviderOptions {
  /** Only this schema counts when deciding whether the database is empty (the whole folder is backed up regardless). */
  schema?: string;
  /** The ledger, schema-qualified when it lives in a schema (default strata_migrations, in `schema` when given). */
  ledgerTable?: string;
  /** How long to wait for another process that has the folder open (default 60 s). */
  lockTimeoutMs?: number;
}

const SYSTEM_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'";

export class PgliteBackupProvider implements BackupProvider {
  readonly kind = 'pglite';
  readonly source: string;
  readonly name: string;
  readonly defaultDir: string;
  private readonly dir: string;
  private readonly schema: string | undefined;
  private readonly ledgerTable: string;
  private readonly wait: FolderWait;

  constructor(dir: string, options: PgliteBackupProviderOptions = {}) {
    this.dir = resolve(dir);
    this.source = `pglite:${this.dir}`;
    this.name = idPart(basename(this.dir));
    this.defaultDir = join(dirname(this.dir), 'backups');
    this.schema = options.schema;
    const table = options.ledgerTable ?? 'strata_migrations';
    this.ledgerTable = this.schema !== undefined && !table.includes('.') ? `${this.schema}.${table}` : table;
    this.wait = { timeoutMs: options.lockTimeoutMs ?? DEFAULT_PGLITE_LOCK_TIMEOUT_MS, onWaiting: () => undefined };
  }

  async isEmpty(): Promise<boolean> {
    if (!(await this.present())) return true;
    return this.withInstance((pg) => userTablesEmpty(pg, this.schema, this.ledgerTable));
  }

  async snapshot(plainPath: string): Promise<Snapshot> {
    if (!(await this.present())) {
      throw new StrataError(ErrorCode.BACKUP_FAILED, `${this.dir} is not a PGlite data folder: there is nothing to back up`, {
        hint: 'check the path (a database that does not exist yet has nothing to back up)',
      });
    }
    const { schemaVersion, tarball } = await this.withInstance(async (pg) => {
      // Written pages make the copy start where this checkpoint ended, instead of replaying WAL on every load.
      if (!pg.isInTransaction()) await pg.exec('CHECKPOINT');
      const version = await readSchemaVersion(pg, this.ledgerTable);
      return { schemaVersion: version, tarball: new Uint8Array(await (await pg.dumpDataDir('none')).arrayBuffer()) };
    });
    const handle = await open(plainPath, 'wx', 0o600);
    try {
      await handle.writeFile(tarball);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { schemaVersion, hashed: { size: tarball.byteLength, sha256: createHash('sha256').update(tarball).digest('hex') } };
  }

  async check(plainPath: string, level: CheckLevel = 'full'): Promise<string[]> {
    let pg: PGlite;
    try {
      pg = await createPglite(undefined, { loadDataDir: new Blob([await readFile(plainPath)]) });
    } catch (error) {
      if (error instanceof StrataError) throw error;
      return [`the snapshot does not load as a PGlite data folder: ${messageOf(error)}`];
    }
    try {
      const catalog = await pg.query<{ relations: number }>('SELECT count(*)::int AS relations FROM pg_catalog.pg_class');
      if (!(Number(catalog.rows[0]?.relations) > 0)) return ['the snapshot has an empty catalog'];
      if (level === 'structure') return [];
      return await unreadableTables(pg);
    } catch (error) {
      return [messageOf(error)];
    } finally {
      await pg.close();
    }
  }

  async restoreInto(plainPath: string): Promise<void> {
    const tarball = await readFile(plainPath);
    const borrowed = openedPgliteFolder(this.dir);
    try {
      if (borrowed) {
        // This process has the folder open (an automatic restore inside a run): its instance is swapped under it.
        await borrowed.use(async (folder) => {
          await buildFolder(stagedFolderOf(this.dir), tarball);
          await folder.replace(stagedFolderOf(this.dir));
        });
        return;
      }
      const release = await holdPgliteFolder(this.dir, this.wait);
      try {
        await buildFolder(stagedFolderOf(this.dir), tarball);
        await swapInFolder(this.dir, stagedFolderOf(this.dir));
      } finally {
        await release();
      }
    } catch (error) {
      if (error instanceof StrataError && error.code === ErrorCode.LOCK_TIMEOUT) throw error;
      throw new StrataError(ErrorCode.RESTORE_FAILED, `could not restore the backup into ${this.dir}: ${messageOf(error)}`, {
        hint: 'the folder is as it was before the restore, or wholly restored if the error came after the swap; the next open finishes an interrupted swap',
        cause: error,
      });
    }
  }

  async restoreTo(plainPath: string, to: string): Promise<void> {
    const target = resolve(to);
    const release = await holdPgliteFolder(target, this.wait);
    try {
      await buildFolder(stagedFolderOf(target), await readFile(plainPath));
      await swapInFolder(target, stagedFolderOf(target));
    } finally {
      await release();
    }
  }

  private async present(): Promise<boolean> {
    return existsSync(join(this.dir, 'PG_VERSION')) || (await swapPending(this.dir));
  }

  /** The instance this process already has open (borrowed), or the folder opened for this call alone. */
  private async withInstance<T>(fn: (pg: PGlite) => Promise<T>): Promise<T> {
    const borrowed = openedPgliteFolder(this.dir);
    if (borrowed) return borrowed.use((folder) => fn(folder.pg));
    const folder = await openPgliteFolder(this.dir, this.wait);
    try {
      return await fn(folder.pg);
    } finally {
      await folder.close();
    }
  }
}

/** Writes the tarball out as a complete, synced data folder at `staged` (removed again if anything fails). */
async function buildFolder(staged: string, tarball: Uint8Array): Promise<void> {
  await rm(staged, { recursive: true, force: true });
  try {
    const pg = await createPglite(staged, { loadDataDir: new Blob([tarball]) });
    await pg.close();
    await syncFolder(staged);
    await fsyncDirectory(dirname(staged));
  } catch (error) {
    await rm(staged, { recursive: true, force: true });
    throw error;
  }
}

async function readSchemaVersion(pg: PGlite, ledgerTable: string): Promise<string | null> {
  const name = ledgerTable.split('.').map(postgresSql.quoteIdentifier).join('.');
  const present = await pg.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
  if (!present.rows[0]?.present) return null;
  const rows = await pg.query<{ version: string }>(`SELECT version FROM ${name} WHERE status = 'applied'`);
  return (
    rows.rows
      .map((row) => String(row.version))
      .sort(compareVersions)
      .at(-1) ?? null
  );
}

/** No relation but the ledger, and the ledger (if any) has no rows: the run about to migrate has nothing to lose. */
async function userTablesEmpty(pg: PGlite, schema: string | undefined, ledgerTable: string): Promise<boolean> {
  const [ledgerSchema, ledgerName] = ledgerTable.includes('.') ? (ledgerTable.split('.', 2) as [string, string]) : [null, ledgerTable];
  const scope = schema === undefined ? SYSTEM_SCHEMAS : 'n.nspname = $3';
  const params: unknown[] = [ledgerName, ledgerSchema];
  if (schema !== undefined) params.push(schema);
  const relations = await pg.query<{ relname: string; nspname: string; ledger: boolean }>(
    `SELECT c.relname, n.nspname, (c.relname = $1 AND ($2::text IS NULL OR n.nspname = $2)) AS ledger
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${scope}`,
    params,
  );
  if (relations.rows.some((r) => !r.ledger)) return false;
  for (const r of relations.rows) {
    if ((await pg.query(`SELECT 1 FROM ${postgresSql.quoteIdentifier(r.nspname)}.${postgresSql.quoteIdentifier(r.relname)} LIMIT 1`)).rows.length) return false;
  }
  return true;
}

/** Reads every row of every table, as a full check of a copy must: a damaged page fails here. */
async function unreadableTables(pg: PGlite): Promise<string[]> {
  const tables = await pg.query<{ relname: string; nspname: string }>(
    `SELECT c.relname, n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm') AND ${SYSTEM_SCHEMAS}`,
  );
  const problems: string[] = [];
  for (const t of tables.rows) {
    const name = `${postgresSql.quoteIdentifier(t.nspname)}.${postgresSql.quoteIdentifier(t.relname)}`;
    try {
      // count(*) may answer from the visibility map alone; hashing every row reads every tuple.
      await pg.query(`SELECT count(*), sum(hashtext(t::text)) FROM ${name} t`);
    } catch (error) {
      problems.push(`${t.nspname}.${t.relname}: ${messageOf(error)}`);
    }
  }
  return problems;
}
