/**
 * One database, resolved once. Every consumer (the migrator, the journal, backfills, backups,
 * the CLI) takes a spec instead of turning a `db` string into a connection its own way, so a
 * connection opened for the journal or a backfill has the same schema and settings as the
 * migrator's, and the `schema.table` rule of Strata's own tables is written here only.
 *
 * @example
 * const spec = resolveDatabase({ db: 'postgres://app@db/app', schema: 'app' });
 * spec.tables.ledger.sql;          // "app"."strata_migrations"
 * const driver = spec.openDriver(); // a new connection, search_path = app
 */
import type { BackupProvider } from '../../backup/providers/backup-provider.js';
import { DEFAULT_JOURNAL_TABLE } from '../../journal/sql-sink.js';
import { ErrorCode, StrataError } from '../../model/errors.js';
import { DEFAULT_BACKFILL_TABLE } from '../../progressive/backfill-state.js';
import type { Dialect } from './dialect.js';
import { dialectFor, DIALECTS } from './dialects.js';
import type { SqlDriver } from './driver.js';
import { DEFAULT_LEDGER_TABLE } from './ledger-sql.js';
import type { SqlitePragmas } from './sqlite/sqlite-driver.js';

/** A table of Strata's own, as named (`app.strata_migrations`) and quoted for the dialect. */
export interface QualifiedName {
  readonly name: string;
  readonly sql: string;
}

/** How a new connection is set up; each dialect reads the settings it knows. */
export interface ConnectionSettings {
  /** SQLite: the connection's pragmas when Strata opens the file. */
  readonly pragmas?: SqlitePragmas;
  /** PostgreSQL: the session's `statement_timeout` (ms, or an interval such as '30s'). */
  readonly statementTimeout?: number | string;
  /** PostgreSQL: the session's `lock_timeout` (ms or an interval). */
  readonly lockTimeout?: number | string;
}

export interface DatabaseSpec {
  readonly dialect: Dialect;
  /** For messages: `sqlite:app.db`, a URL without its password. */
  readonly description: string;
  /** What the dialect opens: an absolute file path, `:memory:`, a folder, or a URL (with its password); a driver's description when it was given as a driver that does not say. */
  readonly location: string;
  /** The schema migrations run in (PostgreSQL), home of Strata's tables unless their names say otherwise. */
  readonly schema: string | undefined;
  readonly tables: { readonly ledger: QualifiedName; readonly journal: QualifiedName; readonly backfill: QualifiedName };
  readonly settings: ConnectionSettings;
  /** The driver given as `db` (a driver, or a connection its dialect adopted): used as it is, never closed by Strata. */
  readonly driver: SqlDriver | undefined;
  /** In the schema unless it names one: `app.x` for `x`. */
  qualify(table: string): QualifiedName;
  /** A new driver (connection) to this database each call; USAGE when it was given as a driver, which Strata cannot open again. */
  openDriver(): SqlDriver;
  /** Nothing here outlives the process (`:memory:`): there is nothing to back up, and default backups skip it. */
  readonly ephemeral: boolean;
  /** How to back it up; throws BACKUP_UNSUPPORTED (never skips silently) when it has none. */
  backupProvider(): BackupProvider;
}

export interface DatabaseOptions {
  /**
   * A path or URL (`--db`), a driver, a connection object a dialect adopts (an open
   * better-sqlite3 Database), or a spec (returned as it is).
   */
  db: string | SqlDriver | DatabaseSpec | object;
  /** The schema to migrate (PostgreSQL): created if missing, first on search_path, home of Strata's tables. */
  schema?: string;
  /** The ledger table (default strata_migrations). */
  table?: string;
  /** Default strata_journal. */
  journalTable?: string;
  /** Backfill checkpoints (default strata_backfills). */
  backfillTable?: string;
  pragmas?: SqlitePragmas;
  statementTimeout?: number | string;
  /** PostgreSQL: the session's lock_timeout. */
  dbLockTimeout?: number | string;
}

