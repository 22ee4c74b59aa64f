/**
 * The engine's behaviour, written once, run against every SQL dialect: SQLite (a file),
 * PostgreSQL and MariaDB (a fresh database each). Dialects differ only where their DDL does:
 * a failure inside a PostgreSQL or SQLite migration leaves nothing; MariaDB commits DDL as it
 * goes, so the ledger says how far the step got.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createMigrator, type SqlMigrator, type StrataError } from '../src/index.js';
import { tempDir, writeFiles } from './helpers.js';
import { freshDatabase, skipUnlessServer, withMariadb, withPostgres, type ServerKind } from './servers.js';

interface Dialect {
  name: string;
  skip: false | string;
  transactionalDdl: boolean;
  freshDb(): Promise<string>;
}

const serverDialect = async (kind: ServerKind, transactionalDdl: boolean): Promise<Dialect> => ({
  name: kind,
  skip: await skipUnlessServer(kind),
  transactionalDdl,
  freshDb: () => freshDatabase(kind, 'strata_conf'),
});

const dialects: Dialect[] = [
  { name: 'sqlite', skip: false, transactionalDdl: true, freshDb: async () => join(tempDir(), 'conformance.db') },
  await serverDialect('postgres', true),
  await serverDialect('mariadb', false),
];

const MIGRATIONS = {
  '0001_items.sql': `-- migrate:up
CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);
INSERT INTO items (id, name) VALUES (1, 'first');
-- migrate:down
DROP TABLE items;
`,
  '0002_tags.sql': `-- migrate:up
CREATE TABLE tags (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id), label VARCHAR(50) NOT NULL);
-- migrate:down
DROP TABLE tags;
`,
  '0003_item_note.sql': `-- migrate:up
ALTER TABLE items ADD COLUMN note VARCHAR(200);
UPDATE items SET note = 'kept' WHERE id = 1;
-- migrate:down
ALTER TABLE items DROP COLUMN note;
`,
};

const FAILING = {
  '0004_half.sql': `-- migrate:up
CREATE TABLE half (id INTEGER PRIMARY KEY);
INSERT INTO half (id) VALUES (1);
INSERT INTO missing_table (id) VALUES (1);
-- migrate:down
DROP TABLE half;
`,
};

function folder(files: Record<string, string>): string {
  const dir = tempDir();
  writeFiles(dir, files);
  return dir;
}

/** Rows from the database through a connection of the test's own, not the migrator's. */
async function query<T = Record<string, unknown>>(dialect: string, db: string, sql: string): Promise<T[]> {
  if (dialect === 'sqlite') {
    const conn = new Database(db, { readonly: true });
    try {
      return conn.prepare(sql).all() as T[];
    } finally {
      conn.close();
    }
  }
  if (dialect === 'postgres') return withPostgres(async (client) => (await client.query(sql)).rows as T[], db);
  return withMariadb(async (conn) => (await conn.query(sql))[0] as T[], db);
}

async function tables(dialect: string, db: string): Promise<string[]> {
  const sql =
    dialect === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
      : dialect === 'postgres'
        ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
        : 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()';
  return (await query<{ name: string }>(dialect, db, sql)).map((row) => row.name).sort();
}

