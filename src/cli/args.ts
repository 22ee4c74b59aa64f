/**
 * Command-line parsing on node:util's parseArgs. A CLI framework was measured first: commander
 * alone costs ~10 ms to load here, 8% of a whole no-op run, for what parseArgs plus this table do.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCode, StrataError } from '../model/errors.js';

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { description: string; value?: string };

export const GLOBAL_OPTIONS = {
  db: { type: 'string', description: 'SQLite path, or a sqlite:, postgres://, mysql:// or mariadb:// URL (default: $DATABASE_URL, then ./strata.db)', value: 'path|url' },
  dir: { type: 'string', description: 'migrations folder (default ./migrations)', value: 'folder' },
  config: { type: 'string', description: 'config file (default: strata.config.{ts,mts,js,mjs,json} in this folder)', value: 'file' },
  database: {
    type: 'string',
    multiple: true,
    description: "the config's database(s) to work on, by name (repeatable or a,b; default: all for migrate, status, validate)",
    value: 'name',
  },
  table: { type: 'string', description: 'ledger table (default strata_migrations)', value: 'name' },
  'lock-timeout': { type: 'string', description: 'ms to wait for another migration to finish (default 60000)', value: 'ms' },
  schema: { type: 'string', description: 'PostgreSQL: the schema to migrate (created if missing; holds the ledger)', value: 'name' },
  'statement-timeout': { type: 'string', description: "PostgreSQL: the session's statement_timeout (ms or e.g. 30s)", value: 'ms' },
  'db-lock-timeout': { type: 'string', description: "PostgreSQL: the session's lock_timeout, how long a statement waits for a table lock", value: 'ms' },
  var: { type: 'string', multiple: true, description: 'a value for a placeholder in SQL files (repeatable; overrides the config)', value: 'name=value' },
  json: { type: 'boolean', description: 'machine-readable output on stdout' },
  verbose: { type: 'boolean', description: 'stack traces and more detail on errors' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
} as const satisfies Record<string, OptionSpec>;

const POLICY_OPTIONS = {
  'allow-changed': { type: 'boolean', description: 'proceed although applied migrations were edited' },
  'allow-missing': { type: 'boolean', description: 'proceed although applied migrations have no file' },
  'allow-out-of-order': { type: 'boolean', description: 'apply pending migrations older than the current version' },
} as const satisfies Record<string, OptionSpec>;

const BACKUP_OPTIONS = {
  'backup-dir': { type: 'string', description: 'backups folder (default: backups/ beside the database)', value: 'folder' },
  compress: { type: 'string', description: 'gzip new backups at this level, 1 (fast) to 9 (small)', value: 'level' },
  'backup-check': { type: 'string', description: 'how new backups are checked: structure (default: opens, sha256) or full (also reads every page: integrity_check)', value: 'level' },
  encrypt: { type: 'boolean', description: 'encrypt new backups (AES-256-GCM; key from $STRATA_BACKUP_KEY unless --key-file / --passphrase-env)' },
  'key-file': { type: 'string', description: 'file holding the 32-byte backup key (hex, base64 or raw)', value: 'path' },
  'key-env': { type: 'string', description: 'environment variable holding the backup key (default STRATA_BACKUP_KEY)', value: 'name' },
  'passphrase-env': { type: 'string', description: 'environment variable holding a backup passphrase (scrypt)', value: 'name' },
  'keep-days': { type: 'string', description: 'retention: remove backups older than N days (default 30)', value: 'N' },
  'keep-count': { type: 'string', description: 'retention: keep at most N backups (default 10)', value: 'N' },
} as const satisfies Record<string, OptionSpec>;

const NO_BACKUP = {
  'no-backup': { type: 'boolean', description: 'do not back up the database before this run' },
} as const satisfies Record<string, OptionSpec>;

export interface CommandSpec {
  summary: string;
  usage: string;
  positionals: number;
  options: Record<string, OptionSpec>;
}

export const COMMANDS = {
  migrate: {
    summary: 'apply pending migrations',
    usage: 'strata migrate [--to V] [--dry-run] [--single-transaction] [--resume]',
    positionals: 0,
    options: {
      to: { type: 'string', description: 'apply up to and including version V', value: 'V' },
      'dry-run': { type: 'boolean', description: 'print the plan and every SQL statement; change nothing' },
      'single-transaction': { type: 'boolean', description: 'apply the whole run in one transaction (all or nothing)' },
      resume: { type: 'boolean', description: 'continue a step that failed outside a transaction from its failed statement (after fixing it), then the rest' },
      ...POLICY_OPTIONS,
      ...NO_BACKUP,
      ...BACKUP_OPTIONS,
    },
  },
  rollback: {
    summary: 'roll back the last migration, the last N, or down to version V (0 = everything)',
    usage: 'strata rollback [V] [--steps N] [--dry-run]',
    positionals: 1,
    options: {
      steps: { type: 'string', description: 'roll back the last N migrations', value: 'N' },
      'dry-run': { type: 'boolean', description: 'print the plan and every SQL statement; change nothing' },
      'allow-changed': POLICY_OPTIONS['allow-changed'],
      ...NO_BACKUP,
      ...BACKUP_OPTIONS,
    },
  },
  status: {
    summary: 'show each migration and its state',
    usage: 'strata status [--json]',
    positionals: 0,
    options: {},
  },
  validate: {
    summary: 'check checksums, files, order and the database integrity; exit 0 only if all hold',
    usage: 'strata validate [--json]',
    positionals: 0,
    options: { ...POLICY_OPTIONS },
  },
  create: {
    summary: 'scaffold the next migration file',
    usage: 'strata create NAME [--sql|--ts]',
    positionals: 1,
    options: {
      sql: { type: 'boolean', description: 'a .sql file with -- migrate:up / -- migrate:down (default)' },
      ts: { type: 'boolean', description: 'a TypeScript module exporting up(ctx) and down(ctx)' },
    },
  },
  repair: {
    summary: 'record what happened to a step that failed outside a transaction, or accept edited files',
    usage: 'strata repair V --applied | --rolled-back    |    strata repair --checksums',
    positionals: 1,
    options: {
      applied: { type: 'boolean', description: "the migration's changes are in the database: mark it applied" },
      'rolled-back': { type: 'boolean', description: 'they are not (or were undone by hand): remove it from the ledger, it becomes pending' },
      checksums: { type: 'boolean', description: "set the ledger's checksums to the current files' (after intended edits)" },
    },
  },
  backup: {
    summary: 'back up the database, or list, verify, restore, delete and prune its backups',
    usage: 'strata backup create [--description TEXT] | list | verify ID | restore ID [--to PATH] | delete ID | prune',
    positionals: 2,
    options: {
      description: { type: 'string', description: 'create: what this backup is for', value: 'text' },
      to: { type: 'string', description: 'restore: write the database to this new path instead of replacing it', value: 'path' },
      ...BACKUP_OPTIONS,
    },
  },
  import: {
    summary: 'import legacy data (Dexie exports, Redux Persist, JSON config and arrays) into the database, as a config file says',
    usage: 'strata import <config.json|config.ts> [--dry-run] [--force] [--no-backup] [--json]',
    positionals: 1,
    options: {
      'dry-run': { type: 'boolean', description: "run every importer's prepare and print the counts; change nothing" },
      force: { type: 'boolean', description: 'run an import that already completed again (from a clean target)' },
      ...NO_BACKUP,
      ...BACKUP_OPTIONS,
    },
  },
  backfill: {
    summary: 'run (or resume) a batched, resumable data migration over a table, or list backfills',
    usage: 'strata backfill NAME --table T --set "col = expr" [--where COND] [--key id] [--batch-size N] [--delay-ms N] | strata backfill FILE.ts | strata backfill --status',
    positionals: 1,
    options: {
      table: { type: 'string', description: 'the table to walk (for backfill, not the ledger)', value: 'name' },
      set: { type: 'string', description: 'the assignments of each batch\'s UPDATE, e.g. "email_lower = lower(email)"', value: 'sql' },
      statement: { type: 'string', description: 'or a statement run per batch, with :keys, :first, :last', value: 'sql' },
      where: { type: 'string', description: 'only rows matching this SQL condition', value: 'sql' },
      key: { type: 'string', description: 'the column walked, unique and indexed (default id)', value: 'column' },
      'batch-size': { type: 'string', description: 'rows per batch and per transaction (default 100)', value: 'N' },
      'delay-ms': { type: 'string', description: 'pause between batches (default 0)', value: 'ms' },
      restart: { type: 'boolean', description: 'start over from the first key, even if it completed' },
      status: { type: 'boolean', description: "list every backfill's checkpoint (done, total, last key, status)" },
    },
  },
  log: {
    summary: 'show the migration journal (every run, step, failure, backup and its metrics), or export it',
    usage: 'strata log [--level L] [--since T] [--until T] [--migration V] [--run ID] [--limit N] [--export json|csv]',
    positionals: 0,
    options: {
      level: { type: 'string', description: 'the lowest level shown: DEBUG, INFO, WARN or ERROR', value: 'L' },
      since: { type: 'string', description: 'entries at or after T (an ISO date/time, or 30m, 2h, 7d ago)', value: 'T' },
      until: { type: 'string', description: 'entries at or before T', value: 'T' },
      migration: { type: 'string', description: "one migration's entries, by version", value: 'V' },
      run: { type: 'string', description: "one run's entries, by run id", value: 'ID' },
      limit: { type: 'string', description: 'the newest N entries', value: 'N' },
      export: { type: 'string', description: 'print the entries as json or csv', value: 'json|csv' },
      'journal-file': { type: 'string', description: "a document store's JSON-lines journal instead of the database's", value: 'path' },
    },
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export interface ParsedCommand {
  command: CommandName | undefined;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** Every `--var name=value`, in order. */
  vars?: string[];
  /** Every `--database` given (each may be a comma list), in order. */
  databases?: string[];
}

