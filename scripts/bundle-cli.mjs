// Bundles each bin into one file. A whole-process `strata migrate` that finds nothing to do is
// dominated by start-up, and loading ~27 separate ES modules cost ~13 ms of it (bench/README.md);
// one file parses in one go. better-sqlite3 (native) and the optional drivers (loaded only for
// their URLs) stay outside the bundle; tsx is the user's, found at run time (module-loader.ts).
import { build } from 'esbuild';
import { binEntries, externalPackages } from './package-entries.mjs';

for (const bin of binEntries()) {
  await build({
    entryPoints: [bin.source],
    outfile: bin.out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: externalPackages,
    // better-sqlite3 is CommonJS: give the bundle a require() for it.
    banner: { js: "import { createRequire as __strataCreateRequire } from 'node:module'; const require = __strataCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}