for (const dialect of dialects) {
  describe(`conformance: ${dialect.name}`, { skip: dialect.skip }, () => {
    const open = (dir: string, db: string) => createMigrator({ db, dir, backup: false, lockTimeoutMs: 20_000 });

    test('applies pending migrations in order, records each, and a second run is a no-op', async () => {
      const db = await dialect.freshDb();
      const migrator = open(folder(MIGRATIONS), db);
      try {
        const report = await migrator.migrate();
        assert.deepEqual(report.results.map((r) => `${r.status} ${r.version}`), ['applied 1', 'applied 2', 'applied 3']);
        assert.equal(report.currentVersion, '3');
        assert.deepEqual(await tables(dialect.name, db), ['items', 'strata_migrations', 'tags']);
        const again = await migrator.migrate();
        assert.deepEqual(again.results, []);
        const status = await migrator.status();
        assert.deepEqual(status.migrations.map((m) => `${m.version} ${m.state}`), ['1 applied', '2 applied', '3 applied']);
        assert.equal(status.pending, 0);
        assert.ok((await migrator.validate()).ok);
      } finally {
        await migrator.close();
      }
    });

    test('rolls back to a version, newest first, and applies again', async () => {
      const db = await dialect.freshDb();
      const migrator = open(folder(MIGRATIONS), db);
      try {
        await migrator.migrate();
        const down = await migrator.rollback({ to: 1 });
        assert.deepEqual(down.results.map((r) => `${r.status} ${r.version}`), ['reverted 3', 'reverted 2']);
        assert.equal(down.currentVersion, '1');
        assert.deepEqual(await tables(dialect.name, db), ['items', 'strata_migrations']);
        assert.deepEqual(await query(dialect.name, db, 'SELECT id, name FROM items'), [{ id: 1, name: 'first' }]);
        const up = await migrator.migrate({ to: 2 });
        assert.deepEqual(up.results.map((r) => r.version), ['2']);
        await migrator.rollback({ to: 0 });
        assert.deepEqual(await tables(dialect.name, db), ['strata_migrations']);
      } finally {
        await migrator.close();
      }
    });

    test('a dry run plans and changes nothing, not even the ledger', async () => {
      const db = await dialect.freshDb();
      const migrator = open(folder(MIGRATIONS), db);
      try {
        const statements: string[] = [];
        migrator.on('statement', (e) => statements.push(e.sql));
        const report = await migrator.migrate({ dryRun: true });
        assert.equal(report.results.length, 3);
        assert.ok(statements.some((s) => s.startsWith('ALTER TABLE items ADD COLUMN note')));
        const status = await migrator.status();
        assert.equal(status.pending, 3);
        if (dialect.name !== 'sqlite') assert.deepEqual(await tables(dialect.name, db), []);
      } finally {
        await migrator.close();
      }
    });

    test('a failing migration: the error names file, statement and line; the store is left as the dialect allows', async () => {
      const db = await dialect.freshDb();
      const migrator = open(folder({ ...MIGRATIONS, ...FAILING }), db);
      try {
        const error = (await migrator.migrate().then(
          () => assert.fail('the migration should fail'),
          (e: unknown) => e,
        )) as StrataError;
        assert.equal(error.code, 'MIGRATION_FAILED');
        assert.match(error.message, /0004_half\.sql: statement 3 \(line 4(, column \d+)?\) failed: /);
        assert.equal(error.details.statement, 3);
        assert.equal(error.details.line, 4);
        const status = await migrator.status();
        const four = status.migrations.find((m) => m.version === '4')!;
        if (dialect.transactionalDdl) {
          // Its transaction rolled back: no table; the ledger only notes when and why it failed
          // (status 'aborted'), and the next migrate runs it again. The three before it stay.
          assert.equal(four.state, 'failed');
          assert.equal(four.rolledBack, true);
          assert.match(four.error ?? '', /missing_table/);
          assert.equal(status.pending, 1);
          assert.deepEqual(status.problems, []);
          assert.deepEqual(await tables(dialect.name, db), ['items', 'strata_migrations', 'tags']);
          assert.equal(error.details.transaction, true);
        } else {
          // MariaDB: CREATE TABLE committed itself; the ledger says two statements ran.
          assert.equal(four.state, 'failed');
          assert.deepEqual(await tables(dialect.name, db), ['half', 'items', 'strata_migrations', 'tags']);
          const [row] = await query<{ status: string; statements_applied: number }>(dialect.name, db, "SELECT status, statements_applied FROM strata_migrations WHERE version = '4'");
          assert.deepEqual({ ...row, statements_applied: Number(row!.statements_applied) }, { status: 'failed', statements_applied: 2 });
          assert.match(error.hint ?? '', /--resume/);
          await assert.rejects(migrator.migrate(), (e: StrataError) => e.code === 'MIGRATION_INCOMPLETE');
        }
      } finally {
        await migrator.close();
      }
    });

    test('an edited applied migration stops migrate with CHECKSUM_MISMATCH', async () => {
      const dir = folder(MIGRATIONS);
      const db = await dialect.freshDb();
      const migrator = open(dir, db);
      try {
        await migrator.migrate({ to: 1 });
        writeFiles(dir, { '0001_items.sql': MIGRATIONS['0001_items.sql'].replace("'first'", "'edited'") });
        await assert.rejects(migrator.migrate(), (e: StrataError) => e.code === 'CHECKSUM_MISMATCH' && /0001_items\.sql was edited/.test(e.message));
        assert.equal((await migrator.status()).currentVersion, '1');
      } finally {
        await migrator.close();
      }
    });

    test('two migrators at once: the lock makes one wait, each migration is applied exactly once', async () => {
      const db = await dialect.freshDb();
      const dir = folder(MIGRATIONS);
      const slow = <C>(m: SqlMigrator<C>) =>
        m.register({
          version: 10,
          name: 'slow',
          up: async (ctx) => {
            await new Promise((r) => setTimeout(r, 300));
            await ctx.exec('CREATE TABLE slow_marker (id INTEGER PRIMARY KEY)');
          },
          down: (ctx) => ctx.exec('DROP TABLE slow_marker'),
        });
      const [a, b] = [slow(open(dir, db)), slow(open(dir, db))];
      let waited = 0;
      for (const m of [a, b]) m.on('lock:waiting', () => waited++);
      try {
        const reports = await Promise.all([a.migrate(), b.migrate()]);
        const applied = reports.flatMap((r) => r.results.map((x) => x.version)).sort();
        assert.deepEqual(applied, ['1', '10', '2', '3']);
        assert.equal(waited, 1, 'the second migrator waited for the lock');
        assert.deepEqual(reports.map((r) => r.currentVersion), ['10', '10']);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}
