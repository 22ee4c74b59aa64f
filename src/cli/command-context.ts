/** What every command gets: its parsed flags, the output, and the migrator built from config. */
import { createMigrator, type SqlMigrator } from '../create-migrator.js';
import { integerOption, type ParsedCommand } from './args.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import type { Output } from './output.js';

export interface CommandContext {
  values: ParsedCommand['values'];
  positionals: string[];
  output: Output;
  config(): Promise<ResolvedConfig>;
  migrator(): Promise<SqlMigrator>;
  close(): Promise<void>;
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
        allowChanged: flag('allow-changed'),
        allowMissing: flag('allow-missing'),
        allowOutOfOrder: flag('allow-out-of-order'),
      })),
    async migrator() {
      if (migrator) return migrator;
      const settings = await context.config();
      migrator = createMigrator({ ...settings });
      return migrator;
    },
    async close() {
      await migrator?.close();
    },
  };
  return context;
}
