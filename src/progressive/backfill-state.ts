/**
 * The checkpoint table of backfills, `strata_backfills` by default: one row per backfill name,
 * rewritten in the same transaction as each batch it describes. That is the whole of the
 * exactly-once argument: a batch's changes and the key it ends at commit together or not at all.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import type { DialectSql, SqlFamily } from '../targets/sql/dialect.js';
import { dialectOf } from '../targets/sql/dialects.js';

export const DEFAULT_BACKFILL_TABLE = 'strata_backfills';

export type BackfillStatus = 'running' | 'cancelled' | 'failed' | 'done';

/** One backfill as its checkpoint row says. */
export interface BackfillState {
  name: string;
  table: string;
  key: string;
  /** The last key committed (JSON-decoded); null before the first batch. */
  lastKey: unknown;
  rowsDone: number;
  /** Rows done + rows left when the latest run started. */
  total: number | null;
  batches: number;
  status: BackfillStatus;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** The process that ran (or runs) it last. */
  pid: number | null;
  error: string | null;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** `schema.table` or `table`, each part a plain identifier, quoted for the dialect (or the family's). */
export function quoteName(name: string, dialect: DialectSql | SqlFamily, what = 'table'): string {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => !IDENTIFIER.test(p))) {
    throw new StrataError(ErrorCode.BACKFILL_INVALID, `${what} ${JSON.stringify(name)} is not a plain identifier`, {
      hint: 'use letters, digits and underscores (optionally schema.name)',
    });
  }
  return parts.map(sqlOf(dialect).quoteIdentifier).join('.');
}

function sqlOf(dialect: DialectSql | SqlFamily): DialectSql {
  return typeof dialect === 'string' ? dialectOf(dialect) : dialect;
}

export function stateTableSql(dialect: DialectSql | SqlFamily, table: string): string {
  const sql = sqlOf(dialect);
  const t = quoteName(table, sql, 'state table');
  const { keyText, bigInteger } = sql.types;
  return `CREATE TABLE IF NOT EXISTS ${t} (
  name ${keyText(191)} NOT NULL PRIMARY KEY,
  table_name ${keyText(191)} NOT NULL,
  key_column ${keyText(191)} NOT NULL,
  last_key TEXT,
  rows_done ${bigInteger} NOT NULL DEFAULT 0,
  total ${bigInteger},
  batches ${bigInteger} NOT NULL DEFAULT 0,
  status ${keyText(16)} NOT NULL,
  started_at ${keyText(32)} NOT NULL,
  updated_at ${keyText(32)} NOT NULL,
  finished_at ${keyText(32)},
  pid INTEGER,
  error TEXT
)${sql.tableOptions}`;
}

/** Positional parameters: `?` on SQLite and MySQL, `$1..$n` on PostgreSQL. */
export function placeholders(dialect: DialectSql | SqlFamily): (index: number) => string {
  return sqlOf(dialect).param;
}

export interface StateRow {
  name: string;
  table_name: string;
  key_column: string;
  last_key: string | null;
  rows_done: number | string;
  total: number | string | null;
  batches: number | string;
  status: string;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
  pid: number | string | null;
  error: string | null;
}

export function decodeKey(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

export function encodeKey(key: unknown): string {
  return JSON.stringify(typeof key === 'bigint' ? key.toString() : key);
}

export function stateOf(row: StateRow): BackfillState {
  return {
    name: row.name,
    table: row.table_name,
    key: row.key_column,
    lastKey: decodeKey(row.last_key),
    rowsDone: Number(row.rows_done),
    total: row.total === null ? null : Number(row.total),
    batches: Number(row.batches),
    status: row.status as BackfillStatus,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    pid: row.pid === null ? null : Number(row.pid),
    error: row.error,
  };
}
