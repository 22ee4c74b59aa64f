/**
 * Runs the SQLite migrations benchmark and prints its table (stdout); progress goes to stderr.
 *
 *   npm run bench                       # builds dist/, then the full run (about a minute)
 *   npm run bench -- --quick            # fewer rounds, for checking the harness
 *   npm run bench -- --only strata,knex # raw and raw+sha256 always run: they are the limit
 *   npm run bench -- --count 200 --rounds 3 --calls 20 --runs 5 --json bench/.work/results.json
 *   npm run bench -- --browser-idb      # IndexedDB primary-key change in Chromium (bench/browser-idb.ts)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_OPTIONS,
  TOOL_IDS,
  formatEnvironment,
  formatTable,
  formatTargets,
  runSqliteMigrationsBench,
  type BenchOptions,
  type ToolId,
} from './sqlite-migrations.js';

// The IndexedDB benchmark (Chromium) runs on its own: `npm run bench -- --browser-idb [--records N] [--rounds R]`.
if (process.argv.includes('--browser-idb')) {
  await (await import('./browser-idb.js')).main(process.argv.slice(2).filter((arg) => arg !== '--browser-idb'));
  process.exit(0);
}
// The browser SQL benchmark (Chromium) runs on its own: `npm run bench -- --browser-sql [--count N] [--rounds R]`.
if (process.argv.includes('--browser-sql')) {
  const { runBrowserSqlBench } = await import('./browser-sql.js');
  await runBrowserSqlBench();
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    count: { type: 'string' },
    rounds: { type: 'string' },
    calls: { type: 'string' },
    runs: { type: 'string' },
    only: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  process.stdout.write(
    [
      'usage: npm run bench -- [--quick] [--count N] [--rounds R] [--calls C] [--runs P] [--only a,b] [--json FILE]',
      `  --count   migrations (default ${DEFAULT_OPTIONS.count})`,
      `  --rounds  fresh-file applies per tool and mode (default ${DEFAULT_OPTIONS.applyRounds})`,
      `  --calls   timed in-process no-op calls per tool (default ${DEFAULT_OPTIONS.noopCalls})`,
      `  --runs    timed whole processes per tool (default ${DEFAULT_OPTIONS.processRuns})`,
      `  --only    tools among ${TOOL_IDS.join(',')}`,
      '  --json    also write every sample to FILE',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

const options: Partial<BenchOptions> = values.quick ? { applyRounds: 1, noopCalls: 10, noopWarmup: 2, processRuns: 3, rssRuns: 1 } : {};
const set = <K extends keyof BenchOptions>(key: K, value: BenchOptions[K] | undefined) => {
  if (value !== undefined) options[key] = value;
};
set('count', positive('count', values.count));
set('applyRounds', positive('rounds', values.rounds));
set('noopCalls', positive('calls', values.calls));
set('processRuns', positive('runs', values.runs));
if (values.only) {
  const only = values.only.split(',').map((t) => t.trim()) as ToolId[];
  const unknown = only.filter((t) => !TOOL_IDS.includes(t));
  if (unknown.length) throw new Error(`--only: unknown tool(s) ${unknown.join(', ')}; the tools are ${TOOL_IDS.join(', ')}`);
  options.only = only;
}

const started = performance.now();
const results = await runSqliteMigrationsBench(options);
const seconds = ((performance.now() - started) / 1000).toFixed(0);

process.stdout.write(`${formatEnvironment(results)}\n\n${formatTable(results)}\n\nTargets\n${formatTargets(results)}\n\n(${seconds} s)\n`);
if (values.json) {
  const file = resolve(values.json);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`samples written to ${file}\n`);
}
