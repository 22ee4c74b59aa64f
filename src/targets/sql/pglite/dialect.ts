/**
 * PGlite as a dialect: PostgreSQL's SQL (its lexer, types and builders), opened in this process
 * from a data folder (`pglite:./data/pg`, `pglite:/abs/pg`, `pglite:///abs/pg`) or in memory
 * (`pglite:memory:`). Folders are backed up with PGlite's own dump; memory has nothing to back up.
 */
import { resolve } from 'node:path';
import { ErrorCode, StrataError } from '../../../model/errors.js';
import type { DatabaseSpec } from '../database-spec.js';
import type { Dialect } from '../dialect.js';
import { PgliteBackupProvider } from './pglite-backup-provider.js';
import { PGLITE_MEMORY, PgliteDriver } from './pglite-driver.js';

const SCHEME = /^pglite:(?:\/\/)?(.*)$/i;

/** The data folder (absolute) or `:memory:` a `pglite:` string names; undefined for other strings. */
export function pgliteLocationOf(db: string): string | undefined {
  const path = SCHEME.exec(db)?.[1];
  if (path === undefined) return undefined;
  if (path === 'memory:') return PGLITE_MEMORY;
  if (path === '') {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${db} names no folder`, { hint: 'use pglite:./data/pg (a data folder) or pglite:memory:' });
  }
  return resolve(path);
}

const quoteIdentifier = (part: string): string => `"${part.replace(/"/g, '""')}"`;

function conflictClause(columns: readonly string[], conflict: readonly string[], update: boolean): string {
  const target = `ON CONFLICT (${conflict.map(quoteIdentifier).join(', ')})`;
  const others = columns.filter((column) => !conflict.includes(column));
  if (!update || others.length === 0) return `${target} DO NOTHING`;
  return `${target} DO UPDATE SET ${others.map((column) => `${quoteIdentifier(column)} = excluded.${quoteIdentifier(column)}`).join(', ')}`;
}

function insert(table: string, columns: readonly string[], values: string): string {
  return `INSERT INTO ${table} (${columns.map(quoteIdentifier).join(', ')}) VALUES (${values})`;
}

export const pgliteDialect: Dialect = {
  name: 'pglite',
  family: 'postgres',
  lexer: {
    hashComments: false,
    dollarQuotes: true,
    backslashEscapes: 'e-strings',
    doubleQuotedStrings: false,
    bracketIdentifiers: false,
    nestedBlockComments: true,
    delimiterCommand: false,
  },
  transactionalDdl: true,
  types: {
    key: 'VARCHAR(255)',
    text: 'TEXT',
    shortText: (length) => `VARCHAR(${length})`,
    longText: 'TEXT',
    integer: 'INTEGER',
    bigInteger: 'BIGINT',
    double: 'DOUBLE PRECISION',
  },
  tableOptions: '',
  createIndexIfNotExists: true,
  beginWrite: 'BEGIN',
  selectForUpdate: true,
  quoteIdentifier,
  param: (index) => `$${index}`,
  insertIgnore: (table, columns, values, conflict) => `${insert(table, columns, values)} ${conflictClause(columns, conflict, false)}`,
  upsert: (table, columns, values, conflict) => `${insert(table, columns, values)} ${conflictClause(columns, conflict, true)}`,
  forms: { schemes: ['pglite:'], example: 'pglite:./data/pg (a data folder) or pglite:memory:' },
  claims: (db) => SCHEME.test(db),
  open: (spec: DatabaseSpec) => new PgliteDriver(spec.location, { schema: spec.schema }),
  backupProvider: (spec: DatabaseSpec) =>
    spec.location === PGLITE_MEMORY ? undefined : new PgliteBackupProvider(spec.location, { schema: spec.schema, ledgerTable: spec.tables.ledger.name }),
};
