/**
 * Strata's PostgreSQL lint rules against squawk (the reference PostgreSQL migration linter) over
 * the same real migration files: graphile-worker's own migrations (node_modules, 20 files of a
 * production job queue) and the PostgreSQL fixtures under test/fixtures/formats. Each file is
 * linted alone by both, with nothing known of the schema (squawk never knows it; Strata as
 * `strata lint FILE --dialect postgres` on a file outside a migrations folder), in a transaction
 * (squawk `--assume-in-transaction`, Strata's default). Findings are matched by statement and by
 * squawk's rule mapped to Strata's ID (SQUAWK_TO_STRATA); it prints per file what both report,
 * what only squawk reports and what only Strata reports, then totals per rule.
 *
 *   node --import tsx bench/lint-vs-squawk.ts [--squawk PATH] [--files]
 *
 * squawk is not a dependency: the script looks for it at --squawk, $SQUAWK, then
 * /tmp/squawk/node_modules/.bin/squawk, and skips with one line when it is absent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LintFinding } from '../src/lint/lint-rule.js';
import { lintFileOf } from '../src/lint/lint-source.js';
import { lintSequence } from '../src/lint/linter.js';

/** squawk's rules and the Strata rule that catches the same thing; null: no Strata counterpart (why in bench/README.md). */
export const SQUAWK_TO_STRATA: Record<string, string | null> = {
  'require-concurrent-index-creation': 'postgres/index-not-concurrent',
  'require-concurrent-index-deletion': 'postgres/drop-index-not-concurrent',
  'ban-concurrent-index-creation-in-transaction': 'postgres/concurrently-in-transaction',
  'constraint-missing-not-valid': 'postgres/constraint-not-valid',
  'adding-foreign-key-constraint': 'postgres/constraint-not-valid',
  'adding-not-nullable-field': 'postgres/set-not-null',
  'adding-field-with-default': 'postgres/volatile-default',
  'adding-serial-primary-key-field': 'postgres/volatile-default',
  'adding-required-field': 'postgres/add-column-required',
  'changing-column-type': 'postgres/type-change-rewrite',
  'require-lock-timeout': 'postgres/lock-timeout-missing',
  'renaming-column': 'postgres/rename-in-use',
  'renaming-table': 'postgres/rename-in-use',
  'ban-drop-column': 'postgres/drop-in-use',
  'ban-drop-table': 'postgres/drop-in-use',
  'ban-drop-database': 'any/destructive-without-down',
  'ban-truncate-cascade': 'any/destructive-without-down',
  'adding-primary-key-constraint': 'postgres/primary-key-without-index',
  'disallowed-unique-constraint': 'postgres/unique-constraint-without-index',
  'require-statement-timeout': null,
  'ban-drop-not-null': null,
  'prefer-bigint-over-int': null,
  'prefer-bigint-over-smallint': null,
  'prefer-big-int': null,
  'prefer-identity': null,
  'prefer-text-field': null,
  'prefer-timestamptz': null,
  'ban-char-field': null,
  'prefer-robust-stmts': null,
  'transaction-nesting': null,
  'ban-create-domain-with-constraint': null,
  'ban-alter-domain-with-add-constraint': null,
};

/** squawk rules reported once per file, matched by file rather than by statement. */
const FILE_LEVEL = new Set(['require-lock-timeout']);

interface SquawkFinding {
  file: string;
  /** 0-based. */
  line: number;
  rule_name: string;
  message: string;
}

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { squawk: { type: 'string' }, files: { type: 'boolean' } } });
const squawk = [values.squawk, process.env.SQUAWK, '/tmp/squawk/node_modules/.bin/squawk'].find((p): p is string => Boolean(p && existsSync(p)));
if (!squawk) {
  console.log('lint-vs-squawk: skipped, squawk is not installed (npm install squawk-cli in /tmp/squawk, or pass --squawk PATH)');
  process.exit(0);
}

/** The sets: graphile-worker's files with its psql variable filled in (neither tool reads `:VAR`), and the PostgreSQL fixtures. */
function collectFiles(): { set: string; path: string }[] {
  const work = join(tmpdir(), 'strata-lint-vs-squawk');
  mkdirSync(work, { recursive: true });
  const files: { set: string; path: string }[] = [];
  const graphile = join(ROOT, 'node_modules', 'graphile-worker', 'sql');
  if (existsSync(graphile)) {
    for (const name of readdirSync(graphile)
      .filter((n) => n.endsWith('.sql'))
      .sort()) {
      const target = join(work, `graphile-worker_${name}`);
      writeFileSync(target, readFileSync(join(graphile, name), 'utf8').replaceAll(':GRAPHILE_WORKER_SCHEMA', 'graphile_worker'));
      files.push({ set: 'graphile-worker', path: target });
    }
  }
  const fixtures = join(ROOT, 'test', 'fixtures', 'formats');
  // prisma's and atlas's fixtures are SQLite (both linters refuse them as PostgreSQL).
  for (const folder of ['goose-postgres', 'drizzle-postgres', 'sqlx']) {
    const dir = join(fixtures, folder);
    if (!existsSync(dir)) continue;
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.sql') ? [join(d, e.name)] : []));
    for (const path of walk(dir).sort()) if (!path.endsWith('.down.sql')) files.push({ set: folder, path });
  }
  return files;
}

