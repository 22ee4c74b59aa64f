/**
 * Answers every driver speaking PostgreSQL gives the same way (pg, PGlite in Node, PGlite in the
 * browser), so a fix to one reaches all three.
 */
import { postgresSql } from './postgres-sql.js';

type Query = <T>(sql: string, params: readonly unknown[]) => Promise<T[]>;

/** Whether `table` exists; an unqualified name is looked up in `schema` when one is set, else on the search_path. */
export async function postgresTableExists(query: Query, table: string, schema: string | undefined): Promise<boolean> {
  const qualified = table.includes('.') || schema === undefined ? table : `${schema}.${table}`;
  const quoted = qualified.split('.').map(postgresSql.quoteIdentifier).join('.');
  const rows = await query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [quoted]);
  return rows[0]?.present === true;
}

/** PostgreSQL reports where in the statement it failed as a 1-based character position; this is the 0-based offset. */
export function postgresErrorOffset(error: unknown): number | undefined {
  const position = Number((error as { position?: unknown }).position);
  return Number.isInteger(position) && position > 0 ? position - 1 : undefined;
}
