/**
 * One whole-process no-op `migrate` for a peer or the raw limit, run by bare node (no loader):
 *   node bench/noop-process.mjs <raw|rawSha|knex|kysely|umzug|umzugList> <db file> <migrations dir>
 * It opens the database, runs the tool's migrate-to-latest (nothing pending), closes, and says
 * so on stdout, as a migration command would. Strata's counterpart is its own CLI:
 *   node dist/cli/main.cjs migrate --db <file> --dir <dir>
 */
const [name, file, dir] = process.argv.slice(2);
const { tools } = await import('./tools.mjs');
const tool = tools[name];
if (!tool || !file || !dir) {
  process.stderr.write('usage: node bench/noop-process.mjs <raw|rawSha|knex|kysely|umzug|umzugList> <db file> <migrations dir>\n');
  process.exit(2);
}
const session = await tool.open(file, dir);
try {
  const applied = await session.noop();
  if (applied !== 0) throw new Error(`${name} applied ${applied} migration(s) in a no-op`);
  process.stdout.write(`${file} is up to date\n`);
} finally {
  await session.close();
}
