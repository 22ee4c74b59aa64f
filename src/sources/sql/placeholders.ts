/**
 * Placeholders in SQL migration files, as Flyway has them: `${schema}` in a file is replaced by
 * the value configured for `schema` when the migration is loaded, before its statements are split.
 *
 * - Where: everywhere in the SQL, string literals, quoted identifiers and dollar-quoted bodies
 *   included, except in comments (`-- ...`, `/* ... *\/`, mysql `#`). Comments are left exactly
 *   as written, so a commented-out line, a dbmate `-- migrate:up` marker or a note such as
 *   `-- set :SCHEMA in the config` never needs a value. (Inside a dollar-quoted function body
 *   everything is body text and is replaced, its comments too.)
 * - Values are inserted verbatim, not quoted or escaped: they are trusted configuration, like the
 *   SQL files themselves. Replacement is single-pass: a value containing `${x}` stays as it is.
 * - A placeholder with no value is an error (PLACEHOLDER_UNKNOWN) naming the file, line and column.
 * - The pattern: a template with the word `name` (any identifier) or `NAME` (upper-case ones only)
 *   where the name goes, such as `${name}` (the default), `:NAME` or `{{name}}`; a template that
 *   starts with `:` never matches a `::type` cast nor text glued to a word (`'jobs:insert'`).
 *   Or a regular expression with one capture group for the name (or a group called `name`),
 *   given as a RegExp or, in a config file, as a string `/source/flags`.
 *
 * Checksums are computed over the file as written, not the replaced text: changing a value must
 * not make every applied migration that uses it look edited.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import { backslashEscapesAt, lexerOf, skipBlockComment, skipQuoted, type SqlLexer, type SqlSyntax } from './split-statements.js';

export const DEFAULT_PLACEHOLDER_PATTERN = '${name}';

export type PlaceholderValues = Readonly<Record<string, string>>;

/** A pattern ready to use: a global RegExp and where in a match the name is. */
export interface PlaceholderPattern {
  readonly regex: RegExp;
  /** The capture group holding the name: 1, or 'name' for a named group. */
  readonly group: number | 'name';
  /** The pattern as the user gave it. */
  readonly source: string;
}

const ANY_NAME = '[A-Za-z_][A-Za-z0-9_]*';
const UPPER_NAME = '[A-Z_][A-Z0-9_]*';
// A `:` placeholder follows an even run of colons (`):::X` is a cast then :X) or a character that
// is neither a colon nor part of a word (so `::json` and `'jobs:insert'` are not placeholders).
const AFTER_COLON_RULE = '(?<=(?:^|[^:])(?:::)+|^|[^:A-Za-z0-9_])';

const compiled = new Map<string, PlaceholderPattern>();

/**
 * Checks and compiles a pattern (default `${name}`); throws CONFIG_INVALID when it cannot work.
 * `where` prefixes the message (a config file's path).
 */
export function compilePlaceholderPattern(pattern: string | RegExp = DEFAULT_PLACEHOLDER_PATTERN, where?: string): PlaceholderPattern {
  if (pattern instanceof RegExp) return fromRegExp(pattern, where);
  const cached = compiled.get(pattern);
  if (cached) return cached;
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  let result: PlaceholderPattern;
  if (literal) {
    let regex: RegExp;
    try {
      regex = new RegExp(literal[1]!, literal[2]);
    } catch (error) {
      throw invalidPattern(pattern, `it is not a valid regular expression (${(error as Error).message})`, where);
    }
    result = fromRegExp(regex, where, pattern);
  } else {
    result = fromTemplate(pattern, where);
  }
  compiled.set(pattern, result);
  return result;
}

function fromTemplate(template: string, where: string | undefined): PlaceholderPattern {
  const words = [...template.matchAll(/name|NAME/g)];
  if (words.length !== 1) {
    throw invalidPattern(template, "write the word 'name' (or 'NAME' for upper-case names only) once where the name goes, e.g. ${name} or :NAME", where);
  }
  const at = words[0]!.index!;
  const prefix = template.slice(0, at);
  const suffix = template.slice(at + 4);
  if (!prefix || /\s/.test(prefix + suffix)) {
    throw invalidPattern(template, 'the name needs something before it (e.g. ${name} or :NAME) and the pattern no spaces', where);
  }
  const name = words[0]![0] === 'NAME' ? UPPER_NAME : ANY_NAME;
  let source = prefix.startsWith(':') ? AFTER_COLON_RULE : '';
  source += `${escapeRegExp(prefix)}(${name})${escapeRegExp(suffix)}`;
  if (!suffix) source += '(?![A-Za-z0-9_])';
  return { regex: new RegExp(source, 'g'), group: 1, source: template };
}