function runSquawk(path: string): SquawkFinding[] {
  let out: string;
  try {
    out = execFileSync(squawk!, ['--reporter', 'json', '--assume-in-transaction', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // squawk exits 1 when it finds something; its report is still on stdout.
    out = String((error as { stdout?: unknown }).stdout ?? '[]');
  }
  return out.trim() ? (JSON.parse(out) as SquawkFinding[]) : [];
}

/** The 1-based index of the statement holding `line`, by each statement's first line. */
function statementAt(starts: readonly number[], line: number): number {
  let index = 1;
  starts.forEach((start, k) => {
    if (start <= line) index = k + 1;
  });
  return index;
}

interface Row {
  file: string;
  both: string[];
  squawkOnly: string[];
  strataOnly: string[];
}

const rows: Row[] = [];
const totals = new Map<string, { both: number; squawkOnly: number; strataOnly: number }>();
const count = (rule: string, key: 'both' | 'squawkOnly' | 'strataOnly') => {
  const t = totals.get(rule) ?? { both: 0, squawkOnly: 0, strataOnly: 0 };
  t[key]++;
  totals.set(rule, t);
};

for (const { set, path } of collectFiles()) {
  const text = readFileSync(path, 'utf8');
  const label = `${set}/${basename(path)}`;
  const file = lintFileOf({ path: label, text, family: 'postgres' });
  const starts = file.up.map((s) => s.line);
  const { findings } = await lintSequence([{ path: label, text, family: 'postgres' }], { start: { kind: 'unknown' } });
  const strata = findings.filter((f): f is LintFinding & { statement: number } => f.statement !== undefined);
  const matched = new Set<LintFinding>();
  const row: Row = { file: label, both: [], squawkOnly: [], strataOnly: [] };
  for (const s of runSquawk(path)) {
    const index = statementAt(starts, s.line + 1); // squawk's lines are 0-based
    const mapped = SQUAWK_TO_STRATA[s.rule_name];
    // Both report a missing lock_timeout once per file, each at the first statement it worries about: matched by file.
    const perFile = FILE_LEVEL.has(s.rule_name);
    const hit = mapped ? strata.find((f) => f.rule === mapped && (perFile || f.statement === index) && !matched.has(f)) : undefined;
    if (hit) {
      matched.add(hit);
      row.both.push(`#${index} ${s.rule_name} = ${hit.rule}`);
      count(s.rule_name, 'both');
    } else {
      row.squawkOnly.push(`#${index} ${s.rule_name}${mapped === undefined ? ' (unmapped)' : mapped === null ? '' : ` (-> ${mapped})`}`);
      count(s.rule_name, 'squawkOnly');
    }
  }
  for (const f of strata) {
    if (matched.has(f)) continue;
    row.strataOnly.push(`#${f.statement} ${f.rule}`);
    count(f.rule, 'strataOnly');
  }
  rows.push(row);
}

if (values.files) {
  for (const row of rows) {
    if (!row.both.length && !row.squawkOnly.length && !row.strataOnly.length) continue;
    console.log(`\n${row.file}`);
    for (const x of row.both) console.log(`  both         ${x}`);
    for (const x of row.squawkOnly) console.log(`  squawk only  ${x}`);
    for (const x of row.strataOnly) console.log(`  strata only  ${x}`);
  }
}

const version = execFileSync(squawk, ['--version'], { encoding: 'utf8' }).trim();
console.log(
  `\n${rows.length} files (${[...new Set(rows.map((r) => r.file.split('/')[0]))].join(', ')}); ${version}; each file alone, in a transaction, schema unknown\n`,
);
console.log('| rule (squawk name, or Strata ID for Strata-only) | Strata ID | both | squawk only | Strata only |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const [rule, t] of [...totals].sort((a, b) => a[0].localeCompare(b[0]))) {
  const mapped = rule in SQUAWK_TO_STRATA ? (SQUAWK_TO_STRATA[rule] ?? '(none)') : rule.includes('/') ? rule : '(unmapped)';
  console.log(`| ${rule} | ${mapped} | ${t.both} | ${t.squawkOnly} | ${t.strataOnly} |`);
}
const sum = (key: 'both' | 'squawkOnly' | 'strataOnly') => [...totals.values()].reduce((n, t) => n + t[key], 0);
console.log(`\ntotal: both ${sum('both')}, squawk only ${sum('squawkOnly')}, Strata only ${sum('strataOnly')}`);