export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  const command = findCommand(argv);
  const spec: CommandSpec | undefined = command ? COMMANDS[command] : undefined;
  const options = { ...GLOBAL_OPTIONS, ...spec?.options };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: parseArgsOptions(options), allowPositionals: true, strict: true });
  } catch (error) {
    throw usage((error as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, ''), command ? `see 'strata ${command} --help'` : "see 'strata --help'");
  }
  const positionals = [...parsed.positionals];
  if (command) positionals.splice(positionals.indexOf(command), 1);
  if (spec && positionals.length > spec.positionals) {
    throw usage(`unexpected argument '${positionals[spec.positionals]}'`, `usage: ${spec.usage}`);
  }
  const { var: vars, database: databases, ...values } = parsed.values;
  return { command, values: values as ParsedCommand['values'], positionals, vars: vars as string[] | undefined, databases: databases as string[] | undefined };
}

/**
 * The first positional, knowing which flags take a value, so `strata --dir db/migrations migrate`
 * finds `migrate` and not the folder.
 */
function findCommand(argv: readonly string[]): CommandName | undefined {
  const everyOption: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const spec of Object.values(COMMANDS) as CommandSpec[]) Object.assign(everyOption, spec.options);
  const { tokens } = parseArgs({ args: [...argv], options: parseArgsOptions(everyOption), allowPositionals: true, strict: false, tokens: true });
  const first = tokens.find((token) => token.kind === 'positional');
  if (!first || first.kind !== 'positional') return undefined;
  if (first.value in COMMANDS) return first.value as CommandName;
  throw usage(`unknown command '${first.value}'`, `the commands are: ${Object.keys(COMMANDS).join(', ')}`);
}

