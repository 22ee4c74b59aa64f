/**
 * FTS5 helpers for SQLite migrations: an external-content full-text index over an ordinary table,
 * kept in sync by AFTER INSERT / DELETE / UPDATE triggers on that table (the pattern of the SQLite
 * FTS5 documentation, section 4.4.3 "External Content Tables"), populated from the rows that
 * already exist, rebuilt, optimized, checked, and dropped in the down.
 *
 * Everything is a pure SQL generator (tested against exact strings) plus `up(ctx)` / `down(ctx)`
 * conveniences for code migrations and `sqlMigration()` for a dbmate-style `.sql` file.
 * Names must be plain identifiers (letters, digits, underscores; not starting with a digit):
 * anything else is refused with MIGRATION_INVALID rather than escaped.
 *
 * @example
 * import { fts5 } from 'strata-migrate';
 * const search = fts5.externalContent({ table: 'knowledge_fts', source: 'knowledge_entries', columns: ['title', 'content'], rowid: 'id' });
 * export const up = search.up;     // creates the table and triggers, indexes existing rows
 * export const down = search.down; // drops the triggers and the table; the source table stays
 */
import { ErrorCode, StrataError } from '../../../model/errors.js';
import { sqliteSql } from './sqlite-sql.js';

export interface Fts5ExternalContentOptions {
  /** The FTS5 virtual table to create, e.g. `knowledge_fts`. */
  table: string;
  /** The content table whose rows are indexed, e.g. `knowledge_entries`. */
  source: string;
  /** The source table's columns to index (the FTS5 table gets columns of the same names). */
  columns: readonly string[];
  /**
   * The source table's INTEGER PRIMARY KEY (FTS5's `content_rowid`). Default: the rowid itself,
   * which VACUUM may renumber on a table without an INTEGER PRIMARY KEY (then run rebuild()).
   */
  rowid?: string;
  /** FTS5's `tokenize` option, e.g. `porter unicode61` or `unicode61 remove_diacritics 2`. */
  tokenize?: string;
  /** FTS5's `prefix` option: prefix lengths (1 to 999) to build extra indexes for, e.g. [2, 3]. */
  prefix?: readonly number[];
  /** Trigger names are `<triggerPrefix>_ai`, `_ad`, `_au`. Default: the FTS table's name. */
  triggerPrefix?: string;
}

/** What the helpers need of a migration's `ctx`: Strata's SqlContext satisfies it. */
export interface Fts5Context {
  dialect?: string;
  exec(sql: string): Promise<void> | void;
  query?<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Fts5ExternalContent {
  /** The options after validation (defaults filled in). */
  readonly options: Readonly<Required<Omit<Fts5ExternalContentOptions, 'tokenize' | 'prefix'>>> & Pick<Fts5ExternalContentOptions, 'tokenize' | 'prefix'>;
  /** CREATE VIRTUAL TABLE plus the three sync triggers. */
  create(): string[];
  /** CREATE VIRTUAL TABLE only. */
  createTable(): string;
  /** The AFTER INSERT, AFTER DELETE and AFTER UPDATE triggers on the source table. */
  createTriggers(): string[];
  /** Indexes the rows the source table already holds (FTS5's 'rebuild' command). */
  populate(): string;
  /** Throws the index away and rebuilds it from the source table. */
  rebuild(): string;
  /** Merges the index's b-trees into one (faster queries, smaller file). */
  optimize(): string;
  /** Fails (SQLITE_CORRUPT_VTAB) if the index does not match the source table's rows. */
  integrityCheck(): string;
  /** DROP TRIGGER IF EXISTS for the three triggers. */
  dropTriggers(): string[];
  /** The triggers, then the FTS table. The source table is left as it is. */
  drop(): string[];
  /** A dbmate-style migration file: `-- migrate:up` (create + populate) and `-- migrate:down` (drop). */
  sqlMigration(): string;
  /** For a code migration: checks the source table's columns, runs create() and populate(). */
  up(ctx: Fts5Context): Promise<void>;
  /** For a code migration: runs drop(). */
  down(ctx: Fts5Context): Promise<void>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Column names FTS5 keeps for itself ("reserved fts5 column name"). */
const RESERVED_COLUMNS = new Set(['rank', 'rowid']);

function invalid(message: string, hint: string): StrataError {
  return new StrataError(ErrorCode.MIGRATION_INVALID, `fts5.externalContent: ${message}`, { hint });
}

function identifier(value: unknown, what: string): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw invalid(
      `${what} ${JSON.stringify(value)} is not a plain identifier`,
      'use letters, digits and underscores, not starting with a digit (e.g. knowledge_fts)',
    );
  }
  return value;
}

