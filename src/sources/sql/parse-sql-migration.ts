/**
 * Turns the text of a SQL migration file into up/down bodies:
 * - dbmate's format: `-- migrate:up [transaction:false]` / `-- migrate:down` sections;
 * - a plain file with no markers: everything is `up`, there is no `down`;
 * - `-- strata:no-transaction` anywhere opts the file out of the wrapping transaction;
 * - `BEGIN; ... COMMIT;` written in the file: dropped when Strata wraps the step in its own
 *   transaction (so the step and its ledger row still commit together), kept when it does not;
 * - SQLite `PRAGMA foreign_keys = OFF/ON`: a no-op inside a transaction, so it is lifted out and
 *   the engine sets it around the transaction (and checks foreign keys before commit).
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { SqlBody, SqlStatement } from '../../model/migration.js';
import { lexerOf, splitStatements, type SplitStatement, type SqlLexer, type SqlSyntax } from './split-statements.js';

export interface ParsedSqlFile {
  up: SqlBody;
  /** undefined when the file has no down section. */
  down: SqlBody | undefined;
  /** `-- migrate:verify`: statements that fail when the up did not do its job (Sqitch's verify). */
  verify?: SqlBody;
}

export const SECTION_MARKER = /^--\s*migrate:(up|down|verify)\b(.*)$/gm;
export const NO_TRANSACTION_MARKER = /^--\s*strata:no-transaction\b/m;
const FOREIGN_KEYS_PRAGMA = /^PRAGMA\s+(?:main\.)?foreign_keys\s*=\s*['"]?(\w+)['"]?\s*$/i;
const BEGIN_STATEMENT = /^(BEGIN(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\s+(TRANSACTION|WORK))?|START\s+TRANSACTION)$/i;
const COMMIT_STATEMENT = /^(COMMIT|END)(\s+(TRANSACTION|WORK))?$/i;

/** `syntax`: the family (`'postgres'`) or a dialect's lexer; `file` names the file in errors. */
export function parseSqlMigration(text: string, syntax: SqlSyntax, file = 'the migration'): ParsedSqlFile {
  const lexer = lexerOf(syntax);
  const noTransaction = NO_TRANSACTION_MARKER.test(text);
  const markers = [...text.matchAll(SECTION_MARKER)];
  if (markers.length === 0) {
    return { up: body(text, 0, lexer, !noTransaction), down: undefined };
  }
  for (const direction of ['up', 'down', 'verify']) {
    const repeated = markers.filter((m) => m[1] === direction);
    if (repeated.length > 1) {
      throw new StrataError(
        ErrorCode.MIGRATION_INVALID,
        `${file} has ${repeated.length} '-- migrate:${direction}' sections (lines ${repeated.map((m) => countLines(text, m.index ?? 0)).join(', ')})`,
        {
          hint: `keep one '-- migrate:${direction}' section`,
        },
      );
    }
  }
  // As dbmate does: SQL before the first marker would silently belong to no section.
  const before = splitStatements(text.slice(0, markers[0]!.index ?? 0), { lexer });
  if (before.length) {
    throw new StrataError(
      ErrorCode.MIGRATION_INVALID,
      `${file}: a statement at line ${before[0]!.line} comes before '-- migrate:${markers[0]![1]}' and belongs to no section`,
      {
        hint: "move it below '-- migrate:up' (or into '-- migrate:down')",
      },
    );
  }

  let up: SqlBody | undefined;
  let down: SqlBody | undefined;
  let verify: SqlBody | undefined;
  markers.forEach((marker, k) => {
    const contentStart = (marker.index ?? 0) + marker[0].length;
    const contentEnd = markers[k + 1]?.index ?? text.length;
    const lineOffset = countLines(text, contentStart) - 1;
    const options = marker[2] ?? '';
    const transaction = !noTransaction && !/\btransaction:false\b/.test(options);
    const section = body(text.slice(contentStart, contentEnd), lineOffset, lexer, transaction);
    if (marker[1] === 'up') up = section;
    else if (marker[1] === 'down') down = section;
    else verify = section;
  });
  // A file with only a down marker has an empty up; the loader reports that as an error.
  return { up: up ?? { kind: 'sql', statements: [], transaction: true, foreignKeys: true }, down, ...(verify ? { verify } : {}) };
}

/**
 * A file with no sections, as other tools write them (Flyway, Prisma, sqlx, D1, Atlas): all of it
 * is the up; `-- strata:no-transaction` still opts it out of the wrapping transaction.
 */
export function parsePlainSql(text: string, syntax: SqlSyntax, transaction = true): SqlBody {
  return body(text, 0, lexerOf(syntax), transaction && !NO_TRANSACTION_MARKER.test(text));
}

function body(text: string, lineOffset: number, lexer: SqlLexer, transaction: boolean): SqlBody {
  return sqlBodyOf(splitStatements(text, { lexer, lineOffset }), lexer, transaction);
}

/**
 * A body from statements a format split its own way (goose's StatementBegin/End blocks, drizzle's
 * breakpoints): transaction statements and SQLite's foreign_keys pragma are handled as in a
 * Strata file. Statements are renumbered in order.
 */
export function sqlBodyOf(split: readonly SplitStatement[], syntax: SqlSyntax, transaction: boolean): SqlBody {
  const lexer = lexerOf(syntax);
  let foreignKeys = true;
  const statements: SqlStatement[] = [];
  for (const [k, statement] of split.entries()) {
    const pragma = lexer.foreignKeysPragma ? FOREIGN_KEYS_PRAGMA.exec(statement.sql) : null;
    if (pragma) {
      // Only OFF changes anything: the engine restores the connection's setting afterwards.
      if (/^(off|0|false|no)$/i.test(pragma[1] ?? '')) foreignKeys = false;
      continue;
    }
    const control = BEGIN_STATEMENT.test(statement.sql) ? 'begin' : COMMIT_STATEMENT.test(statement.sql) ? 'commit' : undefined;
    statements.push({
      index: k + 1,
      line: statement.line,
      column: statement.column,
      sql: statement.sql,
      ...(control ? { control } : {}),
    });
  }
  return { kind: 'sql', statements, transaction, foreignKeys };
}

function countLines(text: string, end: number): number {
  let lines = 1;
  for (let k = 0; k < end; k++) if (text.charCodeAt(k) === 10) lines++;
  return lines;
}