export function isDatabaseSpec(value: unknown): value is DatabaseSpec {
  const candidate = value as Partial<DatabaseSpec> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.openDriver === 'function' && typeof candidate.qualify === 'function';
}

export function isSqlDriver(value: unknown): value is SqlDriver {
  const candidate = value as Partial<SqlDriver> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.connect === 'function' && typeof candidate.dialect === 'object';
}

export function resolveDatabase(options: DatabaseOptions): DatabaseSpec {
  const { db } = options;
  if (isDatabaseSpec(db)) return db;
  const settings: ConnectionSettings = { pragmas: options.pragmas, statementTimeout: options.statementTimeout, lockTimeout: options.dbLockTimeout };
  if (typeof db === 'string') {
    const dialect = dialectFor(db);
    return makeSpec(dialect, { ...dialect.locate(db), located: true, driver: undefined }, options, settings);
  }
  const driver = isSqlDriver(db) ? db : adopted(db, settings);
  return makeSpec(
    driver.dialect,
    { location: driver.location ?? driver.description, description: driver.description, located: driver.location !== undefined, driver },
    options,
    settings,
  );
}

function adopted(connection: object, settings: ConnectionSettings): SqlDriver {
  for (const dialect of DIALECTS) {
    const driver = dialect.adopt?.(connection, settings);
    if (driver) return driver;
  }
  const legacy = typeof (connection as { dialect?: unknown }).dialect === 'string';
  throw new StrataError(
    ErrorCode.DRIVER_UNSUPPORTED,
    legacy
      ? `the driver given as db names its dialect by a string, not a Dialect object`
      : 'db is neither a path or URL, a driver, nor a connection Strata knows',
    {
      hint: legacy
        ? "a driver's dialect is the Dialect object of its folder (e.g. sqliteDialect from targets/sql/sqlite/dialect.ts)"
        : 'give a path or URL, a SqlDriver, or an open better-sqlite3 Database',
    },
  );
}

function makeSpec(
  dialect: Dialect,
  where: { location: string; description: string; located: boolean; driver: SqlDriver | undefined },
  options: DatabaseOptions,
  settings: ConnectionSettings,
): DatabaseSpec {
  const schema = options.schema ?? where.driver?.schema;
  const qualify = (table: string): QualifiedName => {
    const name = schema && !table.includes('.') ? `${schema}.${table}` : table;
    return { name, sql: name.split('.').map(dialect.quoteIdentifier).join('.') };
  };
  // Made when first asked for: a provider may check its URL, which a run without backups need not.
  let provider: { value: BackupProvider | undefined } | undefined;
  const providerOf = () => (provider ??= { value: where.located ? dialect.backupProvider(spec) : undefined }).value;
  const spec: DatabaseSpec = {
    dialect,
    description: where.description,
    location: where.location,
    schema,
    tables: {
      ledger: qualify(options.table ?? DEFAULT_LEDGER_TABLE),
      journal: qualify(options.journalTable ?? DEFAULT_JOURNAL_TABLE),
      backfill: qualify(options.backfillTable ?? DEFAULT_BACKFILL_TABLE),
    },
    settings,
    driver: where.driver,
    qualify,
    openDriver() {
      if (where.driver) {
        throw new StrataError(ErrorCode.USAGE, `${where.description} was given as a driver: Strata cannot open another connection to it`, {
          hint: 'give db as a path or URL, or pass the second connection yourself',
        });
      }
      return dialect.open(spec);
    },
    get ephemeral() {
      return where.located && providerOf() === undefined;
    },
    backupProvider() {
      const found = providerOf();
      if (found) return found;
      throw new StrataError(
        ErrorCode.BACKUP_UNSUPPORTED,
        where.located
          ? `${where.description} is in memory: it has no file to back up`
          : `${where.description} was given as a driver that does not say where its data is: Strata cannot back it up`,
        {
          hint: where.located
            ? 'backups need a database file or a server URL; run with --no-backup (backup: false)'
            : 'give db as a path or URL, give the driver a location, or turn backups off (backup: false)',
        },
      );
    },
  };
  return spec;
}