const quote = sqliteSql.quoteIdentifier;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

function validate(options: Fts5ExternalContentOptions): Fts5ExternalContent['options'] {
  if (typeof options !== 'object' || options === null) throw invalid('expected an options object', 'pass { table, source, columns, rowid? }');
  const table = identifier(options.table, 'table');
  const source = identifier(options.source, 'source table');
  if (table.toLowerCase() === source.toLowerCase())
    throw invalid(
      `table and source are both ${JSON.stringify(table)}`,
      'name the FTS table differently from its content table, e.g. knowledge_fts for knowledge_entries',
    );
  if (!Array.isArray(options.columns) || options.columns.length === 0)
    throw invalid('columns must be a non-empty array of column names', "list the source columns to index, e.g. columns: ['title', 'content']");
  const seen = new Set<string>();
  const columns = options.columns.map((column: unknown) => {
    const name = identifier(column, 'column');
    const key = name.toLowerCase();
    if (RESERVED_COLUMNS.has(key))
      throw invalid(`column ${JSON.stringify(name)} is reserved by FTS5`, 'FTS5 keeps rank and rowid for itself; index a column with another name');
    if (key === table.toLowerCase())
      throw invalid(
        `column ${JSON.stringify(name)} has the FTS table's own name`,
        'FTS5 uses a hidden column named after the table; rename the table or the column',
      );
    if (seen.has(key)) throw invalid(`column ${JSON.stringify(name)} is listed twice`, 'list each column once');
    seen.add(key);
    return name;
  });
  const rowid = options.rowid === undefined ? 'rowid' : identifier(options.rowid, 'rowid column');
  const triggerPrefix = options.triggerPrefix === undefined ? table : identifier(options.triggerPrefix, 'trigger prefix');
  let tokenize: string | undefined;
  if (options.tokenize !== undefined) {
    if (typeof options.tokenize !== 'string' || options.tokenize.trim() === '' || /[\u0000-\u001f]/.test(options.tokenize)) {
      throw invalid(
        `tokenize ${JSON.stringify(options.tokenize)} is not a tokenizer specification`,
        "give FTS5's tokenize argument as one line, e.g. 'porter unicode61'",
      );
    }
    tokenize = options.tokenize;
  }
  let prefix: number[] | undefined;
  if (options.prefix !== undefined) {
    if (
      !Array.isArray(options.prefix) ||
      options.prefix.length === 0 ||
      !options.prefix.every((n: unknown) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 999)
    ) {
      throw invalid(`prefix ${JSON.stringify(options.prefix)} must be a non-empty array of integers from 1 to 999`, 'e.g. prefix: [2, 3]');
    }
    prefix = [...options.prefix];
  }
  return { table, source, columns, rowid, triggerPrefix, tokenize, prefix };
}

/**
 * An external-content FTS5 table `table` over `source`'s `columns`, with its sync triggers.
 * Validates every name now (a bad one throws MIGRATION_INVALID before any SQL runs).
 */
