/**
 * strata/document in a real browser: Chromium (Debian's /usr/bin/chromium, or $STRATA_CHROMIUM)
 * driven by playwright-core, on a page served from 127.0.0.1. The page bundle is built here with
 * esbuild for platform 'browser' from the AirPrompts example and src/document.ts, and must pull in
 * no node: module. On the page's real localStorage: 1.x legacy data migrates to 3.0.0 (the same
 * bytes Node writes), a reload migrates nothing, a failing migration (a throwing step, a schema
 * failure, a full localStorage) leaves every key and value as it was, and two tabs migrating at
 * once run the migration once (navigator.locks). The published browser build
 * (dist/browser/strata-document.js) loads as an ES module and exports MigrationManager.
 *
 * Without Chromium this skips with one line, unless CI=true: then it fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { HTML, JAVASCRIPT, launchChromium, type StaticServer, serveFiles, whenChromium } from './chromium.js';
import { APP_STATE_KEY, legacySampleItems, migrateAppState } from '../examples/airprompts/src/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST_BUNDLE = join(ROOT, 'dist/browser/strata-document.js');
const NOW = '2025-01-01T00:00:00.000Z';
const UNRELATED: [string, string] = ['other-app:session', '{"token":"keep-me"}'];

/** The page's test API (window.e2e), bundled with the example and src/document.ts. */
const ENTRY = `
import * as airprompts from ${JSON.stringify(join(ROOT, 'examples/airprompts/src/index.ts'))};
import * as strata from ${JSON.stringify(join(ROOT, 'src/document.ts'))};

const NOW = new Date(${JSON.stringify(NOW)});
const now = () => NOW;
const UNRELATED = ${JSON.stringify(UNRELATED)};
const tab = { log: [], pending: null };

function snapshot() {
  const all = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    all.push([key, localStorage.getItem(key)]);
  }
  return all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function seedLegacy(overrides = {}) {
  localStorage.clear();
  for (const [key, value] of airprompts.legacySampleItems()) localStorage.setItem(key, value);
  localStorage.setItem(UNRELATED[0], UNRELATED[1]);
  for (const [key, value] of Object.entries(overrides)) localStorage.setItem(key, value);
}

function outcome(promise) {
  return promise.then(
    (r) => ({ ok: true, from: r.from, version: r.version, migrated: r.migrated, steps: r.report.results.map((s) => s.direction + ' ' + s.version), state: r.state }),
    (e) => ({ ok: false, code: e.code ?? null, message: String(e.message ?? e), details: e.details ?? null }),
  );
}

const failing = { version: '3.1.0', description: 'a broken release', up: () => { throw new Error('boom at 3.1.0'); }, down: (s) => s };

window.e2e = {
  hasWebLocks: () => typeof navigator.locks?.request === 'function',
  snapshot,
  seedLegacy,
  clear: () => localStorage.clear(),
  migrate: (to) => outcome(airprompts.migrateAppState(localStorage, to ? { now, to } : { now })),
  rollback: (to) => outcome(airprompts.rollbackAppState(localStorage, to, { now })),
  migrateFailing: () => outcome(airprompts.migrateAppState(localStorage, { now, migrations: airprompts.airPromptsMigrations().register(failing) })),

  /** Fills localStorage to the last character, then migrates: the write cannot fit. */
  async migrateWhenFull() {
    let size = 1 << 20;
    let n = 0;
    while (size >= 1) {
      try {
        localStorage.setItem('filler:' + n, 'x'.repeat(size));
        n++;
      } catch {
        size = Math.floor(size / 2);
      }
    }
    const before = JSON.stringify(snapshot());
    const result = await outcome(airprompts.migrateAppState(localStorage, { now }));
    const identical = JSON.stringify(snapshot()) === before;
    const keys = snapshot().map(([key]) => key).filter((key) => !key.startsWith('filler:'));
    for (let k = 0; k < n; k++) localStorage.removeItem('filler:' + k);
    return { result, identical, keys, fillers: n };
  },

  /** Starts a migration whose last step (3.1.0, test-only) takes stepMs; finish() awaits it. */
  startSlowMigration(stepMs) {
    const manager = airprompts.airPromptsMigrations().register({
      version: '3.1.0',
      description: 'a slow release',
      up: async (state) => {
        tab.log.push('slow step running');
        await new Promise((resolve) => setTimeout(resolve, stepMs));
        return { ...state, slow: true };
      },
      down: ({ slow, ...state }) => state,
    });
    const migrator = airprompts.createAppStateMigrator(localStorage, { now, migrations: manager });
    for (const event of ['lock:waiting', 'lock:acquired', 'migrating']) {
      migrator.on(event, (payload) => tab.log.push(event + (payload && payload.version ? ' ' + payload.version : '')));
    }
    tab.pending = outcome(migrator.migrate().then((report) => ({ from: report.from, version: report.version, migrated: report.written, report, state: report.data })));
    return true;
  },
  slowStepRunning: () => tab.log.includes('slow step running'),
  async finish() {
    return { result: await tab.pending, log: tab.log };
  },

  async importDist(url) {
    const module = await import(url);
    const manager = new module.MigrationManager();
    manager.register({ version: 1, description: 'one', up: (d) => ({ ...d, one: true }) });
    return {
      exports: Object.keys(module).sort(),
      type: typeof module.MigrationManager,
      applied: manager.applyMigrations(0, 1, { a: 1 }),
      separateCopy: module.MigrationManager !== strata.MigrationManager,
    };
  },
};
window.dispatchEvent(new Event('e2e-ready'));
`;

