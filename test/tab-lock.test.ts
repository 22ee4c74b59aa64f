/**
 * The tab lock's contract on its in-realm stand-in (Node has no Web Locks): one holder at a time,
 * FIFO, onBlocked once, LOCKED_BY_OTHER_TAB (retryable) past the timeout, a waiter that gave up
 * leaves the queue, the caller's signal stops the wait. The Web Locks path runs in real Chromium
 * in test/browser-sql.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acquireTabLock, isLockedByOtherTab, tabLockName } from '../src/browser/tab-lock.js';

let n = 0;
const unique = () => `tab-lock-test-${process.pid}-${n++}`;

test('a second taker waits, is told once, and gets the lock when the first releases', async () => {
  const database = unique();
  const first = await acquireTabLock({ database, timeoutMs: 1000 });
  const blocked: unknown[] = [];
  const second = acquireTabLock({ database, timeoutMs: 5000, onBlocked: (b) => blocked.push(b) });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(blocked, [{ lock: tabLockName(database), timeoutMs: 5000, crossTab: false }]);
  await first();
  const release = await second;
  await release();
  await (await acquireTabLock({ database, timeoutMs: 0 }))();
});

test('past the timeout the waiter fails with LOCKED_BY_OTHER_TAB, retryable, and leaves the queue', async () => {
  const database = unique();
  const holder = await acquireTabLock({ database });
  const started = Date.now();
  const error = await acquireTabLock({ database, timeoutMs: 50 }).then(
    () => assert.fail('should time out'),
    (e: unknown) => e,
  );
  assert.ok(Date.now() - started >= 45);
  assert.ok(isLockedByOtherTab(error));
  assert.equal(error.details.retryable, true);
  assert.match(error.message, /more than 50 ms/);
  assert.match(error.hint ?? '', /close the other tabs/);
  // The timed-out waiter is gone: the next taker gets the lock straight after the holder releases.
  const third = acquireTabLock({ database, timeoutMs: 1000 });
  await holder();
  await (await third)();
});

test("the caller's signal stops the wait with its reason; a bad timeout is a USAGE error", async () => {
  const database = unique();
  const holder = await acquireTabLock({ database });
  const controller = new AbortController();
  const waiting = acquireTabLock({ database, timeoutMs: 10_000, signal: controller.signal });
  controller.abort(new Error('user cancelled'));
  await assert.rejects(waiting, /user cancelled/);
  await holder();
  await assert.rejects(acquireTabLock({ database, timeoutMs: -1 }), { code: 'USAGE' });
});
