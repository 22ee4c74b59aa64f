// The browser build of each entry with a `browser` condition (`strata-migrate/document`): one
// minified ES module with nothing external. Building it for platform 'browser' is also the check
// that the document core imports nothing from node: (esbuild fails on a node: import it cannot
// resolve for the browser). test/docs-claims.test.ts builds it with the same options to hold the
// size the docs state.
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { exportEntries } from './package-entries.mjs';

/** esbuild's options for one entry's browser bundle (without where it is written). */
export function browserBuildOptions(entry) {
  return {
    entryPoints: [entry.source],
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    logLevel: 'warning',
  };
}

export function browserEntries() {
  return exportEntries().filter((e) => e.browser);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const entry of browserEntries()) await build({ ...browserBuildOptions(entry), outfile: entry.browser });
}
