/**
 * The one schema a config file is checked against: every key, its type, its allowed values and
 * ranges, written by hand (no runtime dependency) so that each refusal names the key
 * (`backup.keepCount`) and what it accepts. Unknown keys, `__proto__` included, are refused.
 * The settings that need more than a shape (placeholders, placeholderPattern, databases, the lint
 * rule IDs) are checked after this, in config.ts; `fleet` by `strata fleet`.
 */
import { ErrorCode, StrataError } from 'strata-migrate';
import { nearestName } from 'strata-migrate/tooling';

/** The largest timer Node honours (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

type Rule =
  | { kind: 'string' }
  | { kind: 'boolean' }
  | { kind: 'number'; integer: boolean; min: number; max: number; unit?: string }
  | { kind: 'enum'; values: readonly (string | boolean)[] }
  | { kind: 'object'; keys: Readonly<Record<string, Rule>> }
  | { kind: 'any-of'; rules: readonly Rule[] }
  /** An object of any keys whose values config.ts checks (placeholders, databases). */
  | { kind: 'map'; of: string }
  /** Checked elsewhere (config.ts): only its presence is known here. */
  | { kind: 'checked-later' };

const string: Rule = { kind: 'string' };
const boolean: Rule = { kind: 'boolean' };
const integer = (min: number, max: number, unit?: string): Rule => ({ kind: 'number', integer: true, min, max, unit });
const number = (min: number, max: number, unit?: string): Rule => ({ kind: 'number', integer: false, min, max, unit });
const oneOf = (...values: (string | boolean)[]): Rule => ({ kind: 'enum', values });
const object = (keys: Record<string, Rule>): Rule => ({ kind: 'object', keys });
const anyOf = (...rules: Rule[]): Rule => ({ kind: 'any-of', rules });
const later: Rule = { kind: 'checked-later' };
const map = (of: string): Rule => ({ kind: 'map', of });

const duration = anyOf(integer(0, MAX_TIMER_MS, 'ms'), string);

const PRAGMAS = object({
  // "off" and "memory" are left out on purpose: without a journal on disk a crash mid-step
  // leaves a half-applied, possibly corrupt database, which every other promise here rests on.
  journalMode: oneOf('wal', 'delete', 'truncate', 'persist'),
  synchronous: oneOf('off', 'normal', 'full', 'extra'),
  busyTimeoutMs: integer(0, MAX_TIMER_MS, 'ms'),
  foreignKeys: boolean,
});

const BACKUP = anyOf(
  oneOf(false),
  object({
    dir: string,
    keepDays: number(Number.MIN_VALUE, 36_500, 'days'),
    keepCount: integer(1, 1_000_000),
    compression: anyOf(oneOf(false), integer(0, 9)),
    codec: oneOf('gzip', 'zstd'),
    check: oneOf('structure', 'full'),
    encrypt: boolean,
    keyFile: string,
    keyEnv: string,
    passphraseEnv: string,
  }),
);

const JOURNAL = anyOf(boolean, object({ level: oneOf('debug', 'info', 'warn', 'error', 'DEBUG', 'INFO', 'WARN', 'ERROR'), table: string }));

/** Every top-level setting (the keys of StrataConfig). */
export const CONFIG_SCHEMA = object({
  db: string,
  dir: string,
  format: string,
  table: string,
  lockTimeoutMs: integer(0, MAX_TIMER_MS, 'ms'),
  allowChanged: boolean,
  allowMissing: boolean,
  allowOutOfOrder: boolean,
  pragmas: PRAGMAS,
  schema: string,
  journal: JOURNAL,
  statementTimeout: duration,
  dbLockTimeout: duration,
  backup: BACKUP,
  placeholders: map('name: value (strings)'),
  placeholderPattern: later,
  dumpSchema: string,
  drift: oneOf('error', 'warn', 'off'),
  databases: map('name: settings'),
  lint: anyOf(oneOf(false), object({ rules: map('rule ID: "error" | "warn" | "off"') })),
  // Its shape (globs, lists, groups) is checked by `strata fleet`, the one command that reads it.
  fleet: later,
});

