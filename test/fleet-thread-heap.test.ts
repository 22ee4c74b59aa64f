/**
 * The full collection a fleet's thread runs every few hundred targets (src/fleet/thread-heap.ts):
 * it runs, and it leaves no `gc` global behind for the app's own contexts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { targetFinished } from '../src/fleet/thread-heap.js';

describe('the fleet thread heap', () => {
  it('collects after a few hundred targets without exposing gc to other contexts', () => {
    for (let k = 0; k < 600; k++) targetFinished();
    assert.equal(runInNewContext('typeof gc'), 'undefined');
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
  });
});
