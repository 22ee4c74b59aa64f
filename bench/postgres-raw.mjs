/**
 * The limit of the PostgreSQL benchmark (bench/postgres-migrations.ts): a raw `pg` loop, in plain
 * JavaScript so that the whole-process row runs the very same code under bare node (no loader):
 *
 *   node bench/postgres-raw.mjs noop <postgres URL> <migrations dir>
 *
 * It reads Strata's folder (`NNNN_name.sql`, `-- migrate:up` / `-- migrate:down`) and writes
 * exactly Strata's ledger row: the DDL and insert below are copied from dist/'s
 * ledgerSql('postgres') and checked against it by the harness at start-up (copied, not imported,
 * so the whole-process no-op does not load Strata's modules).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export const RAW_PG_LEDGER = `CREATE TABLE IF NOT EXISTS "strata_migrations" (version VARCHAR(255) NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at VARCHAR(32) NOT NULL, duration_ms DOUBLE PRECISION NOT NULL, status VARCHAR(16) NOT NULL DEFAULT 'applied', operation VARCHAR(8) NOT NULL DEFAULT 'up', statements_applied INTEGER NOT NULL DEFAULT 0, error TEXT, adopted_from VARCHAR(64), schema_fingerprint VARCHAR(128), down_sql TEXT, schema_stamp VARCHAR(128))`;
export const RAW_PG_INSERT =
  'INSERT INTO "strata_migrations" (version, name, checksum, applied_at, duration_ms, statements_applied, schema_fingerprint, down_sql, schema_stamp) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)';

const MIGRATION_FILE = /^(\d+)_(.+)\.sql$/;
const DOWN_MARKER = /^--\s*migrate:down\b/m;
const UP_MARKER = /^--\s*migrate:up\b.*$/m;

function sha256(text) {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The up section of a dbmate-format file (what follows `-- migrate:up`, up to `-- migrate:down`). */
function upSection(text) {
  const down = text.search(DOWN_MARKER);
  return (down === -1 ? text : text.slice(0, down)).replace(UP_MARKER, '');
}

async function connect(url) {
  const client = new pg.Client({ connectionString: url, application_name: 'strata-bench-raw' });
  await client.connect();
  return client;
}

/**
 * Connect, create the ledger, read its versions, list the folder, then per pending migration:
 * read and sha256-hash the file, BEGIN, the up SQL, Strata's ledger INSERT, COMMIT. Close.
 * Returns how many it applied.
 */
export async function rawApply(url, dir) {
  const client = await connect(url);
  try {
    await client.query(RAW_PG_LEDGER);
    const applied = new Set((await client.query('SELECT version FROM "strata_migrations"')).rows.map((r) => r.version));
    const pending = [];
    for (const file of readdirSync(dir)) {
      const match = MIGRATION_FILE.exec(file);
      if (!match || applied.has(String(Number(match[1])))) continue;
      pending.push({ version: Number(match[1]), name: match[2], file });
    }
    pending.sort((a, b) => a.version - b.version);
    for (const m of pending) {
      const started = performance.now();
      const text = readFileSync(join(dir, m.file), 'utf8');
      await client.query('BEGIN');
      await client.query(upSection(text));
      await client.query(RAW_PG_INSERT, [String(m.version), m.name, sha256(text), new Date().toISOString(), performance.now() - started, 1, null, null, null]);
      await client.query('COMMIT');
    }
    return pending.length;
  } finally {
    await client.end();
  }
}

/**
 * The no-op on an open connection: read the ledger's versions and checksums, list the folder,
 * read and hash every file and compare (Strata verifies every applied file's checksum on every
 * run), count the pending ones. Returns that count (0 in a no-op).
 */
export async function rawNoop(client, dir) {
  const { rows } = await client.query('SELECT version, checksum FROM "strata_migrations"');
  const ledger = new Map(rows.map((r) => [r.version, r.checksum]));
  let pending = 0;
  for (const file of readdirSync(dir)) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) continue;
    const recorded = ledger.get(String(Number(match[1])));
    if (recorded === undefined) pending++;
    else if (recorded !== sha256(readFileSync(join(dir, file), 'utf8'))) throw new Error(`${file} changed since it was applied`);
  }
  return pending;
}

/** An open session for the in-process no-op row. */
export async function rawSession(url, dir) {
  const client = await connect(url);
  return { noop: () => rawNoop(client, dir), close: () => client.end() };
}

// ---- the whole-process no-op ------------------------------------------------------------------

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [command, url, dir] = process.argv.slice(2);
  if (command !== 'noop' || !url || !dir) {
    process.stderr.write('usage: node bench/postgres-raw.mjs noop <postgres URL> <migrations dir>\n');
    process.exit(2);
  }
  const session = await rawSession(url, dir);
  try {
    const pending = await session.noop();
    if (pending !== 0) throw new Error(`raw: ${pending} migration(s) pending in a no-op`);
    process.stdout.write('up to date\n');
  } finally {
    await session.close();
  }
}
