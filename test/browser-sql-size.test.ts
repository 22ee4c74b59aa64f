/**
 * The browser SQL migrator's size as an app pays for it: the published browser bundle of
 * strata-migrate/browser (built here with the options of scripts/bundle-browser.mjs), imported by
 * a small app that a bundler tree-shakes (esbuild, minified), without the peers and their WASM
 * (the app has those anyway): the migrator alone, with the SQLite WASM adapter, with the PGlite
 * adapter. docs/browser-sql.md states the sizes in a table; each must be within 5 % of the
 * measure, and each adapter must be tree-shaken away when the app does not import it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { browserBuildOptions } from '../scripts/bundle-browser.mjs';
import { readPage } from './docs-blocks.js';
import { ROOT } from './browser-sql-harness.js';

const SIZE_TOLERANCE = 0.05;

const APPS = {
  'the migrator (no adapter)': `import { createBrowserMigrator } from './strata-browser.js';
export const migrate = (driver, migrations) => createBrowserMigrator({ driver, migrations }).migrate();`,
  'the migrator and the SQLite WASM adapter': `import { createBrowserMigrator, sqliteWasmDriver } from './strata-browser.js';
export const migrate = (sqlite3, migrations) => createBrowserMigrator({ driver: sqliteWasmDriver({ sqlite3, file: '/app.sqlite3' }), migrations }).migrate();`,
  'the migrator and the PGlite adapter': `import { createBrowserMigrator, pgliteBrowserDriver } from './strata-browser.js';
export const migrate = (PGlite, migrations) => createBrowserMigrator({ driver: pgliteBrowserDriver({ PGlite, dataDir: 'idb://app' }), migrations }).migrate();`,
} as const;

type App = keyof typeof APPS;

describe('strata-migrate/browser in an app, tree-shaken, minified and gzipped', () => {
  let dir: string;
  const sizes = new Map<App, number>();
  const texts = new Map<App, string>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-browser-size-'));
    await build({ ...browserBuildOptions({ source: join(ROOT, 'src/browser.ts') } as never), outfile: join(dir, 'strata-browser.js') });
    for (const [name, source] of Object.entries(APPS) as [App, string][]) {
      const entry = join(dir, `${sizes.size}.js`);
      writeFileSync(entry, source);
      const result = await build({
        entryPoints: [entry],
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'error',
      });
      const bytes = result.outputFiles[0]!.contents;
      texts.set(name, result.outputFiles[0]!.text);
      sizes.set(name, gzipSync(bytes, { level: 9 }).length / 1024);
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('an adapter the app does not import is not in its bundle', () => {
    const core = texts.get('the migrator (no adapter)')!;
    assert.doesNotMatch(core, /opfs-sahpool|OpfsSAHPoolDb/, 'the SQLite WASM adapter was shaken out');
    assert.doesNotMatch(core, /pgliteBrowserDriver\(\) needs/, 'the PGlite adapter was shaken out');
    assert.match(texts.get('the migrator and the SQLite WASM adapter')!, /OpfsSAHPoolDb/);
    assert.doesNotMatch(texts.get('the migrator and the SQLite WASM adapter')!, /pgliteBrowserDriver\(\) needs/);
    assert.match(texts.get('the migrator and the PGlite adapter')!, /pgliteBrowserDriver\(\) needs/);
    assert.doesNotMatch(texts.get('the migrator and the PGlite adapter')!, /OpfsSAHPoolDb/);
  });

  test('docs/browser-sql.md states each size, and each is within 5 % of the measure', () => {
    const page = readPage('docs/browser-sql.md');
    const measured = [...sizes].map(([name, kb]) => `${name}: ${kb.toFixed(1)} KB`).join('; ');
    for (const [name, kb] of sizes) {
      const row = new RegExp(`^\\| ${name.replace(/[()]/g, '\\$&')} \\| (\\d+(?:\\.\\d+)?) KB \\|`, 'm').exec(page);
      assert.ok(row, `docs/browser-sql.md has no size row "| ${name} | N KB |" (measured: ${measured})`);
      const stated = Number(row[1]);
      assert.ok(Math.abs(stated - kb) <= stated * SIZE_TOLERANCE, `docs/browser-sql.md says ${stated} KB for ${name}; it is ${kb.toFixed(1)} KB (${measured})`);
    }
  });
});
