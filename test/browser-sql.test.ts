/**
 * strata-migrate/browser in real Chromium (test/browser-sql-harness.ts): the same migration
 * folders applied to SQLite WASM on OPFS (opfs-sahpool, in a worker) and to PGlite on IndexedDB;
 * a reload and `status`; two tabs racing (the migration runs exactly once); a worker terminated
 * and a tab closed mid-migration (reopened at the old version, then migrated); another tab holding
 * the database (LOCKED_BY_OTHER_TAB within the timeout, with `tab:blocked`); an older build
 * (DATABASE_NEWER, then allowDowngrade with the ledger's downs); the checksums of the bundle
 * equal to Node's ledger for the same folder, and the browser sha256 equal to Web Crypto's and
 * node:crypto's. Every database has a name of its own.
 *
 * Without Chromium this skips with one line, unless CI=true: then it fails.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { createMigrator } from '../src/index.js';
import { sha256Hex } from '../src/sources/sha256.js';
import { type Harness, startHarness } from './browser-sql-harness.js';
import { whenChromium } from './chromium.js';

interface Reply {
  ok: boolean;
  result?: any;
  code?: string | null;
  message?: string;
  details?: Record<string, unknown> | null;
}

const run = (page: Page, key: string, cmd: string, target: string, options: object = {}): Promise<Reply> =>
  page.evaluate(([k, c, t, o]) => (globalThis as any).sql.call(k, c, t, o), [key, cmd, target, options] as const);
const startWorker = (page: Page, key: string) => page.evaluate((k) => (globalThis as any).sql.start(k), key);
const events = (page: Page, key: string): Promise<string[]> => page.evaluate((k) => (globalThis as any).sql.events(k), key);
const unique = (() => {
  let n = 0;
  return (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${n++}`;
})();

/** Where each target keeps a database named `name`. */
const location = (target: 'sqlite' | 'pglite', name: string) => (target === 'sqlite' ? `/${name}.sqlite3` : `idb://${name}`);

