/**
 * The peers and the raw better-sqlite3 limit, in plain JavaScript so that the in-process harness
 * (bench/sqlite-migrations.ts, under tsx) and the whole-process runs (bench/noop-process.mjs,
 * under bare node, no loader) execute the very same code. Each tool's library is imported
 * inside its own functions, so a process that runs one tool loads only that tool.
 *
 * Every tool reads the same folder of `NNNN_name.sql` files, through its own native extension
 * point (knex: a migrationSource; kysely: a MigrationProvider; umzug: a migrations function),
 * and opens SQLite with the same journal settings: WAL + synchronous=NORMAL.
 *
 * A tool is { apply(file, dir, { single }) -> applied count, open(file, dir) -> { noop(), close() } }
 * where noop() runs that tool's "migrate to latest" with nothing pending and returns how many
 * migrations it applied (0, checked by the caller).
 */
import Database from 'better-sqlite3';
import * as crypto from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL'];

export function openDatabase(file) {
  const db = new Database(file);
  for (const pragma of PRAGMAS) db.pragma(pragma);
  return db;
}

const MIGRATION_FILE = /^(\d+)_(.+)\.sql$/;

/** The folder's migration file names in apply order (zero-padded, so name order is version order). */
function migrationFiles(dir) {
  return readdirSync(dir)
    .filter((name) => MIGRATION_FILE.test(name))
    .sort();
}

function readSql(dir, name) {
  return readFileSync(join(dir, name), 'utf8');
}

// The same one-shot hash Strata uses where Node has it (src/sources/sha256.ts): the limit does
// the same work the fastest way there is.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

function sha256(text) {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}

// ---- raw better-sqlite3: the limit ------------------------------------------------------------

/**
 * The limit writes the same ledger row Strata writes (same table, same insert), so the apply rows
 * measure Strata's engine and not the information its ledger keeps. The harness checks these two
 * strings against dist/'s ledgerSql('sqlite'); they are copied, not imported, so the raw
 * whole-process no-op does not load Strata's modules.
 */
export const RAW_LEDGER = `CREATE TABLE IF NOT EXISTS "strata_migrations" (version TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL, duration_ms REAL NOT NULL, status VARCHAR(16) NOT NULL DEFAULT 'applied', operation VARCHAR(8) NOT NULL DEFAULT 'up', statements_applied INTEGER NOT NULL DEFAULT 0, error TEXT, adopted_from TEXT, schema_fingerprint TEXT, down_sql TEXT, schema_stamp TEXT)`;
export const RAW_INSERT =
  'INSERT INTO "strata_migrations" (version, name, checksum, applied_at, duration_ms, statements_applied, schema_fingerprint, down_sql, schema_stamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * Prepared statements, one BEGIN IMMEDIATE / exec / ledger INSERT / COMMIT per migration (or one
 * BEGIN/COMMIT around all of them). It reads and sha256-hashes every file it applies and stores
 * the checksum, like Strata, so the apply rows compare the same work.
 */
async function rawApply(file, dir, { single }) {
  const db = openDatabase(file);
  try {
    db.exec(RAW_LEDGER);
    const applied = new Set(db.prepare('SELECT version FROM "strata_migrations"').pluck().all());
    const pending = [];
    for (const name of readdirSync(dir)) {
      const match = MIGRATION_FILE.exec(name);
      if (!match || applied.has(String(Number(match[1])))) continue;
      const text = readSql(dir, name);
      pending.push({ version: Number(match[1]), name: match[2], text, checksum: `sha256:${sha256(text)}` });
    }
    pending.sort((a, b) => a.version - b.version);
    const begin = db.prepare('BEGIN IMMEDIATE');
    const commit = db.prepare('COMMIT');
    const insert = db.prepare(RAW_INSERT);
    if (single) begin.run();
    for (const m of pending) {
      if (!single) begin.run();
      const started = performance.now();
      db.exec(m.text);
      insert.run(String(m.version), m.name, m.checksum, new Date().toISOString(), performance.now() - started, 1, null, null, null);
      if (!single) commit.run();
    }
    if (single) commit.run();
    return pending.length;
  } finally {
    db.close();
  }
}

