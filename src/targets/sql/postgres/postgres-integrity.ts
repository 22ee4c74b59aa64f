/**
 * PostgreSQL's own consistency checks after migrations, shared by the drivers that speak it
 * (pg and PGlite): what a failed or half-done migration leaves behind.
 */
export const POSTGRES_INTEGRITY_CHECKS = ['constraints left NOT VALID', 'invalid indexes'] as const;

type Query = <T>(sql: string, params?: readonly unknown[]) => Promise<T[]>;

/** Unvalidated constraints and invalid indexes in `schema` (or every user schema), as readable lines. */
export async function postgresIntegrityProblems(query: Query, schema: string | undefined): Promise<string[]> {
  const schemaFilter = schema === undefined ? "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'" : 'n.nspname = $1';
  const params = schema === undefined ? [] : [schema];
  const constraints = await query<{ name: string; tbl: string }>(
    `SELECT c.conname AS name, t.relname AS tbl FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE NOT c.convalidated AND ${schemaFilter}`,
    params,
  );
  const indexes = await query<{ name: string }>(
    `SELECT i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace WHERE NOT x.indisvalid AND ${schemaFilter}`,
    params,
  );
  return [
    ...constraints.map((c) => `constraint ${c.name} on ${c.tbl} is NOT VALID (run ALTER TABLE ${c.tbl} VALIDATE CONSTRAINT ${c.name})`),
    ...indexes.map((i) => `index ${i.name} is invalid (a CREATE INDEX CONCURRENTLY that failed: drop it and create it again)`),
  ];
}
