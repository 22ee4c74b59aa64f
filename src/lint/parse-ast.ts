/**
 * The one place where a family's real parser fills `LintStatement.ast` before the rules run.
 * SQLite and MySQL rules work on `normalized` text (Strata's splitter gives the boundaries);
 * PostgreSQL's parser (libpg-query, src/lint/parse-postgres.ts) registers itself here.
 */
import type { LintFamily, LintFile } from './lint-rule.js';
import { parsePostgresAsts } from './parse-postgres.js';

export type AstParser = (file: LintFile) => void | Promise<void>;

const PARSERS: Partial<Record<LintFamily, AstParser>> = { postgres: parsePostgresAsts };

/** Called once per file, before its rules; a parser sets `ast` on each statement it understands. */
export async function attachAst(file: LintFile): Promise<void> {
  await PARSERS[file.family]?.(file);
}

/** Registers (or replaces) the parser of a family. */
export function registerAstParser(family: LintFamily, parser: AstParser): void {
  PARSERS[family] = parser;
}