function parseArgsOptions(options: Record<string, OptionSpec>): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k, { type: v.type, ...('short' in v ? { short: v.short } : {}), ...('multiple' in v ? { multiple: v.multiple } : {}) }]));
}

export function usage(message: string, hint?: string): StrataError {
  return new StrataError(ErrorCode.USAGE, message, hint === undefined ? {} : { hint });
}

export function helpText(command?: CommandName): string {
  const describe = (options: Record<string, OptionSpec>) =>
    Object.entries(options)
      .map(([name, o]) => `  ${`--${name}${o.value ? ` <${o.value}>` : ''}`.padEnd(30)} ${o.description}`)
      .join('\n');
  if (command) {
    const spec: CommandSpec = COMMANDS[command];
    const own = Object.keys(spec.options).length ? `\n\nOptions:\n${describe(spec.options)}` : '';
    return `Usage: ${spec.usage}\n\n${spec.summary}${own}\n\nGlobal options:\n${describe(GLOBAL_OPTIONS)}\n`;
  }
  const commands = Object.entries(COMMANDS)
    .map(([name, spec]) => `  ${name.padEnd(10)} ${spec.summary}`)
    .join('\n');
  return `Usage: strata <command> [options]\n\nCommands:\n${commands}\n\nGlobal options:\n${describe(GLOBAL_OPTIONS)}\n\nRun 'strata <command> --help' for a command's options.\n`;
}

/** `--var name=value` flags as placeholder values (a later one wins). */
export function varOptions(vars: readonly string[] | undefined): Record<string, string> | undefined {
  if (!vars?.length) return undefined;
  const values: Record<string, string> = {};
  for (const pair of vars) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw usage(`--var expects name=value, got '${pair}'`, 'e.g. --var schema=app (the value may be empty: --var suffix=)');
    values[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return values;
}

export function integerOption(value: string | boolean | undefined, flag: string, minimum = 0): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < minimum) {
    throw usage(`${flag} expects ${minimum > 0 ? 'a positive' : 'a non-negative'} integer, got '${value}'`, `e.g. ${flag} ${Math.max(minimum, 1)}`);
  }
  return Number(value);
}
