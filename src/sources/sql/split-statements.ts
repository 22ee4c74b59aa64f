/**
 * Splits a SQL script into statements without a full parser: it understands what can hide a `;`
 * (string literals, quoted identifiers, comments, PostgreSQL dollar quotes, trigger and routine
 * bodies `BEGIN ... END`, `CASE ... END` inside them) and remembers where each statement starts,
 * so a failure can name its statement number and line.
 */

/** The SQL a dialect speaks (PGlite speaks 'postgres'): what code migrations see as `ctx.dialect`. */
export type SqlDialect = 'sqlite' | 'postgres' | 'mysql';

/**
 * What can hide a `;` or a comment marker in a dialect's SQL, so the splitter, the placeholder
 * scanner and the file parser branch on features, not on dialect names. A dialect's module
 * gives its own (`Dialect.lexer`); SQL_LEXERS holds the three families' for callers that name one.
 */
export interface SqlLexer {
  /** `# comment` (MySQL). */
  readonly hashComments: boolean;
  /** `$$ ... $$` and `$tag$ ... $tag$` (PostgreSQL). */
  readonly dollarQuotes: boolean;
  /** Backslash escapes in string literals: always (MySQL), only in `E'...'` (PostgreSQL), never (SQLite). */
  readonly backslashEscapes: 'always' | 'e-strings' | 'never';
  /** `"..."` is a string, so backslashes escape in it too (MySQL's default). */
  readonly doubleQuotedStrings: boolean;
  /** `[identifier]` (SQLite). */
  readonly bracketIdentifiers: boolean;
  /** `/* /* nested *\/ *\/` (PostgreSQL). */
  readonly nestedBlockComments: boolean;
  /** The `DELIMITER` client command (MySQL). */
  readonly delimiterCommand: boolean;
  /** Blocks close with `END IF`, `END LOOP`..., and `LOOP`, `REPEAT`, `WHILE` open one (MySQL's compound statements). */
  readonly compoundStatements: boolean;
  /** `PRAGMA foreign_keys = ...` is a no-op inside a transaction, so the file parser lifts it out (SQLite). */
  readonly foreignKeysPragma: boolean;
}

/** The lexers of the three SQL families, for callers that name a family (`splitStatements(text, { dialect: 'mysql' })`). */
export const SQL_LEXERS: Readonly<Record<SqlDialect, SqlLexer>> = {
  sqlite: {
    hashComments: false,
    dollarQuotes: false,
    backslashEscapes: 'never',
    doubleQuotedStrings: false,
    bracketIdentifiers: true,
    nestedBlockComments: false,
    delimiterCommand: false,
    compoundStatements: false,
    foreignKeysPragma: true,
  },
  postgres: {
    hashComments: false,
    dollarQuotes: true,
    backslashEscapes: 'e-strings',
    doubleQuotedStrings: false,
    bracketIdentifiers: false,
    nestedBlockComments: true,
    delimiterCommand: false,
    compoundStatements: false,
    foreignKeysPragma: false,
  },
  mysql: {
    hashComments: true,
    dollarQuotes: false,
    backslashEscapes: 'always',
    doubleQuotedStrings: true,
    bracketIdentifiers: false,
    nestedBlockComments: false,
    delimiterCommand: true,
    compoundStatements: true,
    foreignKeysPragma: false,
  },
};

/** A family's name or a lexer: what the scanners accept. */
export type SqlSyntax = SqlDialect | SqlLexer;

export function lexerOf(syntax: SqlSyntax = 'sqlite'): SqlLexer {
  return typeof syntax === 'string' ? SQL_LEXERS[syntax] : syntax;
}

/** Whether a `'` at `quote` starts a literal where backslashes escape. */
export function backslashEscapesAt(lexer: SqlLexer, text: string, quote: number): boolean {
  return lexer.backslashEscapes === 'always' || (lexer.backslashEscapes === 'e-strings' && /[eE]/.test(text[quote - 1] ?? ''));
}

export interface SplitStatement {
  /** 1-based position in the script. */
  index: number;
  /** 1-based line (plus the caller's offset) where the statement's first token stands. */
  line: number;
  /** 1-based column of that token. */
  column: number;
  /** The statement without its terminating delimiter. Inner comments are kept. */
  sql: string;
}

export interface SplitOptions {
  /** The family whose SQL this is (default sqlite); `lexer` takes precedence. */
  dialect?: SqlDialect;
  lexer?: SqlLexer;
  /** Added to every line number: the script's first line within its file, minus one. */
  lineOffset?: number;
}

/** Statements that may contain `BEGIN ... END` blocks whose `;` do not end the statement. */
const BLOCK_OWNERS = new Set(['TRIGGER', 'PROCEDURE', 'FUNCTION', 'EVENT']);

