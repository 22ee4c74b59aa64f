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
 * What a user does after running the tool: `strata adopt --from TOOL` (after a dry run that
 * writes nothing; a second adopt changes nothing), then `strata migrate` applies only the new
 * migration, and `strata status` (text and --json) shows the tool's history as adopted, with
 * no problem (no missing file) and nothing pending. `quick`: the adopt and status --json only;
 * `repeat`: also the dry run and the second adopt (engine behaviour: once per tool is enough).
 */
export function adoptThenMigrate(
  project: string,
  tool: string,
  versions: readonly string[],
  options: { table?: string; quick?: boolean; repeat?: boolean } = {},
): void {
  const table = options.table === undefined ? [] : ['--tool-table', options.table];
  const versionsOf = (document: { entries: { version: string }[] }) => document.entries.map((entry) => entry.version);
  if (options.repeat) {
    const dry = cli(['adopt', '--from', tool, ...table, '--dry-run', '--json'], { cwd: project });
    assertOk(dry);
    assert.deepEqual(versionsOf(parseJson(dry)), versions);
  }

  const adopted = cli(['adopt', '--from', tool, ...table, '--json'], { cwd: project });
  assertOk(adopted);
  const report = parseJson(adopted);
  assert.equal(report.tool, tool);
  assert.equal(report.folder, 'history-only');
  assert.equal(report.dryRun, false);
  assert.deepEqual(versionsOf(report), versions);
  for (const entry of report.entries) assert.equal(entry.adoptedFrom, tool);

  if (options.repeat) {
    const again = cli(['adopt', '--from', tool, ...table, '--json'], { cwd: project });
    assertOk(again);
    assert.equal(parseJson(again).alreadyAdopted, true, 'adopting twice changes nothing');
  }
  if (!options.quick) {
    const migrated = cli(['migrate', '--json'], { cwd: project });
    assertOk(migrated);
    const ran = JSON.stringify(parseJson(migrated));
    assert.match(ran, new RegExp(NEW_STRATA_VERSION));
    for (const version of versions) assert.doesNotMatch(ran, new RegExp(`"${version}"`), `migrate ran adopted step ${version}`);
  }

  const status = cli(['status', '--json'], { cwd: project });
  assertOk(status);
  const shown = parseJson(status);
  assert.deepEqual(shown.problems, [], JSON.stringify(shown.problems));
  const rows = shown.migrations as { version: string; state: string; adoptedFrom?: string }[];
  assert.deepEqual(
    rows.filter((row) => row.state === 'adopted').map((row) => [row.version, row.adoptedFrom]),
    versions.map((version) => [version, tool]),
  );
  const newOne = rows.find((row) => row.version === NEW_STRATA_VERSION);
  assert.equal(newOne?.state, options.quick ? 'pending' : 'applied');
  assert.equal(rows.length, versions.length + 1, 'nothing else: no missing file, no old JS file read as a migration');

  if (!options.quick) {
    const plain = cli(['status'], { cwd: project });
    assertOk(plain);
    for (const version of versions) assert.match(plain.stdout, new RegExp(`^${version} .* adopted `, 'm'), describeRun(plain));
  }
}
