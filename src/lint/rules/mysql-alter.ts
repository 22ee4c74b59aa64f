/**
 * Reading MySQL/MariaDB DDL from the normalized text: no parser for MySQL on npm is complete and
 * maintained enough to rely on, so the MySQL rules cut an ALTER TABLE into its top-level clauses
 * (quotes and parentheses respected) and classify each by its leading keywords. What a clause
 * costs comes from running it on MariaDB 10.11 with `ALGORITHM=INSTANT` and
 * `ALGORITHM=INPLACE, LOCK=NONE` (test/lint-mysql.test.ts replays the whole table on the server):
 * - instant: ADD COLUMN (any position), DROP COLUMN, RENAME COLUMN/INDEX/TABLE, SET/DROP DEFAULT,
 *   NOT NULL to NULL, moving a column, an ENUM/SET value appended, a VARCHAR widened within the
 *   same length-prefix size (both at most 255 bytes, or both over), a virtual generated column;
 * - inplace (reads and writes keep running, the table may be rebuilt): ADD/DROP INDEX, ADD
 *   PRIMARY KEY, NULL to NOT NULL, ENGINE/ROW_FORMAT/FORCE, a foreign key with foreign_key_checks=0;
 * - copy (writes blocked for the whole copy): any other column type change (INT to BIGINT,
 *   signedness, CHAR/VARCHAR/TEXT sizes, character set), CONVERT TO CHARACTER SET, an ENUM value
 *   reordered or removed, DROP PRIMARY KEY alone, ADD FOREIGN KEY with foreign_key_checks on,
 *   ADD CHECK, a stored generated column;
 * - lock (inplace, but writes blocked): adding an AUTO_INCREMENT column.
 */
import type { ColumnModel, TableModel } from '../../schema/schema-model.js';

export type AlterCost = 'instant' | 'inplace' | 'copy' | 'lock' | 'unknown';

