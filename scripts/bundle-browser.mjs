// The browser build of each entry with a `browser` condition (`strata-migrate/document`,
// `strata-migrate/browser`): one minified ES module with nothing external. Building it for
// platform 'browser' is also the check that the entry imports nothing from node: (esbuild fails
// on a node: import it cannot resolve for the browser; the plugin below names the importer).
// A few Node modules have a browser twin (browserSeams): same exports, no node: import.
// test/docs-claims.test.ts and test/browser-sql.test.ts build with the same options to hold the
// sizes the docs state.
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exportEntries } from './package-entries.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Node module (source) -> its browser twin. */
export const browserSeams = {
  [join(ROOT, 'src/sources/sha256.ts')]: join(ROOT, 'src/browser/seams/sha256.ts'),
  [join(ROOT, 'src/targets/sql/dialects.ts')]: join(ROOT, 'src/browser/seams/dialects.ts'),
};

/** Swaps in the browser twins, and fails on a node: import with the file that made it. */
export const browserSeamsPlugin = {
  name: 'strata-browser-seams',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      const source = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      const twin = browserSeams[source];
      return twin ? { path: twin } : undefined;
    });
    // Strata's own sources only: a peer that imports node: behind a runtime check is the app bundler's business.
    b.onResolve({ filter: /^node:/ }, (args) =>
      args.importer.startsWith(join(ROOT, 'src'))
        ? {
            errors: [
              {
                text: `${args.path} imported by ${args.importer.replace(`${ROOT}/`, '')}: the browser build must not reach a node: module (put it behind a seam: scripts/bundle-browser.mjs browserSeams)`,
              },
            ],
          }
        : undefined,
    );
  },
};

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
    plugins: [browserSeamsPlugin],
  };
}

export function browserEntries() {
  return exportEntries().filter((e) => e.browser);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const entry of browserEntries()) await build({ ...browserBuildOptions(entry), outfile: entry.browser });
}
