/** What every reader needs to query another tool's ledger through Strata's driver. */
import type { SqlDriver } from '../../targets/sql/driver.js';

/**
 * The tool's table as the driver sees it: unqualified names live in the driver's schema (as
 * `tableExists` reads them), `schema.table` is taken as written. null when it is not there.
 */
export async function toolTable(db: SqlDriver, table: string): Promise<{ name: string; quoted: string } | null> {
  if (!(await db.tableExists(table))) return null;
  const qualified = table.includes('.') || db.schema === undefined ? table : `${db.schema}.${table}`;
  return {
    name: table,
    quoted: qualified
      .split('.')
      .map((part) => db.dialect.quoteIdentifier(part))
      .join('.'),
  };
}

/** A timestamp as the drivers return it (Date, ISO or SQL text, epoch ms) in ISO 8601 UTC; null when absent. */
export function isoTime(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value)).toISOString();
  const text = String(value);
  // SQLite's CURRENT_TIMESTAMP: `2024-01-02 03:04:05`, UTC without a zone.
  const sqlite = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text;
  const date = new Date(sqlite);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Booleans as the dialects return them: true, 1, '1', 't'. */
export function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === '1' || value === 't' || value === 'true';
}

/** The version a migration file name starts with (`20240102_x.sql` -> `20240102`), or undefined. */
export function leadingVersion(name: string): string | undefined {
  return /^(\d+)/.exec(name)?.[1];
}
