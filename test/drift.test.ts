/**
 * Drift on every dialect (test/conformance/describe-drift.ts), each on fresh databases of its
 * own; a server dialect whose server is down is skipped with one line (CI fails instead).
 */
import { describeOnDialect } from './conformance/describe-dialect.js';
import { describeDrift } from './conformance/describe-drift.js';
import { DIALECTS } from './conformance/dialects.js';

const only = process.env.STRATA_TEST_DIALECT;
for (const entry of DIALECTS.filter((d) => !only || d.name === only)) await describeOnDialect('drift', entry, describeDrift);
