/**
 * A migration file's text as the rules see it (a LintFile): its sections (dbmate's
 * `-- migrate:up/down`, goose's `-- +goose Up/Down`, or the whole file as the up), its statements
 * as Strata's splitter cuts them (the same boundaries, lines and columns the engine runs and
 * reports), which of them run inside a transaction, and each one's text without comments.
 *
 * Unlike the engine's own parse, nothing is dropped: `PRAGMA foreign_keys` and `BEGIN`/`COMMIT`
 * stay statements here, because the rules judge what the file says, and whether it would still
 * be safe run by another tool than Strata.
 */
import { NO_TRANSACTION_MARKER, SECTION_MARKER } from '../sources/sql/parse-sql-migration.js';
import { lexerOf, type SqlLexer, skipBlockComment, skipQuoted, splitStatements } from '../sources/sql/split-statements.js';
import type { LintFamily, LintFile, LintStatement } from './lint-rule.js';

/** One file to lint, as the CLI, the migrate plugin and the tests hand it over. */
export interface LintInput {
  /** The path as messages show it. */
  path: string;
  text: string;
  family: LintFamily;
  /** A separate down file's text (`.down.sql`, Flyway's `U` file), when the migration has one. */
  downText?: string;
  /** Whether the engine wraps the up in a transaction; default: what the file's markers say. */
  transaction?: boolean;
  runtime?: 'd1';
  /** Replayed into the schema (an earlier file of the folder, a rule's setup) but not linted. */
  replayOnly?: boolean;
}

const GOOSE_SECTION = /^--\s*\+goose\s+(up|down)\s*$/gim;
const GOOSE_BLOCK = /^--\s*\+goose\s+StatementBegin[ \t]*\r?\n([\s\S]*?)^--\s*\+goose\s+StatementEnd[ \t]*$/gim;
const GOOSE_NO_TRANSACTION = /^--\s*\+goose\s+no\s+transaction\s*$/im;
const BEGIN = /^(BEGIN(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\s+(TRANSACTION|WORK))?|START\s+TRANSACTION)$/i;
const END = /^(COMMIT|END|ROLLBACK)(\s+(TRANSACTION|WORK))?$/i;

export function lintFileOf(input: LintInput): LintFile {
  const lexer = lexerOf(input.family);
  const { text } = input;
  const sections = sectionsOf(text);
  const markersSayTransaction = !NO_TRANSACTION_MARKER.test(text) && !GOOSE_NO_TRANSACTION.test(text) && !/\btransaction:false\b/.test(sections.upOptions);
  const transaction = input.transaction ?? markersSayTransaction;
  const up = statementsOf(text, sections.up, lexer, transaction);
  const down =
    sections.down !== undefined
      ? statementsOf(text, sections.down, lexer, transaction)
      : input.downText !== undefined
        ? statementsOf(input.downText, { start: 0, end: input.downText.length }, lexer, transaction)
        : undefined;
  return {
    path: input.path,
    family: input.family,
    text,
    up,
    down,
    transaction,
    ...(input.runtime ? { runtime: input.runtime } : {}),
  };
}

interface Range {
  start: number;
  end: number;
}

function sectionsOf(text: string): { up: Range; down: Range | undefined; upOptions: string } {
  const markers = [...text.matchAll(SECTION_MARKER)].map((m) => ({
    kind: m[1]!.toLowerCase(),
    at: m.index ?? 0,
    end: (m.index ?? 0) + m[0].length,
    options: m[2] ?? '',
  }));
  const found = markers.length
    ? markers
    : [...text.matchAll(GOOSE_SECTION)].map((m) => ({ kind: m[1]!.toLowerCase(), at: m.index ?? 0, end: (m.index ?? 0) + m[0].length, options: '' }));
  if (!found.length) return { up: { start: 0, end: text.length }, down: undefined, upOptions: '' };
  let up: Range | undefined;
  let down: Range | undefined;
  let upOptions = '';
  found.forEach((marker, k) => {
    const range = { start: marker.end, end: found[k + 1]?.at ?? text.length };
    if (marker.kind === 'up' && !up) {
      up = range;
      upOptions = marker.options;
    } else if (marker.kind === 'down' && !down) down = range;
  });
  return { up: up ?? { start: 0, end: 0 }, down, upOptions };
}

