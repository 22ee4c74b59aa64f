// The browser build of each entry with a `browser` condition (`strata-migrate/document`): one
// minified ES module with nothing external. Building it for platform 'browser' is also the check
// that the document core imports nothing from node: (esbuild fails on a node: import it cannot
// resolve for the browser).
import { build } from 'esbuild';
import { exportEntries } from './package-entries.mjs';

for (const entry of exportEntries().filter((e) => e.browser)) {
  await build({
    entryPoints: [entry.source],
    outfile: entry.browser,
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    logLevel: 'warning',
  });
}
