/**
 * Shared by the adopt tests of JavaScript tools (test/adopt-*.test.ts): one scratch database per
 * kind (a SQLite file, a fresh PostgreSQL or MariaDB database named after the branch), and a
 * tool reader run the way `strata adopt` runs it.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { ToolHistory, ToolLedgerReader } from '../src/adopt/tool-ledger.js';
import { openDriver } from '../src/targets/sql/open-driver.js';
import assert from 'node:assert/strict';
import { assertOk, cli, describeRun, parseJson, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, SERVER_URLS, type ServerKind, skipUnlessServer } from './servers.js';

export type DatabaseKind = 'sqlite' | ServerKind;

export interface ScratchDatabase {
  kind: DatabaseKind;
  /** Strata's `--db`. */
  url: string;
  /** The SQLite file, for tools that take a path. */
  file?: string;
  /** The server URL parts, for tools that take them one by one. */
  host?: string;
  port?: number;
  user?: string;
  database?: string;
}

/** A fresh database of `kind`; server ones are dropped when the test file ends. */
export async function scratchDatabase(kind: DatabaseKind): Promise<ScratchDatabase> {
  if (kind === 'sqlite') {
    const file = join(tempDir('strata-adopt-js-'), 'app.db');
    new Database(file).close();
    return { kind, url: file, file };
  }
  const url = await freshDatabase(kind, 'adopt_js');
  const parsed = new URL(url);
  return {
    kind,
    url,
    host: parsed.hostname,
    port: Number(parsed.port || (kind === 'postgres' ? 5432 : 3306)),
    user: decodeURIComponent(parsed.username),
    database: parsed.pathname.slice(1),
  };
}

/** The `skip` option of a suite for `kind`: SQLite always runs. */
export function skipFor(kind: DatabaseKind): Promise<false | string> {
  return kind === 'sqlite' ? Promise.resolve(false) : skipUnlessServer(kind);
}

/** Reads the tool's ledger through a Strata driver, as adopt does. */
export async function readHistory(reader: ToolLedgerReader, url: string, options: { dir?: string; table?: string } = {}): Promise<ToolHistory | null> {
  const driver = openDriver(url);
  try {
    await driver.connect('read');
    return await reader.read(driver, { dir: options.dir ?? reader.defaultDir, ...(options.table === undefined ? {} : { table: options.table }) });
  } finally {
    await driver.close();
  }
}

export { SERVER_URLS };

/** The Strata migration written after the adoption: the one `strata migrate` must apply. */
export const NEW_STRATA_VERSION = '20991231000000';

/**
 * A project taken over by Strata: `strata.config.json` pointing at the database and at a
 * folder of Strata's own (`strata-migrations`; the tool's files stay in theirs), holding one new
 * migration.
 */
export function strataProject(project: string, db: ScratchDatabase): void {
  writeFiles(project, {
    'strata.config.json': JSON.stringify({ db: db.url, dir: './strata-migrations' }, null, 2),
    [`strata-migrations/${NEW_STRATA_VERSION}_add_notes.sql`]:
      '-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n-- migrate:down\nDROP TABLE notes;\n',
  });
}

/**
 * What a user does after running the tool: `strata adopt --from TOOL`, then `strata migrate`
 * applies only the new migration, and `strata status` (text and --json) shows the tool's
 * history as adopted, with nothing missing or pending.
 */
export function adoptThenMigrate(project: string, tool: string, versions: readonly string[], options: { table?: string } = {}): void {
  const table = options.table === undefined ? [] : ['--tool-table', options.table];
  const dry = cli(['adopt', '--from', tool, ...table, '--dry-run', '--json'], { cwd: project });
  assertOk(dry);
  assert.deepEqual(
    parseJson(dry).entries.map((entry: { version: string }) => entry.version),
    versions,
  );

  const adopted = cli(['adopt', '--from', tool, ...table, '--json'], { cwd: project });
  assertOk(adopted);
  const report = parseJson(adopted);
  assert.equal(report.tool, tool);
  assert.equal(report.folder, 'history-only');
  assert.deepEqual(
    report.entries.map((entry: { version: string }) => entry.version),
    versions,
  );

  const again = cli(['adopt', '--from', tool, ...table, '--json'], { cwd: project });
  assertOk(again);
  assert.equal(parseJson(again).alreadyAdopted, true, 'adopting twice changes nothing');

  const migrated = cli(['migrate', '--json'], { cwd: project });
  assertOk(migrated);
  const ran = JSON.stringify(parseJson(migrated));
  assert.match(ran, new RegExp(NEW_STRATA_VERSION));
  for (const version of versions) assert.doesNotMatch(ran, new RegExp(`"${version}"`), `migrate ran adopted step ${version}`);

  const status = cli(['status', '--json'], { cwd: project });
  assertOk(status);
  const shown = parseJson(status);
  const text = JSON.stringify(shown);
  for (const version of versions) assert.match(text, new RegExp(`"${version}"`), `status lists adopted step ${version}`);
  assert.doesNotMatch(text, /MIGRATION_FILE_MISSING|"missing"/i, `status reports missing files\n${text}`);
  const plain = cli(['status'], { cwd: project });
  assertOk(plain);
  assert.match(plain.stdout, new RegExp(tool), describeRun(plain));
  assert.match(plain.stdout, /adopted/i, describeRun(plain));
}