function fromRegExp(regex: RegExp, where: string | undefined, given = String(regex)): PlaceholderPattern {
  const flags = regex.flags.replace(/[gy]/g, '');
  const groups = new RegExp(`${regex.source}|`, flags).exec('')!;
  if (groups.length < 2) {
    throw invalidPattern(given, 'a regular expression needs a capture group for the name, e.g. /:([A-Z_][A-Z0-9_]*)\\b/', where);
  }
  const named = groups.groups !== undefined && 'name' in groups.groups;
  return { regex: new RegExp(regex.source, `${flags}g`), group: named ? 'name' : 1, source: given };
}

function invalidPattern(pattern: string, why: string, where: string | undefined): StrataError {
  return new StrataError(ErrorCode.CONFIG_INVALID, `${where ? `${where}: ` : ''}placeholderPattern ${JSON.stringify(pattern)} cannot be used: ${why}`, {
    hint: "use a template such as '${name}' (the default), ':NAME' or '{{name}}', or a regular expression with one capture group",
    details: { placeholderPattern: pattern },
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Returns `text` with every placeholder outside comments replaced by its value. `file` names the
 * file in errors; `syntax` (a family or a dialect's lexer) decides what is a comment or a quote
 * (mysql `#`, PostgreSQL `$$`).
 */
export function replacePlaceholders(
  text: string,
  values: PlaceholderValues,
  pattern: string | RegExp | PlaceholderPattern = DEFAULT_PLACEHOLDER_PATTERN,
  file = 'the migration',
  syntax: SqlSyntax = 'sqlite',
): string {
  const compiledPattern = typeof pattern === 'string' || pattern instanceof RegExp ? compilePlaceholderPattern(pattern) : pattern;
  const { regex, group } = compiledPattern;
  regex.lastIndex = 0;
  if (!regex.test(text)) return text;
  regex.lastIndex = 0;

  const comments = commentRanges(text, lexerOf(syntax));
  let c = 0;
  let out = '';
  let copied = 0;
  const unknown: { name: string; written: string; at: number }[] = [];
  for (const match of text.matchAll(regex)) {
    const at = match.index!;
    const name = group === 'name' ? match.groups?.name : match[1];
    if (!match[0] || name === undefined) continue;
    while (c < comments.length && comments[c]![1] <= at) c++;
    if (c < comments.length && comments[c]![0] <= at) continue;
    if (!Object.hasOwn(values, name)) {
      unknown.push({ name, written: match[0], at });
      continue;
    }
    out += text.slice(copied, at) + values[name];
    copied = at + match[0].length;
  }
  if (unknown.length) throw unknownPlaceholder(text, unknown, values, compiledPattern, file);
  return out + text.slice(copied);
}

function unknownPlaceholder(
  text: string,
  unknown: { name: string; written: string; at: number }[],
  values: PlaceholderValues,
  pattern: PlaceholderPattern,
  file: string,
): StrataError {
  const first = unknown[0]!;
  const before = text.slice(0, first.at);
  const line = before.split('\n').length;
  const column = first.at - before.lastIndexOf('\n');
  const names = [...new Set(unknown.map((u) => u.name))];
  const known = Object.keys(values);
  const others = names.length > 1 ? ` (and ${names.length - 1} more: ${names.slice(1).join(', ')})` : '';
  return new StrataError(ErrorCode.PLACEHOLDER_UNKNOWN, `${file}: unknown placeholder ${first.written} at line ${line}, column ${column}${others}`, {
    hint:
      `${known.length ? `the known placeholders are ${known.join(', ')}` : 'no placeholders are set'}; ` +
      `give it a value with --var ${first.name}=VALUE, the config's "placeholders": { "${first.name}": "..." } or createMigrator({ placeholders })` +
      (pattern.source === DEFAULT_PLACEHOLDER_PATTERN ? '' : ` (placeholderPattern is ${pattern.source})`),
    details: { file, line, column, placeholder: first.name, unknown: names, known },
  });
}

/** [start, end) of every comment outside string literals, quoted identifiers and dollar quotes. */
function commentRanges(text: string, lexer: SqlLexer): [number, number][] {
  const ranges: [number, number][] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i]!;
    if ((ch === '-' && text[i + 1] === '-') || (ch === '#' && lexer.hashComments)) {
      const eol = text.indexOf('\n', i);
      const end = eol === -1 ? n : eol;
      ranges.push([i, end]);
      i = end;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = skipBlockComment(text, i, lexer.nestedBlockComments);
      ranges.push([i, end]);
      i = end;
    } else if (ch === "'") {
      i = skipQuoted(text, i, "'", backslashEscapesAt(lexer, text, i));
    } else if (ch === '"' || ch === '`') {
      i = skipQuoted(text, i, ch, lexer.doubleQuotedStrings && ch === '"');
    } else if (ch === '[' && lexer.bracketIdentifiers) {
      const close = text.indexOf(']', i + 1);
      i = close === -1 ? n : close + 1;
    } else if (ch === '$' && lexer.dollarQuotes && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? n : close + tag[0].length;
      } else i++;
    } else i++;
  }
  return ranges;
}
