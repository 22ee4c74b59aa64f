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

/**
 * A timestamp as the drivers and tools store it (a Date, epoch seconds or milliseconds, ISO or
 * SQL text) in ISO 8601 UTC; null when absent. Text without a zone is UTC: SQLite's
 * CURRENT_TIMESTAMP and knex's SQLite `migration_time` are written so.
 */
export function isoTime(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  let date: Date;
  if (value instanceof Date) date = value;
  else if (typeof value === 'number' || typeof value === 'bigint' || (typeof value === 'string' && /^\d+$/.test(value))) {
    const n = Number(value);
    // Seconds (10 digits until 2286) or milliseconds.
    date = new Date(n < 1e11 ? n * 1000 : n);
  } else if (typeof value === 'string') {
    const text = value.trim().replace(' ', 'T');
    date = new Date(/(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(text) ? text : `${text}Z`);
  } else return null;
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
