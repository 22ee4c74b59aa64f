// The browser build of `strata/document`: one minified ES module with nothing external. Building
// it for platform 'browser' is also the check that the document core imports nothing from node:
// (esbuild fails on a node: import it cannot resolve for the browser).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/document.ts'],
  outfile: 'dist/browser/strata-document.js',
  bundle: true,
  minify: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  logLevel: 'warning',
});
