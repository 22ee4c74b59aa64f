/**
 * Settings for a CLI run, from (highest first): flags, DATABASE_URL (for the database only),
 * the config file, defaults. The config file is `strata.config.{ts,mts,js,mjs,json}` in the
 * current folder or --config; its relative paths are relative to the file.
 */
import { existsSync } from 'node:fs';
import type { BackupConfig, StrataConfig } from 'strata-migrate';
import { dirname, relative, resolve } from 'node:path';
import { DEFAULT_DATABASE, DEFAULT_MIGRATIONS_DIR } from 'strata-migrate';
import { ErrorCode, StrataError } from 'strata-migrate';
import { checkConfigSchema } from './config-schema.js';
import { readSettingsFile } from 'strata-migrate/tooling';
import { compilePlaceholderPattern } from 'strata-migrate/tooling';
import { ruleSeverities, type LintSettings } from 'strata-migrate/lint';

export type { BackupConfig, StrataConfig };

export interface ResolvedConfig extends StrataConfig {
  db: string;
  dir: string;
  /** The file the settings came from, if any. */
  file: string | undefined;
  /** Which setting named `db`: `--db`, `DATABASE_URL`, the config file, or `default`. */
  dbSource: string;
  /** In a multi-database project: which of its databases these settings are for. */
  name?: string;
}

export const CONFIG_FILE_NAMES = ['strata.config.ts', 'strata.config.mts', 'strata.config.js', 'strata.config.mjs', 'strata.config.json'];

export interface ConfigFlags {
  db?: string;
  dir?: string;
  format?: string;
  config?: string;
  table?: string;
  lockTimeoutMs?: number;
  allowChanged?: boolean;
  allowMissing?: boolean;
  allowOutOfOrder?: boolean;
  schema?: string;
  statementTimeout?: number | string;
  dbLockTimeout?: number | string;
  /** From `--var`: merged over the config's placeholders. */
  placeholders?: Record<string, string>;
}

export async function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<ResolvedConfig> {
  const { file, fromFile } = await loadConfig(flags, cwd);
  return resolveSettings(fromFile, file, flags, env, cwd);
}

/** The config file (found, or --config) and its checked contents ({} when there is none). */
export async function loadConfig(flags: Pick<ConfigFlags, 'config'>, cwd = process.cwd()): Promise<{ file: string | undefined; fromFile: StrataConfig }> {
  const file = flags.config ? resolve(cwd, flags.config) : CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
  return { file, fromFile: file ? await readConfigFile(file) : {} };
}

/** One database's settings: flags over DATABASE_URL over `fromFile` over the defaults. */
export function resolveSettings(fromFile: StrataConfig, file: string | undefined, flags: ConfigFlags, env: NodeJS.ProcessEnv, cwd: string): ResolvedConfig {
  const base = file ? dirname(file) : cwd;
  const relativeTo = (value: string) => (isUrl(value) || value === ':memory:' ? value : resolve(base, value));
  const fromEnv = env.DATABASE_URL || undefined;
  const pick = <T>(flag: T | undefined, configured: T | undefined) => (flag !== undefined ? flag : configured);
  const fileName = file === undefined ? 'the config file' : relative(cwd, file) || file;
  // DATABASE_URL wins over the config's db (as in dbmate and Prisma), and says so.
  const [db, dbSource] =
    flags.db !== undefined
      ? [flags.db, '--db']
      : fromEnv !== undefined
        ? [fromEnv, fromFile.db !== undefined ? `DATABASE_URL, over the "db" in ${fileName}` : 'DATABASE_URL']
        : fromFile.db !== undefined
          ? [relativeTo(fromFile.db), fileName]
          : [DEFAULT_DATABASE, 'default'];
  return {
    file,
    db,
    dbSource,
    dir: flags.dir !== undefined ? resolve(cwd, flags.dir) : fromFile.dir !== undefined ? relativeTo(fromFile.dir) : resolve(cwd, DEFAULT_MIGRATIONS_DIR),
    format: pick(flags.format, fromFile.format),
    table: pick(flags.table, fromFile.table),
    lockTimeoutMs: pick(flags.lockTimeoutMs, fromFile.lockTimeoutMs),
    allowChanged: flags.allowChanged || fromFile.allowChanged,
    allowMissing: flags.allowMissing || fromFile.allowMissing,
    allowOutOfOrder: flags.allowOutOfOrder || fromFile.allowOutOfOrder,
    pragmas: fromFile.pragmas,
    schema: pick(flags.schema, fromFile.schema),
    statementTimeout: pick(flags.statementTimeout, fromFile.statementTimeout),
    dbLockTimeout: pick(flags.dbLockTimeout, fromFile.dbLockTimeout),
    placeholders: flags.placeholders || fromFile.placeholders ? { ...fromFile.placeholders, ...flags.placeholders } : undefined,
    placeholderPattern: fromFile.placeholderPattern,
    drift: fromFile.drift,
    lint: fromFile.lint,
    journal: fromFile.journal,
    dumpSchema: fromFile.dumpSchema === undefined ? undefined : relativeTo(fromFile.dumpSchema),
    backup: fromFile.backup === false || fromFile.backup === undefined ? fromFile.backup : resolveBackupPaths(fromFile.backup, relativeTo),
  };
}

