// Bundles the bins with code splitting: each bin's entry file (dist/cli/main.js) holds what every
// command needs (argument parsing, help, output), and each command's `import()` (src/cli/main.ts)
// loads its own chunk plus the chunks it shares with others (dist/cli/NAME-HASH.js: beside the
// entry, so that paths found from a module's import.meta.url, such as the workers', still hold). A whole-process
// `strata migrate` that finds nothing to do is dominated by start-up: loading ~27 separate ES
// modules cost ~13 ms of it (bench/README.md), and one 1.1 MB file holding every command (lint,
// trace, fleet, bundle, vite...) cost more than that to parse, so a command now loads a few
// chunks holding only its own code. better-sqlite3 (native) and the optional drivers (loaded only
// for their URLs) stay outside the bundle; tsx is the user's, found at run time (module-loader.ts).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';
import { directImports } from './direct-imports.mjs';
import { binEntries, externalPackages } from './package-entries.mjs';

const bins = binEntries();
const outdirs = new Set(bins.map((bin) => dirname(bin.out)));
if (outdirs.size !== 1) throw new Error(`the bins must share one folder to share chunks, found ${[...outdirs].join(', ')}`);
const [outdir] = outdirs;
const CHUNK = /^[\w-]+-[A-Z0-9]{8}\.js$/;
for (const file of existsSync(outdir) ? readdirSync(outdir, { withFileTypes: true }) : [])
  if (file.isFile() && CHUNK.test(file.name)) rmSync(`${outdir}/${file.name}`);

// What both builds below share. better-sqlite3 is CommonJS: give every file a require() for it.
const nodeBundle = {
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: externalPackages,
  banner: { js: "import { createRequire as __strataCreateRequire } from 'node:module'; const require = __strataCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};

await build({
  ...nodeBundle,
  entryPoints: bins.map((bin) => ({ in: bin.source, out: bin.out.replace(`${outdir}/`, '').replace(/\.js$/, '') })),
  chunkNames: '[name]-[hash]',
  splitting: true,
  plugins: [directImports],
});

// The fleet's worker thread (src/fleet/fleet-worker.ts), one file of its own beside the bins:
// worker-pool.ts looks for `./fleet-worker.js` beside the chunk it is in before dist/fleet/.
// From the unbundled dist/fleet/ a thread loaded ~90 separate ES modules before its first
// target (~0.2 s of each run's start on the 2-core machine, bench/README.md). Not an entry of
// the split build above: its modules would then be reached by a new set of entries and split
// the CLI's core chunk in two. Built from the sources as they are (no CLI rewrite: it is not CLI code).
await build({
  ...nodeBundle,
  entryPoints: [
    { in: 'src/fleet/fleet-worker.ts', out: 'fleet-worker' },
    { in: 'src/fleet/discovery-worker.ts', out: 'discovery-worker' },
  ],
});
