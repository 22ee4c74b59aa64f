/**
 * PostgreSQL's own parser (libpg-query: the server's grammar compiled to WASM) fills each
 * statement's `ast`, so the PostgreSQL rules read `IndexStmt.concurrent` instead of guessing from
 * text. Strata's splitter still cuts the statements (it knows Strata's file markers and gives the
 * line of each); the parser then parses each statement alone, so one it rejects leaves only that
 * statement without a tree. libpg-query is an optional peer: `parserMissingFinding` is what a
 * migrate without it reports instead of running the PostgreSQL rules.
 */
import { loadPeer } from '../targets/sql/load-peer.js';
import type { LintFile, LintFindingDraft, LintStatement } from './lint-rule.js';

/** The parts of libpg-query used here, typed structurally so the peer stays optional. */
export interface PostgresParser {
  loadModule(): Promise<void>;
  parseSync(query: string): { stmts?: { stmt?: unknown }[] };
}

/** The npm package the PostgreSQL rules need. */
export const POSTGRES_PARSER_PACKAGE = 'libpg-query';

let loaded: Promise<PostgresParser> | undefined;

/**
 * The parser, loaded once per process (the WASM module takes ~40 ms to instantiate). Throws
 * DRIVER_MISSING naming `npm install libpg-query` when the package is not installed.
 */
export function loadPostgresParser(): Promise<PostgresParser> {
  loaded ??= (async () => {
    const parser = (await loadPeer(POSTGRES_PARSER_PACKAGE, 'linting PostgreSQL migrations', () => import('libpg-query'))) as PostgresParser;
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

/** A statement the parser refused: the file still lints, that statement has no tree. */
export interface PostgresParseFailure {
  statement: LintStatement;
  message: string;
}

/**
 * Fills `ast` on every statement of the file's up and down (libpg-query's `RawStmt.stmt`) and
 * returns the statements PostgreSQL's grammar refused. A statement that parses to several (the
 * splitter missed a `;`) keeps the first tree.
 */
export function attachPostgresAsts(parser: PostgresParser, file: LintFile): PostgresParseFailure[] {
  const failures: PostgresParseFailure[] = [];
  for (const statement of [...file.up, ...(file.down ?? [])]) {
    try {
      statement.ast = parser.parseSync(statement.sql).stmts?.[0]?.stmt;
    } catch (error) {
      failures.push({ statement, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return failures;
}

/** The findings parse failures become (rule `postgres/syntax-error`, added by the engine). */
export function parseFailureFindings(failures: readonly PostgresParseFailure[]): LintFindingDraft[] {
  return failures.map(({ statement, message }) => ({
    statement,
    message: `PostgreSQL's parser refused statement ${statement.index}: ${message}; the PostgreSQL rules skipped it`,
    hint: 'fix the statement, or check it is PostgreSQL and not another dialect',
  }));
}

/** What `migrate` on PostgreSQL reports, once, when libpg-query is not installed. */
export function parserMissingFinding(): LintFindingDraft {
  return {
    message: `the PostgreSQL lint rules did not run: they need PostgreSQL's parser (the ${POSTGRES_PARSER_PACKAGE} package), which is not installed`,
    hint: `install it to enable them: npm install --save-dev ${POSTGRES_PARSER_PACKAGE}`,
  };
}
