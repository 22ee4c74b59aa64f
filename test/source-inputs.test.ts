/**
 * Issue 18, items 10 and 13, for import sources: a Dexie source that is a folder (or a FIFO) is
 * a coded error naming it, not INTERNAL or a hang; a UTF-8 byte-order mark is tolerated in a
 * Dexie export and in whole-file sources; a source too large for a reader that holds it whole is
 * IMPORT_SOURCE_TOO_LARGE (not "missing ... check the path"), refused before it is read.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openDexieExport } from '../src/import/readers/dexie-export.js';
import { readConfigFile } from '../src/import/readers/json-config.js';
import { readReduxPersistFile } from '../src/import/readers/redux-persist.js';
import { makeDexieExport } from './fixtures-import/dexie-fixture.js';
import { rejectsWith, tempDir } from './helpers.js';

const BOM = '\uFEFF';

async function smallExport(dir: string): Promise<string> {
  const path = join(dir, 'export.json');
  await makeDexieExport(path, { notes: '++id' }, async (db) => {
    await db.table('notes').bulkAdd([{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
  });
  return path;
}

async function rowsOf(path: string): Promise<unknown[]> {
  const source = await openDexieExport(path, { workers: 0 });
  const rows: unknown[] = [];
  for await (const batch of source.table('notes').batches(10)) rows.push(...batch);
  return rows;
}

/** A sparse file of `bytes` (no disk used): as large as the reader sees it. */
function sparse(path: string, bytes: number): string {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('import sources that are not files', () => {
  test('a Dexie source that is a folder: IMPORT_SOURCE_MISSING saying it is a folder', async () => {
    const dir = tempDir('strata-sources-');
    mkdirSync(join(dir, 'export.json'));
    const error = await rejectsWith(openDexieExport(join(dir, 'export.json')), 'IMPORT_SOURCE_MISSING', /is a folder, not a file/);
    assert.equal(error.details.reason, 'a folder');
    await rejectsWith(readConfigFile(join(dir, 'export.json')), 'IMPORT_SOURCE_MISSING', /is a folder/);
    await rejectsWith(readReduxPersistFile(join(dir, 'export.json')), 'IMPORT_SOURCE_MISSING', /is a folder/);
  });

  test('a FIFO is refused at once, not waited on', async () => {
    const dir = tempDir('strata-sources-');
    const fifo = join(dir, 'export.json');
    execFileSync('mkfifo', [fifo]);
    await rejectsWith(openDexieExport(fifo), 'IMPORT_SOURCE_MISSING', /not a regular file/);
    await rejectsWith(readReduxPersistFile(fifo), 'IMPORT_SOURCE_MISSING', /not a regular file/);
  });

  test('a missing file is still IMPORT_SOURCE_MISSING with the path', async () => {
    const dir = tempDir('strata-sources-');
    await rejectsWith(openDexieExport(join(dir, 'nope.json')), 'IMPORT_SOURCE_MISSING', /nope\.json/);
    await rejectsWith(readConfigFile(join(dir, 'nope.json')), 'IMPORT_SOURCE_MISSING', /Cannot read config file .*nope\.json/);
  });
});

describe('a UTF-8 byte-order mark', () => {
  test('a Dexie export starting with one reads the same rows as without', async () => {
    const dir = tempDir('strata-sources-');
    const plain = await smallExport(dir);
    const withBom = join(dir, 'bom.json');
    writeFileSync(withBom, BOM + readFileSync(plain, 'utf8'));
    const rows = await rowsOf(plain);
    assert.equal(rows.length, 3);
    assert.deepEqual(await rowsOf(withBom), rows);
  });

  test('a redux-persist dump and an electron-store file starting with one', async () => {
    const dir = tempDir('strata-sources-');
    const redux = join(dir, 'storage.json');
    writeFileSync(redux, BOM + JSON.stringify({ 'persist:root': JSON.stringify({ user: JSON.stringify({ name: 'ada' }) }) }));
    const state = await readReduxPersistFile(redux);
    assert.deepEqual(state.get('user'), { name: 'ada' });
    const config = join(dir, 'config.json');
    writeFileSync(config, `${BOM}{"theme":"dark"}`);
    assert.equal((await readConfigFile(config)).get('theme'), 'dark');
  });
});

describe('a source larger than the reader can hold', () => {
  test('a 3 GB redux-persist or electron-store file: IMPORT_SOURCE_TOO_LARGE with size and limit, before reading', async () => {
    const dir = tempDir('strata-sources-');
    const huge = sparse(join(dir, 'huge.json'), 3 * 1024 ** 3);
    const started = process.hrtime.bigint();
    const error = await rejectsWith(readReduxPersistFile(huge), 'IMPORT_SOURCE_TOO_LARGE', /huge\.json is 3221225472 bytes/);
    assert.equal(error.details.size, 3 * 1024 ** 3);
    assert.equal(typeof error.details.limit, 'number');
    await rejectsWith(readConfigFile(huge), 'IMPORT_SOURCE_TOO_LARGE');
    // Not a functional timing claim: just that 3 GB were not read (that takes seconds, this none).
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 5_000);
  });
});
