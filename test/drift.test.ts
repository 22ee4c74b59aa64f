/**
 * Drift on every dialect (test/conformance/describe-drift.ts), each on fresh databases of its
 * own; a server dialect whose server is down is skipped with one line (CI fails instead).
 */
import { describe, test } from 'node:test';
import { describeDrift } from './conformance/describe-drift.js';
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
  describe(`drift: ${entry.name}`, { skip }, () => {
    if (missing) {
      test('its server is reachable', () => {
        throw missing;
      });
      return;
    }
    describeDrift(entry);
  });
}
