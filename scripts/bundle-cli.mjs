// Bundles the CLI in two files. dist/cli/program.cjs is the whole program (src/cli/program.ts and
// all it reaches), one CommonJS file; dist/cli/main.cjs, the bin, runs it through V8's code cache
// (src/cli/compile-cache.ts). Before, the CLI was split per command into ES module chunks (a
// command loaded ~550 KB instead of one 1.1 MB file), but Node 20 keeps no compiled code between
// runs, and compiling them cost a no-op `strata migrate` ~30 ms of CPU (bench/README.md);
// a classic script can be given cached data, an ES module cannot without experimental flags. A
// command's own modules still run only when it is called: esbuild turns each `import()` of
// program.ts into a lazy initializer. better-sqlite3 (native) and the optional drivers (loaded
// only for their URLs) stay outside the bundle; tsx is the user's, found at run time (module-loader.ts).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';
import { directImports } from './direct-imports.mjs';
import { binEntries, externalPackages } from './package-entries.mjs';

const bins = binEntries();
const outdirs = new Set(bins.map((bin) => dirname(bin.out)));
if (outdirs.size !== 1) throw new Error(`the bins must share one folder (the program beside them), found ${[...outdirs].join(', ')}`);
const [outdir] = outdirs;
// The chunks of the split build this one replaced, left in a dist/ that was not cleaned.
const CHUNK = /^[\w-]+-[A-Z0-9]{8}\.js$/;
for (const file of existsSync(outdir) ? readdirSync(outdir, { withFileTypes: true }) : [])
  if (file.isFile() && CHUNK.test(file.name)) rmSync(`${outdir}/${file.name}`);

// tsx is the user's: resolved at run time, only when a worker runs from TypeScript sources.
const common = { bundle: true, platform: 'node', target: 'node20', external: [...externalPackages, 'tsx', 'tsx/*'], logLevel: 'warning' };

const program = `${outdir}/program.cjs`;
await build({
  ...common,
  entryPoints: ['src/cli/program.ts'],
  outfile: program,
  format: 'cjs',
  plugins: [directImports],
  // import.meta does not exist in CommonJS: the modules that find files or packages from their own URL get it from __filename.
  define: { 'import.meta.url': '__strataImportMetaUrl', 'import.meta.resolve': 'require.resolve' },
  banner: { js: "const __strataImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// The bin reads the program as latin1 (faster than UTF-8 for V8 to take in): esbuild escapes
// every non-ASCII character by default (charset: 'ascii'); a byte above 0x7f would be misread.
const programBytes = readFileSync(program);
const nonAscii = programBytes.findIndex((byte) => byte > 0x7f);
if (nonAscii !== -1) throw new Error(`${program}: byte ${nonAscii} is not ASCII; the bin reads the program as latin1 (src/cli/compile-cache.ts)`);

// The bins: a few lines that run the program from V8's code cache, named by the program's contents.
// CommonJS (.cjs) too: Node starts an ES module entry through its ES module loader, ~8 ms more
// of every run than a CommonJS one (bench/README.md), and the bin needs nothing ESM has.
const notCommonJs = bins.filter((bin) => !bin.out.endsWith('.cjs'));
if (notCommonJs.length) throw new Error(`package.json bin: ${notCommonJs.map((bin) => bin.out).join(', ')} must be .cjs files (the bin is built as CommonJS)`);
const programId = createHash('sha256').update(programBytes).digest('hex').slice(0, 16);
await build({
  ...common,
  format: 'cjs',
  entryPoints: bins.map((bin) => bin.source),
  outdir,
  outExtension: { '.js': '.cjs' },
  define: { STRATA_PROGRAM_ID: JSON.stringify(programId), 'import.meta.url': '__strataImportMetaUrl' },
  banner: { js: "const __strataImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// What the worker bundles share. better-sqlite3 is CommonJS: give every file a require() for it.
const nodeBundle = {
  ...common,
  outdir,
  format: 'esm',
  banner: { js: "import { createRequire as __strataCreateRequire } from 'node:module'; const require = __strataCreateRequire(import.meta.url);" },
};

// The fleet's worker threads (src/fleet/fleet-worker.ts, discovery-worker.ts), files of their own
// beside the program: thread-script.ts looks for `./fleet-worker.js` beside the module asking
// before dist/fleet/. From the unbundled dist/fleet/ a thread loaded ~90 separate ES modules before
// its first target (~0.2 s of each run's start on the 2-core machine, bench/README.md). Built from
// the sources as they are (no CLI rewrite: it is not CLI code).
await build({
  ...nodeBundle,
  entryPoints: [
    { in: 'src/fleet/fleet-worker.ts', out: 'fleet-worker' },
    { in: 'src/fleet/discovery-worker.ts', out: 'discovery-worker' },
  ],
});
