/**
 * SQLite statements as the SQLite rules read them: the few shapes they judge (CREATE/DROP/ALTER
 * TABLE, INSERT ... SELECT, CREATE INDEX, DELETE/UPDATE, PRAGMA foreign_keys, VACUUM, BEGIN/COMMIT),
 * read from the statement's tokens (src/schema/normalise.ts's tokenizer: strings, quoted names
 * and comments handled), and the table rebuilds a file performs. Anything else is `other`.
 */
import { closingParen, isWord, nameOf, splitTopLevel, type Token, tokenize } from '../../schema/normalise.js';
import type { LintFile, LintStatement } from '../lint-rule.js';

export interface ColumnDefinition {
  name: string;
  /** The declared type as written (`varchar(20)`), '' when none. */
  type: string;
  notNull: boolean;
  /** The DEFAULT's tokens; undefined when there is none. */
  default?: Token[];
  primaryKey: boolean;
  generated: boolean;
}

export type SqliteStatement =
  | { kind: 'create-table'; table: string; columns: ColumnDefinition[]; asSelect: boolean }
  | { kind: 'drop-table'; table: string; ifExists: boolean }
  | { kind: 'rename-table'; table: string; to: string }
  | { kind: 'rename-column'; table: string; column: string; to: string }
  | { kind: 'add-column'; table: string; column: ColumnDefinition }
  | { kind: 'drop-column'; table: string; column: string }
  | { kind: 'insert-select'; table: string; columns: string[] | undefined; selected: (string | undefined)[]; star: boolean; from: string | undefined }
  | { kind: 'create-index'; unique: boolean; name: string; table: string; columns: string[] }
  | { kind: 'delete'; table: string; where: boolean }
  | { kind: 'update'; table: string; where: boolean; columns: string[] }
  | { kind: 'pragma-foreign-keys'; on: boolean }
  | { kind: 'vacuum' }
  | { kind: 'begin' }
  | { kind: 'commit' }
  | { kind: 'savepoint' }
  | { kind: 'other' };

const parsed = new WeakMap<LintStatement, SqliteStatement>();

/** The statement's shape (read once per statement). */
export function sqliteShape(statement: LintStatement): SqliteStatement {
  let shape = parsed.get(statement);
  if (!shape) {
    shape = shapeOf(tokenize(statement.sql, 'sqlite'));
    parsed.set(statement, shape);
  }
  return shape;
}

/** A name as the rules compare names: lower case (SQLite's names are case-insensitive). */
export const key = (name: string): string => name.toLowerCase();

function shapeOf(t: Token[]): SqliteStatement {
  const w = (k: number, ...words: string[]) => isWord(t[k], ...words);
  if (w(0, 'begin') || (w(0, 'start') && w(1, 'transaction'))) return { kind: 'begin' };
  if (w(0, 'commit', 'end', 'rollback') && t.length <= 2) return { kind: 'commit' };
  if (w(0, 'savepoint', 'release')) return { kind: 'savepoint' };
  if (w(0, 'vacuum')) return { kind: 'vacuum' };
  if (w(0, 'pragma')) {
    let k = 1;
    if (t[k + 1]?.value === '.') k += 2;
    if (t[k]?.value === 'foreign_keys' && t[k + 1]?.value === '=') {
      const value = (t[k + 2] ? nameOf(t[k + 2]!) : '').toLowerCase();
      return { kind: 'pragma-foreign-keys', on: !/^(off|0|false|no)$/.test(value) };
    }
    return { kind: 'other' };
  }
  if (w(0, 'create')) return createOf(t);
  if (w(0, 'drop') && w(1, 'table')) {
    const ifExists = w(2, 'if') && w(3, 'exists');
    const name = qualifiedName(t, ifExists ? 4 : 2);
    return name ? { kind: 'drop-table', table: name.name, ifExists } : { kind: 'other' };
  }
  if (w(0, 'alter') && w(1, 'table')) return alterOf(t);
  if (w(0, 'insert', 'replace')) return insertOf(t);
  if (w(0, 'delete') && w(1, 'from')) {
    const name = qualifiedName(t, 2);
    return name ? { kind: 'delete', table: name.name, where: t.some((x) => isWord(x, 'where')) } : { kind: 'other' };
  }
  if (w(0, 'update')) {
    let k = 1;
    if (w(k, 'or')) k += 2;
    const name = qualifiedName(t, k);
    if (!name || !isWord(t[name.next], 'set')) return { kind: 'other' };
    const end = t.findIndex((x, j) => j > name.next && isWord(x, 'where', 'from', 'returning'));
    const assignments = splitTopLevel(t.slice(name.next + 1, end === -1 ? t.length : end));
    const columns = assignments.flatMap((item) =>
      item[0]?.value === '(' ? splitTopLevel(item.slice(1, closingParen(item, 0))).map((c) => nameOf(c[0]!)) : item[0] ? [nameOf(item[0])] : [],
    );
    return { kind: 'update', table: name.name, where: topLevelWord(t, 'where'), columns };
  }
  return { kind: 'other' };
}

