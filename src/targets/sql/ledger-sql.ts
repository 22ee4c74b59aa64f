/**
 * The ledger's SQL as pure strings (tested against exact text), from the dialect's builders:
 * dialects differ in quoting, placeholders, column types and upsert syntax only.
 *
 * The ledger has a layout version of its own. Layout 1 is the ledger of strata-migrate 0.1;
 * layout 2 adds `adopted_from`, `schema_fingerprint`, `down_sql` and `schema_stamp`: a ledger is at
 * 2 when it has all four (`schema_stamp` came last, before layout 2 was released: a ledger
 * without it is upgraded like a layout 1 one, which adds just that column). Every layout after 2 is recorded in a small table beside the ledger
 * (`<ledger>_meta`: `meta_key`, `meta_value`, with the rows `ledger_version` and
 * `min_strata_version`), which this Strata reads and refuses when it names a layout it does not
 * know: an older Strata learns that it is older, and which release to install. Layout 2 writes
 * no meta table, so a database's table list does not change with the upgrade.
 * As Liquibase does with its changelog table (and Flyway did when its history table changed),
 * an upgrade adds only the columns that are missing, so one that stopped half-way (MySQL DDL
 * commits as it goes) simply runs again.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { Dialect, DialectSql, SqlFamily } from './dialect.js';
import { dialectOf } from './dialects.js';
import { refuseSystemSchema } from './system-schemas.js';

export const DEFAULT_LEDGER_TABLE = 'strata_migrations';

/** The ledger layout this Strata writes and reads. */
export const LEDGER_VERSION = 2;
/** Meta keys (a layout after 2 writes both). */
export const META_LEDGER_VERSION = 'ledger_version';
export const META_READER = 'min_strata_version';

export interface LedgerSql {
  create: string;
  /** Layout 2's columns, in the order of `select`. */
  select: string;
  /** A layout 1 ledger (not upgraded yet: read-only commands never upgrade it). */
  selectV1: string;
  /** Parameters: version, name, checksum, applied_at, duration_ms, status, operation, statements_applied, error, adopted_from, schema_fingerprint, down_sql, schema_stamp. */
  upsert: string;
  /**
   * A newly applied row (status, operation, error and adopted_from take their defaults).
   * Parameters: version, name, checksum, applied_at, duration_ms, statements_applied,
   * schema_fingerprint, down_sql, schema_stamp. The hot path of `migrate`: every DDL step invalidates prepared
   * statements, so this one is re-prepared once per step and kept short.
   */
  insertApplied: string;
  /** Parameter: version. */
  delete: string;
  /** The columns layout 2 added, each as `ALTER TABLE ... ADD COLUMN` (nullable: old rows keep NULL). */
  addColumns: readonly { column: string; sql: string }[];
  /** Columns of the ledger, read from no row: fails when one is missing. */
  probeColumns(columns: readonly string[]): string;
  /** Read only: layout 2 never writes it (see above). */
  meta: {
    /** The meta table's name as given (`app.strata_migrations_meta`), for tableExists. */
    table: string;
    create: string;
    select: string;
    /** Parameters: meta_key, meta_value. */
    upsert: string;
  };
}

export const LEDGER_V1_COLUMNS = ['version', 'name', 'checksum', 'applied_at', 'duration_ms', 'status', 'operation', 'statements_applied', 'error'] as const;
export const LEDGER_V2_COLUMNS = ['adopted_from', 'schema_fingerprint', 'down_sql', 'schema_stamp'] as const;
/** Every ledger column, in the order the SELECT and the upsert name them (their parameters follow it). */
export const LEDGER_COLUMNS = [...LEDGER_V1_COLUMNS, ...LEDGER_V2_COLUMNS] as const;
export type LedgerColumn = (typeof LEDGER_COLUMNS)[number];
/** The columns of `insertApplied`, in its parameters' order. */
export const LEDGER_INSERT_COLUMNS = [
  'version',
  'name',
  'checksum',
  'applied_at',
  'duration_ms',
  'statements_applied',
  'schema_fingerprint',
  'down_sql',
  'schema_stamp',
] as const;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `name` or `schema.name`, each part a plain identifier (anything else is refused, not escaped). */
export function quoteTableName(table: string, dialect: DialectSql | SqlFamily): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `ledger table name ${JSON.stringify(table)} is not a plain identifier`, {
      hint: 'use letters, digits and underscores, optionally prefixed by a schema: strata_migrations or app.strata_migrations',
    });
  }
  const { quoteIdentifier } = typeof dialect === 'string' ? dialectOf(dialect) : dialect;
  return parts.map(quoteIdentifier).join('.');
}

/**
 * A ledger in a server's own schema (`pg_catalog.x`, `mysql.x`) or named like SQLite's own
 * tables (`sqlite_master`: SQLite refuses to create any `sqlite_` table) is refused up front.
 */
