/**
 * A child process of the ledger upgrade race: `node --import tsx upgrade-when-told.ts DB DIR`.
 * It prints `ready`, waits for a line on stdin, then migrates DIR into DB (plus a code step,
 * version 10, that holds the lock for HOLD_MS so the other racers must wait) and prints one JSON
 * line: `{ versions, upgraded, waited }`, or `{ error: { code, message } }` (exit 1).
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createMigrator } from './strata-access.js';

// Long enough that racers released together still overlap on a loaded CI machine (500 ms was not:
// one racer once finished before the others, released with it, reached the lock).
const HOLD_MS = 2_000;

const [db, dir] = process.argv.slice(2);
if (!db || !dir) throw new Error('usage: upgrade-when-told.ts DB DIR');

const migrator = createMigrator({ db, dir, backup: false, lockTimeoutMs: 60_000 }).register({
  version: 10,
  name: 'held',
  up: async (ctx) => {
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    await ctx.exec('CREATE TABLE held (id INTEGER PRIMARY KEY)');
  },
  down: (ctx) => ctx.exec('DROP TABLE held'),
});
const upgraded: { from: number; to: number }[] = [];
let waited = false;
migrator.on('ledger:upgraded', (e) => upgraded.push({ from: e.from, to: e.to }));
migrator.on('lock:waiting', () => (waited = true));

const stdin = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
await once(stdin, 'line');
stdin.close();
try {
  const report = await migrator.migrate();
  process.stdout.write(`${JSON.stringify({ versions: report.results.map((r) => r.version), upgraded, waited })}\n`);
} catch (error) {
  const { code, message } = error as { code?: string; message?: string };
  process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  process.exitCode = 1;
} finally {
  await migrator.close();
}
