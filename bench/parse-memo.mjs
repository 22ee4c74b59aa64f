/**
 * Loading (parsing) 1,000 SQL migrations that the folder source has just read afresh, as every
 * round of `npm run bench` does in its one process: the median of 30 rounds after 3 warm-up ones.
 * With the parse memo (src/sources/sql/parse-memo.ts) only the first round splits the files.
 *
 *   node bench/parse-memo.mjs [DIST] [DIR]    # DIST: a built dist/ (default ./dist); DIR: 1,000 NNNN_tN.sql (default bench/.work/migrations)
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist = 'dist', dir = 'bench/.work/migrations'] = process.argv.slice(2);
const { readMigrationFolder } = await import(pathToFileURL(resolve(dist, 'sources/folder-source.js')).href);
const samples = [];
for (let round = 0; round < 33; round++) {
  const migrations = readMigrationFolder(resolve(dir), { dialect: 'sqlite' });
  const started = performance.now();
  for (const migration of migrations) await migration.load();
  if (round >= 3) samples.push(performance.now() - started);
}
samples.sort((a, b) => a - b);
process.stdout.write(
  `load of ${readMigrationFolder(resolve(dir), { dialect: 'sqlite' }).length} files: median ${samples[samples.length >> 1].toFixed(2)} ms\n`,
);
