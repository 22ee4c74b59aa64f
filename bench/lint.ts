/**
 * `strata lint` on 1,000 SQLite migration files (the target: under 1 s on this machine),
 * with the plain read + split of the same files (readFileSync and Strata's splitter, no rules, no
 * replay) as the baseline of the same run. The folder is a history of 250 tables: every 4th file
 * creates a table (a foreign key to the one before, an index), the others add a column (and
 * backfill it), add an index, or update and delete rows of an earlier table; every 20th rebuilds
 * one (create, copy, drop, rename). Timed: the linter in-process as `strata lint migrations/` runs it (the folder read,
 * each file parsed, replayed into the in-memory schema and checked by every SQLite rule), median
 * of R runs; and the whole `strata lint` process once (dist/ must be built).
 *
 *   node --import tsx bench/lint.ts [--files 1000] [--runs 5]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { groupsForPaths } from '../src/lint/lint-inputs.js';
import { lintSequence } from '../src/lint/linter.js';
import { splitStatements } from '../src/sources/sql/split-statements.js';
import { median, medianTime } from './stats.js';

const { values } = parseArgs({ options: { files: { type: 'string' }, runs: { type: 'string' } } });
const FILES = Number(values.files ?? 1000);
const RUNS = Number(values.runs ?? 5);
const TARGET_MS = 1000;
const ROOT = join(import.meta.dirname, '..');
const WORK = process.env.LINT_WORK ?? join(ROOT, 'bench', '.work', 'lint');
const DIR = join(WORK, 'migrations');

const table = (k: number) => `t${String(k).padStart(4, '0')}`;

/** The k-th file (1-based) of a history where every 4th file creates a table and the others change the tables already there. */
function migration(k: number): string {
  const up: string[] = [];
  const tables = Math.ceil(k / 4);
  const created = k % 4 === 1;
  const target = table(1 + ((k * 7) % tables));
  if (created) {
    const ref = tables > 1 ? `, parent_id INTEGER REFERENCES ${table(tables - 1)} (id) ON DELETE CASCADE` : '';
    up.push(`CREATE TABLE ${table(tables)} (\n  id INTEGER PRIMARY KEY,\n  label TEXT NOT NULL,\n  state TEXT DEFAULT 'new'${ref}\n);`);
    up.push(`CREATE INDEX ${table(tables)}_label ON ${table(tables)} (label);`);
  } else if (k % 20 === 0 && tables > 2) {
    const old = table(tables - 1);
    up.push(
      `-- rebuild ${old} with a NOT NULL state`,
      'PRAGMA foreign_keys = OFF;',
      `CREATE TABLE new_${old} (id INTEGER PRIMARY KEY, label TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'new', parent_id INTEGER);`,
      `INSERT INTO new_${old} (id, label, state, parent_id) SELECT id, label, coalesce(state, 'new'), parent_id FROM ${old};`,
      `DROP TABLE ${old};`,
      `ALTER TABLE new_${old} RENAME TO ${old};`,
      'PRAGMA foreign_keys = ON;',
    );
  } else if (k % 4 === 2) {
    up.push(`ALTER TABLE ${target} ADD COLUMN note_${k} TEXT DEFAULT '';`);
    if (k % 3 === 0) up.push(`UPDATE ${target} SET note_${k} = label WHERE note_${k} = '';`);
  } else if (k % 4 === 3) {
    up.push(`CREATE INDEX ${target}_state_${k} ON ${target} (state, id);`);
  } else {
    up.push(`UPDATE ${target} SET state = 'active' WHERE state IS NULL;`, `DELETE FROM ${target} WHERE state = 'gone';`);
  }
  return `-- migrate:up\n${up.join('\n')}\n\n-- migrate:down\nSELECT 1;\n`;
}

rmSync(WORK, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
for (let k = 1; k <= FILES; k++) writeFileSync(join(DIR, `${String(k).padStart(4, '0')}_step_${k}.sql`), migration(k));

let statements = 0;
const baseline = await medianTime(async () => {
  statements = 0;
  for (const name of readdirSync(DIR).sort()) statements += splitStatements(readFileSync(join(DIR, name), 'utf8')).length;
}, RUNS);

let findings = 0;
const cpu: number[] = [];
const lint = await medianTime(async () => {
  const before = process.cpuUsage();
  const groups = await groupsForPaths([DIR], { family: 'sqlite', cwd: WORK });
  findings = 0;
  for (const group of groups) findings += (await lintSequence(group.inputs, { start: group.start })).findings.length;
  const used = process.cpuUsage(before);
  cpu.push((used.user + used.system) / 1000);
}, RUNS);

const cli = join(ROOT, 'dist', 'cli', 'main.cjs');
let processMs: number | undefined;
if (existsSync(cli)) {
  const started = performance.now();
  const run = spawnSync(process.execPath, [cli, 'lint', 'migrations', '--json'], { cwd: WORK, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
  processMs = performance.now() - started;
  if (run.status !== 0 && run.status !== 1) throw new Error(`strata lint failed:\n${run.stderr}`);
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
process.stdout.write(
  [
    `strata lint on ${FILES} SQLite migration files (${statements} statements; ${findings} findings), median of ${RUNS}`,
    `  read + split (baseline)       ${ms(baseline)}`,
    `  lint in-process               ${ms(lint)}   ${(lint / baseline).toFixed(1)}x the baseline, ${(lint / FILES).toFixed(3)} ms per file (CPU time ${ms(median(cpu.slice(1)))}: the machine's load shows as the gap)`,
    ...(processMs === undefined ? ['  whole process: build dist/ first (npm run build)'] : [`  strata lint, whole process    ${ms(processMs)} (one run)`]),
    `TARGET lint of ${FILES} files under ${TARGET_MS} ms: ${lint < TARGET_MS ? 'MET' : 'MISS'} (${ms(lint)})`,
    '',
  ].join('\n'),
);
if (!process.env.LINT_KEEP) rmSync(WORK, { recursive: true, force: true });
