/**
 * PostgreSQL schema-per-tenant: one database, a schema per tenant. Each target is the database's
 * URL and a schema; the engine then keeps that tenant's ledger and lock in its schema (the lock
 * key is the schema-qualified ledger table), so tenants migrate side by side without waiting on
 * each other.
 */
import { firstColumn } from './query-source.js';
import { targetsInvalid, type FoundDatabase } from './target-source.js';

export async function schemaDatabases(db: string, schemas: readonly string[] | { readonly query: string }): Promise<FoundDatabase[]> {
  if (!/^postgres(ql)?:\/\//i.test(db)) {
    throw targetsInvalid(
      `schema-per-tenant targets need a postgres:// URL, got ${JSON.stringify(db)}`,
      'e.g. --db postgres://app@db/app --schemas acme,globex',
    );
  }
  const names = Array.isArray(schemas) ? (schemas as readonly unknown[]) : await firstColumn(db, (schemas as { query: string }).query);
  return names.map((schema, index) => {
    if (typeof schema !== 'string' || schema.trim() === '') {
      throw targetsInvalid(`tenant schema ${index + 1} is ${JSON.stringify(schema)}, not a name`, 'give each tenant as a schema name');
    }
    return { db, schema: schema.trim() };
  });
}