export function splitStatements(text: string, options: SplitOptions = {}): SplitStatement[] {
  const lexer = options.lexer ?? lexerOf(options.dialect);
  const lineOffset = options.lineOffset ?? 0;
  const statements: SplitStatement[] = [];

  let delimiter = ';';
  let line = 1;
  let lineStart = 0;
  let start = -1; // index of the current statement's first token, -1 before it
  let startLine = 0;
  let startColumn = 0;
  let words: string[] = []; // the first words of the current statement, upper-cased
  let ownsBlocks = false;
  let depth = 0;

  const markStart = (at: number): void => {
    if (start !== -1) return;
    start = at;
    startLine = line;
    startColumn = at - lineStart + 1;
  };
  const finish = (end: number): void => {
    if (start !== -1) {
      const sql = text.slice(start, end).trim();
      if (sql) {
        statements.push({ index: statements.length + 1, line: startLine + lineOffset, column: startColumn, sql });
      }
    }
    start = -1;
    words = [];
    ownsBlocks = false;
    depth = 0;
  };
  /** Advances over text[from, to) counting newlines; returns `to`. */
  const advance = (from: number, to: number): number => {
    for (let k = from; k < to; k++) {
      if (text.charCodeAt(k) === 10) {
        line++;
        lineStart = k + 1;
      }
    }
    return to;
  };

  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;

    // mysql's client-side DELIMITER directive, honoured at a statement boundary.
    if (lexer.delimiterCommand && start === -1 && /^delimiter[ \t]/i.test(text.slice(i, i + 10))) {
      const eol = text.indexOf('\n', i);
      const lineEnd = eol === -1 ? n : eol;
      delimiter = text.slice(i + 9, lineEnd).trim() || ';';
      i = advance(i, lineEnd);
      continue;
    }

    if (ch === '\n') {
      line++;
      lineStart = i + 1;
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }

    // Comments.
    if ((ch === '-' && text[i + 1] === '-') || (ch === '#' && lexer.hashComments)) {
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? n : eol;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      i = advance(i, skipBlockComment(text, i, lexer.nestedBlockComments));
      continue;
    }

    // Statement delimiter (outside blocks).
    if (depth === 0 && text.startsWith(delimiter, i)) {
      finish(i);
      i += delimiter.length;
      continue;
    }

    markStart(i);

    // Quoted text: strings and identifiers.
    if (ch === "'") {
      i = advance(i, skipQuoted(text, i, "'", backslashEscapesAt(lexer, text, i)));
      continue;
    }
    if (ch === '"' || ch === '`') {
      i = advance(i, skipQuoted(text, i, ch, lexer.doubleQuotedStrings && ch === '"'));
      continue;
    }
    if (ch === '[' && lexer.bracketIdentifiers) {
      const close = text.indexOf(']', i + 1);
      i = advance(i, close === -1 ? n : close + 1);
      continue;
    }
    if (ch === '$' && lexer.dollarQuotes) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = advance(i, close === -1 ? n : close + tag[0].length);
        continue;
      }
    }

    // Words: they decide whether `;` ends the statement.
    if (isWordStart(ch)) {
      let end = i + 1;
      while (end < n && isWordPart(text[end]!)) end++;
      const word = text.slice(i, end).toUpperCase();
      if (words.length < 8) {
        words.push(word);
        if (words[0] === 'CREATE' && BLOCK_OWNERS.has(word)) ownsBlocks = true;
      }
      if (ownsBlocks) {
        if (word === 'BEGIN' || (word === 'CASE' && depth > 0)) depth++;
        else if (word === 'END' && depth > 0) {
          // mysql closes blocks with `END IF`, `END LOOP`...: swallow the keyword so it does not
          // open a block. IF never opened one (IF() is also a function), so `END IF` closes none.
          const after = lexer.compoundStatements ? /^\s+(IF|LOOP|WHILE|REPEAT|CASE)\b/i.exec(text.slice(end, end + 16)) : null;
          if (after) end += after[0].length;
          if (after?.[1]?.toUpperCase() !== 'IF') depth--;
        } else if (lexer.compoundStatements && depth > 0 && (word === 'LOOP' || word === 'REPEAT' || word === 'WHILE')) {
          depth++;
        }
      }
      i = end;
      continue;
    }
    i++;
  }
  finish(n);
  return statements;
}

function isWordStart(ch: string): boolean {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch === '_';
}

function isWordPart(ch: string): boolean {
  return isWordStart(ch) || (ch >= '0' && ch <= '9') || ch === '$';
}

/** Index just past the closing quote (doubled quotes escape; optionally backslashes too). */
export function skipQuoted(text: string, open: number, quote: string, backslashEscapes: boolean): number {
  let k = open + 1;
  while (k < text.length) {
    const c = text[k]!;
    if (backslashEscapes && c === '\\') {
      k += 2;
      continue;
    }
    if (c === quote) {
      if (text[k + 1] === quote) {
        k += 2;
        continue;
      }
      return k + 1;
    }
    k++;
  }
  return text.length;
}

/** Index just past the comment; PostgreSQL block comments nest. */
export function skipBlockComment(text: string, open: number, nests: boolean): number {
  let depth = 1;
  let k = open + 2;
  while (k < text.length && depth > 0) {
    if (text[k] === '*' && text[k + 1] === '/') {
      depth--;
      k += 2;
    } else if (nests && text[k] === '/' && text[k + 1] === '*') {
      depth++;
      k += 2;
    } else k++;
  }
  return k;
}