whenChromium('browser SQL (Chromium)', () => {
  describe('strata-migrate/browser in Chromium: SQLite WASM on OPFS and PGlite on IndexedDB', { timeout: 600_000 }, () => {
    let harness: Harness;
    let page: Page;

    async function openPage(): Promise<Page> {
      const opened = await harness.context.newPage();
      await opened.goto(`${harness.origin}/`);
      await opened.waitForFunction(() => 'sql' in globalThis);
      return opened;
    }

    before(async () => {
      harness = await startHarness();
      page = await openPage();
      await startWorker(page, 'main');
    });

    after(async () => {
      await harness?.close();
    });

    for (const target of ['sqlite', 'pglite'] as const) {
      test(`${target}: a folder applied, then after a reload status says applied and migrate does nothing`, async () => {
        const file = location(target, unique('apply'));
        const first = await run(page, 'main', 'migrate', target, { file });
        assert.equal(first.ok, true, first.message);
        assert.deepEqual(first.result.steps, ['up 1', 'up 2', 'up 3']);

        await page.reload();
        await page.waitForFunction(() => 'sql' in globalThis);
        await startWorker(page, 'main');
        const status = await run(page, 'main', 'status', target, { file });
        assert.equal(status.ok, true, status.message);
        assert.deepEqual(status.result, { exists: true, currentVersion: '3', states: ['1 applied', '2 applied', '3 applied'], problems: [] });
        const again = await run(page, 'main', 'migrate', target, { file });
        assert.deepEqual(again.result.steps, []);
        const rows = await run(page, 'main', 'query', target, { file, sql: ['SELECT name, email FROM users', 'SELECT title FROM posts'] });
        assert.deepEqual(rows.result, [[{ name: 'ada', email: null }], [{ title: 'hello' }]]);
      });
    }

    test('the bundled checksums are the ones Node writes to its ledger for the same folder, and the browser ledger holds them too', async () => {
      const folder = join(harness.dir, 'folders', 'newer');
      const db = join(harness.dir, `node-${process.pid}.db`);
      const node = createMigrator({ db, dir: folder, backup: false });
      await node.migrate();
      await node.close();
      const reader = new Database(db, { readonly: true });
      const nodeLedger = reader.prepare('SELECT version, checksum FROM strata_migrations ORDER BY version').all();
      reader.close();

      for (const [target, dialect] of [
        ['sqlite', 'sqlite'],
        ['pglite', 'postgres'],
      ] as const) {
        const bundle = await run(page, 'main', 'bundle', target, { bundle: 'newer' });
        assert.equal(bundle.result.dialect, dialect);
        assert.deepEqual(
          bundle.result.migrations.map((m: { version: string; checksum: string }) => ({ version: m.version, checksum: m.checksum })),
          nodeLedger,
        );
      }
      const file = location('sqlite', unique('checksums'));
      assert.equal((await run(page, 'main', 'migrate', 'sqlite', { file, bundle: 'newer' })).ok, true);
      const browserLedger = await run(page, 'main', 'query', 'sqlite', { file, sql: ['SELECT version, checksum FROM strata_migrations ORDER BY version'] });
      assert.deepEqual(browserLedger.result[0], nodeLedger);
    });

    test("the browser build's sha256 gives Web Crypto's and node:crypto's hex", async () => {
      for (const text of ['', 'abc', 'héllo ✓ 😀\r\n', 'x'.repeat(55), 'x'.repeat(64), 'CREATE TABLE t (id INTEGER);\n'.repeat(500)]) {
        const { result } = await run(page, 'main', 'sha', 'sqlite', { text });
        assert.equal(result.seam, result.webCrypto);
        assert.equal(result.seam, sha256Hex(text));
      }
    });

    for (const target of ['sqlite', 'pglite'] as const) {
      test(`${target}: two tabs migrating at once apply each step exactly once`, async () => {
        const file = location(target, unique('race'));
        const other = await openPage();
        try {
          await startWorker(page, 'race');
          await startWorker(other, 'race');
          // A generous timeout: this is about exactly-once, and PGlite's first open (initdb) takes seconds here.
          const options = { file, lockTimeoutMs: 180_000 };
          const [a, b] = await Promise.all([run(page, 'race', 'migrate', target, options), run(other, 'race', 'migrate', target, options)]);
          assert.equal(a.ok, true, a.message);
          assert.equal(b.ok, true, b.message);
          assert.deepEqual([a.result.steps, b.result.steps].flat().sort(), ['up 1', 'up 2', 'up 3']);
          assert.ok(a.result.steps.length === 0 || b.result.steps.length === 0, 'one tab applied everything, the other nothing');
          const ledger = await run(page, 'race', 'query', target, {
            file,
            sql: ['SELECT version FROM strata_migrations ORDER BY version', 'SELECT count(*) AS n FROM users'],
          });
          assert.deepEqual(ledger.result[0], [{ version: '1' }, { version: '2' }, { version: '3' }]);
          assert.equal(Number(ledger.result[1][0].n), 1);
        } finally {
          await page.evaluate(() => (globalThis as any).sql.terminate('race'));
          await other.close();
        }
      });
    }

    for (const target of ['sqlite', 'pglite'] as const) {
      test(`${target}: a tab that holds the database makes another fail with LOCKED_BY_OTHER_TAB within the timeout, with tab:blocked`, async () => {
        const file = location(target, unique('blocked'));
        const other = await openPage();
        try {
          await startWorker(other, 'holder');
          await startWorker(page, 'blocked');
          await other.evaluate(([f, t]) => (globalThis as any).sql.begin('holder', 'hold', t, { file: f, holdMs: 8000 }), [file, target] as const);
          await other.waitForFunction(() => (globalThis as any).sql.events('holder').includes('holding'), undefined, { timeout: 60_000 });
          const started = Date.now();
          const blocked = await run(page, 'blocked', 'migrate', target, { file, lockTimeoutMs: 300 });
          const waited = Date.now() - started;
          assert.equal(blocked.ok, false);
          assert.equal(blocked.code, 'LOCKED_BY_OTHER_TAB', blocked.message);
          assert.equal(blocked.details?.retryable, true);
          assert.ok(waited < 5000, `failed after ${waited} ms, well before the holder let go (8 s)`);
          assert.deepEqual(await events(page, 'blocked'), ['lock:waiting', 'tab:blocked']);
          // Once the holder is done, the same call goes through: the error was worth retrying.
          const held = await other.evaluate(() => (globalThis as any).sql.finish('holder'));
          assert.equal(held.ok, true, held.message);
          const retried = await run(page, 'blocked', 'migrate', target, { file, lockTimeoutMs: 300 });
          assert.deepEqual(retried.result?.steps, ['up 1', 'up 2', 'up 3'], retried.message);
        } finally {
          await page.evaluate(() => (globalThis as any).sql.terminate('blocked'));
          await other.close();
        }
      });
    }

    test('sqlite: a worker terminated in the middle of a step leaves the database at the old version; the next open migrates', async () => {
      const file = location('sqlite', unique('crash'));
      await startWorker(page, 'crash');
      assert.equal((await run(page, 'crash', 'migrate', 'sqlite', { file })).ok, true);
      await page.evaluate((f) => (globalThis as any).sql.begin('crash', 'migrate', 'sqlite', { file: f, bundle: 'slow' }), file);
      await page.waitForFunction(() => (globalThis as any).sql.events('crash').includes('migrating 4'), undefined, { timeout: 60_000 });
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(await page.evaluate(() => (globalThis as any).sql.events('crash').includes('migrated 4')), false, 'the step was still running');
      await page.evaluate(() => (globalThis as any).sql.terminate('crash'));

      await startWorker(page, 'crash');
      const status = await run(page, 'crash', 'status', 'sqlite', { file, bundle: 'slow' });
      assert.equal(status.ok, true, status.message);
      assert.equal(status.result.currentVersion, '3');
      assert.deepEqual(status.result.states, ['1 applied', '2 applied', '3 applied', '4 pending']);
      const rows = await run(page, 'crash', 'query', 'sqlite', {
        file,
        bundle: 'slow',
        sql: ["SELECT count(*) AS n FROM sqlite_master WHERE name = 'big'", 'SELECT name FROM users', 'PRAGMA integrity_check'],
      });
      assert.deepEqual(rows.result, [[{ n: 0 }], [{ name: 'ada' }], [{ integrity_check: 'ok' }]]);
      const resumed = await run(page, 'crash', 'migrate', 'sqlite', { file, bundle: 'slow' });
      assert.deepEqual(resumed.result?.steps, ['up 4'], resumed.message);
      await page.evaluate(() => (globalThis as any).sql.terminate('crash'));
    });

    test('pglite: a tab closed in the middle of a step reopens at the old version (IndexedDB holds the last commit); the next open migrates', async () => {
      const file = location('pglite', unique('crash'));
      const doomed = await openPage();
      await startWorker(doomed, 'crash');
      assert.equal((await run(doomed, 'crash', 'migrate', 'pglite', { file })).ok, true);
      await doomed.evaluate((f) => (globalThis as any).sql.begin('crash', 'migrate', 'pglite', { file: f, bundle: 'slow' }), file);
      await doomed.waitForFunction(() => (globalThis as any).sql.events('crash').includes('migrating 4'), undefined, { timeout: 120_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await doomed.evaluate(() => (globalThis as any).sql.events('crash').includes('migrated 4')), false, 'the step was still running');
      await doomed.close();

      await startWorker(page, 'reopened');
      const status = await run(page, 'reopened', 'status', 'pglite', { file, bundle: 'slow' });
      assert.equal(status.ok, true, status.message);
      assert.equal(status.result.currentVersion, '3');
      assert.deepEqual(status.result.states, ['1 applied', '2 applied', '3 applied', '4 pending']);
      const rows = await run(page, 'reopened', 'query', 'pglite', {
        file,
        bundle: 'slow',
        sql: ["SELECT to_regclass('big') IS NULL AS gone", 'SELECT name FROM users'],
      });
      assert.deepEqual(rows.result, [[{ gone: true }], [{ name: 'ada' }]]);
      const resumed = await run(page, 'reopened', 'migrate', 'pglite', { file, bundle: 'slow' });
      assert.deepEqual(resumed.result?.steps, ['up 4'], resumed.message);
      await page.evaluate(() => (globalThis as any).sql.terminate('reopened'));
    });

    for (const target of ['sqlite', 'pglite'] as const) {
      test(`${target}: an older build gets DATABASE_NEWER, or with allowDowngrade runs the newer build's down from the ledger`, async () => {
        const file = location(target, unique('downgrade'));
        const newer = await run(page, 'main', 'migrate', target, { file, bundle: 'newer' });
        assert.deepEqual(newer.result?.steps, ['up 1', 'up 2', 'up 3', 'up 4'], `${newer.code}: ${newer.message}`);

        const refused = await run(page, 'main', 'migrate', target, { file, bundle: 'base' });
        assert.equal(refused.ok, false);
        assert.equal(refused.code, 'DATABASE_NEWER', refused.message);
        assert.deepEqual(refused.details?.versions, ['4']);
        assert.match(refused.message!, /newer build/);

        const downgraded = await run(page, 'main', 'migrate', target, { file, bundle: 'base', allowDowngrade: true });
        assert.equal(downgraded.ok, true, downgraded.message);
        const status = await run(page, 'main', 'status', target, { file, bundle: 'base' });
        assert.deepEqual(status.result.states, ['1 applied', '2 applied', '3 applied']);
        const tags = await run(page, 'main', 'query', target, {
          file,
          sql: [
            target === 'sqlite'
              ? "SELECT count(*) AS n FROM sqlite_master WHERE name = 'tags'"
              : "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'tags'",
          ],
        });
        assert.deepEqual(tags.result, [[{ n: 0 }]]);
      });
    }
  });
});
