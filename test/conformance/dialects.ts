/**
 * One row per dialect the conformance suite runs: everything the suite needs to know about a
 * dialect, and nothing else. The suite never compares names; where dialects differ it reads a
 * capability here. Adding a dialect is adding a row.
 */
import { PGlite } from '@electric-sql/pglite';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { freshDatabase, SERVER_URLS, withMariadb, withPostgres, type ServerKind } from '../servers.js';

/** The database as a connection of the test's own (not Strata's) sees it. */
export interface Reader {
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Its tables, sorted ([] while the database does not exist). */
  tables(): Promise<string[]>;
}

export interface DialectEntry {
  /** Names the suite in the test output. */
  readonly name: string;
  /** The SQL it speaks: which of the per-family DDL fixtures (schema-fixtures.ts) it runs. */
  readonly family: 'sqlite' | 'postgres' | 'mysql';
  /** The server it needs: without it a laptop run skips the suite with one line; CI fails. */
  readonly server?: ServerKind;
  /** DDL inside a transaction rolls back with it. */
  readonly transactionalDdl: boolean;
  /** It has a schema stamp (Dialect.schemaStamp): drift's fast path reads no catalog. */
  readonly schemaStamp: boolean;
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
   * Runs `fn` on one connection of the test's own, closed when it ends. The suite reads only
   * while Strata holds no connection, so an engine that one process opens at a time can read
   * too; each read is one opening, so the suite reads once per thing it checks.
   */
  read<T>(db: string, fn: (reader: Reader) => Promise<T>): Promise<T>;
}

const unique = () => `${process.pid}_${randomBytes(4).toString('hex')}`;

function serverUrl(kind: ServerKind, database: string): string {
  const url = new URL(SERVER_URLS[kind]);
  url.pathname = `/${database}`;
  return url.toString();
}

async function tableNames(query: Reader['query'], sql: string): Promise<string[]> {
  return (await query<{ name: string }>(sql)).map((row) => row.name).sort();
}

const sqlite: DialectEntry = {
  name: 'sqlite',
  family: 'sqlite',
  transactionalDdl: true,
  schemaStamp: true,
  errorPosition: 'statement',
  freshDb: async () => join(tempDir('strata-conformance-'), 'conformance.db'),
  absentDb: () => join(tempDir('strata-conformance-'), 'absent.db'),
  async read(db, fn) {
    if (!existsSync(db)) {
      return fn({ query: () => Promise.reject(new Error(`${db} does not exist`)), tables: async () => [] });
    }
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const query: Reader['query'] = async <T>(sql: string) => conn.prepare(sql).all() as T[];
      return await fn({ query, tables: () => tableNames(query, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") });
    } finally {
      conn.close();
    }
  },
};

const postgres: DialectEntry = {
  name: 'postgres',
  family: 'postgres',
  server: 'postgres',
  transactionalDdl: true,
  schemaStamp: true,
  errorPosition: 'line and column',
  freshDb: () => freshDatabase('postgres', 'strata_conf'),
  absentDb: () => serverUrl('postgres', `strata_absent_${unique()}`),
  read: (db, fn) =>
    withPostgres((client) => {
      const query: Reader['query'] = async <T>(sql: string) => (await client.query(sql)).rows as T[];
      return fn({ query, tables: () => tableNames(query, 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()') });
    }, db),
};

const mariadb: DialectEntry = {
  name: 'mariadb',
  family: 'mysql',
  server: 'mariadb',
  transactionalDdl: false,
  schemaStamp: false,
  errorPosition: 'line',
  freshDb: () => freshDatabase('mariadb', 'strata_conf'),
  absentDb: () => serverUrl('mariadb', `strata_absent_${unique()}`),
  read: (db, fn) =>
    withMariadb((conn) => {
      const query: Reader['query'] = async <T>(sql: string) => (await conn.query(sql))[0] as T[];
      return fn({ query, tables: () => tableNames(query, 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()') });
    }, db),
};

const pglite: DialectEntry = {
  name: 'pglite',
  family: 'postgres',
  transactionalDdl: true,
  schemaStamp: true,
  errorPosition: 'line and column',
  freshDb: async () => `pglite:${join(tempDir('strata-conformance-'), 'pg')}`,
  absentDb: () => `pglite:${join(tempDir('strata-conformance-'), 'absent')}`,
  async read(db, fn) {
    const folder = db.slice('pglite:'.length);
    if (!existsSync(join(folder, 'PG_VERSION'))) {
      return fn({ query: () => Promise.reject(new Error(`${db} does not exist`)), tables: async () => [] });
    }
    const pg = new PGlite(folder);
    try {
      const query: Reader['query'] = async <T>(sql: string) => (await pg.query<T>(sql)).rows;
      return await fn({
        query,
        tables: () => tableNames(query, 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()'),
      });
    } finally {
      await pg.close();
    }
  },
};

export const DIALECTS: readonly DialectEntry[] = [sqlite, postgres, mariadb, pglite];
