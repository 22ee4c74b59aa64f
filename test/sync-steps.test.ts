/**
 * Steps run through a target's synchronous operations (engine/sync-steps.ts: every step but a
 * run's last, on better-sqlite3) behave exactly as awaited steps: the same events in the same
 * order, the same ledger, each step atomic with its row, the same errors. The awaited path is
 * forced by wrapping the driver, as the tracer does.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createMigrator, type StrataEventName } from '../src/index.js';
import type { SqlDriver } from '../src/targets/sql/driver.js';
import { SqliteDriver } from '../src/targets/sql/sqlite/sqlite-driver.js';
import { syncStatementsOf } from '../src/targets/sql/sync-statements.js';
import { query, tempDir, userTables, writeFiles } from './helpers.js';

const FILES = {
  '0001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY);\nINSERT INTO users (id) VALUES (1);\n',
  '0002_posts.sql':
    '-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));\n-- migrate:down\nDROP TABLE posts;\n-- migrate:verify\nSELECT id, user_id FROM posts WHERE 0;\n',
  '0003_tags.sql': 'CREATE TABLE tags (name TEXT);\n',
  '0004_last.sql': 'CREATE TABLE last (id INTEGER);\n',
};

/** A failing second statement in a step that is not the run's last. */
const FAILING = {
  ...FILES,
  '0002_posts.sql': 'CREATE TABLE posts (id INTEGER PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);\n',
};

/** A SQLite driver seen through a wrapper that binds its methods: its statements are awaited one by one. */
function wrapped(path: string): SqlDriver {
  const driver = new SqliteDriver(path);
  return new Proxy(driver, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const EVENTS = ['plan', 'migrating', 'statement', 'migrated', 'failed', 'done'] as const satisfies StrataEventName[];

/** Runs a migrate on a fresh file, the driver plain (synchronous steps) or wrapped (awaited). */
async function run(files: Record<string, string>, mode: 'plain' | 'wrapped', singleTransaction = false) {
  const dir = tempDir();
  writeFiles(join(dir, 'migrations'), files);
  const db = join(dir, 'app.db');
  const migrator = createMigrator({ db: mode === 'plain' ? db : wrapped(db), dir: join(dir, 'migrations'), backup: false, now: () => new Date(0) });
  const seen: string[] = [];
  for (const name of EVENTS) {
    migrator.on(name, (e) => {
      const event = e as { version?: string; index?: number; sql?: string; error?: { code: string } };
      seen.push([name, event.version, name === 'statement' ? event.sql : event.index, event.error?.code].filter((x) => x !== undefined).join(' '));
    });
  }
  let error: { code: string; message: string; results: { version: string; status: string }[] } | undefined;
  try {
    await migrator.migrate({ singleTransaction });
  } catch (caught) {
    error = caught as typeof error;
  } finally {
    await migrator.close();
  }
  const ledger = query<{ version: string; status: string; statements_applied: number; error: string | null }>(
    db,
    'SELECT version, status, statements_applied, error FROM strata_migrations ORDER BY version',
  );
  const outcome = {
    seen,
    ledger,
    tables: userTables(db),
    error: error && { code: error.code, message: error.message, results: error.results.map((r) => `${r.version} ${r.status}`) },
  };
  // Each run has a folder of its own: messages compare without it.
  return JSON.parse(JSON.stringify(outcome).replaceAll(/strata-test-[^/\\]+/g, 'strata-test-X')) as typeof outcome;
}

describe('synchronous steps', () => {
  it('a plain better-sqlite3 driver offers them; a wrapper that intercepts its statements gets the awaited path', () => {
    const path = join(tempDir(), 'app.db');
    assert.ok(syncStatementsOf(new SqliteDriver(path)));
    assert.equal(syncStatementsOf(wrapped(path)), undefined);
    const counting = new SqliteDriver(path);
    const intercepted = new Proxy(counting, {
      get: (target, key) => (key === 'exec' ? async (sql: string) => target.exec(sql) : Reflect.get(target, key, target)),
    });
    assert.equal(syncStatementsOf(intercepted), undefined);
  });

  for (const singleTransaction of [false, true]) {
    const mode = singleTransaction ? 'one transaction' : 'a transaction each';
    it(`${mode}: the same events, ledger and schema as awaited steps`, async () => {
      const plain = await run(FILES, 'plain', singleTransaction);
      const awaited = await run(FILES, 'wrapped', singleTransaction);
      assert.equal(plain.error, undefined);
      assert.deepEqual(plain, awaited);
      assert.deepEqual(
        plain.ledger.map((r) => [r.version, r.status, r.statements_applied]),
        [
          ['1', 'applied', 2],
          ['2', 'applied', 1],
          ['3', 'applied', 1],
          ['4', 'applied', 1],
        ],
      );
    });

    it(`${mode}: a statement failing in a step before the last rolls back what the transaction held, as awaited steps do`, async () => {
      const plain = await run(FAILING, 'plain', singleTransaction);
      const awaited = await run(FAILING, 'wrapped', singleTransaction);
      assert.deepEqual(plain, awaited);
      assert.equal(plain.error?.code, 'MIGRATION_FAILED');
      assert.match(plain.error!.message, /0002_posts\.sql: statement 2 \(line 2\) failed: no such table: nowhere/);
      // The failed step's CREATE went with its transaction; its attempt is recorded as aborted.
      assert.ok(!plain.tables.includes('posts'));
      assert.ok(!plain.tables.includes('tags'));
      assert.deepEqual(
        plain.seen.filter((e) => e.startsWith('failed')),
        ['failed 2 2 MIGRATION_FAILED'],
      );
      if (singleTransaction) {
        assert.deepEqual(plain.tables, []);
        assert.deepEqual(plain.error?.results, ['2 failed']);
      } else {
        assert.deepEqual(plain.tables, ['users']);
        assert.deepEqual(plain.error?.results, ['1 applied', '2 failed']);
      }
      assert.deepEqual(
        plain.ledger.map((r) => [r.version, r.status]),
        singleTransaction
          ? [['2', 'aborted']]
          : [
              ['1', 'applied'],
              ['2', 'aborted'],
            ],
      );
    });
  }

  it('a failing verify of a step before the last rolls the step back with its ledger row, as awaited steps do', async () => {
    const files = { ...FILES, '0002_posts.sql': FILES['0002_posts.sql'].replace('SELECT id, user_id', 'SELECT id, missing_column') };
    const plain = await run(files, 'plain');
    const awaited = await run(files, 'wrapped');
    assert.deepEqual(plain, awaited);
    assert.equal(plain.error?.code, 'MIGRATION_VERIFY_FAILED');
    assert.deepEqual(plain.tables, ['users']);
    assert.deepEqual(
      plain.ledger.map((r) => [r.version, r.status]),
      [
        ['1', 'applied'],
        ['2', 'aborted'],
      ],
    );
  });
});
