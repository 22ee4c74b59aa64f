/**
 * Which table a statement names as the one it changes: `DELETE FROM t`, `UPDATE t`, `INSERT INTO
 * t`, `DROP TABLE t`, `ALTER TABLE t`, `CREATE TABLE t`. The trace attributes a change to a
 * table the statement names to the statement; changes to any other table came from a foreign
 * key action or a trigger. A schema prefix (`main.t`, `app.t`) is dropped; names are lower-cased.
 */

const IDENTIFIER = String.raw`(?:"(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|\[[^\]]+\]|[\w$]+)`;
const QUALIFIED = String.raw`(${IDENTIFIER}(?:\s*\.\s*${IDENTIFIER})?)`;
const VERBS = String.raw`(?:DELETE\s+FROM|UPDATE(?:\s+OR\s+\w+)?|(?:INSERT|REPLACE)(?:\s+OR\s+\w+)?\s+INTO|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|ALTER\s+TABLE(?:\s+ONLY)?(?:\s+IF\s+EXISTS)?|CREATE\s+(?:TEMP(?:ORARY)?\s+|UNLOGGED\s+)?TABLE(?:\s+IF\s+NOT\s+EXISTS)?|TRUNCATE(?:\s+TABLE)?)`;
const TARGET = new RegExp(String.raw`(?:^|[\s;(])${VERBS}\s+(?:ONLY\s+)?${QUALIFIED}`, 'i');
const RENAME_TO = new RegExp(String.raw`^\s*ALTER\s+TABLE\s+${QUALIFIED}\s+RENAME\s+TO\s+${QUALIFIED}`, 'i');

/** The statement's text without comments and string literals, so neither can look like a target. */
export function withoutCommentsAndStrings(sql: string): string {
  return sql
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/\s+/g, ' ')
    .trim();
}

/** The unquoted, lower-cased last part of a possibly qualified name: `main."Users"` gives `users`. */
export function tableKey(name: string): string {
  const parts = name.match(new RegExp(IDENTIFIER, 'g')) ?? [name];
  const last = parts[parts.length - 1]!;
  const unquoted = /^["`[]/.test(last) ? last.slice(1, -1).replace(/""/g, '"').replace(/``/g, '`') : last;
  return unquoted.toLowerCase();
}

/** The table the statement changes by name, or undefined (a SELECT, CREATE INDEX, a PRAGMA). */
export function statementTable(sql: string): string | undefined {
  const match = TARGET.exec(withoutCommentsAndStrings(sql));
  return match ? tableKey(match[1]!) : undefined;
}

/** `ALTER TABLE a RENAME TO b`: the two names, lower-cased; undefined for any other statement. */
export function renamedTable(sql: string): { from: string; to: string } | undefined {
  const match = RENAME_TO.exec(withoutCommentsAndStrings(sql));
  return match ? { from: tableKey(match[1]!), to: tableKey(match[2]!) } : undefined;
}
