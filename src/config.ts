/**
 * The shape of `strata.config.{ts,mts,js,mjs,json}`, and `defineConfig()` to write one with the
 * editor's help: an identity function whose only job is the parameter type, so a misspelt key
 * or a wrong value is a type error where the config is written, not a CONFIG_INVALID at run time.
 * The CLI still checks every file it loads (JSON configs get no type checking).
 */
import type { BackupConfig } from './backup/backup-settings.js';
import type { SqlitePragmas } from './targets/sql/sqlite/sqlite-driver.js';
import type { LintSettings } from './lint/linter.js';

export type { BackupConfig };

/** The journal setting: on with the defaults, or a level and table. */
export type JournalConfig = boolean | { level?: 'debug' | 'info' | 'warn' | 'error' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'; table?: string };

/** Every setting a Strata config file takes (the CLI's flags override them). */
export interface StrataConfig {
  /** The database: a SQLite path, `:memory:`, or a `sqlite:`, `postgres://`, `mysql://`, `mariadb://` or `pglite:` URL. */
  db?: string;
  /** The migrations folder (default `./migrations`), relative to the config file. */
  dir?: string;
  /** The migrations folder's layout: 'strata', 'flyway', 'goose', 'prisma', 'drizzle', 'sqlx', 'd1', 'atlas' (default: detected). */
  format?: string;
  /** The ledger table (default `strata_migrations`). */
  table?: string;
  /** How long to wait for another migration run to finish, in ms (default 60000). */
  lockTimeoutMs?: number;
  /** Proceed although applied migration files were edited. */
  allowChanged?: boolean;
  /** Proceed although applied migrations have no file. */
  allowMissing?: boolean;
  /** Apply pending migrations older than the current version. */
  allowOutOfOrder?: boolean;
  /** SQLite: the pragmas each connection gets. */
  pragmas?: SqlitePragmas;
  /** PostgreSQL: the schema to migrate. */
  schema?: string;
  /** Record every run in strata_journal (see `strata log`): true, or { level, table }. */
  journal?: JournalConfig;
  /** PostgreSQL: statement_timeout (ms, or an interval string such as '30s'). */
  statementTimeout?: number | string;
  /** PostgreSQL: lock_timeout (ms, or an interval string). */
  dbLockTimeout?: number | string;
  /** Backups before each run: false turns them off. */
  backup?: false | BackupConfig;
  /** Values for placeholders in SQL files; `--var name=value` overrides one. */
  placeholders?: Record<string, string>;
  /** Write `strata schema dump` to this file after every successful migrate and rollback (`db/schema.sql`). */
  dumpSchema?: string;
  /** What migrate does when the schema changed outside the migrations: "error", "warn" (default) or "off". */
  drift?: 'error' | 'warn' | 'off';
  /** `${name}` (default), another template such as `:NAME`, a regex `/source/flags` (or RegExp) with one group, or false. */
  placeholderPattern?: string | RegExp | false;
  /** The linter `migrate` runs first (see `strata lint`): false turns it off; `rules` sets severities by rule ID ("error", "warn", "off"). */
  lint?: false | LintSettings;
  /**
   * A multi-database project: name -> that database's settings (its own `db`, and `dir`, `table`,
   * `backup`, ... over the top-level ones, which are the defaults).
   */
  databases?: Record<string, StrataConfig>;
  /** A fleet of databases migrated alike (`strata fleet migrate`): where they are and how to roll out. */
  fleet?: FleetConfig;
}

/** How to find a fleet's targets: one kind per group. Relative paths are relative to the config file. */
export interface FleetTargetsConfig {
  /** A glob of SQLite files (or several). */
  targets?: string | string[];
  /** Paths or URLs, in this order. */
  list?: string[];
  /** A query on `control` whose first column is each target's path or URL. */
  targetsQuery?: string;
  /** The control database `targetsQuery` runs on. */
  control?: string;
  /** PostgreSQL schema-per-tenant on `db` (or the top-level "db"): the schema names. */
  schemas?: string[];
  /** Or a query on that database returning them (first column). */
  schemasQuery?: string;
  /** The database of `schemas` / `schemasQuery`. */
  db?: string;
  /** A module whose default (or `targets`) export is an async function returning the targets. */
  module?: string;
  /** The group's migrations folder (default: the top-level "dir"). */
  dir?: string;
}

/** The `fleet` settings; `--flags` of `strata fleet` override them. */
export interface FleetConfig extends FleetTargetsConfig {
  /** A folder per group: name -> its targets and its migrations folder (instead of the targets above). */
  groups?: Record<string, FleetTargetsConfig>;
  /** Targets at once (default: the number of cores). */
  concurrency?: number;
  /** Migrate this many first; stop unless all succeed. */
  canary?: number;
  /** Cumulative stage ends, e.g. "1,10%,100%". */
  stages?: string;
  /** Halt the rollout when N (or "N%") targets failed. */
  maxFailures?: number | string;
  /** Keep starting targets after a failure. */
  continueOnError?: boolean;
  /** Ids or globs of the targets to include / leave out. */
  only?: string[];
  exclude?: string[];
  /** Where run journals go (default `.strata/fleet` beside the config file). */
  stateDir?: string;
  /** Runners on many machines share one rollout through this PostgreSQL database (`postgres://...`; `--state`); name the run with `--run`. */
  state?: string;
}

/**
 * Types a config file's settings: `export default defineConfig({ db: './app.db' })`.
 * Returns its argument unchanged.
 */
export function defineConfig(config: StrataConfig): StrataConfig {
  return config;
}
