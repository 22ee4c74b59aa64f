/**
 * The optional drivers load on first use; a missing one is DRIVER_MISSING with the install
 * command, and any other failure to load passes through as it is. (The consumer test checks the
 * same through a real install without pg.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { ErrorCode, type StrataError } from '../src/model/errors.js';
import { loadPeer } from '../src/targets/sql/load-peer.js';

const importByName = (specifier: string) => () => import(specifier);

describe('loadPeer', () => {
  it('returns the module when it is installed', async () => {
    const { default: pg } = await loadPeer('pg', 'a PostgreSQL URL', () => import('pg'));
    assert.equal(typeof pg.Client, 'function');
  });

  it('names the package and the install command when it is not installed', async () => {
    await assert.rejects(loadPeer('strata-test-absent-driver', 'a test URL', importByName('strata-test-absent-driver')), (error: StrataError) => {
      assert.equal(error.code, ErrorCode.DRIVER_MISSING);
      assert.equal(error.message, 'a test URL needs the strata-test-absent-driver package, which is not installed');
      assert.equal(error.hint, 'install it in your project: npm install strata-test-absent-driver');
      assert.deepEqual(error.details, { package: 'strata-test-absent-driver' });
      return true;
    });
  });

  it('lets through a module missing inside an installed package', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-load-peer-'));
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, "import 'strata-test-absent-dependency';\n");
    await assert.rejects(loadPeer('broken', 'a test URL', importByName(pathToFileURL(broken).href)), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'ERR_MODULE_NOT_FOUND');
      assert.match(error.message, /strata-test-absent-dependency/);
      return true;
    });
  });
});