/** A name without its quotes and schema, lower-cased. */
export function bareMysqlName(name: string): string {
  const parts = name.trim().split('.');
  return parts
    .at(-1)!
    .replace(/^[`"]|[`"]$/g, '')
    .toLowerCase();
}

/** `text` cut at top-level `separator`s (outside quotes and parentheses). */
export function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const end = text.indexOf(c, i + 1);
      i = end < 0 ? text.length : end;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((part) => part !== '');
}

const NAME = '(`[^`]+`|"[^"]+"|[\\w$]+)(?:\\.(`[^`]+`|"[^"]+"|[\\w$]+))?';

/** An ALTER TABLE's table and clauses; undefined for any other statement. */
export function alterTableOf(normalized: string): { table: string; clauses: string[] } | undefined {
  const match = new RegExp(`^ALTER\\s+(?:ONLINE\\s+|IGNORE\\s+)*TABLE\\s+(?:IF\\s+EXISTS\\s+)?${NAME}\\s*`, 'i').exec(normalized);
  if (!match) return undefined;
  return { table: bareMysqlName(match[2] ?? match[1]!), clauses: splitTopLevel(normalized.slice(match[0].length)) };
}

/** A column definition's type (`varchar(50)`, `int unsigned`, `enum('a','b')`), with display widths dropped. */
export function columnType(definition: string): string {
  const match = /^((?:[a-z]+)(?:\s*\((?:'[^']*'|[^)])*\))?(?:\s+(?:unsigned|zerofill|signed))*)/i.exec(definition.trim());
  return normalizeMysqlType(match?.[1] ?? definition);
}

const TYPE_ALIASES: Record<string, string> = { integer: 'int', bool: 'tinyint', boolean: 'tinyint', dec: 'decimal', numeric: 'decimal' };

/** Lower case, single spaces, `int(11)` as `int`, aliases folded, quotes in ENUM lists kept. */
export function normalizeMysqlType(type: string): string {
  let out = type
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*,\s*/g, ',')
    .replace(/\s*\(\s*/g, '(')
    .replace(/\s*\)/g, ')');
  out = out.replace(/^(tinyint|smallint|mediumint|int|integer|bigint)\(\d+\)/, '$1');
  const base = /^[a-z]+/.exec(out)?.[0] ?? '';
  if (TYPE_ALIASES[base]) out = TYPE_ALIASES[base] + out.slice(base.length);
  return out;
}

/** The values of an `enum(...)`/`set(...)` type, or undefined for other types. */
export function enumValues(type: string): string[] | undefined {
  const match = /^(enum|set)\((.*)\)$/i.exec(type.trim());
  if (!match) return undefined;
  return splitTopLevel(match[2]!).map((value) => value.replace(/^'|'$/g, '').replace(/''/g, "'"));
}

/** Bytes per character of a column, from its collation or the table's (utf8mb4 when neither says). */
function bytesPerChar(column: ColumnModel | undefined, table: TableModel | undefined): number {
  const collation = column?.collation ?? table?.options.collation ?? table?.options.charset ?? '';
  if (/^(latin1|ascii|binary)/i.test(collation)) return 1;
  if (/^(utf8mb3|utf8_|utf8$)/i.test(collation)) return 3;
  return 4;
}

/** The cost of changing a column from `old` to the definition `definition` (MODIFY/CHANGE's text after the name). */
function columnChangeCost(definition: string, old: ColumnModel | undefined, table: TableModel | undefined): AlterCost {
  if (!old) return 'unknown';
  if (/\b(CHARACTER\s+SET|CHARSET|COLLATE)\b/i.test(definition)) return 'copy';
  const from = normalizeMysqlType(old.type);
  const to = columnType(definition);
  const nowNotNull = /\bNOT\s+NULL\b/i.test(definition) || /\bPRIMARY\s+KEY\b/i.test(definition);
  const nullCost: AlterCost = old.nullable && nowNotNull ? 'inplace' : 'instant';
  if (from === to) return nullCost;
  const fromValues = enumValues(from);
  const toValues = enumValues(to);
  if (fromValues && toValues && from.slice(0, 4) === to.slice(0, 4)) {
    return fromValues.every((value, i) => toValues[i] === value) ? nullCost : 'copy';
  }
  const widthFrom = /^varchar\((\d+)\)$/.exec(from);
  const widthTo = /^varchar\((\d+)\)$/.exec(to);
  if (widthFrom && widthTo) {
    const bytes = bytesPerChar(old, table);
    const a = Number(widthFrom[1]) * bytes;
    const b = Number(widthTo[1]) * bytes;
    if (b >= a && a <= 255 === b <= 255) return nullCost;
  }
  return 'copy';
}

/** One clause of an ALTER TABLE, classified. */
export interface AlterClause {
  text: string;
  cost: AlterCost;
  /** The column a MODIFY/CHANGE/ADD/DROP names, lower-cased, when it names one. */
  column?: string;
  /** Why the clause costs what it does, for messages. */
  what: string;
}

/**
 * Each clause of an ALTER TABLE on `table` (its model before the statement, undefined when unknown)
 * with its cost on MariaDB 10.11 / MySQL 8 InnoDB. `fkChecksOff`: SET foreign_key_checks=0 ran before it.
 */
export function classifyAlter(clauses: readonly string[], table: TableModel | undefined, fkChecksOff: boolean): AlterClause[] {
  const addsPrimaryKey = clauses.some((clause) => /^ADD\s+(CONSTRAINT\s+\S+\s+)?PRIMARY\s+KEY\b/i.test(clause));
  return clauses.map((text): AlterClause => {
    const column = (name: string) => table?.columns.find((c) => c.name.toLowerCase() === bareMysqlName(name));
    let m: RegExpExecArray | null;
    if (/^(ALGORITHM|LOCK)\s*=?/i.test(text)) return { text, cost: 'instant', what: 'an ALTER option' };
    if ((m = /^ADD\s+(?:CONSTRAINT\s+(?:\S+\s+)?)?(UNIQUE|FULLTEXT|SPATIAL|INDEX|KEY|PRIMARY\s+KEY|FOREIGN\s+KEY|CHECK)\b/i.exec(text))) {
      const kind = m[1]!.toUpperCase().replace(/\s+/g, ' ');
      if (kind === 'FOREIGN KEY') {
        return fkChecksOff
          ? { text, cost: 'inplace', what: 'a foreign key added with foreign_key_checks=0' }
          : { text, cost: 'copy', what: 'a foreign key added with foreign_key_checks on (the server copies the table to check every row)' };
      }
      if (kind === 'CHECK') return { text, cost: 'copy', what: 'a CHECK constraint (the server copies the table to check every row)' };
      if (kind === 'PRIMARY KEY') return { text, cost: 'inplace', what: 'a primary key (the table is rebuilt in place)' };
      return { text, cost: 'inplace', what: 'an index built in place' };
    }
    if ((m = /^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(`[^`]+`|[\w$]+)\s*(.*)$/is.exec(text)) && !/^ADD\s+(PARTITION|PERIOD|SYSTEM)\b/i.test(text)) {
      const definition = m[2] ?? '';
      if (/\b(STORED|PERSISTENT)\b/i.test(definition))
        return { text, cost: 'copy', column: bareMysqlName(m[1]!), what: 'a stored generated column (computed by copying every row)' };
      if (/\bAUTO_INCREMENT\b/i.test(definition))
        return { text, cost: 'lock', column: bareMysqlName(m[1]!), what: 'an AUTO_INCREMENT column (writes blocked while it is filled)' };
      return { text, cost: 'instant', column: bareMysqlName(m[1]!), what: 'a column added' };
    }
    if (/^DROP\s+PRIMARY\s+KEY\b/i.test(text)) {
      return addsPrimaryKey
        ? { text, cost: 'inplace', what: 'a primary key replaced' }
        : { text, cost: 'copy', what: 'the primary key dropped without a new one' };
    }
    if (/^DROP\s+(INDEX|KEY|FOREIGN\s+KEY|CONSTRAINT|CHECK)\b/i.test(text)) return { text, cost: 'inplace', what: 'an index or constraint dropped' };
    if ((m = /^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(`[^`]+`|[\w$]+)/i.exec(text)))
      return { text, cost: 'instant', column: bareMysqlName(m[1]!), what: 'a column dropped' };
    if (/^RENAME\b/i.test(text)) return { text, cost: 'instant', what: 'a rename' };
    if (/^ALTER\s+(COLUMN\s+)?\S+\s+(SET|DROP)\s+DEFAULT\b/i.test(text)) return { text, cost: 'instant', what: 'a default changed' };
    if ((m = /^MODIFY\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(`[^`]+`|[\w$]+)\s+(.*)$/is.exec(text))) {
      return changeClause(text, m[1]!, m[2]!, column(m[1]!), table);
    }
    if ((m = /^CHANGE\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(`[^`]+`|[\w$]+)\s+(`[^`]+`|[\w$]+)\s+(.*)$/is.exec(text))) {
      return changeClause(text, m[1]!, m[3]!, column(m[1]!), table);
    }
    if (/^CONVERT\s+TO\s+(CHARACTER\s+SET|CHARSET)\b/i.test(text)) return { text, cost: 'copy', what: 'the character set of every text column converted' };
    if (/^(ENGINE|ROW_FORMAT|FORCE|KEY_BLOCK_SIZE)\b/i.test(text)) return { text, cost: 'inplace', what: 'the table rebuilt in place' };
    if (/^(COMMENT|AUTO_INCREMENT)\b/i.test(text)) return { text, cost: 'instant', what: 'a table option' };
    return { text, cost: 'unknown', what: 'a clause the linter does not classify' };
  });
}

function changeClause(text: string, name: string, definition: string, old: ColumnModel | undefined, table: TableModel | undefined): AlterClause {
  const cost = columnChangeCost(definition, old, table);
  const to = columnType(definition);
  const what =
    cost === 'unknown'
      ? `column ${bareMysqlName(name)} changed to ${to}, its current type unknown to the linter`
      : cost === 'copy'
        ? `column ${bareMysqlName(name)} changed from ${old ? normalizeMysqlType(old.type) : '?'} to ${to}`
        : `column ${bareMysqlName(name)} redefined`;
  return { text, cost, column: bareMysqlName(name), what };
}
