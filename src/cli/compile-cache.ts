/**
 * Runs a CommonJS file with V8's code cache, kept between runs in a folder of the user's own.
 *
 * Why: Node 20 has no compile cache of its own (`module.enableCompileCache` is Node 22.1+), and
 * compiling the CLI on every run cost a no-op `strata migrate` ~30 ms of CPU, ~12 ms of wall time
 * on the 2-core machine (bench/README.md).
 *
 * What the cache trusts: V8 checks cached data against its own version, its flags and the source's
 * length, and rejects a mismatch (the file is then compiled as usual and the cache rewritten). It
 * does not compare the source text, so the file name carries `id`, which the build derives from the
 * bundle's contents. The data is run as code: the folder must belong to the user and be writable by
 * nobody else, or nothing is read from it or written to it.
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

/** `STRATA_COMPILE_CACHE`: a folder for the cache, or `0`/`off` for none; unset, a folder in the system's temp dir. */
export function compileCacheFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.STRATA_COMPILE_CACHE?.trim();
  if (setting === '0' || setting?.toLowerCase() === 'off') return undefined;
  const uid = process.getuid?.();
  const folder = setting || join(tmpdir(), uid === undefined ? 'strata-compile-cache' : `strata-compile-cache-${uid}`);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    // In the shared temp folder, a link another user left under our name is not followed.
    const stats = setting ? statSync(folder) : lstatSync(folder);
    if (!stats.isDirectory()) return undefined;
    // Another user's folder, or one others may write to, could hold code planted for us to run.
    if (uid !== undefined && (stats.uid !== uid || (stats.mode & 0o022) !== 0)) return undefined;
    return folder;
  } catch {
    return undefined;
  }
}

/**
 * Which cache a command line uses: one per command (its first word), and one for help. A cache
 * holds the functions compiled by the run that wrote it, and is not rewritten once V8 takes it,
 * so a `--help` run or another command must not be the one that fills `migrate`'s. A word that is
 * not a command (a flag's value before the command) only names another file.
 */
export function cacheKeyOf(argv: readonly string[]): string {
  if (argv.some((arg) => arg === '--help' || arg === '-h' || arg === 'help')) return 'help';
  const first = argv.find((arg) => !arg.startsWith('-'));
  return first !== undefined && /^[a-z]{1,16}$/.test(first) ? first : 'none';
}

/** Written whole or not at all: a temporary file, synced, then renamed over the old one. */
function writeCache(file: string, data: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch {
    // A cache that cannot be written (a full disk, a read-only folder) costs the next run its compile, nothing else.
    rmSync(temporary, { force: true });
  }
}

/**
 * Runs `file` as a CommonJS module, compiled from the cache when it holds this build and command (`id`). A
 * missing or rejected cache is written when the process exits, holding every function compiled by
 * then, so the next run of the same command compiles almost nothing.
 */
export function runCommonJsCached(file: string, id: string, folder: string | undefined = compileCacheFolder()): void {
  const require = createRequire(file);
  // The program imports through the bin's hook (src/fs/import-module.ts); an import() it does not
  // route that way still works with this constant (Node 20.12+, with an experimental warning).
  // Without it, the file is required as usual, with no cache.
  const importModuleDynamically = (vm.constants as unknown as { USE_MAIN_CONTEXT_DEFAULT_LOADER?: symbol } | undefined)?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (folder === undefined || importModuleDynamically === undefined) {
    require(file);
    return;
  }
  const cacheFile = join(folder, `${id}-${process.version}-${process.arch}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // latin1: the build keeps the bundle ASCII (scripts/bundle-cli.mjs checks), and V8 copies such a
  // string as it is, where UTF-8 is decoded (~13 ms against ~9 ms for the 1.2 MB program).
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(file, 'latin1')}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData, importModuleDynamically: importModuleDynamically as never });
  if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => writeCache(cacheFile, script.createCachedData()));
  const module = { exports: {}, filename: file, id: file };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, file, dirname(file));
}
