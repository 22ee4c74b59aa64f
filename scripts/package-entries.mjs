// What the build makes, read from package.json, so that a new entry point or bin needs no change
// in the build scripts: each `exports` entry's ESM file (`import.default`) names its source
// (dist/x.js <- src/x.ts), and its other conditions name the outputs built from that source.
import { existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** dist/a/b.js (or .cjs) -> src/a/b.ts; the build fails here when package.json names a file no source builds. */
function sourceOf(built, where) {
  const source = built.replace(/^\.\/dist\//, 'src/').replace(/\.c?js$/, '.ts');
  if (source === built || !existsSync(source)) throw new Error(`package.json ${where}: ${built} has no source (looked for ${source})`);
  return source;
}

/** Every `exports` entry with conditions: its source and what each condition points at. */
export function exportEntries() {
  return Object.entries(pkg.exports)
    .filter(([, target]) => typeof target === 'object')
    .map(([subpath, target]) => {
      const { import: esm, require: cjs } = target;
      if (!esm?.default || !esm.types) throw new Error(`package.json exports["${subpath}"]: needs import.types and import.default`);
      const entry = {
        subpath,
        source: sourceOf(esm.default, `exports["${subpath}"].import.default`),
        esm: esm.default,
        types: esm.types,
        browser: esm.browser,
      };
      if (cjs) {
        // The CommonJS files mirror the ESM tree (x.js -> x.cjs, x.d.ts -> x.d.cts): the build
        // writes them there, so package.json must point at exactly those names.
        const expected = { default: esm.default.replace(/\.js$/, '.cjs'), types: esm.types.replace(/\.d\.ts$/, '.d.cts') };
        if (cjs.default !== expected.default || cjs.types !== expected.types) {
          throw new Error(`package.json exports["${subpath}"].require: expected ${JSON.stringify(expected)}, found ${JSON.stringify(cjs)}`);
        }
        entry.cjs = cjs.default;
        entry.ctypes = cjs.types;
      }
      return entry;
    });
}

/** The bins, one source each (several names may share a file). */
export function binEntries() {
  const files = new Set(Object.values(pkg.bin ?? {}));
  return [...files].map((file) => ({ out: file, source: sourceOf(file.startsWith('./') ? file : `./${file}`, `bin ${file}`) }));
}

/** Packages that stay outside bundles: installed beside Strata (dependencies) or by the user (optional peers). */
export const externalPackages = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})].flatMap((name) => [name, `${name}/*`]);