function statementsOf(text: string, range: Range, lexer: SqlLexer, transaction: boolean): LintStatement[] {
  let explicit = false;
  return piecesOf(text, range, lexer).map((split, k) => {
    const normalized = normalizeSql(split.sql, lexer);
    // BEGIN/COMMIT written in the file: Strata drops them when it wraps the step, and runs them when it does not.
    if (BEGIN.test(normalized)) explicit = true;
    const inTransaction = transaction || explicit;
    if (END.test(normalized)) explicit = false;
    return {
      index: k + 1,
      line: split.line,
      column: split.column,
      sql: split.sql,
      normalized,
      inTransaction,
    };
  });
}

interface Piece {
  line: number;
  column: number;
  sql: string;
}

/**
 * The section's statements in file order. Lines between goose's `-- +goose StatementBegin` and
 * `-- +goose StatementEnd` are one statement whatever semicolons they hold, as goose (and Strata's
 * goose reader) runs them; the rest goes through the splitter.
 */
function piecesOf(text: string, range: Range, lexer: SqlLexer): Piece[] {
  const pieces: Piece[] = [];
  let from = range.start;
  const section = text.slice(range.start, range.end);
  for (const block of section.matchAll(GOOSE_BLOCK)) {
    const at = range.start + (block.index ?? 0);
    pieces.push(...splitPieces(text, { start: from, end: at }, lexer));
    const bodyStart = at + block[0].indexOf(block[1]!);
    const sql = block[1]!.trim();
    if (sql) {
      const first = bodyStart + block[1]!.search(/\S/);
      pieces.push({ line: lineAt(text, first), column: first - (text.lastIndexOf('\n', first - 1) + 1) + 1, sql: sql.replace(/;\s*$/, '') });
    }
    from = at + block[0].length;
  }
  pieces.push(...splitPieces(text, { start: from, end: range.end }, lexer));
  return pieces;
}

function splitPieces(text: string, range: Range, lexer: SqlLexer): Piece[] {
  if (range.end <= range.start) return [];
  const lineOffset = lineAt(text, range.start) - 1;
  const columnShift = range.start - (text.lastIndexOf('\n', range.start - 1) + 1);
  return splitStatements(text.slice(range.start, range.end), { lexer, lineOffset }).map((split) => ({
    line: split.line,
    column: split.line === lineOffset + 1 ? split.column + columnShift : split.column,
    sql: split.sql,
  }));
}

/** The statement without comments, whitespace collapsed to one space; string literals and quoted names kept as written. */
export function normalizeSql(sql: string, lexer: SqlLexer): string {
  let out = '';
  let k = 0;
  let space = false;
  const n = sql.length;
  while (k < n) {
    const ch = sql[k]!;
    if ((ch === '-' && sql[k + 1] === '-') || (ch === '#' && lexer.hashComments)) {
      const eol = sql.indexOf('\n', k);
      k = eol === -1 ? n : eol;
      space = true;
      continue;
    }
    if (ch === '/' && sql[k + 1] === '*') {
      k = skipBlockComment(sql, k, lexer.nestedBlockComments);
      space = true;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      space = true;
      k++;
      continue;
    }
    if (space && out) out += ' ';
    space = false;
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = skipQuoted(sql, k, ch, ch === "'" ? lexer.backslashEscapes === 'always' : lexer.doubleQuotedStrings && ch === '"');
      out += sql.slice(k, end);
      k = end;
      continue;
    }
    out += ch;
    k++;
  }
  return out;
}

/** 1-based line of the character at `at`. */
export function lineAt(text: string, at: number): number {
  let line = 1;
  for (let k = 0; k < at; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}