function createOf(t: Token[]): SqliteStatement {
  let k = 1;
  if (isWord(t[k], 'temp', 'temporary')) k++;
  if (isWord(t[k], 'table')) {
    k++;
    if (isWord(t[k], 'if') && isWord(t[k + 1], 'not') && isWord(t[k + 2], 'exists')) k += 3;
    const name = qualifiedName(t, k);
    if (!name) return { kind: 'other' };
    k = name.next;
    if (isWord(t[k], 'as')) return { kind: 'create-table', table: name.name, columns: [], asSelect: true };
    if (t[k]?.value !== '(') return { kind: 'other' };
    const close = closingParen(t, k);
    const columns = splitTopLevel(t.slice(k + 1, close))
      .filter((item) => !isWord(item[0], 'constraint', 'primary', 'unique', 'check', 'foreign'))
      .map(columnOf);
    return { kind: 'create-table', table: name.name, columns, asSelect: false };
  }
  const unique = isWord(t[k], 'unique');
  if (unique) k++;
  if (!isWord(t[k], 'index')) return { kind: 'other' };
  k++;
  if (isWord(t[k], 'if') && isWord(t[k + 1], 'not') && isWord(t[k + 2], 'exists')) k += 3;
  const index = qualifiedName(t, k);
  if (!index || !isWord(t[index.next], 'on')) return { kind: 'other' };
  const table = qualifiedName(t, index.next + 1);
  if (!table || t[table.next]?.value !== '(') return { kind: 'other' };
  const close = closingParen(t, table.next);
  const columns = splitTopLevel(t.slice(table.next + 1, close)).map((item) =>
    item.length === 1 || isWord(item[1], 'asc', 'desc', 'collate') ? nameOf(item[0]!) : '<expression>',
  );
  return { kind: 'create-index', unique, name: index.name, table: table.name, columns };
}

