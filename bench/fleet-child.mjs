/**
 * One fleet run through dist/'s runFleet, in a process of its own, for the benchmark while the
 * CLI has no `strata fleet migrate` (bench/fleet.ts uses the CLI when it has). Prints the
 * summary as JSON. Plain JavaScript: no loader in the timed process.
 *
 *   node bench/fleet-child.mjs '{"glob":"*.db","base":"DIR","dir":"MIGRATIONS","concurrency":2,"backup":false}'
 *   node bench/fleet-child.mjs '{"db":"postgres://...","schemas":{"query":"..."},"dir":"MIGRATIONS","concurrency":2,"backup":false}'
 */
import { runFleet } from '../dist/fleet/fleet-runner.js';

const spec = JSON.parse(process.argv[2]);
const targets = spec.glob ? { glob: spec.glob } : { db: spec.db, schemas: spec.schemas };
const summary = await runFleet({
  groups: [{ targets, dir: spec.dir }],
  base: spec.base,
  concurrency: spec.concurrency,
  continueOnError: true,
  settings: { ...(spec.backup ? {} : { backup: false }), ...(spec.drift ? { drift: spec.drift } : {}) },
});
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = summary.ok ? 0 : 1;
