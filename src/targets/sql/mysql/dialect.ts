/** MySQL and MariaDB through `mysql2`: `mysql://` and `mariadb://` URLs. */
import { mysqlAdmin } from './mysql-admin.js';
import { MysqlBackupProvider } from '../../../backup/providers/mysql-provider.js';
import type { Dialect } from '../dialect.js';
import { redactUrl } from '../server-url.js';
import { MysqlDriver, SERVER_STATUS_IN_TRANS } from './mysql-driver.js';
import { mysqlDdl } from './mysql-ddl.js';
import { readMysqlSchema } from './mysql-schema.js';
import { mysqlSql } from './mysql-sql.js';

export const mysqlDialect: Dialect = {
  ...mysqlSql,
  name: 'mysql',
  family: 'mysql',
  claims: (db) => /^(mysql|mariadb):\/\//i.test(db),
  locate: (db) => ({ location: db, description: redactUrl(db) }),
  open: (spec) => new MysqlDriver(spec.location, { lockName: spec.tables.ledger.name }),
  admin: mysqlAdmin,
  backupProvider: (spec) => new MysqlBackupProvider(spec.location, { ledgerTable: spec.tables.ledger.name }),
  async inTransaction(context) {
    // `DO 0` answers with an OK packet whose status flags say whether a transaction is open.
    const result = (await context.query('DO 0')) as unknown as { serverStatus?: number };
    return ((result.serverStatus ?? 0) & SERVER_STATUS_IN_TRANS) !== 0;
  },
  readSchema: readMysqlSchema,
  ddl: mysqlDdl,
};
