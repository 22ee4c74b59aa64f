/**
 * Benchmark: 100,000 IndexedDB records through a primary-key change inside Chromium.
 *
 *   node --import tsx bench/browser-idb.ts [--records 100000] [--rounds 5]
 *   npm run bench -- --browser-idb [--records N] [--rounds R]
 *
 * In one page (test/browser-idb-page.ts, bundled from src/), each round seeds a fresh database at
 * version 1 (untimed: `items`, keyPath `id`, an index on `group`, records of ~100 bytes) and times
 * its upgrade to version 2 with the new primary key `uuid` by:
 *
 *   strata  IndexedDbMigrator.open() with changeStore('items', { keyPath: 'uuid', transform }):
 *           the tab lock, the version probe, the cursor copy with progress events, the rename
 *   hand    the same upgrade written by hand: indexedDB.open(name, 2) whose onupgradeneeded
 *           creates the new store and index, copies with a cursor and add(), deletes the old
 *           store and renames the new one (the limit)
 *
 * After each run the database is checked (version 2, keyPath uuid, every record there). One
 * untimed warm-up round, then the tools alternate, in a rotated order each round; the figures are
 * medians. Target: Strata within 1.3x of the hand loop (MET / MISS).
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { serveIdbPage } from '../test/browser-idb-page.js';
import { CHROMIUM, launchChromium } from '../test/chromium.js';
import { median, rotate } from './stats.js';

const TOOLS = ['strata', 'hand'] as const;
type Tool = (typeof TOOLS)[number];
const TARGET = 1.3;

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { records: { type: 'string' }, rounds: { type: 'string' } } });
  const records = Number(values.records ?? 100_000);
  const rounds = Number(values.rounds ?? 5);
  if (!Number.isInteger(records) || records < 1 || !Number.isInteger(rounds) || rounds < 1) throw new Error('--records and --rounds must be positive integers');
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it or set STRATA_CHROMIUM`);

  const served = await serveIdbPage();
  const browser = await launchChromium();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${served.origin}/`);
    await page.waitForFunction(() => 'idb' in globalThis);
    const call = <T>(method: string, ...args: unknown[]) =>
      page.evaluate(([m, a]) => (globalThis as any).idb[m as string](...(a as unknown[])), [method, args] as const) as Promise<T>;
    const version = await browser.version();
    say(`IndexedDB primary-key change, ${records.toLocaleString('en-US')} records, Chromium ${version}`);
    say(`machine: ${cpus().length} cores, load average at start ${loadavg()[0]!.toFixed(2)}`);

    const samples: Record<Tool, number[]> = { strata: [], hand: [] };
    let n = 0;
    for (let round = -1; round < rounds; round++) {
      for (const tool of rotate(TOOLS, Math.max(round, 0))) {
        const name = `bench-idb-${process.pid}-${++n}`;
        await call('seed', name, records);
        const ms = await call<number>(tool === 'strata' ? 'timeStrata' : 'timeHand', name);
        const after = await call<{ version: number; keyPath: string; count: number; firstKey: string }>('summary', name);
        if (after.version !== 2 || after.keyPath !== 'uuid' || after.count !== records || after.firstKey !== 'item-000001') {
          throw new Error(`${tool} did not do the work: ${JSON.stringify(after)}`);
        }
        await call('reset', name);
        if (round >= 0) samples[tool].push(ms);
        process.stderr.write(`${round < 0 ? 'warm-up' : `round ${round + 1}/${rounds}`} ${tool}: ${ms.toFixed(0)} ms\n`);
      }
    }
    const strataMs = median(samples.strata);
    const handMs = median(samples.hand);
    const ratio = strataMs / handMs;
    say('');
    say(`| tool   | median ms (${rounds} rounds) | records/s |`);
    say('| ------ | ---------------- | --------- |');
    for (const [tool, ms] of [
      ['strata', strataMs],
      ['hand', handMs],
    ] as const) {
      say(
        `| ${tool.padEnd(6)} | ${ms.toFixed(0).padStart(16)} | ${Math.round((records / ms) * 1000)
          .toLocaleString('en-US')
          .padStart(9)} |`,
      );
    }
    say('');
    say(`${ratio <= TARGET ? 'MET ' : 'MISS'}  Strata's changeStore within ${TARGET}x of the hand-written copy loop: ${ratio.toFixed(2)}x`);
    say(`load average at end ${loadavg()[0]!.toFixed(2)}`);
  } finally {
    await browser.close();
    await served.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
