/**
 * The step path keeps its optimized code across full GCs in a process that migrates, closes and
 * migrates again (src/engine/shape-anchors.ts). Shown with V8's own deoptimization trace in a
 * child process running the built library: once warm, a migrate between two gc() calls throws
 * away no compiled code of the anchored classes' methods for "weak objects" (a hidden class that
 * died). The same child first shows a class made and dropped per run losing its code that way,
 * so a trace in which nothing is found is a trace that would have found it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { tempDir, writeFiles } from './helpers.js';

const DIST = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href;
const RUNS = 14;
/** Runs before the trace is read: the first ones compile, and change their minds. */
const WARM_RUNS = 6;

/** Methods compiled against the anchored classes, and the functions that inline them. */
const ANCHORED_PATH = [
  // SqlSyncSteps, SqliteSyncStatements, SqliteDriver, better-sqlite3's Database and Statement
  'execute',
  'insertApplied',
  'execNow',
  'exec',
  'run',
  'runNow',
  // MigrationRun
  'ledgerEntry',
  'applyEachInTransaction',
  'applyStepSync',
  'runSqlBodySync',
  'commitStepSync',
  // EventChannel
  'has',
  // FsFolderView, Node's Dirent
  'isTopFolder',
  'isDirectory',
  'isFile',
  'isSymbolicLink',
  'Dirent',
  // createMigrator's placeholders, read by every SQL file's load
  'sqlOf',
  'loadSql',
  'loadSqlOnce',
  'loadOf',
];

const CHILD = `
import { rmSync } from 'node:fs';
import { createMigrator } from ${JSON.stringify(DIST)};
const [dir, db] = process.argv.slice(2);

// The control: a class made per run whose method is hot; nothing keeps its hidden class alive
// once the run's function returns.
class PerRunControl { constructor(n) { this.n = n; this.total = 0; } add(k) { this.total += k * this.n; } }
function controlRun(n) {
  const control = new PerRunControl(n);
  for (let k = 0; k < 100000; k++) control.add(k);
  return control.total;
}
for (let run = 0; run < 8; run++) {
  console.log('=== CONTROL ' + run);
  controlRun(run);
  globalThis.gc();
}

// A function, so that nothing of a run is left in the caller's frame when the next gc() runs.
async function migrateOnce(run) {
  for (const suffix of ['', '-wal', '-shm', '.strata-lock']) rmSync(db + suffix, { force: true });
  const migrator = createMigrator({ db, dir });
  try {
    await migrator.migrate({ singleTransaction: run % 2 === 1 });
  } finally {
    await migrator.close();
  }
}
for (let run = 0; run < ${RUNS}; run++) {
  globalThis.gc();
  console.log('=== RUN ' + run);
  await migrateOnce(run);
}
console.log('=== END');
`;

/** The functions the trace marks for deoptimization for "weak objects", by the marker before them. */
function weakObjectDeopts(trace: string): Map<string, string[]> {
  const byMarker = new Map<string, string[]>();
  let marker = 'before';
  for (const line of trace.split('\n')) {
    const seen = /^=== (.+)$/.exec(line);
    if (seen) marker = seen[1]!;
    const deopt = /marking dependent code .*<SharedFunctionInfo ([^>]*)>.*reason: weak objects/.exec(line);
    if (deopt) byMarker.set(marker, [...(byMarker.get(marker) ?? []), deopt[1]!]);
  }
  return byMarker;
}

test('once warm, a migrate between full GCs keeps the compiled step path of the anchored classes', () => {
  const dir = tempDir('strata-shape-anchors-');
  const files: Record<string, string> = { 'child.mjs': CHILD };
  for (let n = 1; n <= 1000; n++) files[`migrations/${String(n).padStart(4, '0')}_t${n}.sql`] = `CREATE TABLE t${n} (id INTEGER PRIMARY KEY);\n`;
  writeFiles(dir, files);

  const child = spawnSync(process.execPath, ['--expose-gc', '--trace-deopt', join(dir, 'child.mjs'), join(dir, 'migrations'), join(dir, 'app.db')], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /=== END/);
  const deopts = weakObjectDeopts(child.stdout);

  // The control loses its code at the GC after its first objects die: the trace can see it.
  const controlLost = [...deopts].filter(([marker, names]) => marker.startsWith('CONTROL') && names.includes('add'));
  assert.ok(controlLost.length > 0, 'the per-run control class never lost its code: the trace shows nothing to compare with');

  const lost: string[] = [];
  for (let run = WARM_RUNS; run < RUNS; run++) {
    for (const name of deopts.get(`RUN ${run}`) ?? []) if (ANCHORED_PATH.includes(name)) lost.push(`run ${run}: ${name}`);
  }
  for (const name of deopts.get('END') ?? []) if (ANCHORED_PATH.includes(name)) lost.push(`end: ${name}`);
  assert.deepEqual(lost, [], 'compiled code thrown away because a hidden class died (anchor its class: src/engine/shape-anchors.ts)');
});