/**
 * The no-op check: the ledger's versions against the folder's file names; pending, missing (a
 * ledger row without its file) and, with `hash`, changed (every file read and sha256-compared
 * with the ledger's checksum, which is the work Strata's checksum verification does).
 */
function rawOpen(file, dir, { hash }) {
  const db = openDatabase(file);
  db.exec(RAW_LEDGER);
  const selectVersions = db.prepare('SELECT version FROM "strata_migrations"').pluck();
  const selectChecksums = db.prepare('SELECT version, checksum FROM "strata_migrations"').raw();
  return {
    async noop() {
      let pending = 0;
      let matched = 0;
      if (hash) {
        const checksums = new Map(selectChecksums.all());
        for (const name of readdirSync(dir)) {
          const match = MIGRATION_FILE.exec(name);
          if (!match) continue;
          const recorded = checksums.get(String(Number(match[1])));
          if (recorded === undefined) {
            pending++;
            continue;
          }
          matched++;
          if (recorded !== `sha256:${sha256(readSql(dir, name))}`) throw new Error(`${name} changed since it was applied`);
        }
        if (matched !== checksums.size) throw new Error('a migration file is missing');
      } else {
        const versions = new Set(selectVersions.all());
        for (const name of readdirSync(dir)) {
          const match = MIGRATION_FILE.exec(name);
          if (!match) continue;
          if (versions.has(String(Number(match[1])))) matched++;
          else pending++;
        }
        if (matched !== versions.size) throw new Error('a migration file is missing');
      }
      // The no-op applies nothing; a pending count would mean the fixture is wrong.
      if (pending !== 0) throw new Error(`raw: ${pending} pending in a no-op`);
      return 0;
    },
    async close() {
      db.close();
    },
  };
}

export const raw = {
  apply: rawApply,
  open: (file, dir) => rawOpen(file, dir, { hash: false }),
};

export const rawSha = {
  apply: rawApply,
  open: (file, dir) => rawOpen(file, dir, { hash: true }),
};

// ---- knex -------------------------------------------------------------------------------------

/**
 * knex runs a batch in one transaction by default (its lock, every migration and every ledger
 * insert): that is the single-transaction row. For one transaction per migration the only knex
 * setting is disableTransactions plus `config.transaction` on each migration, and then knex
 * inserts the ledger row after the migration's transaction commits, in autocommit: two commits
 * per migration, and the row is not atomic with the migration. knex cannot do better.
 */
async function knexInstance(file, dir, { single }) {
  const { default: knex } = await import('knex');
  const migrationSource = {
    getMigrations: async () => migrationFiles(dir),
    getMigrationName: (name) => name,
    getMigration: (name) => ({
      config: single ? undefined : { transaction: true },
      up: (k) => k.raw(readSql(dir, name)),
      down: async () => undefined,
    }),
  };
  return knex({
    client: 'better-sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      afterCreate(connection, done) {
        for (const pragma of PRAGMAS) connection.pragma(pragma);
        done(null, connection);
      },
    },
    migrations: { migrationSource, disableTransactions: !single },
  });
}

export const knex = {
  async apply(file, dir, { single }) {
    const k = await knexInstance(file, dir, { single });
    try {
      const [, log] = await k.migrate.latest();
      return log.length;
    } finally {
      await k.destroy();
    }
  },
  async open(file, dir) {
    const k = await knexInstance(file, dir, { single: false });
    return {
      async noop() {
        const [, log] = await k.migrate.latest();
        return log.length;
      },
      close: () => k.destroy(),
    };
  },
};

// ---- kysely -----------------------------------------------------------------------------------

/**
 * Kysely's SqliteAdapter says SQLite has no transactional DDL, so its Migrator uses no
 * transaction at all: each migration and its ledger insert are two autocommits (not atomic).
 * That is the per-migration row; Kysely has no setting for one transaction per migration.
 * For the single-transaction row the adapter is subclassed to report transactional DDL, which
 * makes the Migrator wrap the whole run (ledger reads and inserts included) in one transaction.
 */
