/**
 * `strata drift` with no drift (the fast path: the schema stamp against the one the ledger
 * stored with the last fingerprint where the dialect has a stamp; else one catalog read, the
 * live fingerprint against the stored one) against the cheapest catalog read there is,
 * listing the tables, on the same open connection. The stamp alone and the fingerprint alone
 * (what a check costs when the stamp has moved, or on a dialect without one) are timed too. For each dialect, a database with N tables
 * (default 1,000; each with a primary key, a NOT NULL column, a default, a foreign key to the
 * one before and an index) is built by one migration; then the median of R runs of each is
 * taken. The target: the no-drift check within 2x of the listing (TARGET: MET or MISS). A replay (what a
 * mismatch costs) is timed once per dialect too.
 *
 *   node --import tsx bench/drift.ts [--tables 1000] [--runs 7] [--no-replay] [sqlite postgres mariadb pglite]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createMigrator } from '../src/index.js';
import { fingerprintOf, readDriverSchema } from '../src/schema.js';
import { excludedTables, readDriverStamp } from '../src/schema/read-schema.js';
import { resolveDatabase } from '../src/targets/sql/database-spec.js';
import { medianTime } from './stats.js';

const { values, positionals } = parseArgs({
  options: { tables: { type: 'string' }, runs: { type: 'string' }, 'no-replay': { type: 'boolean' } },
  allowPositionals: true,
});
const TABLES = Number(values.tables ?? 1000);
const RUNS = Number(values.runs ?? 7);
const POSTGRES = process.env.STRATA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MARIADB = process.env.STRATA_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

const name = (k: number) => `t${String(k).padStart(4, '0')}`;
function ddl(k: number): string {
  const ref = k > 0 ? `, ref_id INTEGER REFERENCES ${name(k - 1)} (id)` : '';
  return `CREATE TABLE ${name(k)} (id INTEGER PRIMARY KEY, label VARCHAR(50) NOT NULL, state VARCHAR(20) DEFAULT 'new'${ref});
CREATE INDEX ${name(k)}_label ON ${name(k)} (label);`;
}

const database = `strata_bench_drift_${process.pid}`;
const serverUrl = (base: string) => Object.assign(new URL(base), { pathname: `/${database}` }).toString();

interface Case {
  name: string;
  /** An empty database, the query listing its tables, and how to drop it. */
  setup(): Promise<{ db: string; listing: string; drop(): Promise<void> }>;
}

const CASES: Case[] = [
  {
    name: 'sqlite',
    async setup() {
      const db = join(tmpdir(), `${database}.db`);
      rmSync(db, { force: true });
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
      return {
        db: serverUrl(POSTGRES),
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
      return {
        db: serverUrl(MARIADB),
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
      return {
        db: `pglite:${folder}`,
        listing: "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        drop: async () => rmSync(folder, { recursive: true, force: true }),
      };
    },
  },
];

const time = (fn: () => Promise<unknown>): Promise<number> => medianTime(fn, RUNS);

const dir = join(tmpdir(), `${database}-migrations`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, '0001_tables.sql'), `-- migrate:up\n${Array.from({ length: TABLES }, (_, k) => ddl(k)).join('\n')}\n`);

const chosen = positionals.length ? CASES.filter((c) => positionals.includes(c.name)) : CASES;
const rows: string[][] = [
  ['DIALECT', 'TABLES', 'LIST TABLES', 'STAMP ALONE', 'FINGERPRINT ALONE', 'DRIFT (NO DRIFT)', 'CHECKED BY', 'RATIO', 'TARGET 2X', 'REPLAY (ONCE)'],
];
for (const entry of chosen) {
  process.stderr.write(`${entry.name}: migrating ${TABLES} tables...\n`);
  const { db, listing, drop } = await entry.setup();
  // One connection for both: the migrator works on the driver the listing uses.
  const driver = resolveDatabase({ db }).openDriver();
  const migrator = createMigrator({ db: driver, dir, backup: false });
  try {
    await migrator.migrate();
    const first = await migrator.drift();
    const hasStamp = (await readDriverStamp(driver)) !== null;
    const fast = hasStamp ? 'stamp' : 'fingerprint';
    if (first.drift || first.checkedBy !== fast) throw new Error(`${entry.name}: expected no drift by ${fast}, got ${JSON.stringify(first)}`);
    const list = await time(() => driver.query(listing));
    const stamp = hasStamp ? await time(() => readDriverStamp(driver)) : undefined;
    const spec = resolveDatabase({ db: driver });
    const fingerprint = await time(async () => fingerprintOf(await readDriverSchema(driver, { exclude: excludedTables(spec) })));
    const drift = await time(() => migrator.drift());
    let replay = '';
    if (!values['no-replay']) {
      const start = performance.now();
      const replayed = await migrator.drift({ replay: true });
      if (replayed.drift) throw new Error(`${entry.name}: the replay found drift: ${JSON.stringify(replayed.changes.slice(0, 3))}`);
      replay = `${((performance.now() - start) / 1000).toFixed(1)} s`;
    }
    rows.push([
      entry.name,
      String(TABLES),
      `${list.toFixed(1)} ms`,
      stamp === undefined ? 'none' : `${stamp.toFixed(1)} ms`,
      `${fingerprint.toFixed(1)} ms`,
      `${drift.toFixed(1)} ms`,
      fast,
      `${(drift / list).toFixed(1)}x`,
      drift <= 2 * list ? 'MET' : 'MISS',
      replay,
    ]);
  } finally {
    await migrator.close();
    await driver.close();
    await drop();
  }
}
rmSync(dir, { recursive: true, force: true });
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
for (const row of rows) process.stdout.write(`${row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}\n`);
