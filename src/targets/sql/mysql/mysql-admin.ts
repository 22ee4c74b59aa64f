/**
 * `strata db create` / `db drop` on MySQL and MariaDB: CREATE / DROP DATABASE on a connection
 * that names no database (the one in the URL may not exist yet).
 */
import { ErrorCode, StrataError } from '../../../model/errors.js';
import type { DatabaseAdmin } from '../database-admin.js';
import { serverAdmin } from '../server-admin.js';
import { parseServerUrl, redactUrl } from '../server-url.js';
import { MysqlDriver } from './mysql-driver.js';
import { mysqlSql } from './mysql-sql.js';

export function mysqlAdmin(db: string): DatabaseAdmin {
  const url = parseServerUrl(db, mysqlSql.forms);
  const name = decodeURIComponent(url.pathname.slice(1));
  const description = redactUrl(db);
  if (!name) throw new StrataError(ErrorCode.USAGE, `${description} names no database`, { hint: 'e.g. mysql://user@host:3306/app' });
  const server = new URL(url);
  server.pathname = '/';
  const quoted = `\`${name.replace(/`/g, '``')}\``;
  return serverAdmin({
    description,
    name,
    quoted,
    onServer: () => new MysqlDriver(server.toString()),
    existsSql: 'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    createHint: 'the user in the URL needs the CREATE privilege',
    dropHint: 'the user in the URL needs the DROP privilege',
  });
}
