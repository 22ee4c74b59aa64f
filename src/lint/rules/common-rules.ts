/**
 * Rules of every SQL family (`any/...`), on the statements' normalized text: what a migration
 * destroys with no way back, and data work hidden in a schema step.
 *
 * Where a SQLite rule already reports the same statement for the same loss (`sqlite/drop-table`
 * for DROP TABLE, `sqlite/delete-or-update-without-where` for an UPDATE or DELETE without WHERE),
 * these rules leave it to that rule rather than report it twice.
 *
 * A *schema step* is a SQL migration whose up holds at least one schema statement (CREATE,
 * ALTER, DROP, RENAME, TRUNCATE, COMMENT); a file of only INSERT/UPDATE/DELETE is a *data step*
 * and is left alone by `any/data-in-schema-step`.
 */
import type { LintFile, LintFindingDraft, LintRule, LintStatement } from '../lint-rule.js';
import { bareMysqlName, splitTopLevel } from './mysql-alter.js';

const FAMILIES = ['postgres', 'mysql', 'sqlite'] as const;

const CREATE_TABLE =
  /^CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP|TEMPORARY|UNLOGGED)\s+)?(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([`"[]?[\w$]+[`"\]]?(?:\.[`"[]?[\w$]+[`"\]]?)?)/i;
const SCHEMA_STATEMENT = /^(CREATE|ALTER|DROP|RENAME|TRUNCATE|COMMENT\s+ON)\b/i;

function bare(name: string): string {
  return bareMysqlName(name.replace(/^\[|\]$/g, '').replace(/\.\[/g, '.'));
}

/** For each up statement, the tables the file created before it. */
function withCreated(file: LintFile): { statement: LintStatement; text: string; created: ReadonlySet<string> }[] {
  const created = new Set<string>();
  return file.up.map((statement) => {
    const entry = { statement, text: statement.normalized, created: new Set(created) };
    const match = CREATE_TABLE.exec(statement.normalized);
    if (match) created.add(bare(match[1]!));
    return entry;
  });
}

/** What a statement destroys: tables dropped or emptied, columns dropped, by name. */
function destroyed(text: string): string[] {
  let m: RegExpExecArray | null;
  if ((m = /^DROP\s+TABLES?\s+(?:IF\s+EXISTS\s+)?(.*?)(\s+(CASCADE|RESTRICT))?$/i.exec(text))) return splitTopLevel(m[1]!).map((name) => `table ${bare(name)}`);
  if ((m = /^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(.*?)(\s+(RESTART|CONTINUE)\s+IDENTITY)?(\s+(CASCADE|RESTRICT))?$/i.exec(text))) {
    return splitTopLevel(m[1]!).map((name) => `the rows of ${bare(name)}`);
  }
  if ((m = /^DROP\s+(SCHEMA|DATABASE)\s+(?:IF\s+EXISTS\s+)?(\S+)/i.exec(text))) return [`${m[1]!.toLowerCase()} ${bare(m[2]!)}`];
  const alter = /^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(\S+)\s+(.*)$/is.exec(text);
  if (!alter) return [];
  const table = bare(alter[1]!);
  return splitTopLevel(alter[2]!).flatMap((clause) => {
    const drop = /^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?([`"[]?[\w$]+[`"\]]?)/i.exec(clause);
    if (!drop || /^DROP\s+(CONSTRAINT|INDEX|KEY|PRIMARY|FOREIGN|CHECK|DEFAULT|NOT|IDENTITY|EXPRESSION|PARTITION|PERIOD|SYSTEM)\b/i.test(clause)) return [];
    return [`column ${table}.${bare(drop[1]!)}`];
  });
}

export const destructiveWithoutDown: LintRule = {
  id: 'any/destructive-without-down',
  families: FAMILIES,
  defaultSeverity: 'warn',
  summary: 'DROP TABLE, DROP COLUMN or TRUNCATE in a migration with no down',
  docs: {
    catches:
      'A migration whose up drops a table, a column, a schema or a database, or truncates a table, that the file did not create itself, when the migration has no down (no `.down.sql`, no down section). On SQLite, DROP TABLE is left to `sqlite/drop-table`, which reports every one.',
    why: 'The data is gone the moment the statement commits, and with no down `strata rollback` cannot even bring the structure back: the only way back is a restore from backup, losing every write made since. A down does not bring rows back either, but writing one is the moment to decide how the data would come back (a backup taken first, an archive table).',
    safe: 'Write the down (recreate the table or column), and keep the data: copy it to an archive table first, or rely on the backup `migrate` takes before running (docs/backups.md); or ignore the rule with the reason the data is not needed.',
    setup: 'CREATE TABLE sessions (id int PRIMARY KEY, token varchar(64));',
    bad: 'ALTER TABLE sessions DROP COLUMN token;\n',
    good: '-- migrate:up\nALTER TABLE sessions DROP COLUMN token;\n\n-- migrate:down\nALTER TABLE sessions ADD COLUMN token varchar(64);\n',
  },
  check(file, schema) {
    if (file.down && file.down.length > 0) return [];
    const findings: LintFindingDraft[] = [];
    for (const { statement, text, created } of withCreated(file)) {
      if (file.family === 'sqlite' && /^DROP\s+TABLE\b/i.test(text)) continue; // sqlite/drop-table reports it
      const lost = destroyed(text).filter((what) => {
        const table = what.split(' ').at(-1)!.split('.')[0]!;
        return !created.has(table) && !schema.createdInRun?.(table);
      });
      if (lost.length === 0) continue;
      findings.push({
        statement,
        message: `statement ${statement.index} destroys ${lost.join(', ')}, and the migration has no down: nothing can roll it back`,
        hint: 'write a down that recreates what the up drops, and keep a copy of the data (an archive table, or the backup migrate takes)',
      });
    }
    return findings;
  },
};