/** What a page call returns (see outcome() in ENTRY). */
interface Outcome {
  ok: boolean;
  from?: string | null;
  version?: string;
  migrated?: boolean;
  steps?: string[];
  state?: unknown;
  code?: string | null;
  message?: string;
  details?: { issues?: string[] } | null;
}

type Snapshot = [string, string][];

whenChromium('browser end-to-end (Chromium)', () => {
  describe('browser end-to-end: strata/document and the AirPrompts example in Chromium', { timeout: 180_000 }, () => {
    let dir: string | undefined;
    let server: StaticServer | undefined;
    let browser: Browser | undefined;
    let context: BrowserContext | undefined;
    let page: Page;
    let origin = '';
    const nodeImports: string[] = [];
    const externals: string[] = [];
    const pageErrors: string[] = [];

    async function openPage(): Promise<Page> {
      const opened = await context!.newPage();
      opened.on('pageerror', (error) => pageErrors.push(error.message));
      await opened.goto(`${origin}/`);
      await opened.waitForFunction(() => 'e2e' in globalThis);
      return opened;
    }

    before(async () => {
      if (!existsSync(DIST_BUNDLE)) {
        const bundled = spawnSync(process.execPath, ['scripts/bundle-browser.mjs'], { cwd: ROOT, encoding: 'utf8' });
        assert.equal(bundled.status, 0, `node scripts/bundle-browser.mjs failed:\n${bundled.stderr}`);
      }

      dir = mkdtempSync(join(tmpdir(), 'strata-browser-e2e-'));
      writeFileSync(join(dir, 'entry.js'), ENTRY);
      const builtin = new Set(builtinModules);
      const guard: Plugin = {
        name: 'strata-e2e',
        setup(b) {
          // The example imports the package name; the page gets the source, one copy of it.
          b.onResolve({ filter: /^strata\/document$/ }, () => ({ path: join(ROOT, 'src/document.ts') }));
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            const name = args.path.startsWith('node:') ? args.path : args.path.split('/')[0]!;
            if (!args.path.startsWith('node:') && !builtin.has(name)) return undefined;
            nodeImports.push(`${args.path} (imported by ${args.importer})`);
            return { path: args.path, external: true };
          });
        },
      };
      const result = await build({
        entryPoints: [join(dir, 'entry.js')],
        outfile: join(dir, 'app.js'),
        absWorkingDir: ROOT,
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        metafile: true,
        logLevel: 'silent',
        plugins: [guard],
      });
      for (const output of Object.values(result.metafile.outputs)) {
        for (const imported of output.imports) if (imported.external) externals.push(imported.path);
      }

      server = await serveFiles({
        '/': { body: () => '<!doctype html><meta charset="utf-8"><title>strata e2e</title><script type="module" src="/app.js"></script>', type: HTML },
        '/app.js': { body: () => readFileSync(join(dir!, 'app.js')), type: JAVASCRIPT },
        '/strata-document.js': { body: () => readFileSync(DIST_BUNDLE), type: JAVASCRIPT },
      });
      origin = server.origin;
      browser = await launchChromium();
      context = await browser.newContext();
      page = await openPage();
    });

    after(async () => {
      await context?.close().catch(() => undefined);
      await browser?.close().catch(() => undefined);
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const snapshot = (on: Page = page): Promise<Snapshot> => on.evaluate(() => (globalThis as any).e2e.snapshot());

    test('the page bundle pulls in no node: module and nothing external', () => {
      assert.deepEqual(nodeImports, [], `the browser bundle imports Node built-ins:\n${nodeImports.join('\n')}`);
      assert.deepEqual(externals, []);
    });

    test('the page is a secure context with Web Locks and a real localStorage', async () => {
      assert.equal(await page.evaluate(() => (globalThis as any).e2e.hasWebLocks()), true);
      assert.equal(await page.evaluate(() => (globalThis as any).isSecureContext), true);
    });

    test('legacy 1.0.0 data in localStorage migrates to 3.0.0: the same keys and bytes Node writes', async () => {
      await page.evaluate(() => (globalThis as any).e2e.seedLegacy());
      const result: Outcome = await page.evaluate(() => (globalThis as any).e2e.migrate());
      assert.equal(result.ok, true, result.message);
      assert.equal(result.from, null);
      assert.equal(result.version, '3.0.0');
      assert.equal(result.migrated, true);
      assert.deepEqual(result.steps, ['up 2.0.0', 'up 3.0.0']);

      // The same migration in Node, on a Web Storage holding the same values.
      const items = new Map<string, string>([...legacySampleItems(), UNRELATED]);
      const nodeStorage = {
        getItem: (k: string) => items.get(k) ?? null,
        setItem: (k: string, v: string) => void items.set(k, v),
        removeItem: (k: string) => void items.delete(k),
      };
      const inNode = await migrateAppState(nodeStorage, { now: () => new Date(NOW) });
      assert.deepEqual(result.state, inNode.state);

      const browserItems = await snapshot();
      assert.deepEqual(
        browserItems.map(([key]) => key),
        [APP_STATE_KEY, UNRELATED[0]],
        'the 1.x keys are gone, the unrelated key stays',
      );
      assert.equal(browserItems[1]![1], UNRELATED[1]);
      const inBrowser = JSON.parse(browserItems[0]![1]);
      const expected = JSON.parse(items.get(APP_STATE_KEY)!);
      assert.equal(inBrowser.version, '3.0.0');
      assert.equal(JSON.stringify(inBrowser.data), JSON.stringify(expected.data), 'byte-identical state');
      // Checksums fingerprint the functions' source, which the bundler rewrites: compare the rest.
      const withoutChecksum = (history: { checksum?: string }[]) => history.map(({ checksum: _, ...entry }) => entry);
      assert.deepEqual(withoutChecksum(inBrowser.history), withoutChecksum(expected.history));
    });

    test('after a reload a second run is a no-op and localStorage is unchanged', async () => {
      const before = await snapshot();
      assert.equal(JSON.parse(before.find(([key]) => key === APP_STATE_KEY)![1]).version, '3.0.0');
      await page.reload();
      await page.waitForFunction(() => 'e2e' in globalThis);
      assert.deepEqual(await snapshot(), before, 'localStorage survived the reload');
      const again: Outcome = await page.evaluate(() => (globalThis as any).e2e.migrate());
      assert.equal(again.ok, true, again.message);
      assert.equal(again.migrated, false);
      assert.equal(again.from, '3.0.0');
      assert.deepEqual(again.steps, []);
      assert.deepEqual(await snapshot(), before);
    });

    test('a failing step leaves localStorage byte-identical (legacy keys, and a stored state with backups)', async () => {
      await page.evaluate(() => (globalThis as any).e2e.seedLegacy());
      const legacy = await snapshot();
      const failed: Outcome = await page.evaluate(() => (globalThis as any).e2e.migrateFailing());
      assert.equal(failed.ok, false);
      assert.equal(failed.code, 'MIGRATION_FAILED', failed.message);
      assert.match(failed.message!, /3\.1\.0.*boom at 3\.1\.0/);
      assert.deepEqual(await snapshot(), legacy);

      assert.equal((await page.evaluate(() => (globalThis as any).e2e.migrate())).ok, true);
      const back: Outcome = await page.evaluate(() => (globalThis as any).e2e.rollback('2.0.0'));
      assert.equal(back.version, '2.0.0', back.message);
      const stored = await snapshot();
      assert.ok(
        stored.some(([key]) => key.startsWith(`${APP_STATE_KEY}:backup:`)),
        'the rollback left a backup',
      );
      const again: Outcome = await page.evaluate(() => (globalThis as any).e2e.migrateFailing());
      assert.equal(again.code, 'MIGRATION_FAILED');
      assert.deepEqual(await snapshot(), stored, 'no backup and no write when a step fails');
    });

    test('a schema failure names the failing paths and leaves localStorage byte-identical', async () => {
      const broken = JSON.stringify([{ id: 't1', name: '', content: 'x', category: 'c', created_at: 'a', updated_at: 'b' }]);
      await page.evaluate((templates) => (globalThis as any).e2e.seedLegacy({ 'airprompts-templates': templates }), broken);
      const before = await snapshot();
      const failed: Outcome = await page.evaluate(() => (globalThis as any).e2e.migrate());
      assert.equal(failed.code, 'VALIDATION_FAILED', failed.message);
      assert.deepEqual(
        failed.details?.issues?.map((issue) => issue.slice(0, issue.indexOf(':'))),
        ['templates.0.name'],
      );
      assert.deepEqual(await snapshot(), before);
    });

    test('a full localStorage (QuotaExceededError) fails the write and leaves every key and value as it was', async () => {
      await page.evaluate(() => (globalThis as any).e2e.seedLegacy());
      const full: { result: Outcome; identical: boolean; keys: string[]; fillers: number } = await page.evaluate(() =>
        (globalThis as any).e2e.migrateWhenFull(),
      );
      assert.ok(full.fillers > 0);
      assert.equal(full.result.ok, false);
      assert.equal(full.result.code, 'STORE_WRITE_FAILED', full.result.message);
      assert.equal(full.identical, true);
      assert.ok(!full.keys.includes(APP_STATE_KEY));
      // With room again the same data migrates.
      assert.equal(((await page.evaluate(() => (globalThis as any).e2e.migrate())) as Outcome).version, '3.0.0');
    });

    test('two tabs migrating at once: the migration runs exactly once (navigator.locks)', async () => {
      await page.evaluate(() => (globalThis as any).e2e.seedLegacy());
      const second = await openPage();
      try {
        // Tab 1 starts and is inside its slow step (holding the lock) when tab 2 starts.
        await page.evaluate((ms) => (globalThis as any).e2e.startSlowMigration(ms), 800);
        await page.waitForFunction(() => (globalThis as any).e2e.slowStepRunning());
        await second.evaluate((ms) => (globalThis as any).e2e.startSlowMigration(ms), 800);
        type Finished = { result: Outcome; log: string[] };
        const [one, two]: [Finished, Finished] = await Promise.all([
          page.evaluate(() => (globalThis as any).e2e.finish()),
          second.evaluate(() => (globalThis as any).e2e.finish()),
        ]);
        assert.equal(one.result.ok, true, one.result.message);
        assert.equal(two.result.ok, true, two.result.message);
        assert.deepEqual(one.result.steps, ['up 2.0.0', 'up 3.0.0', 'up 3.1.0']);
        assert.equal(one.result.migrated, true);
        assert.deepEqual(two.result.steps, [], 'the second tab found the state already migrated');
        assert.equal(two.result.migrated, false);
        assert.equal(two.result.from, '3.1.0');
        assert.ok(two.log.includes('lock:waiting'), `the second tab waited for the first: ${two.log.join(', ')}`);
        assert.deepEqual(
          [...one.log, ...two.log].filter((line) => line === 'slow step running'),
          ['slow step running'],
        );
        const stored = JSON.parse((await snapshot(second)).find(([key]) => key === APP_STATE_KEY)![1]);
        assert.equal(stored.version, '3.1.0');
        assert.equal(stored.history.length, 3);
      } finally {
        await second.close();
      }
    });

    test('two tabs started in the same instant: still exactly one migration', async () => {
      await page.evaluate(() => (globalThis as any).e2e.seedLegacy());
      const tabs = [await openPage(), await openPage()];
      try {
        await Promise.all(tabs.map((tab) => tab.evaluate((ms) => (globalThis as any).e2e.startSlowMigration(ms), 300)));
        const outcomes: { result: Outcome; log: string[] }[] = await Promise.all(tabs.map((tab) => tab.evaluate(() => (globalThis as any).e2e.finish())));
        assert.deepEqual(
          outcomes.map((o) => o.result.ok),
          [true, true],
          outcomes.map((o) => o.result.message).join('; '),
        );
        assert.equal(outcomes.filter((o) => o.result.migrated).length, 1, 'exactly one tab wrote');
        assert.deepEqual(
          outcomes.flatMap((o) => o.result.steps ?? []),
          ['up 2.0.0', 'up 3.0.0', 'up 3.1.0'],
        );
        assert.equal(outcomes.flatMap((o) => o.log).filter((line) => line === 'slow step running').length, 1);
      } finally {
        await Promise.all(tabs.map((tab) => tab.close()));
      }
    });

    test('dist/browser/strata-document.js loads as an ES module and exports MigrationManager', async () => {
      const loaded: { exports: string[]; type: string; applied: unknown; separateCopy: boolean } = await page.evaluate(
        (url) => (globalThis as any).e2e.importDist(url),
        `${origin}/strata-document.js`,
      );
      assert.equal(loaded.type, 'function');
      assert.ok(loaded.exports.includes('MigrationManager'), loaded.exports.join(', '));
      for (const name of ['DocumentMigrator', 'webStorageStore', 'compareDocumentVersions']) assert.ok(loaded.exports.includes(name), name);
      assert.deepEqual(loaded.applied, { a: 1, one: true });
      assert.equal(loaded.separateCopy, true, 'the module came from dist/, not from the page bundle');
    });

    test('no uncaught errors on any page', () => {
      assert.deepEqual(pageErrors, []);
    });
  });
});
