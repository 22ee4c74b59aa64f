/**
 * IndexedDB in real Chromium (Debian's /usr/bin/chromium, or $STRATA_CHROMIUM, via playwright-core)
 * on a page served from 127.0.0.1, bundled from src/document.ts for platform 'browser':
 * a primary-key change of 10,000 records checked record by record, an index change (and a unique
 * index the data breaks), the blocked upgrade failing within its timeout while a second page holds
 * the old version open, two pages upgrading at once (the copy runs once), a page closed
 * mid-upgrade leaving the old version and every record,
 * DATABASE_NEWER, and document migrations over the IndexedDB store across a reload.
 *
 * Without Chromium this skips with one line, unless CI=true: then it fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { serveIdbPage, type IdbPageServer } from './browser-idb-page.js';
import { launchChromium, whenChromium } from './chromium.js';

interface Outcome {
  ok: boolean;
  code?: string | null;
  message?: string;
  details?: Record<string, unknown> | null;
  from?: number;
  version?: number;
  results?: string[];
  value?: any;
}

interface Contents {
  version: number;
  stores: string[];
  keyPath?: string;
  indexes?: { name: string; keyPath: string; unique: boolean }[];
  keys?: string[];
  values?: { id: number; group: number; title: string; body: { n: number; tags: string[] }; uuid?: string }[];
}

const idb = (page: Page) => ({
  call: <T>(method: string, ...args: unknown[]): Promise<T> =>
    page.evaluate(([m, a]) => (globalThis as any).idb[m as string](...(a as unknown[])), [method, args] as const) as Promise<T>,
});

whenChromium('IndexedDB in the browser (Chromium)', () => {
  describe('IndexedDB in Chromium: schema changes Dexie cannot make, blocked and closed tabs, the document store', { timeout: 300_000 }, () => {
    let served: IdbPageServer | undefined;
    let browser: Browser | undefined;
    let context: BrowserContext | undefined;
    let page: Page;
    const pageErrors: string[] = [];
    let unique = 0;
    const dbName = (label: string) => `strata-test-${label}-${process.pid}-${++unique}`;

    async function openPage(): Promise<Page> {
      const opened = await context!.newPage();
      opened.on('pageerror', (error) => pageErrors.push(error.message));
      await opened.goto(`${served!.origin}/`);
      await opened.waitForFunction(() => 'idb' in globalThis);
      return opened;
    }

    before(async () => {
      served = await serveIdbPage();
      browser = await launchChromium();
      context = await browser.newContext();
      page = await openPage();
    });

    after(async () => {
      await context?.close().catch(() => undefined);
      await browser?.close().catch(() => undefined);
      await served?.close();
      assert.deepEqual(pageErrors, [], 'no uncaught error on any page');
    });

    test('the page bundle imports no node: module', () => {
      assert.deepEqual(served!.nodeImports, []);
    });

    test('a primary-key change of 10,000 records: every record copied, transformed, under its new key', async () => {
      const name = dbName('pk');
      await idb(page).call('seed', name, 10_000);
      await idb(page).call('log');
      const result = await idb(page).call<Outcome>('migratePk', name);
      assert.equal(result.ok, true, result.message);
      assert.equal(result.from, 1);
      assert.equal(result.version, 2);
      assert.deepEqual(result.results, ['2 applied']);
      assert.deepEqual(await idb(page).call('log'), ['migrating 2', 'migrated 2', 'done']);
      assert.equal(await idb(page).call('progress'), 10_000);
      await idb(page).call('close', name);

      const after = await idb(page).call<Contents>('read', name);
      assert.equal(after.version, 2);
      assert.deepEqual(after.stores, ['items'], 'the copy took the old store name; nothing else left');
      assert.equal(after.keyPath, 'uuid');
      assert.deepEqual(after.indexes, [{ name: 'byGroup', keyPath: 'group', unique: false }], 'the indexes came along');
      assert.equal(after.values!.length, 10_000);
      const byId = new Map(after.values!.map((v, i) => [v.id, { value: v, key: after.keys![i] }]));
      for (let id = 1; id <= 10_000; id++) {
        const uuid = `item-${String(id).padStart(6, '0')}`;
        const found = byId.get(id);
        assert.ok(found, `record ${id} is missing`);
        assert.equal(found.key, uuid, `record ${id}'s primary key`);
        assert.deepEqual(found.value, { id, group: id % 10, title: `title ${id}`, body: { n: id, tags: ['a', 'b'] }, uuid }, `record ${id}`);
      }
      const status = await idb(page).call<{ currentVersion: number; pending: number; states: string[] }>('status', name);
      assert.deepEqual(status.states, ['1:applied', '2:applied', '3:pending']);
      await idb(page).call('reset', name);
    });

    test('an index change: rebuilt on another key path as unique; one the data breaks leaves the old version', async () => {
      const name = dbName('index');
      await idb(page).call('seed', name, 500);
      const changed = await idb(page).call<Outcome>('changeIndex', name);
      assert.equal(changed.ok, true, changed.message);
      assert.deepEqual(changed.results, ['2 applied', '3 applied']);
      await idb(page).call('close', name);
      const after = await idb(page).call<Contents>('read', name);
      assert.deepEqual(after.indexes, [{ name: 'byGroup', keyPath: 'title', unique: true }]);
      assert.equal((await idb(page).call<{ id: number }>('byTitle', name, 'title 42')).id, 42);
      await idb(page).call('reset', name);

      // Two records with one title: the unique index cannot be built; versionchange aborts.
      const broken = dbName('index-broken');
      await idb(page).call('seed', broken, 10);
      await idb(page).call('putRaw', broken, { id: 11, group: 1, title: 'title 1', body: { n: 11, tags: [] } });
      const failed = await idb(page).call<Outcome>('changeIndex', broken);
      assert.equal(failed.ok, false);
      assert.equal(failed.code, 'MIGRATION_FAILED', failed.message);
      assert.match(failed.message!, /from version 1 to 3 was aborted: ConstraintError/);
      const kept = await idb(page).call<Contents>('read', broken);
      assert.equal(kept.version, 1);
      assert.equal(kept.keyPath, 'id');
      assert.equal(kept.values!.length, 11);
      await idb(page).call('reset', broken);
    });

    test('blocked: a second page holds version 1 open; the upgrade fails within its timeout (retryable) and says so at once', async () => {
      const name = dbName('blocked');
      await idb(page).call('seed', name, 100);
      const old = await openPage();
      try {
        assert.equal(await idb(old).call('holdOpen', name, 1), 1);
        await idb(page).call('log');
        const started = Date.now();
        const blocked = await idb(page).call<Outcome>('migratePk', name, 0, 1000);
        const waited = Date.now() - started;
        assert.equal(blocked.ok, false);
        assert.equal(blocked.code, 'LOCKED_BY_OTHER_TAB', blocked.message);
        assert.equal(blocked.details?.retryable, true);
        assert.match(blocked.message!, /open at version 1 .* could not be upgraded to version 2/);
        assert.ok(waited >= 1000 && waited < 5000, `failed after ${waited} ms`);
        assert.deepEqual(await idb(page).call('log'), ['tab:blocked', 'upgrade:blocked']);

        // The old page closes its connection: the abandoned request must not upgrade behind our back.
        await idb(old).call('releaseHeld');
        await page.waitForTimeout(300);
        assert.equal((await idb(page).call<Contents>('read', name)).version, 1);
        const retried = await idb(page).call<Outcome>('migratePk', name, 0, 1000);
        assert.equal(retried.ok, true, retried.message);
        assert.equal(retried.version, 2);
      } finally {
        await old.close();
      }
      await idb(page).call('reset', name);
    });

    test("Strata's own connection in another page closes itself instead of blocking the upgrade", async () => {
      const name = dbName('versionchange');
      await idb(page).call('seed', name, 10);
      const other = await openPage();
      try {
        assert.equal((await idb(other).call<Outcome>('openOld', name)).ok, true);
        await idb(other).call('log');
        const upgraded = await idb(page).call<Outcome>('migratePk', name, 0, 1000);
        assert.equal(upgraded.ok, true, upgraded.message);
        assert.deepEqual(await idb(other).call('log'), ['versionchange']);
      } finally {
        await other.close();
      }
      await idb(page).call('reset', name);
    });

    test('two pages of the new build upgrading at once: the copy runs once, the other page opens the result', async () => {
      const name = dbName('race');
      await idb(page).call('seed', name, 2000);
      const second = await openPage();
      try {
        const [one, two] = await Promise.all([idb(page).call<Outcome>('migratePk', name), idb(second).call<Outcome>('migratePk', name)]);
        assert.equal(one.ok && two.ok, true, `${one.message} ${two.message}`);
        assert.deepEqual([one.results, two.results].map((r) => r!.length).sort(), [0, 1], 'exactly one page ran the migration');
        await idb(page).call('close', name);
        await idb(second).call('close', name);
        const after = await idb(page).call<Contents>('read', name);
        assert.equal(after.version, 2);
        assert.equal(after.values!.length, 2000);
      } finally {
        await second.close();
      }
      await idb(page).call('reset', name);
    });

    test('a page closed mid-upgrade: reopened, the database is at version 1 with every record', async () => {
      const name = dbName('closed');
      await idb(page).call('seed', name, 10_000);
      const doomed = await openPage();
      // 0.3 ms per record: the copy takes 3 s or more, and the page closes a tenth of the way in.
      await idb(doomed).call('startSlowPk', name, 0.3);
      await doomed.waitForFunction(() => (globalThis as any).idb.progress() >= 1000, null, { polling: 20, timeout: 30_000 });
      const progressed = await idb(doomed).call<number>('progress');
      assert.ok(progressed < 10_000, `the copy was still running (${progressed} records) when the page closed`);
      await doomed.close();

      const reopened = await openPage();
      try {
        const contents = await idb(reopened).call<Contents>('read', name);
        assert.equal(contents.version, 1);
        assert.deepEqual(contents.stores, ['items'], 'no half-made copy store');
        assert.equal(contents.keyPath, 'id');
        assert.equal(contents.values!.length, 10_000);
        for (let id = 1; id <= 10_000; id++) {
          assert.deepEqual(contents.values![id - 1], { id, group: id % 10, title: `title ${id}`, body: { n: id, tags: ['a', 'b'] } }, `record ${id}`);
        }
        // And the migration runs to completion when the app starts again.
        const again = await idb(reopened).call<Outcome>('migratePk', name);
        assert.equal(again.ok, true, again.message);
        assert.equal(again.from, 1);
        await idb(reopened).call('reset', name);
      } finally {
        await reopened.close();
      }
    });

    test('an older build opening a newer database gets DATABASE_NEWER', async () => {
      const name = dbName('newer');
      await idb(page).call('seed', name, 3);
      assert.equal((await idb(page).call<Outcome>('migratePk', name)).ok, true);
      await idb(page).call('close', name);
      const old = await idb(page).call<Outcome>('openOld', name);
      assert.equal(old.ok, false);
      assert.equal(old.code, 'DATABASE_NEWER', old.message);
      assert.deepEqual(old.details, { database: name, version: 2, latestVersion: 1 });
      await idb(page).call('reset', name);
    });

    test('document migrations over the IndexedDB store: migrate, reload, status, a no-op run, rollback', async () => {
      const key = `doc-${process.pid}-${++unique}`;
      assert.equal((await idb(page).call<Outcome>('doc', key, 'seed', { todos: [{ id: 1 }, { id: 2, done: true }] })).ok, true);
      const migrated = await idb(page).call<Outcome>('doc', key, 'migrate');
      assert.equal(migrated.ok, true, migrated.message);
      assert.deepEqual(migrated.value, {
        from: null,
        version: 2,
        written: true,
        data: {
          todos: [
            { id: 1, done: false },
            { id: 2, done: true },
          ],
        },
      });

      await page.reload();
      await page.waitForFunction(() => 'idb' in globalThis);
      assert.deepEqual((await idb(page).call<Outcome>('doc', key, 'status')).value, ['1:applied', '2:applied']);
      const again = await idb(page).call<Outcome>('doc', key, 'migrate');
      assert.equal(again.value.written, false);
      assert.equal(again.value.from, 2);
      assert.equal((await idb(page).call<Outcome>('doc', key, 'rollback')).value, 1);
      assert.equal((await idb(page).call<Outcome>('doc', key, 'backups')).value, 2, 'the migrate and the rollback each backed the document up first');
    });
  });
});
