/**
 * The conformance suite: everything Strata promises on a SQL database, written once and run
 * against every dialect in `dialects.ts`. It never branches on a dialect's name; where dialects
 * differ it reads the row's capabilities. A server dialect whose server is down is skipped with
 * one line on a developer's machine and fails under CI=true.
 */
import { describe, test } from 'node:test';
import { skipUnlessServer } from '../servers.js';
import { describeBackfill } from './describe-backfill.js';
import { describeBackups } from './describe-backups.js';
import type { DialectEntry } from './dialects.js';
import { describeDriver } from './describe-driver.js';
import { describeFormats } from './describe-formats.js';
import { describeJournal } from './describe-journal.js';
import { describeLedger } from './describe-ledger.js';
import { describeLedgerV2 } from './describe-ledger-v2.js';
import { describeLock } from './describe-lock.js';
import { describeSchema } from './describe-schema.js';

/**
 * `body` inside describe(`title: dialect`) for one dialect: skipped with one line when its server
 * is down on a developer's machine; under CI one failing test that names the server, rather
 * than an error between suites.
 */
export async function describeOnDialect(title: string, entry: DialectEntry, body: (entry: DialectEntry) => void): Promise<void> {
  let skip: false | string = false;
  let missing: unknown;
  try {
    skip = entry.server ? await skipUnlessServer(entry.server) : false;
  } catch (error) {
    missing = error;
  }
  describe(`${title}: ${entry.name}`, { skip }, () => {
    if (missing) {
      test('its server is reachable', () => {
        throw missing;
      });
      return;
    }
    body(entry);
  });
}

export async function describeDialect(entry: DialectEntry): Promise<void> {
  await describeOnDialect('conformance', entry, () => {
    describeDriver(entry);
    describeLedger(entry);
    describeLedgerV2(entry);
    describeLock(entry);
    describeJournal(entry);
    describeBackfill(entry);
    describeBackups(entry);
    describeFormats(entry);
    describeSchema(entry);
  });
}
