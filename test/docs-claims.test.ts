/**
 * Every figure the docs state is held here against the code: the browser bundle's size (built
 * now, with the build's own options) and the defaults the pages quote. Each claim is read from
 * the page's text, so changing either the docs or the code without the other fails a test.
 * Benchmark results are not quoted in the docs at all (they vary by machine and run): the pages
 * link to bench/README.md, and a ratio like "1.21x" in a page fails here.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { build } from 'esbuild';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_SQLITE_PRAGMAS } from 'strata-migrate';
import { DEFAULT_RETENTION } from 'strata-migrate/backup';
import { DEFAULT_BATCH_SIZE } from '../src/progressive/backfill.js';
import { DEFAULT_IMPORT_BATCH_ROWS } from '../src/import/table-importer.js';
import { FILE_COPY_MIN_BYTES } from '../src/backup/providers/sqlite-provider.js';
import { DEFAULT_BACKUPS_KEPT } from '../src/targets/document/document-store.js';
import { DEFAULT_PROGRESS_INTERVAL_MS } from '../src/cli/progress-ticker.js';
import { DEFAULT_TAB_LOCK_TIMEOUT_MS } from '../src/browser/tab-lock.js';
import { DEFAULT_PROGRESS_EVERY } from '../src/targets/indexeddb/run-upgrade.js';
import { DEFAULT_CONFIG_LOAD_TIMEOUT_MS } from '../src/sources/module-loader.js';
import { browserBuildOptions, browserEntries } from '../scripts/bundle-browser.mjs';
import { docPages, readPage } from './docs-blocks.js';
import { DEFAULT_SAMPLE_EVERY_MS } from '../src/trace/postgres-trace.js';

/** Within this much of the measured size (either way) the stated size stands. */
const SIZE_TOLERANCE = 0.05;

/** The value a page states, from the first capture group of `pattern` (which must match). */
function stated(page: string, pattern: RegExp): number {
  const match = pattern.exec(readPage(page).replace(/\s+/g, ' '));
  assert.ok(match, `${page} no longer says ${pattern}: update the claim in test/docs-claims.test.ts with the page`);
  return Number(match[1]);
}

const CLAIMS: { what: string; page: string; pattern: RegExp; actual: () => number }[] = [
  { what: 'lock timeout (s)', page: 'docs/concepts.md', pattern: /`--lock-timeout` \(default (\d+) s\)/, actual: () => DEFAULT_LOCK_TIMEOUT_MS / 1000 },
  { what: 'lock timeout (s)', page: 'docs/sqlite.md', pattern: /`--lock-timeout` \(default (\d+) s\)/, actual: () => DEFAULT_LOCK_TIMEOUT_MS / 1000 },
  { what: 'SQLite busy timeout (s)', page: 'docs/sqlite.md', pattern: /a (\d+) s busy timeout/, actual: () => DEFAULT_SQLITE_PRAGMAS.busyTimeoutMs / 1000 },
  { what: 'retention days', page: 'docs/backups.md', pattern: /`keepDays` \(default (\d+)\)/, actual: () => DEFAULT_RETENTION.keepDays },
  { what: 'retention count', page: 'docs/backups.md', pattern: /`keepCount` \(default (\d+)\)/, actual: () => DEFAULT_RETENTION.keepCount },
  { what: 'backfill batch', page: 'docs/backfills.md', pattern: /defaults (\d+) and 0/, actual: () => DEFAULT_BATCH_SIZE },
  { what: 'import batch', page: 'docs/imports.md', pattern: /\(`batchSize`, default (\d+)\)/, actual: () => DEFAULT_IMPORT_BATCH_ROWS },
  { what: 'SQLite file-copy backups from (MiB)', page: 'docs/sqlite.md', pattern: /From (\d+) MiB up/, actual: () => FILE_COPY_MIN_BYTES / 1024 / 1024 },
  { what: 'trace lock sampler (ms)', page: 'docs/trace.md', pattern: /`sampleEveryMs`, default (\d+) ms/, actual: () => DEFAULT_SAMPLE_EVERY_MS },
  { what: 'document backups kept', page: 'docs/documents-and-browsers.md', pattern: /the newest (\d+) are kept/, actual: () => DEFAULT_BACKUPS_KEPT },
  { what: 'progress line interval (s)', page: 'docs/configuration.md', pattern: /at least every (\d+) s/, actual: () => DEFAULT_PROGRESS_INTERVAL_MS / 1000 },
  {
    what: 'IndexedDB blocked-upgrade timeout (s)',
    page: 'docs/indexeddb.md',
    pattern: /fails after `timeoutMs` \((\d+) s by default\)/,
    actual: () => DEFAULT_TAB_LOCK_TIMEOUT_MS / 1000,
  },
  {
    what: 'IndexedDB copy progress (records)',
    page: 'docs/indexeddb.md',
    pattern: /every `progressEvery` records \((\d+) by default\)/,
    actual: () => DEFAULT_PROGRESS_EVERY,
  },
  {
    what: 'config module load timeout (s)',
    page: 'docs/configuration.md',
    pattern: /has (\d+) s to finish loading/,
    actual: () => DEFAULT_CONFIG_LOAD_TIMEOUT_MS / 1000,
  },
];

describe('figures in the docs', () => {
  for (const claim of CLAIMS) {
    it(`${claim.page}: ${claim.what}`, () => {
      assert.equal(stated(claim.page, claim.pattern), claim.actual(), `${claim.page} states a ${claim.what} the code no longer has`);
    });
  }

  it('the browser bundle of strata-migrate/document is the size the docs state (min+gzip)', async () => {
    const [entry] = browserEntries();
    assert.ok(entry, 'package.json has a browser build');
    const result = await build({ ...browserBuildOptions(entry), write: false });
    const kb = gzipSync(result.outputFiles![0]!.contents, { level: 9 }).length / 1024;
    const claims = docPages().flatMap((page) => [...readPage(page).matchAll(/(\d+(?:\.\d+)?) KB min\+gzip/g)].map((m) => ({ page, size: Number(m[1]) })));
    assert.ok(claims.length > 0, 'the docs state the bundle size (N KB min+gzip) somewhere');
    for (const { page, size } of claims) {
      assert.ok(
        Math.abs(size - kb) <= size * SIZE_TOLERANCE,
        `${page} says ${size} KB min+gzip; the bundle is ${kb.toFixed(1)} KB: write ${kb.toFixed(1)} there (or make the bundle smaller)`,
      );
    }
  });

  it('no benchmark ratio is quoted (they belong in bench/README.md)', () => {
    for (const page of docPages()) {
      const ratio = /\b\d+\.\d+x\b/.exec(readPage(page));
      assert.equal(ratio, null, `${page} quotes a benchmark ratio (${ratio?.[0]}): link to bench/README.md instead`);
    }
  });
});