/** `name type-words... constraints...` of a CREATE TABLE item or an ADD COLUMN. */
export function columnOf(item: Token[]): ColumnDefinition {
  const name = item[0] ? nameOf(item[0]) : '';
  let k = 1;
  const type: string[] = [];
  while (
    k < item.length &&
    !isWord(item[k], 'constraint', 'primary', 'not', 'null', 'unique', 'check', 'default', 'collate', 'references', 'generated', 'as')
  ) {
    if (item[k]!.value === '(') {
      const close = closingParen(item, k);
      type.push(
        `(${item
          .slice(k + 1, close)
          .map((x) => x.text)
          .join('')})`,
      );
      k = close + 1;
      continue;
    }
    type.push(item[k]!.text);
    k++;
  }
  let defaultTokens: Token[] | undefined;
  for (let j = k; j < item.length; j++) {
    if (!isWord(item[j], 'default')) continue;
    const next = item[j + 1];
    if (next?.value === '(') defaultTokens = item.slice(j + 1, closingParen(item, j + 1) + 1);
    else if (next && (next.value === '-' || next.value === '+')) defaultTokens = item.slice(j + 1, j + 3);
    else if (next) defaultTokens = [next];
  }
  const words = item.slice(k);
  return {
    name,
    type: type.join(' ').replace(/ \(/g, '('),
    notNull: words.some((x, j) => isWord(x, 'not') && isWord(words[j + 1], 'null')),
    ...(defaultTokens ? { default: defaultTokens } : {}),
    primaryKey: words.some((x, j) => isWord(x, 'primary') && isWord(words[j + 1], 'key')),
    generated: words.some((x) => isWord(x, 'generated')) || words.some((x, j) => isWord(x, 'as') && words[j + 1]?.value === '('),
  };
}

function alterOf(t: Token[]): SqliteStatement {
  const name = qualifiedName(t, 2);
  if (!name) return { kind: 'other' };
  let k = name.next;
  if (isWord(t[k], 'rename')) {
    k++;
    if (isWord(t[k], 'to')) {
      const to = qualifiedName(t, k + 1);
      return to ? { kind: 'rename-table', table: name.name, to: to.name } : { kind: 'other' };
    }
    if (isWord(t[k], 'column')) k++;
    const column = t[k];
    if (!column || !isWord(t[k + 1], 'to') || !t[k + 2]) return { kind: 'other' };
    return { kind: 'rename-column', table: name.name, column: nameOf(column), to: nameOf(t[k + 2]!) };
  }
  if (isWord(t[k], 'add')) {
    k++;
    if (isWord(t[k], 'column')) k++;
    return { kind: 'add-column', table: name.name, column: columnOf(t.slice(k)) };
  }
  if (isWord(t[k], 'drop')) {
    k++;
    if (isWord(t[k], 'column')) k++;
    return t[k] ? { kind: 'drop-column', table: name.name, column: nameOf(t[k]!) } : { kind: 'other' };
  }
  return { kind: 'other' };
}

function insertOf(t: Token[]): SqliteStatement {
  let k = 1;
  if (isWord(t[k], 'or')) k += 2;
  if (!isWord(t[k], 'into')) return { kind: 'other' };
  const name = qualifiedName(t, k + 1);
  if (!name) return { kind: 'other' };
  k = name.next;
  if (isWord(t[k], 'as')) k += 2;
  let columns: string[] | undefined;
  if (t[k]?.value === '(') {
    const close = closingParen(t, k);
    columns = splitTopLevel(t.slice(k + 1, close)).map((item) => nameOf(item[0]!));
    k = close + 1;
  }
  if (!isWord(t[k], 'select')) return { kind: 'other' };
  k++;
  if (isWord(t[k], 'distinct', 'all')) k++;
  // The select list runs to the top-level FROM.
  let depth = 0;
  let end = k;
  for (; end < t.length; end++) {
    const x = t[end]!;
    if (x.value === '(' && x.kind === 'punct') depth++;
    else if (x.value === ')' && x.kind === 'punct') depth--;
    else if (depth === 0 && isWord(x, 'from')) break;
  }
  const items = splitTopLevel(t.slice(k, end));
  const star = items.length === 1 && items[0]!.length === 1 && items[0]![0]!.value === '*';
  // A plain column (`a`, `t.a`, `a AS b`): its name; anything else (an expression, a literal): undefined.
  const selected = items.map((item) => {
    const plain = item.length === 1 ? item[0] : item.length === 3 && item[1]!.value === '.' ? item[2] : undefined;
    if (
      plain &&
      (plain.kind === 'ident' || (plain.kind === 'word' && !isWord(plain, 'null', 'true', 'false', 'current_timestamp', 'current_date', 'current_time')))
    )
      return nameOf(plain);
    const as = item.length === 3 && isWord(item[1], 'as') ? item[0] : undefined;
    return as && (as.kind === 'ident' || as.kind === 'word') ? nameOf(as) : undefined;
  });
  const from = isWord(t[end], 'from') ? qualifiedName(t, end + 1)?.name : undefined;
  return { kind: 'insert-select', table: name.name, columns, selected, star, from };
}

/** `name` or `schema.name` at k: the name (without schema) and the index after it. */
function qualifiedName(t: Token[], k: number): { name: string; next: number } | undefined {
  const first = t[k];
  if (!first || (first.kind !== 'word' && first.kind !== 'ident' && first.kind !== 'string')) return undefined;
  if (t[k + 1]?.value === '.' && t[k + 2]) return { name: nameOf(t[k + 2]!), next: k + 3 };
  return { name: nameOf(first), next: k + 1 };
}

function topLevelWord(t: Token[], word: string): boolean {
  let depth = 0;
  for (const x of t) {
    if (x.kind === 'punct' && x.value === '(') depth++;
    else if (x.kind === 'punct' && x.value === ')') depth--;
    else if (depth === 0 && isWord(x, word)) return true;
  }
  return false;
}

/** A table rebuild found in a file: the new table's creation, its copy, the old table's drop, the rename over it. */
export interface Rebuild {
  /** The table rebuilt, as named before the file (the name the children's foreign keys use). */
  table: string;
  /** The new table's name while it is being filled. */
  staging: string;
  create: LintStatement | undefined;
  copy: LintStatement | undefined;
  drop: LintStatement;
  rename: LintStatement;
}

const rebuilds = new WeakMap<LintFile, Rebuild[]>();

/**
 * The rebuilds of a file, in both orders SQLite's docs and the tools write them:
 * - create `new_t`, copy `t` into it, drop `t`, rename `new_t` to `t` (drizzle-kit, Prisma, SQLite's 12 steps);
 * - rename `t` to `old_t`, create `t`, copy `old_t` into it, drop `old_t`.
 */
export function rebuildsOf(file: LintFile): Rebuild[] {
  const known = rebuilds.get(file);
  if (known) return known;
  const found: Rebuild[] = [];
  const up = file.up;
  const shapes = up.map(sqliteShape);
  shapes.forEach((shape, d) => {
    if (shape.kind !== 'drop-table') return;
    const dropped = key(shape.table);
    // create-copy-drop-rename: a later rename of another table onto the dropped one's name.
    const renameAt = shapes.findIndex((s, j) => j > d && s.kind === 'rename-table' && key(s.to) === dropped);
    if (renameAt !== -1) {
      const staging = (shapes[renameAt] as { table: string }).table;
      const create = shapes.findIndex((s, j) => j < renameAt && s.kind === 'create-table' && key(s.table) === key(staging));
      const copy = shapes.findIndex((s, j) => j < d && s.kind === 'insert-select' && key(s.table) === key(staging));
      found.push({ table: shape.table, staging, create: up[create], copy: up[copy], drop: up[d]!, rename: up[renameAt]! });
      return;
    }
    // rename-create-copy-drop: the dropped table is an earlier rename of the table rebuilt.
    const renamedAt = shapes.findIndex((s, j) => j < d && s.kind === 'rename-table' && key(s.to) === dropped);
    if (renamedAt !== -1) {
      const original = (shapes[renamedAt] as { table: string }).table;
      const create = shapes.findIndex((s, j) => j > renamedAt && s.kind === 'create-table' && key(s.table) === key(original));
      if (create === -1) return;
      const copy = shapes.findIndex((s, j) => j > create && j < d && s.kind === 'insert-select' && key(s.table) === key(original));
      found.push({ table: original, staging: original, create: up[create], copy: up[copy], drop: up[d]!, rename: up[renamedAt]! });
    }
  });
  rebuilds.set(file, found);
  return found;
}

/** Whether `PRAGMA foreign_keys = OFF` stands before statement `at` (and no `= ON` between): the statement where it is. */
export function foreignKeysOffBefore(file: LintFile, at: LintStatement): LintStatement | undefined {
  let off: LintStatement | undefined;
  for (const statement of file.up) {
    if (statement === at) break;
    const shape = sqliteShape(statement);
    if (shape.kind === 'pragma-foreign-keys') off = shape.on ? undefined : statement;
  }
  return off;
}

/** Tables the file creates before statement `at` (lower case). */
export function createdBefore(file: LintFile, at: LintStatement): Set<string> {
  const created = new Set<string>();
  for (const statement of file.up) {
    if (statement === at) break;
    const shape = sqliteShape(statement);
    if (shape.kind === 'create-table') created.add(key(shape.table));
  }
  return created;
}

/** SQLite's type affinity of a declared type (https://sqlite.org/datatype3.html, 3.1). */
export function affinityOf(type: string): 'integer' | 'text' | 'blob' | 'real' | 'numeric' {
  const t = type.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
  if (t.includes('BLOB') || t.trim() === '') return 'blob';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'real';
  return 'numeric';
}

/** Whether `word` occurs as a whole word (case-insensitive) in `text`. */
export function mentions(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w$])["\`[]?${escaped}["\`\\]]?($|[^\\w$])`, 'i').test(text);
}
