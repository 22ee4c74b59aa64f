/** What every command gets: its parsed flags, the output, and the migrator built from config. */
import { backupManagerFor } from '../backup/backup-settings.js';
import type { BackupManager } from '../backup/backup-manager.js';
import { backupProviderFor } from '../backup/providers/provider-for.js';
import { createMigrator, type SqlMigrator } from '../create-migrator.js';
import { ErrorCode, StrataError } from '../model/errors.js';
import { DEFAULT_LEDGER_TABLE } from '../targets/sql/ledger-sql.js';
import { openDriver } from '../targets/sql/open-driver.js';
import { backupSettings } from './backup-options.js';
import { integerOption, varOptions, type ParsedCommand } from './args.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import type { Output } from './output.js';

export interface CommandContext {
  values: ParsedCommand['values'];
  positionals: string[];
  output: Output;
  config(): Promise<ResolvedConfig>;
  migrator(): Promise<SqlMigrator>;
  /** The backups of the configured database. */
  backups(): Promise<BackupManager>;
  close(): Promise<void>;
}

/** A bare number is ms; anything else goes to PostgreSQL as an interval ('5s'), checked there. */
function durationOption(text: string | undefined): number | string | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : text;
}

export function createCommandContext(parsed: ParsedCommand, output: Output): CommandContext {
  const { values } = parsed;
  let config: Promise<ResolvedConfig> | undefined;
  let migrator: SqlMigrator | undefined;
  const flag = (name: string) => (values[name] === true ? true : undefined);
  const string = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const context: CommandContext = {
    values,
    positionals: parsed.positionals,
    output,
    config: () =>
      (config ??= resolveConfig({
        db: string('db'),
        dir: string('dir'),
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
      })),
    async migrator() {
      if (migrator) return migrator;
      const settings = await context.config();
      const backup = values['no-backup'] === true || settings.backup === false ? false : backupSettings(values, settings.backup);
      migrator = createMigrator({ ...settings, backup });
      return migrator;
    },
    async backups() {
      const settings = await context.config();
      const table = settings.schema && !(settings.table ?? '').includes('.') ? `${settings.schema}.${settings.table ?? DEFAULT_LEDGER_TABLE}` : settings.table;
      const provider = backupProviderFor(openDriver(settings.db, { postgres: { schema: settings.schema } }), table);
      if (!provider) {
        throw new StrataError(ErrorCode.BACKUP_UNSUPPORTED, `${settings.db} has no file to back up`, { hint: 'backups need a database file or a server URL' });
      }
      return backupManagerFor(provider, backupSettings(values, settings.backup || undefined));
    },
    async close() {
      await migrator?.close();
    },
  };
  return context;
}
