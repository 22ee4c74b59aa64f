/**
 * A step's SQL down as the ledger keeps it (`down_sql`), for `rollback --from-ledger`: a build
 * that no longer has the file reverts the step with what the ledger recorded when it was applied.
 * Stored as a Strata SQL file holding only its down section, readable by a person and read back
 * by the same parser: each statement ends with `;` on a line of its own, so a trailing `--`
 * comment cannot swallow it; the section's options (transaction, foreign keys) are kept.
 */
import type { SqlBody } from '../../model/migration.js';
import { parseSqlMigration } from './parse-sql-migration.js';
import type { SqlSyntax } from './split-statements.js';

export function storedDownSql(down: SqlBody): string {
  const lines = [`-- migrate:down${down.transaction ? '' : ' transaction:false'}`];
  // The only way a section turns foreign keys off is this pragma, which the parser lifts out again.
  if (!down.foreignKeys) lines.push('PRAGMA foreign_keys = OFF', ';');
  for (const statement of down.statements) lines.push(statement.sql, ';');
  return `${lines.join('\n')}\n`;
}

/** The down a ledger row stored; `origin` names it in errors (`ledger:5_add_notes`). */
export function parseStoredDown(text: string, syntax: SqlSyntax, origin: string): SqlBody {
  const down = parseSqlMigration(text, syntax, origin).down;
  return down ? { ...down, file: origin } : { kind: 'sql', statements: [], transaction: true, foreignKeys: true, file: origin };
}
