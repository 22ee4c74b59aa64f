/**
 * Command-line parsing on node:util's parseArgs, driven by the command table (command-table.ts).
 * A CLI framework was measured first: commander alone costs ~10 ms to load here, 8% of a whole
 * no-op run, for what parseArgs plus the table do.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCode, StrataError } from 'strata-migrate';
import { COMMANDS, COMMON_OPTIONS, TOP_LEVEL_OPTIONS, optionsOf, type CommandName, type CommandSpec, type OptionSpec } from './command-table.js';
import { nearestName } from 'strata-migrate/tooling';

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
  const options: Record<string, OptionSpec> = command ? optionsOf(command) : { ...COMMON_OPTIONS, ...TOP_LEVEL_OPTIONS };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: parseArgsOptions(options), allowPositionals: true, strict: true });
  } catch (error) {
    throw unknownOption((error as Error).message, command, options);
  }
  const positionals = [...parsed.positionals];
  if (command) positionals.splice(positionals.indexOf(command), 1);
  const spec: CommandSpec | undefined = command ? COMMANDS[command] : undefined;
  if (spec && positionals.length > spec.positionals) {
    throw usage(`unexpected argument '${positionals[spec.positionals]}'`, `usage: ${spec.usage}`);
  }
  if (!command && positionals.length) throw usage(`unexpected argument '${positionals[0]}'`, "see 'strata --help'");
  const { var: vars, database: databases, ...values } = canonical(parsed.values as Record<string, unknown>, options);
  return { command, values: values as ParsedCommand['values'], positionals, vars: vars as string[] | undefined, databases: databases as string[] | undefined };
}

/**
 * The first positional, knowing which flags take a value, so `strata --dir db/migrations migrate`
 * finds `migrate` and not the folder.
 */
function findCommand(argv: readonly string[]): CommandName | undefined {
  const everyOption: Record<string, OptionSpec> = { ...COMMON_OPTIONS, ...TOP_LEVEL_OPTIONS };
  for (const name of Object.keys(COMMANDS) as CommandName[]) Object.assign(everyOption, optionsOf(name));
  const { tokens } = parseArgs({ args: [...argv], options: parseArgsOptions(everyOption), allowPositionals: true, strict: false, tokens: true });
  const first = tokens.find((token) => token.kind === 'positional');
  if (first?.kind !== 'positional') return undefined;
  return commandNamed(first.value);
}

/** The command called `name`; a USAGE error suggesting the nearest one otherwise. */
export function commandNamed(name: string): CommandName {
  if (Object.hasOwn(COMMANDS, name)) return name as CommandName;
  const near = nearestName(name, Object.keys(COMMANDS));
  throw usage(`unknown command '${name}'${near ? `; did you mean '${near}'?` : ''}`, `the commands are: ${Object.keys(COMMANDS).join(', ')}`);
}

/** parseArgs' message for an option this command does not take, as a usage error that says where it belongs. */
function unknownOption(message: string, command: CommandName | undefined, options: Record<string, OptionSpec>): StrataError {
  const where = command ? `strata ${command}` : 'strata';
  const help = command ? `see 'strata ${command} --help'` : "see 'strata --help'";
  const given = /^Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  if (given === undefined) return usage(message.split('\n')[0]!.replace(/\. To specify.*$/, ''), help);
  // A one-letter flag is too short to guess from.
  if (!given.startsWith('--')) return usage(`unknown option '${given}' for ${where}`, help);
  const flag = given.slice(2);
  const takers = (Object.keys(COMMANDS) as CommandName[]).filter(
    (name) => flag in optionsOf(name) || Object.values(optionsOf(name)).some((o) => o.aliases?.includes(flag)),
  );
  const named = takers.map((name) => `strata ${name}`).join(', ');
  if (takers.length && command) return usage(`${given} is not an option of ${where}`, `${named} ${takers.length > 1 ? 'take' : 'takes'} it; ${help}`);
  if (takers.length)
    return usage(`${given} is an option of a command, and none was given`, `${named} ${takers.length > 1 ? 'take' : 'takes'} it; see 'strata --help'`);
  const near = nearestName(flag, Object.keys(options));
  return usage(`unknown option '${given}' for ${where}${near ? `; did you mean '--${near}'?` : ''}`, help);
}

/** Values under their canonical names: an alias (`--table` for backfill's `--on`) becomes the option it spells. */
function canonical(values: Record<string, unknown>, options: Record<string, OptionSpec>): Record<string, unknown> {
  const result = { ...values };
  for (const [name, spec] of Object.entries(options)) {
    for (const alias of spec.aliases ?? []) {
      if (result[alias] === undefined) continue;
      if (result[name] !== undefined) throw usage(`--${alias} and --${name} are the same option: give one`, `--${alias} is the old spelling of --${name}`);
      result[name] = result[alias];
      delete result[alias];
    }
  }
  return result;
}

function parseArgsOptions(options: Record<string, OptionSpec>): NonNullable<ParseArgsConfig['options']> {
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(options)) {
    const parsed = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: o.multiple } : {}) };
    config[name] = parsed;
    for (const alias of o.aliases ?? []) config[alias] = { type: o.type, ...(o.multiple ? { multiple: o.multiple } : {}) };
  }
  return config;
}

export function usage(message: string, hint?: string): StrataError {
  return new StrataError(ErrorCode.USAGE, message, hint === undefined ? {} : { hint });
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
