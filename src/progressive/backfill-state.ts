/**
 * The checkpoint table of backfills, `strata_backfills` by default: one row per backfill name,
 * rewritten in the same transaction as each batch it describes. That is the whole of the
 * exactly-once argument: a batch's changes and the key it ends at commit together or not at all.
 */
import type { SqlDialect } from '../sources/sql/split-statements.js';
import { ErrorCode, StrataError } from '../model/errors.js';

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

/** `schema.table` or `table`, each part a plain identifier, quoted for the dialect. */
export function quoteName(name: string, dialect: SqlDialect, what = 'table'): string {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => !IDENTIFIER.test(p))) {
    throw new StrataError(ErrorCode.BACKFILL_INVALID, `${what} ${JSON.stringify(name)} is not a plain identifier`, {
      hint: 'use letters, digits and underscores (optionally schema.name)',
    });
  }
  return parts.map((p) => (dialect === 'mysql' ? `\`${p}\`` : `"${p}"`)).join('.');
}

export function stateTableSql(dialect: SqlDialect, table: string): string {
  const t = quoteName(table, dialect, 'state table');
  const text = dialect === 'mysql' ? 'VARCHAR(191)' : 'TEXT';
  const big = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return `CREATE TABLE IF NOT EXISTS ${t} (
  name ${text} NOT NULL PRIMARY KEY,
  table_name ${text} NOT NULL,
  key_column ${text} NOT NULL,
  last_key TEXT,
  rows_done ${big} NOT NULL DEFAULT 0,
  total ${big},
  batches ${big} NOT NULL DEFAULT 0,
  status ${dialect === 'mysql' ? 'VARCHAR(16)' : 'TEXT'} NOT NULL,
  started_at ${dialect === 'mysql' ? 'VARCHAR(32)' : 'TEXT'} NOT NULL,
  updated_at ${dialect === 'mysql' ? 'VARCHAR(32)' : 'TEXT'} NOT NULL,
  finished_at ${dialect === 'mysql' ? 'VARCHAR(32)' : 'TEXT'},
  pid INTEGER,
  error TEXT
)${dialect === 'mysql' ? ' ENGINE=InnoDB' : ''}`;
}

/** Positional parameters: `?` on SQLite and MySQL, `$1..$n` on PostgreSQL. */
export function placeholders(dialect: SqlDialect): (index: number) => string {
  return dialect === 'postgres' ? (i) => `$${i}` : () => '?';
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
