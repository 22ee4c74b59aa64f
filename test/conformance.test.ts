/**
 * The conformance suite (test/conformance/describe-dialect.ts) on every dialect of
 * test/conformance/dialects.ts: the driver, the ledger, the lock, the journal, backfill state
 * and backups, each on a fresh database of its own.
 */
import { describeDialect } from './conformance/describe-dialect.js';
import { DIALECTS } from './conformance/dialects.js';

for (const entry of DIALECTS) await describeDialect(entry);
