/**
 * One spelling for SQL text the catalog hands back (a CHECK, a default, a view, a trigger), so
 * two databases built by the same DDL, or by DDL that differs only in spacing, keyword case or
 * identifier quoting, give equal text. It is a tokenizer, not a parser: what it changes never
 * changes what the SQL means, and its output is still valid SQL (schema dump renders it).
 *
 * Rules: comments dropped; whitespace between tokens canonical; bare words lower case (bare
 * identifiers are case-insensitive in all three families, and MySQL's catalog text quotes every
 * identifier it prints); a quoted identifier loses its quotes when it is a plain lower-case
 * name that is not a keyword; strings and numbers kept as written.
 */
import type { SqlDialect } from '../sources/sql/split-statements.js';

export type TokenKind = 'word' | 'ident' | 'string' | 'number' | 'punct';

export interface Token {
  kind: TokenKind;
  /** As written (a quoted identifier with its quotes). */
  text: string;
  /** `ident`: the name inside the quotes; `word`: lower case. */
  value: string;
}

/** Words kept quoted when used as names: a dump must stay valid SQL (`"order"`). */
const KEYWORDS = new Set(
  (
    'abort action add after all alter always analyze and as asc attach autoincrement before begin between by cascade case cast check collate column commit ' +
    'conflict constraint create cross current current_date current_time current_timestamp database default deferrable deferred delete desc detach distinct ' +
    'do drop each else end escape except exclusive exists explain fail filter first following for foreign from full generated glob group groups having if ignore ' +
    'immediate in index indexed initially inner insert instead intersect into is isnull join key last left like limit match natural no not nothing notnull null ' +
    'nulls of offset on or order others outer over partition plan pragma preceding primary query raise range recursive references regexp reindex release rename ' +
    'replace restrict returning right rollback row rows savepoint select set stored strict table temp temporary then ties to transaction trigger unbounded union ' +
    'unique update user using vacuum values view virtual when where window with without array both fetch grant leading limit only placing some symmetric ' +
    'trailing true false analyse asymmetric authorization binary concurrently freeze ilike lateral overlaps similar verbose tablesample variadic interval ' +
    'key keys change modify int integer varchar char text'
  ).split(' '),
);

/** Keywords that keep a space before `(` (`in (1, 2)`, `as (x)`); other words are calls or types and take it glued (`count(x)`, `int(11)`). */
const SPACED_BEFORE_PAREN = new Set(
  (
    'and or not in as exists check on using values when then else over filter with from join select where by any all some is like between unique ' +
    'primary key references returns table view index default constraint foreign union except intersect case distinct into set if begin'
  ).split(' '),
);

const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

/** Whether a name can be written bare in normalised text. */
export function isPlainName(name: string): boolean {
  return PLAIN_NAME.test(name) && !KEYWORDS.has(name);
}

// Sticky: matched at an index, without slicing the text at every token.
const NUMBER = /0x[0-9a-f]+|[0-9]*\.?[0-9]+(e[+-]?[0-9]+)?|[0-9]+\./iy;
const WORD = /[A-Za-z_\u0080-\uffff0-9$]+/y;
const WORD_START = /[A-Za-z_\u0080-\uffff]/;

const OPERATORS = ['->>', '::', '<=', '>=', '<>', '!=', '==', '||', '->', '<<', '>>', '~*', '!~', '@>', '<@', '&&'];

/** SQL text as tokens, comments and whitespace dropped. */
export function tokenize(sql: string, family: SqlDialect): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  const quoted = (open: string, close: string, kind: TokenKind, escapes: boolean): void => {
    let j = i + open.length;
    let value = '';
    while (j < n) {
      const c = sql[j]!;
      if (escapes && c === '\\' && j + 1 < n) {
        value += sql.slice(j, j + 2);
        j += 2;
        continue;
      }
      if (sql.startsWith(close, j)) {
        if (sql.startsWith(close + close, j) && close.length === 1) {
          value += close;
          j += 2;
          continue;
        }
        j += close.length;
        break;
      }
      value += c;
      j++;
    }
    tokens.push({ kind, text: sql.slice(i, j), value });
    i = j;
  };
  while (i < n) {
    const c = sql[i]!;
    const code = c.charCodeAt(0);
    if (code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 11 || code === 160) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '#' && family === 'mysql') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'") {
      quoted("'", "'", 'string', family === 'mysql');
    } else if (c === '"') {
      quoted('"', '"', family === 'mysql' ? 'string' : 'ident', family === 'mysql');
    } else if (c === '`') {
      quoted('`', '`', 'ident', false);
    } else if (c === '[' && family === 'sqlite') {
      quoted('[', ']', 'ident', false);
    } else if (c === '$' && family === 'postgres' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i, i + 64))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64))![0];
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end < 0 ? n : end + tag.length;
      tokens.push({ kind: 'string', text: sql.slice(i, stop), value: sql.slice(i + tag.length, end < 0 ? n : end) });
      i = stop;
    } else if ((code >= 48 && code <= 57) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(sql)!;
      tokens.push({ kind: 'number', text: m[0], value: m[0].toLowerCase() });
      i += m[0].length;
    } else if (WORD_START.test(c) || (c === '$' && family === 'postgres')) {
      WORD.lastIndex = i;
      const m = WORD.exec(sql)!;
      const word = m[0];
      // E'..', X'..', B'..', N'..': a prefixed string is one token.
      if (sql[i + word.length] === "'" && /^(e|x|b|n|_[a-z0-9]+)$/i.test(word)) {
        const start = i;
        i += word.length;
        quoted("'", "'", 'string', family === 'mysql' || word.toLowerCase() === 'e');
        const last = tokens.pop()!;
        tokens.push({ kind: 'string', text: sql.slice(start, i), value: last.value });
      } else {
        tokens.push({ kind: 'word', text: word, value: word.toLowerCase() });
        i += word.length;
      }
    } else {
      const op = OPERATORS.find((o) => sql.startsWith(o, i)) ?? c;
      tokens.push({ kind: 'punct', text: op, value: op });
      i += op.length;
    }
  }
  return tokens;
}

