/**
 * The schema fingerprint against the cheapest catalog read there is: listing the tables. For
 * each dialect, a database with N tables (default 1,000; each with a primary key, a NOT NULL
 * column, a default, a foreign key to the one before and an index) is built once; then, on one
 * open connection, the median of R runs of each is taken. The target: the fingerprint
 * within 2x of the listing.
 *
 *   node --import tsx bench/schema-fingerprint.ts [--tables 1000] [--runs 7] [sqlite postgres mariadb pglite]
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { fingerprintOf, readDriverSchema, strataTableNames } from '../src/schema.js';
import { resolveDatabase } from '../src/targets/sql/database-spec.js';
import { medianTime } from './stats.js';

const { values, positionals } = parseArgs({ options: { tables: { type: 'string' }, runs: { type: 'string' } }, allowPositionals: true });
const TABLES = Number(values.tables ?? 1000);
const RUNS = Number(values.runs ?? 7);
const POSTGRES = process.env.STRATA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MARIADB = process.env.STRATA_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

interface Case {
  name: string;
  /** The database (created), its listing query, and how to drop it. */
  setup(): Promise<{ db: string; listing: string; drop(): Promise<void> }>;
}

const name = (k: number) => `t${String(k).padStart(4, '0')}`;
function ddl(k: number): string[] {
  const ref = k > 0 ? `, ref_id INTEGER REFERENCES ${name(k - 1)} (id)` : '';
  return [
    `CREATE TABLE ${name(k)} (id INTEGER PRIMARY KEY, label VARCHAR(50) NOT NULL, state VARCHAR(20) DEFAULT 'new'${ref})`,
    `CREATE INDEX ${name(k)}_label ON ${name(k)} (label)`,
  ];
}

const database = `strata_bench_schema_${process.pid}`;
const serverUrl = (base: string) => Object.assign(new URL(base), { pathname: `/${database}` }).toString();

const CASES: Case[] = [
  {
    name: 'sqlite',
    async setup() {
      const db = join(tmpdir(), `${database}.db`);
      rmSync(db, { force: true });
      const { default: Database } = await import('better-sqlite3');
      const conn = new Database(db);
      conn.exec(`BEGIN; ${Array.from({ length: TABLES }, (_, k) => ddl(k).join(';\n')).join(';\n')}; COMMIT;`);
      conn.close();
      return { db, listing: "SELECT name FROM sqlite_schema WHERE type = 'table'", drop: async () => rmSync(db, { force: true }) };
    },
  },
  {
    name: 'postgres',
    async setup() {
      const admin = new pg.Client({ connectionString: POSTGRES });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.query(`CREATE DATABASE ${database}`);
      const db = serverUrl(POSTGRES);
      const client = new pg.Client({ connectionString: db });
      await client.connect();
      await client.query(`BEGIN; ${Array.from({ length: TABLES }, (_, k) => ddl(k).join(';\n')).join(';\n')}; COMMIT;`);
      await client.end();
      return {
        db,
        listing: "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        drop: async () => {
          await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
          await admin.end();
        },
      };
    },
  },
  {
    name: 'mariadb',
    async setup() {
      const admin = await mysql.createConnection({ uri: MARIADB });
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.query(`CREATE DATABASE ${database}`);
      const db = serverUrl(MARIADB);
      const conn = await mysql.createConnection({ uri: db, multipleStatements: true });
      for (let k = 0; k < TABLES; k += 50) {
        await conn.query(
          Array.from({ length: Math.min(50, TABLES - k) }, (_, j) => ddl(k + j).join(';\n'))
            .join(';\n')
            .concat(';'),
        );
      }
      await conn.end();
      return {
        db,
        listing: 'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
        drop: async () => {
          await admin.query(`DROP DATABASE IF EXISTS ${database}`);
          await admin.end();
        },
      };
    },
  },
  {
    name: 'pglite',
    async setup() {
      const folder = join(tmpdir(), `${database}-pglite`);
      rmSync(folder, { recursive: true, force: true });
      const { PGlite } = await import('@electric-sql/pglite');
      const pgl = new PGlite(folder);
      await pgl.exec(`BEGIN; ${Array.from({ length: TABLES }, (_, k) => ddl(k).join(';\n')).join(';\n')}; COMMIT;`);
      await pgl.close();
      return {
        db: `pglite:${folder}`,
        listing: "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        drop: async () => rmSync(folder, { recursive: true, force: true }),
      };
    },
  },
];

const time = (fn: () => Promise<unknown>): Promise<number> => medianTime(fn, RUNS);

const chosen = positionals.length ? CASES.filter((c) => positionals.includes(c.name)) : CASES;
const rows: string[][] = [['DIALECT', 'TABLES', 'LIST TABLES', 'FINGERPRINT', 'RATIO']];
for (const entry of chosen) {
  process.stderr.write(`${entry.name}: building ${TABLES} tables...\n`);
  const { db, listing, drop } = await entry.setup();
  const spec = resolveDatabase({ db });
  const driver = spec.openDriver();
  try {
    await driver.connect('read');
    const exclude = strataTableNames(spec.tables.ledger.name, [spec.tables.journal.name, spec.tables.backfill.name]);
    const list = await time(() => driver.query(listing));
    const fingerprint = await time(async () => fingerprintOf(await readDriverSchema(driver, { exclude })));
    rows.push([entry.name, String(TABLES), `${list.toFixed(1)} ms`, `${fingerprint.toFixed(1)} ms`, `${(fingerprint / list).toFixed(1)}x`]);
  } finally {
    await driver.close();
    await drop();
  }
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
for (const row of rows) process.stdout.write(`${row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}\n`);
