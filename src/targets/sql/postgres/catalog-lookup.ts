/**
 * A catalog's rows per row of a small set, read on the catalog's index. The catalog queries
 * (postgres-schema.ts, postgres-stamp.ts) start from a schema's relations or types, and
 * PostgreSQL estimates a schema's share of pg_class from the catalog's statistics in thousands of
 * rows: joined, it hashed or merged whole catalogs (tens of thousands of rows at 1,000 schemas).
 * OFFSET 0 keeps the subquery from being merged into a join, so it runs once per outer row with
 * that row's key as a parameter.
 */
export function lateralLookup(columns: string, catalog: string, where: string, alias: string): string {
  return `CROSS JOIN LATERAL (SELECT ${columns} FROM ${catalog} WHERE ${where} OFFSET 0) AS ${alias}`;
}
