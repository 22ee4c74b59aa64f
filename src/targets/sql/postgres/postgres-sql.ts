/** PostgreSQL's SQL builders and flags (the pure part of its dialect, shared by dialects that speak it). */
import { SQL_LEXERS } from '../../../sources/sql/split-statements.js';
import type { DialectSql } from '../dialect.js';

const quoteIdentifier = (part: string): string => `"${part.replaceAll('"', '""')}"`;
const list = (items: readonly string[]): string => items.join(', ');

export const postgresSql: DialectSql = {
  lexer: SQL_LEXERS.postgres,
  transactionalDdl: true,
  types: {
    text: 'TEXT',
    shortText: (length) => `VARCHAR(${length})`,
    keyText: () => 'TEXT',
    longText: 'TEXT',
    integer: 'INTEGER',
    bigInteger: 'BIGINT',
    double: 'DOUBLE PRECISION',
  },
  tableOptions: '',
  createIndexIfNotExists: true,
  beginWrite: 'BEGIN',
  selectForUpdate: true,
  forms: { schemes: ['postgres://', 'postgresql://'], example: 'postgres://user:password@host:5432/database' },
  quoteIdentifier,
  param: (index) => `$${index}`,
  insertIgnore: (table, columns, values, conflict) => `INSERT INTO ${table} (${list(columns)}) VALUES ${values} ON CONFLICT (${list(conflict)}) DO NOTHING`,
  upsert: (table, columns, values, conflict) =>
    `INSERT INTO ${table} (${list(columns)}) VALUES ${values} ON CONFLICT (${list(conflict)}) DO UPDATE SET ${list(
      columns.filter((c) => !conflict.includes(c)).map((c) => `${c} = excluded.${c}`),
    )}`,
};
