/**
 * Schemas that belong to the database server, not to an application: Strata never creates its
 * ledger or runs migrations there. PostgreSQL would let a superuser write into information_schema
 * or a pg_temp schema (gone at the end of the session), MySQL into its `mysql` grant tables.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { SqlFamily } from './dialect.js';

// pg_catalog, pg_toast, pg_temp_N, pg_toast_temp_N: PostgreSQL reserves every pg_ schema name.
const POSTGRES = /^(information_schema|pg_.*)$/i;
const MYSQL = /^(information_schema|mysql|performance_schema|sys)$/i;

/** Whether `schema` is one of the server's own on `family` (PostgreSQL reserves every pg_ name). */
export function isSystemSchema(schema: string, family: SqlFamily | 'any'): boolean {
  if (family === 'postgres') return POSTGRES.test(schema);
  if (family === 'mysql') return MYSQL.test(schema);
  if (family === 'any') return POSTGRES.test(schema) || MYSQL.test(schema);
  return false;
}

/** Refuses a system schema with SCHEMA_RESERVED; `what` says which setting named it (`--schema`, `the ledger table`). */
export function refuseSystemSchema(schema: string, family: SqlFamily | 'any', what: string): void {
  if (!isSystemSchema(schema, family)) return;
  throw new StrataError(
    ErrorCode.SCHEMA_RESERVED,
    `${what} names ${JSON.stringify(schema)}, a schema of the database server itself: Strata does not write there`,
    {
      hint:
        family === 'mysql'
          ? 'point the URL at a database of your application (mysql://user@host/app)'
          : 'name a schema of your application (e.g. --schema app), or leave it out to use the default one',
      details: { schema },
    },
  );
}
