/**
 * 1,000 small migrations (`CREATE TABLE tN (id INTEGER PRIMARY KEY, name TEXT)`) applied to
 * SQLite WASM on OPFS (opfs-sahpool) in a worker in Chromium: Strata's browser migrator
 * (createBrowserMigrator + sqliteWasmDriver, the bundle from the esbuild plugin) against a raw loop
 * in the same worker on the same kind of database: per migration BEGIN IMMEDIATE, the same SQL,
 * the same ledger row (Strata's ledger table, its checksum and down SQL), COMMIT. Both open the
 * pool and the file inside the timing. Each round applies both to fresh files, in alternating
 * order; the median of R rounds is compared. The target: within 1.3x (MET or MISS).
 *
 *   node --import tsx bench/browser-sql.ts [--count 1000] [--rounds 5]
 *   npm run bench -- --browser-sql
 */
import { parseArgs } from 'node:util';
import { startHarness } from '../test/browser-sql-harness.js';
import { median } from './stats.js';

export async function runBrowserSqlBench(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { count: { type: 'string' }, rounds: { type: 'string' }, 'browser-sql': { type: 'boolean' } },
    strict: false,
  });
  const count = Number(values.count ?? 1000);
  const rounds = Number(values.rounds ?? 5);
  const folder: Record<string, string> = {};
  for (let n = 1; n <= count; n++) folder[`${String(n).padStart(4, '0')}_t${n}.sql`] = `CREATE TABLE t${n} (id INTEGER PRIMARY KEY, name TEXT);\n`;
  const harness = await startHarness([], { bench: folder });
  try {
    const page = await harness.context.newPage();
    await page.goto(`${harness.origin}/`);
    await page.waitForFunction(() => 'sql' in globalThis);
    await page.evaluate(() => (globalThis as any).sql.start('bench'));
    const call = (cmd: string, options: object) => page.evaluate(([c, o]) => (globalThis as any).sql.call('bench', c, 'sqlite', o), [cmd, options] as const);
    const strata: number[] = [];
    const raw: number[] = [];
    // One untimed run of each first: the WASM module compiles, the pool is created.
    for (let round = -1; round < rounds; round++) {
      const order = round % 2 === 0 ? ['raw', 'strata'] : ['strata', 'raw'];
      for (const which of order) {
        const file = `/bench-${which}-${process.pid}-${round + 1}.sqlite3`;
        const reply = which === 'raw' ? await call('raw', { file, bundle: 'bench' }) : await call('migrate', { file, bundle: 'bench', quiet: true });
        if (!reply.ok) throw new Error(`${which}: ${reply.code}: ${reply.message}`);
        if (which === 'strata' && reply.result.steps.length !== count) throw new Error(`strata applied ${reply.result.steps.length} of ${count}`);
        if (round >= 0) (which === 'raw' ? raw : strata).push(reply.result.ms);
        process.stderr.write(`round ${round + 1}: ${which} ${reply.result.ms.toFixed(0)} ms\n`);
      }
    }
    const s = median(strata);
    const r = median(raw);
    const ratio = s / r;
    process.stdout.write(
      [
        `browser SQL: ${count} migrations on SQLite WASM (OPFS opfs-sahpool, worker, Chromium), median of ${rounds} rounds`,
        `  raw loop (same SQL, same ledger row)  ${r.toFixed(0)} ms`,
        `  Strata createBrowserMigrator         ${s.toFixed(0)} ms`,
        `${ratio <= 1.3 ? 'MET ' : 'MISS'}  Strata / raw: ${ratio.toFixed(2)}x (target <= 1.3x)`,
        '',
      ].join('\n'),
    );
  } finally {
    await harness.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBrowserSqlBench();
