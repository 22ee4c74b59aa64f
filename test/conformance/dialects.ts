/**
 * One row per dialect the conformance suite runs: everything the suite needs to know about a
 * dialect, and nothing else. The suite never compares names; where dialects differ it reads a
 * capability here. Adding a dialect is adding a row.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { freshDatabase, SERVER_URLS, withMariadb, withPostgres, type ServerKind } from '../servers.js';

export interface DialectEntry {
  /** Names the suite in the test output. */
  readonly name: string;
  /** The server it needs: without it a laptop run skips the suite with one line; CI fails. */
  readonly server?: ServerKind;
  /** DDL inside a transaction rolls back with it. */
  readonly transactionalDdl: boolean;
  /**
   * What a failed statement tells about where it failed: nothing (the file line is the
   * statement's first), its line within the statement, or its line and column.
   */
  readonly errorPosition: 'statement' | 'line' | 'line and column';
  /** A new, empty database: a value for `--db`. */
  freshDb(): Promise<string>;
  /** A `--db` value naming a database that does not exist. */
  absentDb(): string;
  /**
   * Rows read through a connection of the test's own, not Strata's. The suite reads only while
   * Strata holds no connection, so an engine that one process opens at a time can read too.
   */
  query<T = Record<string, unknown>>(db: string, sql: string): Promise<T[]>;
  /** Its tables, sorted ([] while the database does not exist). */
  tables(db: string): Promise<string[]>;
}

const unique = () => `${process.pid}_${randomBytes(4).toString('hex')}`;

function serverUrl(kind: ServerKind, database: string): string {
  const url = new URL(SERVER_URLS[kind]);
  url.pathname = `/${database}`;
  return url.toString();
}

const sqlite: DialectEntry = {
  name: 'sqlite',
  transactionalDdl: true,
  errorPosition: 'statement',
  freshDb: async () => join(tempDir('strata-conformance-'), 'conformance.db'),
  absentDb: () => join(tempDir('strata-conformance-'), 'absent.db'),
  async query<T>(db: string, sql: string) {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return conn.prepare(sql).all() as T[];
    } finally {
      conn.close();
    }
  },
  async tables(db) {
    if (!existsSync(db)) return [];
    const rows = await sqlite.query<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    return rows.map((row) => row.name).sort();
  },
};

const postgres: DialectEntry = {
  name: 'postgres',
  server: 'postgres',
  transactionalDdl: true,
  errorPosition: 'line and column',
  freshDb: () => freshDatabase('postgres', 'strata_conf'),
  absentDb: () => serverUrl('postgres', `strata_absent_${unique()}`),
  query: (db, sql) => withPostgres(async (client) => (await client.query(sql)).rows, db),
  async tables(db) {
    const rows = await postgres.query<{ name: string }>(db, 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()');
    return rows.map((row) => row.name).sort();
  },
};

const mariadb: DialectEntry = {
  name: 'mariadb',
  server: 'mariadb',
  transactionalDdl: false,
  errorPosition: 'line',
  freshDb: () => freshDatabase('mariadb', 'strata_conf'),
  absentDb: () => serverUrl('mariadb', `strata_absent_${unique()}`),
  query: (db, sql) => withMariadb(async (conn) => (await conn.query(sql))[0] as never[], db),
  async tables(db) {
    const rows = await mariadb.query<{ name: string }>(db, 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()');
    return rows.map((row) => row.name).sort();
  },
};

export const DIALECTS: readonly DialectEntry[] = [sqlite, postgres, mariadb];