/** The top-level keys, for messages and for callers that list them. */
export const CONFIG_KEYS: readonly string[] = Object.keys((CONFIG_SCHEMA as { keys: Record<string, Rule> }).keys);

/** What a rule accepts, in words: `an integer from 1 to 1000000`, `"wal", "delete", ...`. */
function describe(rule: Rule): string {
  switch (rule.kind) {
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'number': {
      const what = rule.integer ? 'an integer' : 'a number';
      const low = rule.min === Number.MIN_VALUE ? 'above 0' : `from ${rule.min}`;
      return `${what} ${low} to ${rule.max}${rule.unit ? ` ${rule.unit}` : ''}`;
    }
    case 'enum':
      return rule.values.map((v) => JSON.stringify(v)).join(', ');
    case 'object':
      return `an object with ${Object.keys(rule.keys).join(', ')}`;
    case 'any-of':
      return rule.rules.map(describe).join(', or ');
    case 'map':
      return `an object of ${rule.of}`;
    case 'checked-later':
      return 'see the docs';
  }
}

function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? typeof value;
}

/** The first problem with `value` against `rule` at `path`, or undefined when it fits. */
function problem(rule: Rule, value: unknown, path: string): { path: string; message: string; hint?: string } | undefined {
  const wrong = () => ({ path, message: `${path} must be ${describe(rule)}, got ${shown(value)}` });
  switch (rule.kind) {
    case 'string':
      return typeof value === 'string' ? undefined : wrong();
    case 'boolean':
      return typeof value === 'boolean' ? undefined : wrong();
    case 'number':
      if (typeof value !== 'number' || Number.isNaN(value) || value < rule.min || value > rule.max || (rule.integer && !Number.isInteger(value)))
        return wrong();
      return undefined;
    case 'enum':
      return rule.values.includes(value as string | boolean) ? undefined : wrong();
    case 'any-of': {
      const found = rule.rules.map((alternative) => problem(alternative, value, path));
      if (found.some((p) => p === undefined)) return undefined;
      // An object or a number that fits no alternative: the problem inside the alternative of its
      // own type (`unknown setting "backup.keep"`) says more than the list of alternatives.
      const own = rule.rules.findIndex(
        (alternative) =>
          (alternative.kind === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value)) ||
          (alternative.kind === 'number' && typeof value === 'number'),
      );
      return own >= 0 && rule.rules[own]!.kind === 'object' ? found[own] : wrong();
    }
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value) || value instanceof RegExp) return wrong();
      for (const [key, setting] of Object.entries(value)) {
        const where = path ? `${path}.${key}` : key;
        // hasOwn: "__proto__" (a JSON key like any other) must not find Object.prototype.
        if (!Object.hasOwn(rule.keys, key)) {
          const near = nearestName(key, Object.keys(rule.keys));
          return {
            path: where,
            message: `unknown setting "${where}"${near ? `; did you mean "${path ? `${path}.` : ''}${near}"?` : ''}`,
            hint: `known ${path ? `${path} settings` : 'settings'}: ${Object.keys(rule.keys).join(', ')}`,
          };
        }
        const inner = problem(rule.keys[key]!, setting, where);
        if (inner) return inner;
      }
      return undefined;
    }
    case 'map':
      return value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RegExp) ? undefined : wrong();
    case 'checked-later':
      return undefined;
  }
}

/** Throws CONFIG_INVALID naming `file`, the key and what it accepts, at the first setting that does not fit. */
export function checkConfigSchema(value: unknown, file: string): void {
  const found = problem(CONFIG_SCHEMA, value, '');
  if (!found) return;
  throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: ${found.message}`, {
    hint: found.hint ?? `set ${found.path} to ${describeAt(found.path)}, or leave it out for the default`,
    details: { file, key: found.path },
  });
}

function describeAt(path: string): string {
  let rule: Rule = CONFIG_SCHEMA;
  for (const key of path.split('.')) {
    const next: Rule | undefined =
      rule.kind === 'object'
        ? rule.keys[key]
        : rule.kind === 'any-of'
          ? rule.rules.find((r): r is Extract<Rule, { kind: 'object' }> => r.kind === 'object')?.keys[key]
          : undefined;
    if (!next) return 'an allowed value';
    rule = next;
  }
  return describe(rule);
}
