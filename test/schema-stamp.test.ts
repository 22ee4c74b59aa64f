/**
 * The schema stamp on every dialect (test/conformance/describe-stamp.ts), each on fresh databases
 * of its own; a server dialect whose server is down is skipped with one line (CI fails instead).
 */
import { describe, test } from 'node:test';
import { describeStamp } from './conformance/describe-stamp.js';
import { DIALECTS } from './conformance/dialects.js';
import { skipUnlessServer } from './servers.js';

const only = process.env.STRATA_TEST_DIALECT;
for (const entry of DIALECTS.filter((d) => !only || d.name === only)) {
  let skip: false | string = false;
  let missing: unknown;
  try {
    skip = entry.server ? await skipUnlessServer(entry.server) : false;
  } catch (error) {
    missing = error;
  }
  describe(`schema stamp: ${entry.name}`, { skip }, () => {
    if (missing) {
      test('its server is reachable', () => {
        throw missing;
      });
      return;
    }
    describeStamp(entry);
  });
}