/** A token in its canonical spelling. */
export function spell(token: Token, family: SqlDialect): string {
  switch (token.kind) {
    case 'word':
      return token.value;
    case 'ident':
      return isPlainName(token.value) ? token.value : quoteName(token.value, family);
    default:
      return token.text;
  }
}

/** A name quoted the family's way (`"x"`, MySQL `` `x` ``); normalised text uses no other. */
export function quoteName(name: string, family: SqlDialect): string {
  return family === 'mysql' ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`;
}

/** A name as normalised text and rendered DDL write it: bare when plain, else quoted. */
export function writeName(name: string, family: SqlDialect): string {
  return isPlainName(name) ? name : quoteName(name, family);
}

const NO_SPACE_AFTER = new Set(['(', '.', '::', '[']);
const NO_SPACE_BEFORE = new Set([')', ',', '.', '::', ']', ';']);
/** After these a `-`/`+` is a sign, written against its number. */
const SIGN_CONTEXT = new Set(['(', ',', '=', '<', '>', '<=', '>=', '<>', '!=', '+', '-', '*', '/', '%', '||']);

/** Tokens back to text, spaced canonically. */
export function joinTokens(tokens: readonly Token[], family: SqlDialect): string {
  let out = '';
  let prev: Token | undefined;
  let glueNext = false;
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k]!;
    const text = spell(token, family);
    let space = out.length > 0 && !glueNext;
    if (NO_SPACE_BEFORE.has(token.value) && token.kind === 'punct') space = false;
    // A function call or a name's column list: `count(x)`, `t(a)`; a keyword keeps its space (`in (1, 2)`).
    if (token.value === '(' && token.kind === 'punct' && prev && (prev.kind === 'ident' || (prev.kind === 'word' && !SPACED_BEFORE_PAREN.has(prev.value))))
      space = false;
    if (token.value === '[' && token.kind === 'punct') space = false;
    out += (space ? ' ' : '') + text;
    glueNext = token.kind === 'punct' && NO_SPACE_AFTER.has(token.value);
    if (token.kind === 'punct' && (token.value === '-' || token.value === '+') && tokens[k + 1]?.kind === 'number') {
      if (!prev || (prev.kind === 'punct' && SIGN_CONTEXT.has(prev.value)) || (prev.kind === 'word' && KEYWORDS.has(prev.value))) glueNext = true;
    }
    prev = token;
  }
  return out;
}

/** SQL text in its canonical spelling; a trailing `;` dropped. */
export function normaliseSql(sql: string, family: SqlDialect): string {
  const key = `${family}\u0000${sql}`;
  const known = normalised.get(key);
  if (known !== undefined) return known;
  const tokens = tokenize(sql, family);
  while (tokens.length && tokens[tokens.length - 1]!.value === ';') tokens.pop();
  return remember(normalised, key, joinTokens(tokens, family));
}

/**
 * Normalised text by its source: a migration reads the schema after every step, and a schema
 * of 1,000 tables changes by a few objects per step, so most texts were normalised before.
 */
const normalised = new Map<string, string>();
const MEMO_LIMIT = 50_000;

/** Stores `value` under `key` in a memo that starts over when it grows past its limit. */
export function remember<T>(memo: Map<string, T>, key: string, value: T): T {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
  return value;
}

/** A column type: lower case, canonical spacing (`VARCHAR (100)` -> `varchar(100)`). */
export function normaliseType(type: string, family: SqlDialect): string {
  return normaliseSql(type, family).replace(/ \(/g, '(').replace(/\( /g, '(');
}

/** Tokens split on top-level commas (inside no parentheses). */
export function splitTopLevel(tokens: readonly Token[], separator = ','): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === 'punct' && token.value === '(') depth++;
    if (token.kind === 'punct' && token.value === ')') depth--;
    if (depth === 0 && token.kind === 'punct' && token.value === separator) parts.push([]);
    else parts[parts.length - 1]!.push(token);
  }
  return parts.filter((part) => part.length > 0);
}

/** The index of the `)` closing the `(` at `open`. */
export function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'punct') continue;
    if (t.value === '(') depth++;
    else if (t.value === ')' && --depth === 0) return k;
  }
  return tokens.length - 1;
}

/** Strips one pair of parentheses around the whole text, if they enclose all of it. */
export function unwrapParens(tokens: Token[]): Token[] {
  let current = tokens;
  while (current.length >= 2 && current[0]!.value === '(' && current[0]!.kind === 'punct' && closingParen(current, 0) === current.length - 1) {
    current = current.slice(1, -1);
  }
  return current;
}

/** A name token's name: quotes removed, bare words as written (SQLite keeps the case it was given). */
export function nameOf(token: Token): string {
  return token.kind === 'ident' || token.kind === 'string' ? token.value : token.text;
}

export function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token !== undefined && token.kind === 'word' && words.includes(token.value);
}
