/**
 * PostgreSQL's own parser (libpg-query: the server's grammar compiled to WASM) fills each
 * statement's `ast`, so the PostgreSQL rules read `IndexStmt.concurrent` instead of guessing from
 * text. Strata's splitter still cuts the statements (it knows Strata's file markers and gives the
 * line of each); the parser then parses each statement alone, so one it rejects leaves only that
 * statement without a tree. libpg-query is an optional peer: `parserMissingFinding` is what a
 * migrate without it reports instead of running the PostgreSQL rules.
 */
import { loadPeer } from '../targets/sql/load-peer.js';
import type { LintFile, LintStatement } from './lint-rule.js';

/** The parts of libpg-query used here, typed structurally so the peer stays optional. */
export interface PostgresParser {
  loadModule(): Promise<void>;
  parseSync(query: string): { stmts?: { stmt?: unknown }[] };
}

/** The npm package the PostgreSQL rules need. */
export const POSTGRES_PARSER_PACKAGE = 'libpg-query';

let loaded: Promise<PostgresParser> | undefined;
let importParser: () => Promise<unknown> = () => import('libpg-query');

/**
 * Swaps how the parser is imported and forgets the loaded one; returns the restore function.
 * For tests of the path without libpg-query (a user's install without it), which cannot be had
 * by uninstalling the shared package.
 */
export function replacePostgresParserImport(load: () => Promise<unknown>): () => void {
  const previous = importParser;
  importParser = load;
  loaded = undefined;
  return () => {
    importParser = previous;
    loaded = undefined;
  };
}

/**
 * The parser, loaded once per process (the WASM module takes ~40 ms to instantiate). Throws
 * DRIVER_MISSING naming `npm install libpg-query` when the package is not installed.
 */
export function loadPostgresParser(): Promise<PostgresParser> {
  loaded ??= (async () => {
    const parser = (await loadPeer(POSTGRES_PARSER_PACKAGE, 'linting PostgreSQL migrations', importParser)) as PostgresParser;
    await parser.loadModule();
    return parser;
  })();
  // A failed load is not cached: installing the package makes the next call succeed.
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}

/** Whether the parser can be loaded here, without throwing. */
export async function postgresParserAvailable(): Promise<boolean> {
  try {
    await loadPostgresParser();
    return true;
  } catch {
    return false;
  }
}

/** Whether the last file linted had the parser: `missing` when libpg-query is not installed (the rules then see no trees). */
let lastOutcome: 'parsed' | 'missing' = 'parsed';

/** Why PostgreSQL's grammar refused a statement, for `postgres/syntax-error`. */
const refusals = new WeakMap<LintStatement, string>();

/**
 * The engine's AST step for PostgreSQL files (registered in parse-ast.ts): fills `ast` on every
 * statement of the up and down (libpg-query's `RawStmt.stmt`; a text that parses to several
 * statements, a `;` the splitter missed, keeps the first) and remembers the refusals. Without
 * libpg-query it leaves the trees empty and `postgres/parser-missing` reports it once:
 * `strata lint` calls `requirePostgresParser()` first, so only `migrate` gets this far without it.
 */
export async function parsePostgresAsts(file: LintFile): Promise<void> {
  let parser: PostgresParser;
  try {
    parser = await loadPostgresParser();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'DRIVER_MISSING') throw error;
    lastOutcome = 'missing';
    return;
  }
  lastOutcome = 'parsed';
  attachPostgresAsts(parser, file);
}

/** Throws DRIVER_MISSING (with `npm install libpg-query`) unless the parser loads: what `strata lint` calls before linting PostgreSQL files. */
export async function requirePostgresParser(): Promise<void> {
  await loadPostgresParser();
}

/** Whether the trees of the file being linted are missing because libpg-query is not installed. */
export function postgresParserMissing(): boolean {
  return lastOutcome === 'missing';
}

/** PostgreSQL's message for a statement it refused, or undefined. */
export function refusalOf(statement: LintStatement): string | undefined {
  return refusals.get(statement);
}

/** A statement the parser refused: the file still lints, that statement has no tree. */
export interface PostgresParseFailure {
  statement: LintStatement;
  message: string;
}

/** Fills `ast` on the file's statements with `parser` and returns the ones it refused. */
export function attachPostgresAsts(parser: PostgresParser, file: LintFile): PostgresParseFailure[] {
  const failures: PostgresParseFailure[] = [];
  for (const statement of [...file.up, ...(file.down ?? [])]) {
    try {
      statement.ast = parser.parseSync(statement.sql).stmts?.[0]?.stmt;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      refusals.set(statement, message);
      failures.push({ statement, message });
    }
  }
  return failures;
}
