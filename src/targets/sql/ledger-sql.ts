/**
 * The ledger's SQL as pure strings (tested against exact text), from the dialect's builders:
 * dialects differ in quoting, placeholders, column types and upsert syntax only.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { Dialect, DialectSql, SqlFamily } from './dialect.js';
import { dialectOf } from './dialects.js';

export const DEFAULT_LEDGER_TABLE = 'strata_migrations';

export interface LedgerSql {
  create: string;
  select: string;
  /** Parameters: version, name, checksum, applied_at, duration_ms, status, operation, statements_applied, error. */
  upsert: string;
  /**
   * A newly applied row (status, operation and error take their defaults). Parameters: version,
   * name, checksum, applied_at, duration_ms, statements_applied. The hot path of `migrate`: every
   * DDL step invalidates prepared statements, so this one is re-prepared once per step and kept short.
   */
  insertApplied: string;
  /** Parameter: version. */
  delete: string;
}

const COLUMNS = ['version', 'name', 'checksum', 'applied_at', 'duration_ms', 'status', 'operation', 'statements_applied', 'error'] as const;
const INSERT_COLUMNS = ['version', 'name', 'checksum', 'applied_at', 'duration_ms', 'statements_applied'] as const;
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

/** `dialect`: a Dialect, or a family name for the dialect of that name. */
export function ledgerSql(dialect: Dialect | SqlFamily, table = DEFAULT_LEDGER_TABLE): LedgerSql {
  const sql = dialectOf(dialect);
  const name = quoteTableName(table, sql);
  const { shortText, keyText, double } = sql.types;
  const create =
    `CREATE TABLE IF NOT EXISTS ${name} (` +
    `version ${shortText(255)} NOT NULL PRIMARY KEY, ` +
    `name ${keyText(255)} NOT NULL, ` +
    `checksum ${keyText(255)} NOT NULL, ` +
    `applied_at ${shortText(32)} NOT NULL, ` +
    `duration_ms ${double} NOT NULL, ` +
    `status VARCHAR(16) NOT NULL DEFAULT 'applied', ` +
    `operation VARCHAR(8) NOT NULL DEFAULT 'up', ` +
    `statements_applied INTEGER NOT NULL DEFAULT 0, ` +
    'error TEXT)';
  const params = (count: number) => `(${Array.from({ length: count }, (_, k) => sql.param(k + 1)).join(', ')})`;
  return {
    create,
    select: `SELECT ${COLUMNS.join(', ')} FROM ${name}`,
    upsert: sql.upsert(name, COLUMNS, params(COLUMNS.length), ['version']),
    insertApplied: `INSERT INTO ${name} (${INSERT_COLUMNS.join(', ')}) VALUES ${params(INSERT_COLUMNS.length)}`,
    delete: `DELETE FROM ${name} WHERE version = ${sql.param(1)}`,
  };
}