/** A backup setting's dir and keyFile, relative to where the setting was written. */
export function resolveBackupPaths(backup: BackupConfig, relativeTo: (value: string) => string): BackupConfig {
  return { ...backup, ...(backup.dir ? { dir: relativeTo(backup.dir) } : {}), ...(backup.keyFile ? { keyFile: relativeTo(backup.keyFile) } : {}) };
}

function isUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value) && !/^[a-z]:[\\/]/i.test(value);
}

async function readConfigFile(file: string): Promise<StrataConfig> {
  const loaded = await readSettingsFile(file, 'config file', 'check the --config path').catch((error: unknown) => {
    // A module that never finished loading may hold timers or sockets open that would keep the
    // CLI alive after it printed the error: give the output a moment, then end the process.
    if (error instanceof StrataError && error.details.timeoutMs !== undefined) setTimeout(() => process.exit(), 1000).unref();
    throw error;
  });
  return checkConfig(loaded, file);
}

export function checkConfig(value: unknown, file: string): StrataConfig {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${file} must export an object of settings`, {
      hint: `e.g. export default { db: './app.db', dir: './migrations' }`,
    });
  }
  checkConfigSchema(value, file);
  checkPlaceholders(value as StrataConfig, file);
  if ((value as StrataConfig).lint) checkLint((value as StrataConfig).lint as LintSettings, file);
  if ((value as StrataConfig).databases !== undefined) checkDatabases(value as StrataConfig, file);
  return value as StrataConfig;
}

/** `databases`: a non-empty object of name -> settings, each checked like the top level, each with its own `db`. */
function checkDatabases({ databases, db, dir, table, schema }: StrataConfig, file: string): void {
  const hint = 'e.g. "databases": { "app": { "db": "./data/app.db", "dir": "./migrations/app" } }';
  if (Array.isArray(databases) || Object.keys(databases!).length === 0) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: "databases" must be an object of name: settings with at least one database`, { hint });
  }
  if (db !== undefined) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: "db" and "databases" exclude each other: each database names its own db`, {
      hint: 'move "db" into the database it belongs to',
    });
  }
  const seen = new Map<string, string>();
  for (const [name, entry] of Object.entries(databases!)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: database name "${name}" must be letters, digits, _, . or - (it is typed after --database)`, {
        hint,
      });
    }
    const where = `${file}: databases.${name}`;
    if (entry && typeof entry === 'object' && 'databases' in entry) throw new StrataError(ErrorCode.CONFIG_INVALID, `${where}: "databases" cannot be nested`);
    const settings = checkConfig(entry, where);
    if (typeof settings.db !== 'string' || settings.db === '') {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${where} has no "db"`, {
        hint: `give each database its own file or URL: "${name}": { "db": "./data/${name}.db" }`,
      });
    }
    if (settings.dir === undefined && dir === undefined) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${where} has no "dir"`, {
        hint: `give it its migrations folder: "${name}": { "dir": "./migrations/${name}" } (or a top-level "dir" shared by all)`,
      });
    }
    const path = isUrl(settings.db) || settings.db === ':memory:' ? settings.db : resolve(dirname(file), settings.db);
    const ledger = `${path}\u0000${settings.schema ?? schema ?? ''}\u0000${settings.table ?? table ?? ''}`;
    const other = seen.get(ledger);
    if (other !== undefined) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: databases "${other}" and "${name}" name the same database and ledger table (${settings.db})`, {
        hint: 'each database needs its own db, or its own "table" for the ledger',
      });
    }
    seen.set(ledger, name);
  }
}

/** `lint`: false, or { rules: { ID: "error" | "warn" | "off" } } naming registered rules. */
function checkLint(lint: LintSettings, file: string): void {
  for (const key of Object.keys(lint)) {
    if (key !== 'rules')
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: unknown lint setting "${key}"`, {
        hint: 'lint takes "rules": { "RULE-ID": "error" | "warn" | "off" }, or false',
      });
  }
  if (lint.rules !== undefined && (typeof lint.rules !== 'object' || lint.rules === null || Array.isArray(lint.rules))) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: lint.rules must be an object of rule ID: "error" | "warn" | "off"`, {
      hint: 'e.g. "lint": { "rules": { "sqlite/drop-table": "warn" } }',
    });
  }
  ruleSeverities(lint.rules, file);
}

function checkPlaceholders({ placeholders, placeholderPattern }: StrataConfig, file: string): void {
  if (Array.isArray(placeholders)) throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: "placeholders" must be an object of name: value, got an array`);
  for (const [name, setting] of Object.entries(placeholders ?? {})) {
    if (typeof setting !== 'string') {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: placeholders.${name} must be a string, got ${setting === null ? 'null' : typeof setting}`, {
        hint: `quote it: "${name}": "${String(setting)}" (values are inserted into the SQL as written)`,
      });
    }
  }
  if (placeholderPattern !== undefined && placeholderPattern !== false) compilePlaceholderPattern(placeholderPattern, file);
}
