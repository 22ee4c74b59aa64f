/**
 * Shared by the adopt tests of JavaScript tools (test/adopt-*.test.ts): one scratch database per
 * kind (a SQLite file, a fresh PostgreSQL or MariaDB database named after the branch), and a
 * tool reader run the way `strata adopt` runs it.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { ToolHistory, ToolLedgerReader } from '../src/adopt/tool-ledger.js';
import { openDriver } from '../src/targets/sql/open-driver.js';
import { tempDir } from './helpers.js';
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
