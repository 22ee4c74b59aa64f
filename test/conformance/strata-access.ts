/**
 * Every way the conformance suite reaches into Strata, in one file. The suite is written against
 * behaviour; where it must name a function or a module path, that name lives here, so when the
 * internals move (a dialect registry, a database spec) this is the one file to re-point.
 */
import { Journal } from '../../src/journal/index.js';
import { sqlJournalSink } from '../../src/journal/sql-sink.js';
import { backupManagerFor } from '../../src/backup/backup-settings.js';
import type { BackupManager } from '../../src/backup/backup-manager.js';
import { resolveDatabase } from '../../src/targets/sql/database-spec.js';
import { openDriver as openStrataDriver } from '../../src/targets/sql/open-driver.js';
import type { SqlDriver } from '../../src/targets/sql/driver.js';

export { createMigrator, journalOf, backfill, backfillStatus } from '../../src/index.js';
export { dumpSchema, readSchema, renderSchemaStatements, schemaFingerprint } from '../../src/schema.js';
export { readDriverStamp } from '../../src/schema/read-schema.js';
export { SqlTarget } from '../../src/targets/sql/sql-target.js';
export type { SqlMigrator } from '../../src/index.js';
export { adoptDrift, describeSchemaChange } from '../../src/schema.js';
export type { SqlDriver };

/** A connection to `db` as Strata opens it for `--db db`. */
export function openDriver(db: string): SqlDriver {
  return openStrataDriver(db);
}

/** The `index`-th (1-based) bound parameter in the driver's SQL: `?` or `$1`. */
export function paramOf(driver: SqlDriver): (index: number) => string {
  return (index) => driver.dialect.param(index);
}

/**
 * A journal over the database's journal table, on a connection of its own (a server's journal
 * must not share the migrator's, so a rolled-back step cannot take its entries with it).
 */
export async function openJournal(db: string): Promise<{ journal: Journal; close(): Promise<void> }> {
  const driver = openDriver(db);
  await driver.connect('write');
  const journal = new Journal(sqlJournalSink(driver));
  return {
    journal,
    async close() {
      await journal.close();
      await driver.close();
    },
  };
}

/** The backups of `db`, kept in `dir`, through the provider Strata picks for it. */
export function backupsOf(db: string, dir: string): BackupManager {
  return backupManagerFor(resolveDatabase({ db }).backupProvider(), { dir });
}

import { Migrator } from '../../src/engine/migrator.js';
import { checksumMatches } from '../../src/sources/checksum.js';
import { codeMigration } from '../../src/sources/code-source.js';
import { readMigrationFolder } from '../../src/sources/folder-source.js';
import { SqlTarget } from '../../src/targets/sql/sql-target.js';
import type { SqlMigrator as Migrating } from '../../src/index.js';

/**
 * A migrator over `dir` whose target reports `fingerprint()` as the schema's fingerprint: the
 * ledger's storage and `rollback --from-ledger`'s check, tested without a real fingerprint (the
 * schema branch implements SqlTarget.schemaFingerprint; this stands in for it).
 */
export function migratorWithFingerprint(db: string, dir: string, fingerprint: () => string): Migrating {
  const spec = resolveDatabase({ db });
  const driver = spec.openDriver();
  // Assigned on the instance: it replaces the real one, which SqlTarget sets as an instance property.
  // No schema stamp: a real stamp would vouch for the stand-in fingerprints and skip asking for them.
  const target = Object.assign(new SqlTarget<unknown>(driver, spec.tables.ledger.name), {
    schemaFingerprint: async () => fingerprint(),
    schemaStamp: undefined,
  });
  return new Migrator({
    target,
    source: () => readMigrationFolder(dir, { dialect: driver.dialect.lexer }),
    define: codeMigration,
    checksumMatches,
    lockTimeoutMs: 20_000,
    // The drift check before each migrate would take fingerprints of its own: the tests count the stored ones.
    drift: 'off',
  });
}

export { ledgerSql } from '../../src/targets/sql/ledger-sql.js';
