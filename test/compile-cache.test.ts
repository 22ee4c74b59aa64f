/**
 * The built CLI (dist/cli/main.cjs) runs its one CommonJS program through V8's code cache, kept in
 * a folder of the user's own (src/cli/compile-cache.ts). Shown with the real CLI on real files: the
 * cache is written once and then used, a damaged cache is refused by V8 and rewritten, a folder
 * others may write to is never used, STRATA_COMPILE_CACHE=0 turns it off, and the user's own
 * migration modules still load through import() from the cached program.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheKeyOf, compileCacheFolder } from '../src/cli/compile-cache.js';
import { cli, ledger, tempDir, writeFiles } from './helpers.js';

const MIGRATIONS = {
  'migrations/0001_notes.sql': '-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n-- migrate:down\nDROP TABLE notes;\n',
  // A JavaScript module: loaded with import() from inside the cached program.
  'migrations/0002_seed.js': 'export async function up(ctx) { await ctx.run("INSERT INTO notes (body) VALUES (\'from a module\')"); }\n',
};

/** The cache files in `folder` (no temporaries). */
function cacheFiles(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.bin')) : [];
}

test('the first run writes the cache, the next runs use it unchanged, and both do the same work', () => {
  const dir = tempDir('strata-compile-cache-');
  const cache = join(dir, 'cache');
  writeFiles(dir, MIGRATIONS);
  const env = { STRATA_COMPILE_CACHE: cache };

  const first = cli(['migrate', '--db', 'app.db', '--dir', 'migrations'], { cwd: dir, env });
  assert.equal(first.code, 0, first.stderr);
  const [file] = cacheFiles(cache);
  assert.ok(file, 'no cache was written');
  assert.match(file, new RegExp(`^[0-9a-f]{16}-migrate-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.bin$`));
  assert.equal(statSync(cache).mode & 0o777, 0o700, 'the cache folder is the user’s alone');
  const written = statSync(join(cache, file));

  // Used, not rewritten: V8 took the data (a rejected cache is written again at exit).
  const second = cli(['migrate', '--db', 'app.db', '--dir', 'migrations'], { cwd: dir, env });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /up to date/);
  assert.deepEqual(cacheFiles(cache), [file]);
  assert.equal(statSync(join(cache, file)).mtimeMs, written.mtimeMs);

  // Another command, its own cache: the first run of a command fills it with that command's code.
  const status = cli(['status', '--db', 'app.db', '--dir', 'migrations', '--json'], { cwd: dir, env });
  assert.equal(status.code, 0, status.stderr);
  assert.equal(cacheFiles(cache).length, 2);
  assert.ok(cacheFiles(cache).some((name) => name.includes('-status-')));
  const help = cli(['migrate', '--help'], { cwd: dir, env });
  assert.equal(help.code, 0, help.stderr);
  assert.ok(cacheFiles(cache).some((name) => name.includes('-help-')));
  assert.equal(statSync(join(cache, file)).mtimeMs, written.mtimeMs, "a --help run does not touch migrate's cache");
  assert.deepEqual(
    ledger(join(dir, 'app.db')).map((row) => [row.version, row.status]),
    [
      ['1', 'applied'],
      ['2', 'applied'],
    ],
  );
});

test('a module migration loads through import() when the program runs from the cache', () => {
  const dir = tempDir('strata-compile-cache-import-');
  const cache = join(dir, 'cache');
  const { 'migrations/0002_seed.js': seed, ...sqlOnly } = MIGRATIONS;
  writeFiles(dir, sqlOnly);
  const env = { STRATA_COMPILE_CACHE: cache };
  // Fill migrate's cache with a run that loads no module, then apply the module from the cached program.
  assert.equal(cli(['migrate', '--dir', 'migrations', '--db', 'app.db'], { cwd: dir, env }).code, 0);
  const [file] = cacheFiles(cache);
  assert.ok(file);
  const written = statSync(join(cache, file)).mtimeMs;
  writeFiles(dir, { 'migrations/0002_seed.js': seed! });
  const run = cli(['migrate', '--db', 'app.db', '--dir', 'migrations'], { cwd: dir, env });
  assert.equal(run.code, 0, run.stderr);
  // Imported through the bin's hook, not vm's experimental loader, which would print a warning.
  assert.doesNotMatch(run.stderr, /ExperimentalWarning/);
  assert.equal(statSync(join(cache, file)).mtimeMs, written, 'the program did not run from the cache');
  const rows = ledger(join(dir, 'app.db')).map((row) => row.version);
  assert.deepEqual(rows, ['1', '2']);
});