async function kyselyInstance(file, dir, { single }) {
  const { Kysely, Migrator, SqliteAdapter, SqliteDialect, sql } = await import('kysely');
  class TransactionalDdlAdapter extends SqliteAdapter {
    get supportsTransactionalDdl() {
      return true;
    }
  }
  class TransactionalSqliteDialect extends SqliteDialect {
    createAdapter() {
      return new TransactionalDdlAdapter();
    }
  }
  const Dialect = single ? TransactionalSqliteDialect : SqliteDialect;
  const db = new Kysely({ dialect: new Dialect({ database: openDatabase(file) }) });
  const provider = {
    async getMigrations() {
      const migrations = {};
      for (const name of migrationFiles(dir)) {
        migrations[name] = { up: (k) => sql.raw(readSql(dir, name)).execute(k) };
      }
      return migrations;
    },
  };
  const migrator = new Migrator({ db, provider });
  const migrate = async () => {
    const { error, results } = await migrator.migrateToLatest();
    if (error) throw error;
    return results?.length ?? 0;
  };
  return { db, migrate };
}

export const kysely = {
  async apply(file, dir, { single }) {
    const { db, migrate } = await kyselyInstance(file, dir, { single });
    try {
      return await migrate();
    } finally {
      await db.destroy();
    }
  },
  async open(file, dir) {
    const { db, migrate } = await kyselyInstance(file, dir, { single: false });
    return { noop: migrate, close: () => db.destroy() };
  },
};

// ---- umzug ------------------------------------------------------------------------------------

/**
 * umzug has no database of its own: the storage is ours (a ledger table through better-sqlite3)
 * and it has no transaction setting. Per migration, BEGIN goes in its 'migrating' event and
 * COMMIT in 'migrated': umzug awaits both around up() and logMigration(), so the migration and
 * its ledger row commit together. Single: BEGIN/COMMIT around umzug.up(). umzug has no lock.
 *
 * Two ways to list the files: `glob` is umzug's own (its README's example for .sql files, through
 * tinyglobby); `list` is a function doing readdir, the cheapest input umzug accepts.
 */
async function umzugInstance(file, dir, { single, listing }) {
  const { Umzug } = await import('umzug');
  const db = openDatabase(file);
  db.exec('CREATE TABLE IF NOT EXISTS umzug_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO umzug_migrations (name, applied_at) VALUES (?, ?)');
  const remove = db.prepare('DELETE FROM umzug_migrations WHERE name = ?');
  const executed = db.prepare('SELECT name FROM umzug_migrations').pluck();
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const migrations =
    listing === 'glob'
      ? {
          glob: ['*.sql', { cwd: dir }],
          resolve: ({ name, path, context }) => ({
            name,
            up: async () => {
              context.exec(readFileSync(path, 'utf8'));
            },
            down: async () => undefined,
          }),
        }
      : () =>
          migrationFiles(dir).map((name) => ({
            name,
            up: async () => {
              db.exec(readSql(dir, name));
            },
            down: async () => undefined,
          }));
  const umzug = new Umzug({
    migrations,
    context: db,
    storage: {
      logMigration: async ({ name }) => {
        insert.run(name, new Date().toISOString());
      },
      unlogMigration: async ({ name }) => {
        remove.run(name);
      },
      executed: async () => executed.all(),
    },
    logger: undefined,
  });
  if (!single) {
    umzug.on('migrating', () => {
      begin.run();
    });
    umzug.on('migrated', () => {
      commit.run();
    });
  }
  const migrate = async () => {
    if (!single) return (await umzug.up()).length;
    begin.run();
    try {
      const applied = await umzug.up();
      commit.run();
      return applied.length;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };
  return { db, migrate };
}

function umzugTool(listing) {
  return {
    async apply(file, dir, { single }) {
      const { db, migrate } = await umzugInstance(file, dir, { single, listing });
      try {
        return await migrate();
      } finally {
        db.close();
      }
    },
    async open(file, dir) {
      const { db, migrate } = await umzugInstance(file, dir, { single: false, listing });
      return { noop: migrate, close: async () => db.close() };
    },
  };
}

export const umzug = umzugTool('glob');
export const umzugList = umzugTool('list');

export const tools = { raw, rawSha, knex, kysely, umzug, umzugList };
