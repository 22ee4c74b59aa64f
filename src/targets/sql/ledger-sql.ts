/**
 * The ledger's SQL, per dialect, as pure strings (tested against exact text). Dialects differ
 * in quoting, placeholders and upsert syntax only.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { SqlDialect } from '../../sources/sql/split-statements.js';

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
export function quoteTableName(table: string, dialect: SqlDialect): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `ledger table name ${JSON.stringify(table)} is not a plain identifier`, {
      hint: 'use letters, digits and underscores, optionally prefixed by a schema: strata_migrations or app.strata_migrations',
    });
  }
  const quote = dialect === 'mysql' ? '`' : '"';
  return parts.map((part) => `${quote}${part}${quote}`).join('.');
}

export function ledgerSql(dialect: SqlDialect, table = DEFAULT_LEDGER_TABLE): LedgerSql {
  const name = quoteTableName(table, dialect);
  const text = dialect === 'mysql' ? 'VARCHAR(255)' : 'TEXT';
  const create =
    `CREATE TABLE IF NOT EXISTS ${name} (` +
    `version ${dialect === 'sqlite' ? 'TEXT' : 'VARCHAR(255)'} NOT NULL PRIMARY KEY, ` +
    `name ${text} NOT NULL, ` +
    `checksum ${text} NOT NULL, ` +
    `applied_at ${dialect === 'sqlite' ? 'TEXT' : 'VARCHAR(32)'} NOT NULL, ` +
    `duration_ms ${dialect === 'sqlite' ? 'REAL' : 'DOUBLE PRECISION'} NOT NULL, ` +
    `status VARCHAR(16) NOT NULL DEFAULT 'applied', ` +
    `operation VARCHAR(8) NOT NULL DEFAULT 'up', ` +
    `statements_applied INTEGER NOT NULL DEFAULT 0, ` +
    'error TEXT)';
  const placeholders = COLUMNS.map((_, k) => (dialect === 'postgres' ? `$${k + 1}` : '?')).join(', ');
  const updates = COLUMNS.slice(1)
    .map((column) => (dialect === 'mysql' ? `${column} = VALUES(${column})` : `${column} = excluded.${column}`))
    .join(', ');
  const conflict = dialect === 'mysql' ? `ON DUPLICATE KEY UPDATE ${updates}` : `ON CONFLICT (version) DO UPDATE SET ${updates}`;
  return {
    create,
    select: `SELECT ${COLUMNS.join(', ')} FROM ${name}`,
    upsert: `INSERT INTO ${name} (${COLUMNS.join(', ')}) VALUES (${placeholders}) ${conflict}`,
    insertApplied: `INSERT INTO ${name} (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map((_, k) => (dialect === 'postgres' ? `$${k + 1}` : '?')).join(', ')})`,
    delete: `DELETE FROM ${name} WHERE version = ${dialect === 'postgres' ? '$1' : '?'}`,
  };
}
