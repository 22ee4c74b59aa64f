// Bundles the CLI into one file. A whole-process `strata migrate` that finds nothing to do is
// dominated by start-up, and loading ~27 separate ES modules cost ~13 ms of it (bench/README.md);
// one file parses in one go. better-sqlite3 (native), pg and mysql2 (loaded only for server URLs)
// and tsx (loaded only for .ts files) stay outside the bundle.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'mysql2', 'mysql2/*', 'tsx', 'tsx/*', '@electric-sql/pglite'],
  // better-sqlite3 is CommonJS: give the bundle a require() for it.
  banner: { js: "import { createRequire as __strataCreateRequire } from 'node:module'; const require = __strataCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
