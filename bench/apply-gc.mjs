/**
 * What a full GC before each apply costs Strata and the raw limit: both apply a folder to a fresh
 * SQLite file in turn, in one process, with or without a gc() before each timed apply (the
 * benchmark makes one, so one tool's garbage is not collected on another's time). Prints medians
 * of the wall time and of the process's CPU (all threads: V8 compiling again on the other core
 * shows there). A diagnostic, not a benchmark row: see "Issue 19, twelfth session" in README.md.
 *
 *   npm run build
 *   node --expose-gc bench/apply-gc.mjs [--dir FOLDER] [--runs 30] [--single] [--no-gc]
 *
 * Without --dir it writes 1,000 files of `SELECT n;` to bench/.work/apply-gc/ (statements that
 * cost SQLite nothing, so what is left is each tool's JavaScript).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMigrator } from '../dist/index.js';
import { raw } from './tools.mjs';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    runs: { type: 'string', default: '30' },
    single: { type: 'boolean', default: false },
    'no-gc': { type: 'boolean', default: false },
  },
});
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const work = join(import.meta.dirname, '.work', 'apply-gc');
const dir = values.dir ?? join(work, 'migrations');
if (!values.dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let n = 1; n <= 1000; n++) writeFileSync(join(dir, `${String(n).padStart(4, '0')}_t${n}.sql`), `SELECT ${n};\n`);
}
mkdirSync(work, { recursive: true });
const single = values.single;
const removeDatabase = (file) => {
  for (const suffix of ['', '-wal', '-shm', '-journal', '.strata-lock']) rmSync(file + suffix, { force: true });
};
const tools = {
  raw: (file) => raw.apply(file, dir, { single }),
  strata: async (file) => {
    const migrator = createMigrator({ db: file, dir });
    try {
      return (await migrator.migrate({ singleTransaction: single })).results.length;
    } finally {
      await migrator.close();
    }
  },
};
const samples = { raw: [], strata: [] };
const runs = Number(values.runs);
for (let round = 0; round < runs; round++) {
  for (const name of round % 2 ? ['raw', 'strata'] : ['strata', 'raw']) {
    const file = join(work, `${name}.db`);
    removeDatabase(file);
    if (!values['no-gc']) globalThis.gc();
    const cpu = process.cpuUsage();
    const started = performance.now();
    await tools[name](file);
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    samples[name].push({ ms, cpuMs: (used.user + used.system) / 1000 });
  }
}
const median = (list) => list.slice().sort((a, b) => a - b)[list.length >> 1];
console.log(`${runs} rounds, ${single ? 'one transaction' : 'a transaction each'}, ${values['no-gc'] ? 'no gc()' : 'a gc() before each apply'}, folder ${dir}`);
for (const name of ['raw', 'strata']) {
  const ms = median(samples[name].map((s) => s.ms));
  const cpuMs = median(samples[name].map((s) => s.cpuMs));
  console.log(`${name.padEnd(6)}  wall ${ms.toFixed(1)} ms  cpu ${cpuMs.toFixed(1)} ms`);
}
console.log(`strata / raw: ${(median(samples.strata.map((s) => s.ms)) / median(samples.raw.map((s) => s.ms))).toFixed(2)}x`);
