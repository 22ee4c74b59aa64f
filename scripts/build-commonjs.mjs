// The CommonJS build, for `require('strata-migrate')` (Electron main processes, VS Code
// extensions) on Node 20, which cannot require() an ES module before 20.19. It mirrors the ESM
// tree file for file (dist/x.js -> dist/x.cjs, dist/x.d.ts -> dist/x.d.cts) instead of bundling
// each entry: entries then share one copy of each module (one StrataError class for
// `instanceof` across subpaths), and files found relative to a module (the Dexie worker) are
// where the ESM build has them. Runs after tsc, which writes the .d.ts files.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { exportEntries } from './package-entries.mjs';

const entries = exportEntries().filter((e) => e.cjs);

/** Every source file the entries reach at run time (type-only imports are not followed: they emit no code). */
async function reachableSources() {
  const { metafile } = await build({
    entryPoints: entries.map((e) => e.source),
    outdir: 'dist',
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  return Object.keys(metafile.inputs).filter((file) => file.startsWith('src/'));
}

/** Each file on its own: relative imports stay imports of the sibling .cjs, packages stay external. */
const eachFileAlone = {
  name: 'each-file-alone',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('.')) return { path: args.path.replace(/\.js$/, '.cjs'), external: true };
      return { external: true };
    });
  },
};

async function buildCommonJs(sources, withImportMeta) {
  if (sources.length === 0) return;
  await build({
    entryPoints: sources,
    outdir: 'dist',
    outbase: 'src',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [eachFileAlone],
    // import.meta does not exist in CommonJS: the few modules that locate files or resolve
    // packages from their own URL get it from __filename.
    ...(withImportMeta && {
      define: { 'import.meta.url': '__strataImportMetaUrl', 'import.meta.resolve': 'require.resolve' },
      banner: { js: "const __strataImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
    logLevel: 'warning',
  });
}

/** The .d.ts graph from each entry's types, copied to .d.cts with relative specifiers pointing at .cjs. */
function writeCommonJsDeclarations() {
  const seen = new Set();
  const pending = entries.map((e) => normalize(e.types));
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const specifier = /(from\s+|import\s*\(\s*|import\s+)(['"])(\.{1,2}\/[^'"]+)\.js\2/g;
    for (const match of text.matchAll(specifier)) pending.push(normalize(join(dirname(file), `${match[3]}.d.ts`)));
    writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), text.replace(specifier, '$1$2$3.cjs$2'));
  }
}

const sources = await reachableSources();
const usesImportMeta = (file) => readFileSync(file, 'utf8').includes('import.meta');
await buildCommonJs(
  sources.filter((f) => !usesImportMeta(f)),
  false,
);
await buildCommonJs(sources.filter(usesImportMeta), true);
writeCommonJsDeclarations();
