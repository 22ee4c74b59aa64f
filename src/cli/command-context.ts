/** What every command gets: its parsed flags, the output, and the migrator built from config. */
import type { BackupManager } from 'strata-migrate/backup';
import { createMigrator, type SqlMigrator } from 'strata-migrate';
import { resolveDatabase, type DatabaseSpec } from 'strata-migrate';
import { backupSettings } from './backup-options.js';
import { integerOption, usage, varOptions, type ParsedCommand } from './args.js';
import type { ConfigFlags, ResolvedConfig } from './config.js';
import { databaseTarget } from './database-target.js';
import type { DatabaseTarget, Output } from './output.js';
import { resolveProject, type Project } from './project.js';

/** One database of the run: its settings, and its migrator and backups, made when first asked for. */
export interface DatabaseHandle {
  /** Its name in a multi-database config; undefined in a single-database project. */
  name: string | undefined;
  config: ResolvedConfig;
  /** The database its settings name: dialect, schema, Strata's tables, connections, backups. */
  spec(): DatabaseSpec;
  /** The database as it may be shown, and which setting named it. */
  target(): DatabaseTarget;
  migrator(): SqlMigrator;
  backups(): Promise<BackupManager>;
  /** Closes its migrator (if one was made); it may be made again. */
  close(): Promise<void>;
}

export interface CommandContext {
  values: ParsedCommand['values'];
  positionals: string[];
  output: Output;
  /** The config file and the databases this run works on (`--database`). */
  project(): Promise<Project>;
  /** The selected databases, in config order (one for a single-database project). */
  databases(): Promise<DatabaseHandle[]>;
  /**
   * The one selected database (a USAGE error when several are), named on the output (`database:
   * ... (from ...)`) the first time it is asked for. config(), migrator() and backups() are its.
   */
  database(): Promise<DatabaseHandle>;
  /** Its settings and its spec, without naming it (for commands that do not open it, such as create, or that name it elsewhere). */
  config(): Promise<ResolvedConfig>;
  spec(): Promise<DatabaseSpec>;
  migrator(): Promise<SqlMigrator>;
  /** The backups of the configured database. */
  backups(): Promise<BackupManager>;
  close(): Promise<void>;
}

/** STRATA_JOURNAL=1 (or a level: debug, info, warn, error) records runs in strata_journal; see `strata log`. */
export function journalFromEnv(): boolean | { level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' } {
  const setting = (process.env.STRATA_JOURNAL ?? '').trim().toUpperCase();
  if (setting === 'DEBUG' || setting === 'INFO' || setting === 'WARN' || setting === 'ERROR') return { level: setting };
  return setting === '1' || setting === 'TRUE' || setting === 'ON';
}

/** A bare number is ms; anything else goes to PostgreSQL as an interval ('5s'), checked there. */
function durationOption(text: string | undefined): number | string | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : text;
}

export function createCommandContext(parsed: ParsedCommand, output: Output): CommandContext {
  const { values } = parsed;
  let project: Promise<Project> | undefined;
  let handles: Promise<DatabaseHandle[]> | undefined;
  let announced = false;
  const flag = (name: string) => (values[name] === true ? true : undefined);
  const string = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const context: CommandContext = {
    values,
    positionals: parsed.positionals,
    output,
    project: () =>
      (project ??= resolveProject(
        {
          db: string('db'),
          dir: string('dir'),
          format: string('format'),
          config: string('config'),
          table: string('table'),
          lockTimeoutMs: integerOption(values['lock-timeout'], '--lock-timeout'),
          schema: string('schema'),
          statementTimeout: durationOption(string('statement-timeout')),
          dbLockTimeout: durationOption(string('db-lock-timeout')),
          allowChanged: flag('allow-changed'),
          allowMissing: flag('allow-missing'),
          allowOutOfOrder: flag('allow-out-of-order'),
          placeholders: varOptions(parsed.vars),
        } satisfies ConfigFlags,
        parsed.databases,
      )),
    databases: () => (handles ??= context.project().then((p) => p.selected.map(handleFor))),
    database: async () => {
      const handle = await one();
      if (!announced) output.target(handle.target());
      announced = true;
      return handle;
    },
    config: async () => (await one()).config,
    spec: async () => (await one()).spec(),
    migrator: async () => (await context.database()).migrator(),
    backups: async () => (await context.database()).backups(),
    async close() {
      for (const handle of await (handles ?? Promise.resolve([])).catch(() => [])) await handle.close();
    },
  };

  /** The run's one database; commands that change or create one thing need exactly one. */
  async function one(): Promise<DatabaseHandle> {
    const selected = await context.databases();
    if (selected.length === 1) return selected[0]!;
    const { file, names } = await context.project();
    const command = parsed.command ?? 'this command';
    const asked = parsed.databases?.length ? `--database selected ${selected.length}` : `${file} names ${names.length}`;
    throw usage(
      `strata ${command} works on one database at a time, and ${asked}: ${selected.map((d) => d.name).join(', ')}`,
      `pick one with --database NAME, e.g. strata ${command} --database ${selected[0]?.name}`,
    );
  }

  function handleFor(settings: ResolvedConfig): DatabaseHandle {
    let migrator: SqlMigrator | undefined;
    let spec: DatabaseSpec | undefined;
    // STRATA_JOURNAL overrides the config's journal setting (off unless one of them turns it on).
    const journal = () => (process.env.STRATA_JOURNAL ? journalFromEnv() : (settings.journal ?? false));
    const handle: DatabaseHandle = {
      name: settings.name,
      config: settings,
      spec() {
        const configured = journal();
        return (spec ??= resolveDatabase({
          ...settings,
          journalTable: typeof configured === 'object' && 'table' in configured ? configured.table : undefined,
        }));
      },
      target: () => databaseTarget(settings),
      migrator() {
        if (migrator) return migrator;
        const backup = values['no-backup'] === true || settings.backup === false ? false : backupSettings(values, settings.backup);
        migrator = createMigrator({ ...settings, db: handle.spec(), backup, journal: journal() });
        return migrator;
      },
      async backups() {
        // Restore, delete and prune take the lock migrate takes (and wait as long: --lock-timeout).
        // Loaded here, not at start-up: a migrate with nothing to do never loads the backup code.
        const { backupManagerFor, migrationLockOf } = await import('strata-migrate/backup');
        const spec = handle.spec();
        return backupManagerFor(spec.backupProvider(), {
          ...backupSettings(values, settings.backup || undefined),
          lock: migrationLockOf(spec),
          lockTimeoutMs: settings.lockTimeoutMs,
        });
      },
      async close() {
        const open = migrator;
        migrator = undefined;
        await open?.close();
      },
    };
    return handle;
  }
  return context;
}
