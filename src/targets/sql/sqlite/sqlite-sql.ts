/** SQLite's SQL builders and flags (the pure part of its dialect): what its driver, backup provider and Strata's tables quote and write with. */
import { SQL_LEXERS } from '../../../sources/sql/split-statements.js';
import type { DialectSql } from '../dialect.js';

const quoteIdentifier = (part: string): string => `"${part.replaceAll('"', '""')}"`;
const list = (items: readonly string[]): string => items.join(', ');

export const sqliteSql: DialectSql = {
  lexer: SQL_LEXERS.sqlite,
  transactionalDdl: true,
  types: {
    text: 'TEXT',
    shortText: () => 'TEXT',
    keyText: () => 'TEXT',
    longText: 'TEXT',
    integer: 'INTEGER',
    bigInteger: 'INTEGER',
    double: 'REAL',
  },
  tableOptions: '',
  createIndexIfNotExists: true,
  // IMMEDIATE: take the write lock now, so a concurrent writer makes us wait (busy timeout), not fail mid-transaction.
  beginWrite: 'BEGIN IMMEDIATE',
  selectForUpdate: false,
  forms: { schemes: ['sqlite:', 'file:', ':memory:'], example: './app.db' },
  quoteIdentifier,
  param: () => '?',
  insertIgnore: (table, columns, values) => `INSERT OR IGNORE INTO ${table} (${list(columns)}) VALUES ${values}`,
  upsert: (table, columns, values, conflict) =>
    `INSERT INTO ${table} (${list(columns)}) VALUES ${values} ON CONFLICT (${list(conflict)}) DO UPDATE SET ${list(
      columns.filter((c) => !conflict.includes(c)).map((c) => `${c} = excluded.${c}`),
    )}`,
};
