/**
 * The design document's migration script, on the db module (and so on Strata):
 *
 *   node --import tsx examples/observability/scripts/migrate.ts [migrate]     apply pending migrations
 *   node --import tsx examples/observability/scripts/migrate.ts status        version and each migration
 *   node --import tsx examples/observability/scripts/migrate.ts rollback [V]  undo the last one, or down to V (0 = all)
 *   node --import tsx examples/observability/scripts/migrate.ts validate      exit 0 only if the database checks out
 *
 * --db <file> picks the database (default: $OBSERVABILITY_DB, then ./events.db).
 * Exit codes: 0 ok, 1 failure (or validate found problems), 2 bad usage.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isStrataError, type RunReport } from 'strata-migrate';
import { checkDatabase, closeDatabase, DEFAULT_DB_PATH, getMigrationStatus, initDatabase, rollbackMigrations, runMigrations } from '../src/db.js';

const USAGE = `usage: migrate.ts [migrate | status | rollback [version] | validate] [--db <file>]`;
const COMMANDS = ['migrate', 'status', 'rollback', 'validate'] as const;
type Command = (typeof COMMANDS)[number];

class UsageError extends Error {}

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function parse(argv: string[]): { command: Command; version: number | undefined; db: string; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [name = 'migrate', argument, ...extra] = parsed.positionals;
  if (!(COMMANDS as readonly string[]).includes(name)) throw new UsageError(`unknown command '${name}'`);
  const command = name as Command;
  if (extra.length || (argument !== undefined && command !== 'rollback')) throw new UsageError(`unexpected argument '${extra[0] ?? argument}'`);
  if (argument !== undefined && !/^\d+$/.test(argument)) throw new UsageError(`the version must be a whole number >= 0, got '${argument}'`);
  return {
    command,
    version: argument === undefined ? undefined : Number(argument),
    db: parsed.values.db ?? (process.env.OBSERVABILITY_DB || DEFAULT_DB_PATH),
    help: parsed.values.help === true,
  };
}

function printRun(report: RunReport, verb: string): void {
  for (const step of report.results) print(`${step.status.padEnd(9)} ${step.version} ${step.name} (${step.durationMs} ms)`);
  print(`${report.results.length} migration(s) ${verb}; database version: ${report.currentVersion ?? 0}`);
}

async function main(argv: string[]): Promise<number> {
  const { command, version, db, help } = parse(argv);
  if (help) {
    print(USAGE);
    return 0;
  }
  // Only migrate may create the database: the others would leave an empty file behind.
  if (command !== 'migrate' && !existsSync(db)) {
    print(`no database at ${db}: run 'migrate' to create it`);
    return 1;
  }
  await initDatabase({ path: db, migrate: false });
  try {
    switch (command) {
      case 'migrate':
        printRun(await runMigrations(), 'applied');
        return 0;
      case 'rollback':
        printRun(await rollbackMigrations(version), 'rolled back');
        return 0;
      case 'status': {
        const status = await getMigrationStatus();
        print(`Database: ${db}`);
        print(`Database version: ${status.currentVersion} (latest: ${status.latestVersion})`);
        for (const m of status.applied) print(`  applied  ${m.version} ${m.name} at ${new Date(m.applied_at * 1000).toISOString()}`);
        for (const m of status.pending) print(`  pending  ${m.version} ${m.name}`);
        print(`${status.applied.length} applied, ${status.pending.length} pending`);
        for (const problem of status.problems) print(`! ${problem}`);
        return 0;
      }
      case 'validate': {
        const check = await checkDatabase();
        if (check.ok) print(`${db} is valid`);
        else for (const problem of check.problems) print(`! ${problem}`);
        return check.ok ? 0 : 1;
      }
    }
  } finally {
    await closeDatabase();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (isStrataError(error)) {
    process.stderr.write(`error ${error.code}: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
