/**
 * The backup provider for a migrator's driver: SQLite files through the online backup API,
 * PostgreSQL through pg_dump, MySQL/MariaDB through mysqldump. An in-memory database or a
 * driver Strata does not know has none.
 */
import type { SqlDriver } from '../../targets/sql/driver.js';
import { MysqlDriver } from '../../targets/sql/mysql/mysql-driver.js';
import { PostgresDriver } from '../../targets/sql/postgres/postgres-driver.js';
import { SqliteDriver } from '../../targets/sql/sqlite/sqlite-driver.js';
import type { BackupProvider } from './backup-provider.js';
import { MysqlBackupProvider } from './mysql-provider.js';
import { PostgresBackupProvider } from './postgres-provider.js';
import { SqliteBackupProvider } from './sqlite-provider.js';

export function backupProviderFor(driver: SqlDriver, ledgerTable?: string): BackupProvider | undefined {
  if (driver instanceof SqliteDriver) return driver.path === ':memory:' || driver.path === '' ? undefined : new SqliteBackupProvider(driver.path, { ledgerTable });
  if (driver instanceof PostgresDriver) return new PostgresBackupProvider(driver.url, { schema: driver.schema, ledgerTable });
  if (driver instanceof MysqlDriver) return new MysqlBackupProvider(driver.url, { ledgerTable });
  return undefined;
}