export function externalContent(input: Fts5ExternalContentOptions): Fts5ExternalContent {
  const options = validate(input);
  const { table, source, columns, rowid, triggerPrefix, tokenize, prefix } = options;
  const fts = quote(table);
  const cols = columns.map(quote).join(', ');
  const key = rowid === 'rowid' ? 'rowid' : quote(rowid);
  const values = (row: 'new' | 'old'): string => [`${row}.${key}`, ...columns.map((c) => `${row}.${quote(c)}`)].join(', ');
  const insertNew = `INSERT INTO ${fts}(rowid, ${cols}) VALUES (${values('new')});`;
  const deleteOld = `INSERT INTO ${fts}(${fts}, rowid, ${cols}) VALUES ('delete', ${values('old')});`;
  const command = (name: string): string => `INSERT INTO ${fts}(${fts}) VALUES('${name}')`;
  const triggers = { insert: quote(`${triggerPrefix}_ai`), delete: quote(`${triggerPrefix}_ad`), update: quote(`${triggerPrefix}_au`) };

  const createTable = (): string => {
    const args = [cols, `content=${literal(source)}`];
    if (rowid !== 'rowid') args.push(`content_rowid=${literal(rowid)}`);
    if (tokenize !== undefined) args.push(`tokenize=${literal(tokenize)}`);
    if (prefix !== undefined) args.push(`prefix=${literal(prefix.join(' '))}`);
    return `CREATE VIRTUAL TABLE ${fts} USING fts5(${args.join(', ')})`;
  };
  const createTriggers = (): string[] => [
    `CREATE TRIGGER ${triggers.insert} AFTER INSERT ON ${quote(source)} BEGIN\n  ${insertNew}\nEND`,
    `CREATE TRIGGER ${triggers.delete} AFTER DELETE ON ${quote(source)} BEGIN\n  ${deleteOld}\nEND`,
    `CREATE TRIGGER ${triggers.update} AFTER UPDATE ON ${quote(source)} BEGIN\n  ${deleteOld}\n  ${insertNew}\nEND`,
  ];
  const create = (): string[] => [createTable(), ...createTriggers()];
  const populate = (): string => command('rebuild');
  const dropTriggers = (): string[] => [triggers.insert, triggers.delete, triggers.update].map((name) => `DROP TRIGGER IF EXISTS ${name}`);
  const drop = (): string[] => [...dropTriggers(), `DROP TABLE IF EXISTS ${fts}`];

  return {
    options,
    create,
    createTable,
    createTriggers,
    populate,
    rebuild: populate,
    optimize: () => command('optimize'),
    integrityCheck: () => `INSERT INTO ${fts}(${fts}, rank) VALUES('integrity-check', 1)`,
    dropTriggers,
    drop,
    sqlMigration: () =>
      [
        `-- migrate:up`,
        `-- FTS5 index ${table} over ${source}(${columns.join(', ')}), kept in sync by triggers`,
        ...[...create(), populate()].map((sql) => `${sql};`),
        '',
        '-- migrate:down',
        ...drop().map((sql) => `${sql};`),
        '',
      ].join('\n'),
    async up(ctx) {
      requireSqlite(ctx);
      if (ctx.query) await checkSource(ctx as Required<Pick<Fts5Context, 'query'>>, options);
      for (const sql of [...create(), populate()]) await ctx.exec(sql);
    },
    async down(ctx) {
      requireSqlite(ctx);
      for (const sql of drop()) await ctx.exec(sql);
    },
  };
}

function requireSqlite(ctx: Fts5Context): void {
  if (!ctx || typeof ctx.exec !== 'function')
    throw invalid('expected a migration ctx with exec(sql)', 'call up(ctx) / down(ctx) from a code migration, with the ctx Strata passes');
  if (ctx.dialect !== undefined && ctx.dialect !== 'sqlite') {
    throw invalid(`FTS5 is a SQLite feature; this migration runs on ${ctx.dialect}`, 'use these helpers in SQLite migrations only');
  }
}

/** FTS5 accepts a missing content table or column at CREATE time and fails later; say so up front. */
async function checkSource(ctx: Required<Pick<Fts5Context, 'query'>>, options: Fts5ExternalContent['options']): Promise<void> {
  const rows = await ctx.query<{ name: string }>('SELECT name FROM pragma_table_xinfo(?)', [options.source]);
  if (rows.length === 0)
    throw invalid(`source table ${JSON.stringify(options.source)} does not exist`, 'create the content table in an earlier migration (or earlier in this one)');
  const present = new Set(rows.map((row) => row.name.toLowerCase()));
  const wanted = options.rowid === 'rowid' ? options.columns : [...options.columns, options.rowid];
  const missing = wanted.filter((column) => !present.has(column.toLowerCase()));
  if (missing.length) {
    throw invalid(
      `source table ${JSON.stringify(options.source)} has no column ${missing.map((c) => JSON.stringify(c)).join(', ')}`,
      `its columns are ${rows.map((row) => row.name).join(', ')}`,
    );
  }
}

/** FTS5 helpers for SQLite migrations. */
export const fts5 = { externalContent } as const;
