/**
 * A fleet worker's young generation is capped (src/fleet/worker-pool.ts): a thread that keeps
 * some of its allocations alive across scavenges, as one migrating target after target does,
 * keeps its new space at the cap instead of doubling up to V8's default; its old generation keeps
 * the limit a worker gets without options (a large code migration is not cut short).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { WORKER_OPTIONS } from '../src/fleet/worker-pool.js';

/** Allocates with survivors (a window of live arrays) and reports its new space and limits. */
const CHURN = `
const { parentPort, resourceLimits } = require('node:worker_threads');
const { getHeapSpaceStatistics } = require('node:v8');
let window = [];
for (let round = 0; round < 400; round++) {
  const batch = [];
  for (let i = 0; i < 5000; i++) batch.push({ i, text: 'row ' + i });
  window.push(batch);
  if (window.length > 20) window.shift();
}
const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
parentPort.postMessage({ newSpaceMb: newSpace / 1048576, resourceLimits });
`;

async function churn(options: object): Promise<{ newSpaceMb: number; resourceLimits: { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number } }> {
  const worker = new Worker(CHURN, { eval: true, ...options });
  const [report] = await once(worker, 'message');
  await worker.terminate();
  return report;
}

describe('a fleet worker heap', () => {
  it('keeps its new space at the cap while survivors pile up, and the old generation at its usual limit', async () => {
    const capped = await churn(WORKER_OPTIONS);
    const usual = await churn({});
    assert.ok(capped.newSpaceMb <= 8, `new space ${capped.newSpaceMb} MB with the cap`);
    assert.ok(usual.newSpaceMb > capped.newSpaceMb, `without the cap it grows (${usual.newSpaceMb} MB): the test churns enough`);
    assert.equal(capped.resourceLimits.maxOldGenerationSizeMb, usual.resourceLimits.maxOldGenerationSizeMb);
  });
});
