/** MySQL and MariaDB through `mysql2`: `mysql://` and `mariadb://` URLs. */
import { mysqlAdmin } from './mysql-admin.js';
import { MysqlBackupProvider } from '../../../backup/providers/mysql-provider.js';
import type { Dialect } from '../dialect.js';
import { redactUrl } from '../server-url.js';
import { MysqlDriver, SERVER_STATUS_IN_TRANS } from './mysql-driver.js';
import { mysqlDdl } from './mysql-ddl.js';
import { mysqlSql } from './mysql-sql.js';
import { scratchOnServer } from '../scratch-database.js';
import { mysqlAlter } from './mysql-alter.js';

export const mysqlDialect: Dialect = {
  ...mysqlSql,
  name: 'mysql',
  family: 'mysql',
  serverActivity: 'SHOW PROCESSLIST',
  claims: (db) => /^(mysql|mariadb):\/\//i.test(db),
  locate: (db) => ({ location: db, description: redactUrl(db) }),
  open: (spec) => new MysqlDriver(spec.location, { lockName: spec.tables.ledger.name }),
  admin: mysqlAdmin,
  // A database is MySQL's schema: `app.users` in a migration names the live one from anywhere.
  scratch: (spec) => scratchOnServer(spec, { reachesLive: namesDatabase }),
  alter: mysqlAlter,
  backupProvider: (spec) => new MysqlBackupProvider(spec.location, { ledgerTable: spec.tables.ledger.name }),
  async inTransaction(context) {
    // `DO 0` answers with an OK packet whose status flags say whether a transaction is open.
    const result = (await context.query('DO 0')) as unknown as { serverStatus?: number };
    return ((result.serverStatus ?? 0) & SERVER_STATUS_IN_TRANS) !== 0;
  },
  // Imported when first read (drift, a fingerprint, schema dump): a SQLite run never loads it.
  readSchema: async (driver, options) => (await import('./mysql-schema.js')).readMysqlSchema(driver, options),
  // No schemaStamp: MySQL/MariaDB offer nothing both sound and cheap. information_schema.TABLES'
  // CREATE_TIME / UPDATE_TIME have a 1-second resolution and say nothing of triggers and views;
  // the Com_* statement counters are server-wide, reset at restart (and can climb back to a
  // stored value). So every drift check there reads the catalog (the full fingerprint).
  ddl: mysqlDdl,
};

/** Whether `sql` names the database `name` as a qualifier (`app.t`, `` `app`.t ``), outside strings and comments too: a cautious check. */
export function namesDatabase(name: string): (sql: string) => boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(^|[^\\w$.\`])(\`${escaped}\`|${escaped})\\s*\\.`, 'i');
  return (sql) => pattern.test(sql);
}