test('a damaged cache is refused by V8: the run compiles as usual and writes a good cache', () => {
  const dir = tempDir('strata-compile-cache-damaged-');
  const cache = join(dir, 'cache');
  writeFiles(dir, MIGRATIONS);
  const env = { STRATA_COMPILE_CACHE: cache };
  assert.equal(cli(['status', '--dir', 'migrations', '--db', 'app.db'], { cwd: dir, env }).code, 0);
  const [file] = cacheFiles(cache);
  assert.ok(file);
  const path = join(cache, file);
  const good = readFileSync(path);
  const damaged = Buffer.alloc(good.length, 0x5a);
  writeFileSync(path, damaged);

  const run = cli(['status', '--db', 'app.db', '--dir', 'migrations'], { cwd: dir, env });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr.includes('Error'), false, run.stderr);
  assert.notDeepEqual(readFileSync(path), damaged, 'the refused cache was not rewritten');
  assert.deepEqual(cacheFiles(cache), [file]);
  assert.deepEqual(
    readdirSync(cache).filter((name) => name.endsWith('.tmp')),
    [],
    'a temporary file was left behind',
  );
});

test('a cache folder that others may write to is neither read nor written', () => {
  const dir = tempDir('strata-compile-cache-shared-');
  const cache = join(dir, 'cache');
  mkdirSync(cache);
  chmodSync(cache, 0o777);
  writeFiles(dir, MIGRATIONS);
  const run = cli(['migrate', '--db', 'app.db', '--dir', 'migrations'], { cwd: dir, env: { STRATA_COMPILE_CACHE: cache } });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(readdirSync(cache), []);
  assert.equal(compileCacheFolder({ STRATA_COMPILE_CACHE: cache }), undefined);
  chmodSync(cache, 0o700);
  assert.equal(compileCacheFolder({ STRATA_COMPILE_CACHE: cache }), cache);
});

test("in the temp folder, a link under the cache folder's name is not followed", () => {
  const dir = tempDir('strata-compile-cache-link-');
  const temp = join(dir, 'tmp');
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(temp);
  mkdirSync(elsewhere, { mode: 0o700 });
  const name = process.getuid ? `strata-compile-cache-${process.getuid()}` : 'strata-compile-cache';
  symlinkSync(elsewhere, join(temp, name), 'dir');
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = temp;
  try {
    assert.equal(compileCacheFolder({}), undefined);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  // Named on purpose (STRATA_COMPILE_CACHE), a link is the user's own choice.
  assert.equal(compileCacheFolder({ STRATA_COMPILE_CACHE: join(temp, name) }), join(temp, name));
});

test("another user's cache folder is never used", (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root to give a folder to another user');
    return;
  }
  const dir = tempDir('strata-compile-cache-owner-');
  const cache = join(dir, 'cache');
  mkdirSync(cache, { mode: 0o700 });
  chownSync(cache, 65534, 65534);
  assert.equal(compileCacheFolder({ STRATA_COMPILE_CACHE: cache }), undefined);
});

test('each command has its cache, and help one of its own', () => {
  assert.equal(cacheKeyOf(['migrate', '--db', 'app.db']), 'migrate');
  assert.equal(cacheKeyOf(['--json', 'status']), 'status');
  assert.equal(cacheKeyOf(['migrate', '--help']), 'help');
  assert.equal(cacheKeyOf(['help', 'migrate']), 'help');
  assert.equal(cacheKeyOf(['-h']), 'help');
  assert.equal(cacheKeyOf(['--version']), 'none');
  // A flag's value before the command names no command, and no path reaches a file name.
  assert.equal(cacheKeyOf(['--db', '../x.db', 'migrate']), 'none');
});

test('STRATA_COMPILE_CACHE=0 keeps no cache; unset, the cache is in the temp folder, one per user', () => {
  const dir = tempDir('strata-compile-cache-default-');
  const temp = join(dir, 'tmp');
  mkdirSync(temp);
  writeFiles(dir, MIGRATIONS);
  const off = cli(['migrate', '--db', 'app.db', '--dir', 'migrations'], { cwd: dir, env: { TMPDIR: temp, STRATA_COMPILE_CACHE: '0' } });
  assert.equal(off.code, 0, off.stderr);
  assert.deepEqual(readdirSync(temp), []);
  assert.equal(compileCacheFolder({ STRATA_COMPILE_CACHE: 'off' }), undefined);

  const on = cli(['status', '--db', 'app.db', '--dir', 'migrations'], { cwd: dir, env: { TMPDIR: temp, STRATA_COMPILE_CACHE: '' } });
  assert.equal(on.code, 0, on.stderr);
  const folder = join(temp, process.getuid ? `strata-compile-cache-${process.getuid()}` : 'strata-compile-cache');
  assert.equal(cacheFiles(folder).length, 1);
});
