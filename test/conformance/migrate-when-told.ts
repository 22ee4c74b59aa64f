/**
 * A child process of the race test: `node --import tsx migrate-when-told.ts DB DIR`. It prints
 * `ready`, waits for a line on stdin, then migrates DIR into DB and prints its report as one JSON
 * line: `{ versions, currentVersion, waited }`, or `{ error: { code, message } }` (exit 1).
 * Migration 1 is code that holds the lock for HOLD_MS, so every racer told to go at once finds
 * the lock taken.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createMigrator } from './strata-access.js';

const HOLD_MS = 500;

const [db, dir] = process.argv.slice(2);
if (!db || !dir) throw new Error('usage: migrate-when-told.ts DB DIR');

const migrator = createMigrator({ db, dir, backup: false, lockTimeoutMs: 60_000 }).register({
  version: 1,
  name: 'race_log',
  up: async (ctx) => {
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    await ctx.exec('CREATE TABLE race_log (version INTEGER NOT NULL)');
    await ctx.exec('INSERT INTO race_log (version) VALUES (1)');
  },
  down: (ctx) => ctx.exec('DROP TABLE race_log'),
});
let waited = false;
migrator.on('lock:waiting', () => (waited = true));

const stdin = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
await once(stdin, 'line');
stdin.close();
try {
  const report = await migrator.migrate();
  process.stdout.write(`${JSON.stringify({ versions: report.results.map((r) => r.version), currentVersion: report.currentVersion, waited })}\n`);
} catch (error) {
  const { code, message } = error as { code?: string; message?: string };
  process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  process.exitCode = 1;
} finally {
  await migrator.close();
}
