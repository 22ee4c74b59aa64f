/**
 * The SQL files this process has parsed, by lexer and text: a process that migrates many fresh
 * databases from one folder (a test suite, a fleet's worker, a benchmark) splits each file once.
 * Parsing is a pure function of the lexer and the text, and nothing downstream changes a parsed
 * body, so one result serves every run. Failed parses are not kept (their errors name the file,
 * which is not part of the key). Bounded by files and by characters kept; the oldest go first.
 */
import { parseSqlMigration, type ParsedSqlFile } from './parse-sql-migration.js';
import { lexerOf, type SqlLexer, type SqlSyntax } from './split-statements.js';

export const PARSE_MEMO_MAX_FILES = 4096;
export const PARSE_MEMO_MAX_CHARS = 4_000_000;

/** A small number per lexer object, so that one flat map (insertion-ordered: oldest first) holds every lexer's files. */
const lexerIds = new WeakMap<SqlLexer, number>();
let nextLexerId = 0;
const parsed = new Map<string, ParsedSqlFile>();
let charsKept = 0;

/** parseSqlMigration, memoised: the same text with the same lexer returns the same (shared, never changed) result. */
export function parseSqlMigrationMemo(text: string, syntax: SqlSyntax, file?: string): ParsedSqlFile {
  const lexer = lexerOf(syntax);
  let id = lexerIds.get(lexer);
  if (id === undefined) lexerIds.set(lexer, (id = nextLexerId++));
  const key = `${id}\u0000${text}`;
  const found = parsed.get(key);
  if (found) return found;
  const fresh = parseSqlMigration(text, lexer, file);
  if (key.length <= PARSE_MEMO_MAX_CHARS) {
    parsed.set(key, fresh);
    charsKept += key.length;
    for (const oldest of parsed.keys()) {
      if (parsed.size <= PARSE_MEMO_MAX_FILES && charsKept <= PARSE_MEMO_MAX_CHARS) break;
      parsed.delete(oldest);
      charsKept -= oldest.length;
    }
  }
  return fresh;
}

/** How much the memo holds (for tests). */
export function parseMemoSize(): { files: number; chars: number } {
  return { files: parsed.size, chars: charsKept };
}

/** Empties the memo (for tests). */
export function clearParseMemo(): void {
  parsed.clear();
  charsKept = 0;
}