function refuseReservedTable(table: string, family: SqlFamily): void {
  const parts = table.split('.');
  if (parts.length === 2) refuseSystemSchema(parts[0]!, family, `the ledger table ${JSON.stringify(table)}`);
  if (family === 'sqlite' && /^sqlite_/i.test(parts.at(-1)!)) {
    throw new StrataError(
      ErrorCode.LEDGER_TABLE_INVALID,
      `the ledger table ${JSON.stringify(table)} is a name SQLite reserves for its own tables (sqlite_...)`,
      {
        hint: 'leave --table out to use strata_migrations, or name a table of your own',
        details: { table },
      },
    );
  }
}

/** The ledger's meta table, beside it (same schema): `strata_migrations_meta`. */
export function ledgerMetaTable(table = DEFAULT_LEDGER_TABLE): string {
  return `${table}_meta`;
}

/** By dialect and table: a process that opens many databases alike (a fleet's worker) builds each set once; a few tables per dialect. */
const built = new Map<Dialect | SqlFamily, Map<string, LedgerSql>>();

/** `dialect`: a Dialect, or a family name for the dialect of that name. */
export function ledgerSql(dialect: Dialect | SqlFamily, table = DEFAULT_LEDGER_TABLE): LedgerSql {
  let byTable = built.get(dialect);
  if (!byTable) built.set(dialect, (byTable = new Map()));
  let found = byTable.get(table);
  if (!found) {
    // Frozen: every migrator of the process shares it.
    found = Object.freeze(buildLedgerSql(dialect, table));
    Object.freeze(found.meta);
    // Bounded: an app naming a new ledger table per database keeps only the latest few.
    if (byTable.size >= 16) byTable.delete(byTable.keys().next().value as string);
    byTable.set(table, found);
  }
  return found;
}

function buildLedgerSql(dialect: Dialect | SqlFamily, table: string): LedgerSql {
  const sql = dialectOf(dialect);
  const name = quoteTableName(table, sql);
  refuseReservedTable(table, sql.family);
  const metaTable = ledgerMetaTable(table);
  const meta = quoteTableName(metaTable, sql);
  const { shortText, keyText, double, text } = sql.types;
  const v2Types: Record<(typeof LEDGER_V2_COLUMNS)[number], string> = {
    adopted_from: shortText(64),
    schema_fingerprint: shortText(128),
    down_sql: sql.types.longText,
    // The dialect's schema stamp taken with the fingerprint (Dialect.schemaStamp): drift's fast path.
    schema_stamp: shortText(128),
  };
  const create =
    `CREATE TABLE IF NOT EXISTS ${name} (` +
    `version ${shortText(255)} NOT NULL PRIMARY KEY, ` +
    `name ${keyText(255)} NOT NULL, ` +
    `checksum ${keyText(255)} NOT NULL, ` +
    `applied_at ${shortText(32)} NOT NULL, ` +
    `duration_ms ${double} NOT NULL, ` +
    `status VARCHAR(16) NOT NULL DEFAULT 'applied', ` +
    // Wide enough for 'baseline' (layout 1 had VARCHAR(8): an upgrade widens nothing, 'baseline' fits in 8).
    `operation VARCHAR(8) NOT NULL DEFAULT 'up', ` +
    `statements_applied INTEGER NOT NULL DEFAULT 0, ` +
    'error TEXT, ' +
    LEDGER_V2_COLUMNS.map((column) => `${column} ${v2Types[column]}`).join(', ') +
    ')';
  const params = (count: number) => `(${Array.from({ length: count }, (_, k) => sql.param(k + 1)).join(', ')})`;
  return {
    create,
    select: `SELECT ${LEDGER_COLUMNS.join(', ')} FROM ${name}`,
    selectV1: `SELECT ${LEDGER_V1_COLUMNS.join(', ')} FROM ${name}`,
    upsert: sql.upsert(name, LEDGER_COLUMNS, params(LEDGER_COLUMNS.length), ['version']),
    insertApplied: `INSERT INTO ${name} (${LEDGER_INSERT_COLUMNS.join(', ')}) VALUES ${params(LEDGER_INSERT_COLUMNS.length)}`,
    delete: `DELETE FROM ${name} WHERE version = ${sql.param(1)}`,
    addColumns: LEDGER_V2_COLUMNS.map((column) => ({ column, sql: `ALTER TABLE ${name} ADD COLUMN ${column} ${v2Types[column]}` })),
    probeColumns: (columns) => `SELECT ${columns.join(', ')} FROM ${name} WHERE 1 = 0`,
    meta: {
      table: metaTable,
      create: `CREATE TABLE IF NOT EXISTS ${meta} (meta_key ${shortText(64)} NOT NULL PRIMARY KEY, meta_value ${text} NOT NULL)`,
      select: `SELECT meta_key, meta_value FROM ${meta}`,
      upsert: sql.upsert(meta, ['meta_key', 'meta_value'], params(2), ['meta_key']),
    },
  };
}
