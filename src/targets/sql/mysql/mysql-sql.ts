/** MySQL's and MariaDB's SQL builders and flags (the pure part of their dialect). */
import { SQL_LEXERS } from '../../../sources/sql/split-statements.js';
import type { DialectSql } from '../dialect.js';

const quoteIdentifier = (part: string): string => `\`${part.replaceAll('`', '``')}\``;
const list = (items: readonly string[]): string => items.join(', ');

export const mysqlSql: DialectSql = {
  lexer: SQL_LEXERS.mysql,
  // DDL commits implicitly: a step cannot commit together with its ledger row.
  transactionalDdl: false,
  types: {
    text: 'TEXT',
    shortText: (length) => `VARCHAR(${length})`,
    // An indexed TEXT column needs a prefix length; VARCHAR(191) fits InnoDB's key limit in utf8mb4.
    keyText: (length) => `VARCHAR(${length})`,
    longText: 'LONGTEXT',
    integer: 'INTEGER',
    bigInteger: 'BIGINT',
    double: 'DOUBLE PRECISION',
  },
  // The checkpoint rows must commit with each batch whatever the server's default engine.
  tableOptions: ' ENGINE=InnoDB',
  createIndexIfNotExists: false,
  beginWrite: 'START TRANSACTION',
  selectForUpdate: true,
  forms: { schemes: ['mysql://', 'mariadb://'], example: 'mysql://user:password@host:3306/database' },
  quoteIdentifier,
  param: () => '?',
  insertIgnore: (table, columns, values) => `INSERT IGNORE INTO ${table} (${list(columns)}) VALUES ${values}`,
  upsert: (table, columns, values, conflict) =>
    `INSERT INTO ${table} (${list(columns)}) VALUES ${values} ON DUPLICATE KEY UPDATE ${list(
      columns.filter((c) => !conflict.includes(c)).map((c) => `${c} = VALUES(${c})`),
    )}`,
};