/** The user tables a data statement reads or changes: UPDATE/DELETE targets, INSERT ... SELECT sources. */
function dataTables(text: string, created: ReadonlySet<string>): { verb: string; tables: string[] } | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^UPDATE\s+(?:ONLY\s+|LOW_PRIORITY\s+|IGNORE\s+|OR\s+\w+\s+)*(\S+)/i.exec(text))) return { verb: 'UPDATE', tables: [bare(m[1]!)] };
  if ((m = /^DELETE\s+(?:LOW_PRIORITY\s+|QUICK\s+|IGNORE\s+)*FROM\s+(?:ONLY\s+)?(\S+)/i.exec(text))) return { verb: 'DELETE', tables: [bare(m[1]!)] };
  if ((m = /^(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+)?(?:INTO\s+)?([`"[]?[\w$]+[`"\]]?(?:\.[`"[]?[\w$]+[`"\]]?)?)/i.exec(text)) && /\bSELECT\b/i.test(text)) {
    // A copy into a table the file creates is the schema change itself (a rebuild, a split): not a data step's work.
    if (created.has(bare(m[1]!))) return undefined;
    const sources = [...text.matchAll(/\b(?:FROM|JOIN)\s+([`"[]?[\w$]+[`"\]]?(?:\.[`"[]?[\w$]+[`"\]]?)?)/gi)].map((match) => bare(match[1]!));
    return sources.length > 0 ? { verb: 'INSERT ... SELECT', tables: sources } : undefined;
  }
  return undefined;
}

/** Catalog tables a migration may read without touching user data. */
const CATALOG = /^(sqlite_|pg_|information_schema|mysql$|performance_schema|sys$|dual$)/i;

export const dataInSchemaStep: LintRule = {
  id: 'any/data-in-schema-step',
  families: FAMILIES,
  defaultSeverity: 'warn',
  summary: 'UPDATE, DELETE or INSERT ... SELECT over existing tables in a schema step',
  docs: {
    catches:
      'In a schema step (a file whose up has at least one CREATE, ALTER, DROP, RENAME, TRUNCATE or COMMENT ON), an UPDATE or DELETE of a table the file did not create, or an INSERT/REPLACE ... SELECT that reads such a table into another existing one. INSERT ... VALUES (seed rows), statements over tables the file created, and the copy into a table the file creates (a rebuild: the schema change itself) stay quiet, and so does a data step (a file of only data statements). On SQLite, an UPDATE or DELETE without WHERE is left to `sqlite/delete-or-update-without-where`.',
    why: "A statement over existing rows runs as long as the table is large, inside the schema step's transaction: it holds the locks the DDL took for that whole time (PostgreSQL, SQLite), or is cut off from the DDL by implicit commits (MySQL) so the file cannot be retried. Its time and its result depend on production data that the development database does not have, which is how a migration that took a second in CI takes an hour in production.",
    safe: 'Change the schema in one migration and move the data in a data step of its own (a file of only DML), or in a batched, resumable `strata backfill` (docs/backfills.md) for large tables.',
    setup: 'CREATE TABLE users (id int PRIMARY KEY, email varchar(200));',
    bad: 'ALTER TABLE users ADD COLUMN email_lower varchar(200);\nUPDATE users SET email_lower = lower(email) WHERE email IS NOT NULL;\n',
    good: 'ALTER TABLE users ADD COLUMN email_lower varchar(200);\n',
  },
  check(file, schema) {
    const entries = withCreated(file);
    if (!entries.some(({ text }) => SCHEMA_STATEMENT.test(text))) return [];
    const findings: LintFindingDraft[] = [];
    for (const { statement, text, created } of entries) {
      if (file.family === 'sqlite' && /^(UPDATE|DELETE)\b/i.test(text) && !/\bWHERE\b/i.test(text)) continue; // sqlite/delete-or-update-without-where reports it
      const data = dataTables(text, created);
      const existing = data?.tables.filter((table) => !created.has(table) && !schema.createdInRun?.(table) && !CATALOG.test(table)) ?? [];
      if (!data || existing.length === 0) continue;
      findings.push({
        statement,
        message: `statement ${statement.index} (${data.verb}) works over the existing rows of ${[...new Set(existing)].join(', ')} inside a schema step: its time and locks grow with the table`,
        hint: 'move it to a data migration of its own, or to a batched strata backfill',
      });
    }
    return findings;
  },
};

export const COMMON_RULES: readonly LintRule[] = [destructiveWithoutDown, dataInSchemaStep];
