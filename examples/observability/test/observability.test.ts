/**
 * The seed-004 example on real SQLite files in temp folders: the design document's "Test
 * Coverage" list (fresh database migration, rollback, data integrity constraints, foreign key
 * enforcement, default data creation), every API function, status, validation and the CLI.
 *
 * Run after `npm run build`: node --import tsx --test examples/observability/test/*.test.ts
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isStrataError } from 'strata-migrate';
import {
  checkDatabase,
  closeDatabase,
  deleteOldUsageSnapshots,
  getDatabase,
  getMigrationStatus,
  getUsageConfig,
  getUsageSnapshots,
  getUsageSnapshotsBySession,
  initDatabase,
  insertEvent,
  insertUsageSnapshot,
  MIGRATIONS_DIR,
  resetUsageConfig,
  rollbackMigrations,
  runMigrations,
  updateUsageConfig,
  validateDatabase,
  type UsageConfigUpdate,
} from '../src/db.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCRIPT = join(ROOT, 'examples', 'observability', 'scripts', 'migrate.ts');
const STRATA_CLI = join(ROOT, 'dist', 'cli', 'main.cjs');

// ---- helpers -------------------------------------------------------------------------------------

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => closeDatabase());

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-observability-'));
  made.push(dir);
  return dir;
}

/** A fresh database file, migrated (unless told otherwise) and open in the db module. */
async function freshDatabase(options: { migrationsDir?: string; migrate?: boolean } = {}): Promise<string> {
  const path = join(tempDir(), 'events.db');
  await initDatabase({ path, ...options });
  return path;
}

/** A copy of the example's migrations, for tests that add or edit files. */
function copyOfMigrations(): string {
  const dir = join(tempDir(), 'migrations');
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

const now = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;
const DAY = 86_400;

function objects(type: 'table' | 'index'): string[] {
  return (
    getDatabase().prepare("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name").all(type) as { name: string }[]
  ).map((r) => r.name);
}

function count(table: string): number {
  return (getDatabase().prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

function sqliteCode(code: string) {
  return (error: unknown) => (error as { code?: string }).code === code;
}

function addSession(sessionId: string): void {
  assert.ok(insertEvent({ source_app: 'demo', session_id: sessionId, hook_event_type: 'PreToolUse', payload: '{}' }));
}

const normalise = (sql: string) => sql.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();

// The DDL exactly as the design document gives it.
const DOCUMENT_DDL: Record<string, string> = {
  usage_config: `CREATE TABLE usage_config (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  plan TEXT NOT NULL DEFAULT 'custom' CHECK (plan IN ('pro', 'max5', 'max20', 'custom')),
  custom_limit_tokens INTEGER CHECK (custom_limit_tokens IS NULL OR custom_limit_tokens > 0),
  view TEXT NOT NULL DEFAULT 'realtime' CHECK (view IN ('realtime', 'daily', 'monthly', 'session')),
  timezone TEXT NOT NULL DEFAULT 'auto',
  time_format TEXT NOT NULL DEFAULT 'auto' CHECK (time_format IN ('12h', '24h', 'auto')),
  theme TEXT NOT NULL DEFAULT 'auto' CHECK (theme IN ('light', 'dark', 'classic', 'auto')),
  refresh_rate INTEGER NOT NULL DEFAULT 10 CHECK (refresh_rate >= 1 AND refresh_rate <= 60),
  refresh_per_second REAL NOT NULL DEFAULT 0.75 CHECK (refresh_per_second >= 0.1 AND refresh_per_second <= 20.0),
  reset_hour INTEGER CHECK (reset_hour IS NULL OR (reset_hour >= 0 AND reset_hour <= 23)),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1))
)`,
  usage_snapshots: `CREATE TABLE usage_snapshots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  snapshot_data TEXT NOT NULL,
  snapshot_type TEXT NOT NULL DEFAULT 'stats' CHECK (snapshot_type IN ('stats', 'config', 'session')),
  timestamp INTEGER NOT NULL DEFAULT (unixepoch()),
  FOREIGN KEY (session_id) REFERENCES events (session_id) ON DELETE CASCADE
)`,
  idx_usage_config_active: 'CREATE UNIQUE INDEX idx_usage_config_active ON usage_config(is_active) WHERE is_active = 1',
  idx_usage_snapshots_session_id: 'CREATE INDEX idx_usage_snapshots_session_id ON usage_snapshots(session_id)',
  idx_usage_snapshots_timestamp: 'CREATE INDEX idx_usage_snapshots_timestamp ON usage_snapshots(timestamp)',
  idx_usage_snapshots_type: 'CREATE INDEX idx_usage_snapshots_type ON usage_snapshots(snapshot_type)',
};

const APP_TABLES = ['events', 'strata_migrations', 'usage_config', 'usage_snapshots'];
const APP_INDEXES = [
  'idx_strata_migrations_applied_at',
  'idx_usage_config_active',
  'idx_usage_snapshots_session_id',
  'idx_usage_snapshots_timestamp',
  'idx_usage_snapshots_type',
];
const MIGRATION_NAMES = ['create_events', 'create_usage_config', 'create_usage_snapshots', 'default_usage_config', 'index_migrations_applied_at'];

// ---- fresh database migration --------------------------------------------------------------------

describe('fresh database migration', () => {
  test('initDatabase() creates the file and applies every migration before it resolves', async () => {
    const path = await freshDatabase();
    assert.ok(existsSync(path));
    // Awaited, not fired and forgotten: the tables are there the moment initDatabase() resolves.
    assert.ok(getUsageConfig());
    assert.deepEqual(objects('table'), APP_TABLES);
    assert.deepEqual(objects('index'), APP_INDEXES);

    const status = await getMigrationStatus();
    assert.equal(status.currentVersion, 5);
    assert.equal(status.latestVersion, 5);
    assert.deepEqual(status.pending, []);
    assert.deepEqual(status.problems, []);
    assert.deepEqual(
      status.applied.map((m) => [m.version, m.name]),
      MIGRATION_NAMES.map((name, k) => [k + 1, name]),
    );
    for (const m of status.applied) assert.ok(Math.abs(m.applied_at - now()) < 60, `applied_at ${m.applied_at} is unix seconds of now`);
  });

  test("the tables and indexes are exactly the design document's", async () => {
    await freshDatabase();
    for (const [name, sql] of Object.entries(DOCUMENT_DDL)) {
      const row = getDatabase().prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string } | undefined;
      assert.ok(row, `${name} exists`);
      assert.equal(normalise(row.sql), normalise(sql), name);
    }
    const ledgerIndex = getDatabase().prepare("SELECT tbl_name FROM sqlite_master WHERE name = 'idx_strata_migrations_applied_at'").get();
    assert.deepEqual(ledgerIndex, { tbl_name: 'strata_migrations' });
    const fk = getDatabase().pragma('foreign_key_list(usage_snapshots)') as { table: string; from: string; to: string; on_delete: string }[];
    assert.deepEqual(
      fk.map(({ table, from, to, on_delete }) => ({ table, from, to, on_delete })),
      [{ table: 'events', from: 'session_id', to: 'session_id', on_delete: 'CASCADE' }],
    );
  });

  test('the connection runs with WAL, foreign keys on and synchronous NORMAL', async () => {
    await freshDatabase();
    const db = getDatabase();
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(db.pragma('synchronous', { simple: true }), 1);
  });

  test('opening a migrated database again applies nothing and keeps the data', async () => {
    const path = await freshDatabase();
    addSession('s1');
    assert.ok(updateUsageConfig({ plan: 'pro' }));
    await closeDatabase();
    await initDatabase({ path });
    assert.deepEqual((await runMigrations()).results, []);
    assert.equal(count('usage_config'), 1);
    assert.equal(getUsageConfig()?.plan, 'pro');
    assert.equal(count('events'), 1);
  });

  test('a failing migration rejects initDatabase() and leaves nothing of itself behind', async () => {
    const dir = copyOfMigrations();
    writeFileSync(
      join(dir, '0006_broken.sql'),
      '-- migrate:up\nCREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n-- migrate:down\nDROP TABLE half_done;\n',
    );
    const path = join(tempDir(), 'events.db');
    await assert.rejects(initDatabase({ path, migrationsDir: dir }), (error: unknown) => {
      assert.ok(isStrataError(error));
      assert.equal(error.code, 'MIGRATION_FAILED');
      assert.match(error.message, /0006_broken\.sql: statement 2 .*no such table: no_such_table/);
      return true;
    });
    // Migrations 1-5 committed one by one; 6 rolled back as a whole.
    const db = new Database(path, { readonly: true });
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
      assert.ok(!tables.includes('half_done'));
      assert.ok(tables.includes('usage_snapshots'));
      assert.deepEqual(db.prepare("SELECT version FROM strata_migrations WHERE status = 'applied' ORDER BY CAST(version AS INTEGER)").pluck().all(), [
        '1',
        '2',
        '3',
        '4',
        '5',
      ]);
      // 6 is only noted as an aborted attempt (when and why), which the next run replaces.
      assert.deepEqual(db.prepare("SELECT version, status FROM strata_migrations WHERE status <> 'applied'").all(), [{ version: '6', status: 'aborted' }]);
    } finally {
      db.close();
    }
    assert.throws(() => getDatabase(), /not open/);
  });
});

// ---- rollback ------------------------------------------------------------------------------------

describe('rollback', () => {
  test('rollbackMigrations() with no version undoes only the last migration', async () => {
    await freshDatabase();
    const report = await rollbackMigrations();
    assert.deepEqual(
      report.results.map((r) => [r.version, r.status]),
      [['5', 'reverted']],
    );
    assert.equal((await getMigrationStatus()).currentVersion, 4);
    assert.ok(!objects('index').includes('idx_strata_migrations_applied_at'));
  });

  test('rollback to 0 removes every table but the ledger; migrating again restores them', async () => {
    await freshDatabase();
    const report = await rollbackMigrations(0);
    assert.deepEqual(
      report.results.map((r) => r.version),
      ['5', '4', '3', '2', '1'],
    );
    assert.equal(report.currentVersion, null);
    assert.deepEqual(objects('table'), ['strata_migrations']);
    assert.deepEqual(objects('index'), []);
    assert.equal(count('strata_migrations'), 0);
    const status = await getMigrationStatus();
    assert.equal(status.currentVersion, 0);
    assert.deepEqual(
      status.pending.map((m) => m.version),
      [1, 2, 3, 4, 5],
    );

    const again = await runMigrations();
    assert.equal(again.results.length, 5);
    assert.equal(again.currentVersion, '5');
    assert.deepEqual(objects('table'), APP_TABLES);
    assert.deepEqual(objects('index'), APP_INDEXES);
    assert.equal(getUsageConfig()?.plan, 'custom');
    assert.equal(await validateDatabase(), true);
  });

  test('rollback to a version keeps the migrations up to it, and their data', async () => {
    await freshDatabase();
    addSession('s1');
    assert.ok(insertUsageSnapshot({ session_id: 's1', snapshot_data: '{"tokens":1}' }));

    const report = await rollbackMigrations(3);
    assert.deepEqual(
      report.results.map((r) => r.version),
      ['5', '4'],
    );
    assert.equal((await getMigrationStatus()).currentVersion, 3);
    assert.deepEqual(objects('table'), APP_TABLES);
    assert.equal(count('usage_config'), 0, '0004 down removes the default configuration');
    assert.equal(getUsageConfig(), null);
    assert.equal(count('usage_snapshots'), 1);

    const again = await runMigrations();
    assert.deepEqual(
      again.results.map((r) => r.version),
      ['4', '5'],
    );
    assert.equal(count('usage_config'), 1);
    assert.equal(getUsageSnapshotsBySession('s1').length, 1);
    assert.equal(await validateDatabase(), true);
  });

  test('rollback to 2 then 1, step by step, then all the way back up', async () => {
    await freshDatabase();
    await rollbackMigrations(2);
    assert.deepEqual(objects('table'), ['events', 'strata_migrations', 'usage_config']);
    await rollbackMigrations(1);
    assert.deepEqual(objects('table'), ['events', 'strata_migrations']);
    await runMigrations();
    assert.equal((await getMigrationStatus()).currentVersion, 5);
  });

  test('rolling back to an unknown or invalid version is refused', async () => {
    await freshDatabase();
    await assert.rejects(rollbackMigrations(9), (error: unknown) => isStrataError(error) && error.code === 'VERSION_UNKNOWN');
    await assert.rejects(rollbackMigrations(-1), RangeError);
    await assert.rejects(rollbackMigrations(1.5), RangeError);
    assert.equal((await getMigrationStatus()).currentVersion, 5);
  });

  test('rolling back with nothing applied reports nothing done', async () => {
    await freshDatabase({ migrate: false });
    const report = await rollbackMigrations();
    assert.deepEqual(report.results, []);
    assert.equal(report.currentVersion, null);
  });
});

// ---- data integrity constraints ------------------------------------------------------------------

describe('data integrity constraints', () => {
  // Inserted as inactive rows, so the partial unique index is not what refuses them.
  const badConfigValues: [column: string, value: unknown][] = [
    ['plan', 'enterprise'],
    ['custom_limit_tokens', 0],
    ['custom_limit_tokens', -5],
    ['view', 'weekly'],
    ['time_format', '36h'],
    ['theme', 'neon'],
    ['refresh_rate', 0],
    ['refresh_rate', 61],
    ['refresh_per_second', 0.05],
    ['refresh_per_second', 20.5],
    ['reset_hour', -1],
    ['reset_hour', 24],
  ];
  const goodConfigValues: [column: string, value: unknown][] = [
    ['plan', 'pro'],
    ['plan', 'max5'],
    ['plan', 'max20'],
    ['custom_limit_tokens', null],
    ['custom_limit_tokens', 1],
    ['view', 'session'],
    ['time_format', '12h'],
    ['theme', 'classic'],
    ['refresh_rate', 1],
    ['refresh_rate', 60],
    ['refresh_per_second', 0.1],
    ['refresh_per_second', 20],
    ['reset_hour', 0],
    ['reset_hour', 23],
  ];

  test('each usage_config CHECK constraint refuses bad values', async () => {
    await freshDatabase();
    for (const [column, value] of badConfigValues) {
      const insert = getDatabase().prepare(`INSERT INTO usage_config (${column}, is_active) VALUES (?, 0)`);
      assert.throws(() => insert.run(value), sqliteCode('SQLITE_CONSTRAINT_CHECK'), `${column} = ${value}`);
    }
    assert.throws(() => getDatabase().prepare('INSERT INTO usage_config (is_active) VALUES (2)').run(), sqliteCode('SQLITE_CONSTRAINT_CHECK'));
    assert.equal(count('usage_config'), 1);
  });

  test('the boundary values pass the CHECK constraints', async () => {
    await freshDatabase();
    for (const [column, value] of goodConfigValues) {
      getDatabase().prepare(`INSERT INTO usage_config (${column}, is_active) VALUES (?, 0)`).run(value);
    }
    assert.equal(count('usage_config'), 1 + goodConfigValues.length);
  });

  test('NOT NULL columns refuse NULL', async () => {
    await freshDatabase();
    for (const column of ['plan', 'view', 'timezone', 'time_format', 'theme', 'refresh_rate', 'refresh_per_second', 'is_active']) {
      const sql =
        column === 'is_active' ? 'INSERT INTO usage_config (is_active) VALUES (NULL)' : `INSERT INTO usage_config (${column}, is_active) VALUES (NULL, 0)`;
      assert.throws(() => getDatabase().prepare(sql).run(), sqliteCode('SQLITE_CONSTRAINT_NOTNULL'), column);
    }
    addSession('s1');
    assert.throws(
      () => getDatabase().prepare("INSERT INTO usage_snapshots (session_id, snapshot_data) VALUES ('s1', NULL)").run(),
      sqliteCode('SQLITE_CONSTRAINT_NOTNULL'),
    );
  });

  test('the usage_snapshots CHECK constraint refuses an unknown snapshot_type', async () => {
    await freshDatabase();
    addSession('s1');
    assert.throws(
      () => getDatabase().prepare("INSERT INTO usage_snapshots (session_id, snapshot_data, snapshot_type) VALUES ('s1', '{}', 'daily')").run(),
      sqliteCode('SQLITE_CONSTRAINT_CHECK'),
    );
    for (const type of ['stats', 'config', 'session'] as const) assert.ok(insertUsageSnapshot({ session_id: 's1', snapshot_data: '{}', snapshot_type: type }));
    assert.equal(insertUsageSnapshot({ session_id: 's1', snapshot_data: '{}', snapshot_type: 'daily' as never }), null);
    assert.equal(count('usage_snapshots'), 3);
  });

  test('the partial unique index allows one active configuration and any number of inactive ones', async () => {
    await freshDatabase();
    assert.throws(() => getDatabase().prepare('INSERT INTO usage_config DEFAULT VALUES').run(), sqliteCode('SQLITE_CONSTRAINT_UNIQUE'));
    const inactive = getDatabase().prepare('INSERT INTO usage_config (is_active) VALUES (0)');
    inactive.run();
    inactive.run();
    inactive.run();
    assert.equal(count('usage_config'), 4);
    assert.throws(() => getDatabase().prepare('UPDATE usage_config SET is_active = 1 WHERE is_active = 0').run(), sqliteCode('SQLITE_CONSTRAINT_UNIQUE'));
    assert.equal((getDatabase().prepare('SELECT count(*) AS n FROM usage_config WHERE is_active = 1').get() as { n: number }).n, 1);
  });

  test('updateUsageConfig() returns false for each value a CHECK refuses, and changes nothing', async () => {
    await freshDatabase();
    const before = getUsageConfig();
    for (const [column, value] of badConfigValues) {
      assert.equal(updateUsageConfig({ [column]: value } as UsageConfigUpdate), false, `${column} = ${value}`);
    }
    // One bad value in a batch refuses the whole batch.
    assert.equal(updateUsageConfig({ plan: 'pro', refresh_rate: 99 }), false);
    assert.deepEqual(getUsageConfig(), before);
  });
});

// ---- foreign key enforcement ---------------------------------------------------------------------

describe('foreign key enforcement', () => {
  test('a snapshot for an unknown session is refused', async () => {
    await freshDatabase();
    assert.equal(insertUsageSnapshot({ session_id: 'nobody', snapshot_data: '{}' }), null);
    assert.throws(
      () => getDatabase().prepare("INSERT INTO usage_snapshots (session_id, snapshot_data) VALUES ('nobody', '{}')").run(),
      sqliteCode('SQLITE_CONSTRAINT_FOREIGNKEY'),
    );
    assert.equal(count('usage_snapshots'), 0);
  });

  test("deleting a session's events row deletes its snapshots (ON DELETE CASCADE)", async () => {
    await freshDatabase();
    addSession('s1');
    addSession('s2');
    for (let k = 0; k < 3; k++) insertUsageSnapshot({ session_id: 's1', snapshot_data: `{"k":${k}}` });
    insertUsageSnapshot({ session_id: 's2', snapshot_data: '{}' });
    assert.equal(getDatabase().prepare("DELETE FROM events WHERE session_id = 's1'").run().changes, 1);
    assert.deepEqual(getUsageSnapshotsBySession('s1'), []);
    assert.equal(getUsageSnapshotsBySession('s2').length, 1);
  });

  test("a snapshot's session cannot be renamed away from under it", async () => {
    await freshDatabase();
    addSession('s1');
    insertUsageSnapshot({ session_id: 's1', snapshot_data: '{}' });
    assert.throws(() => getDatabase().prepare("UPDATE events SET session_id = 's9' WHERE session_id = 's1'").run(), sqliteCode('SQLITE_CONSTRAINT_FOREIGNKEY'));
  });

  test("events.session_id is unique (the foreign key's parent key): one events row per session", async () => {
    await freshDatabase();
    addSession('s1');
    assert.equal(insertEvent({ source_app: 'demo', session_id: 's1', hook_event_type: 'Stop', payload: '{}' }), null);
    assert.equal(count('events'), 1);
  });

  test('why: the document\'s foreign key on a non-unique events.session_id breaks every write ("foreign key mismatch")', () => {
    const db = new Database(':memory:');
    try {
      db.pragma('foreign_keys = ON');
      // The real app's hook-events table: many rows per session, session_id not unique.
      db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, payload TEXT NOT NULL)');
      db.exec(DOCUMENT_DDL.usage_snapshots!);
      // One-row inserts into events still work, so the schema looks fine until...
      db.exec("INSERT INTO events (session_id, payload) VALUES ('s1', '{}')");
      db.exec("INSERT INTO events (session_id, payload) VALUES ('s1', '{}')");
      // ...anything touches the foreign key: every snapshot insert, every events delete,
      // even a multi-row insert into events.
      assert.throws(() => db.exec("INSERT INTO usage_snapshots (session_id, snapshot_data) VALUES ('s1', '{}')"), /foreign key mismatch/);
      assert.throws(() => db.exec("DELETE FROM events WHERE session_id = 's1'"), /foreign key mismatch/);
      assert.throws(() => db.exec("UPDATE events SET session_id = 's9' WHERE id = 1"), /foreign key mismatch/);
      assert.throws(() => db.exec("INSERT INTO events (session_id, payload) VALUES ('s2', '{}'), ('s3', '{}')"), /foreign key mismatch/);
      assert.throws(() => db.pragma('foreign_key_check'), /foreign key mismatch/);
    } finally {
      db.close();
    }
  });

  test('validateDatabase() reports that mismatch when events.session_id is not unique', async () => {
    const dir = copyOfMigrations();
    const first = join(dir, '0001_create_events.sql');
    writeFileSync(first, readFileSync(first, 'utf8').replace('session_id TEXT NOT NULL UNIQUE', 'session_id TEXT NOT NULL'));
    await freshDatabase({ migrationsDir: dir });
    const check = await checkDatabase();
    assert.equal(check.ok, false);
    assert.ok(
      check.problems.some((p) => /foreign key mismatch/.test(p)),
      check.problems.join('\n'),
    );
    // Not a refused row (null) but a broken schema: the error propagates.
    assert.throws(() => insertUsageSnapshot({ session_id: 's1', snapshot_data: '{}' }), /foreign key mismatch/);
  });
});

// ---- default data creation -----------------------------------------------------------------------

describe('default data creation', () => {
  test("migrating creates exactly one active configuration with the document's defaults", async () => {
    const before = now();
    await freshDatabase();
    assert.equal(count('usage_config'), 1);
    const config = getUsageConfig();
    assert.ok(config);
    const { id, created_at, updated_at, ...settings } = config;
    assert.equal(id, 1);
    assert.deepEqual(settings, {
      plan: 'custom',
      custom_limit_tokens: null,
      view: 'realtime',
      timezone: 'auto',
      time_format: 'auto',
      theme: 'auto',
      refresh_rate: 10,
      refresh_per_second: 0.75,
      reset_hour: null,
      is_active: 1,
    });
    for (const stamp of [created_at, updated_at]) assert.ok(stamp >= before && stamp <= now(), `${stamp} is unix seconds of now`);
  });

  test('re-applying the default-data migration after a rollback creates it once again, not twice', async () => {
    await freshDatabase();
    await rollbackMigrations(3);
    await runMigrations();
    assert.equal(count('usage_config'), 1);
  });
});

// ---- usage configuration API ---------------------------------------------------------------------

describe('usage configuration API', () => {
  test('updateUsageConfig() sets the given settings and bumps updated_at (seconds)', async () => {
    await freshDatabase();
    getDatabase().prepare('UPDATE usage_config SET created_at = 1000, updated_at = 1000').run();
    assert.equal(updateUsageConfig({ plan: 'pro', refresh_rate: 30, theme: 'dark' }), true);
    const config = getUsageConfig();
    assert.ok(config);
    assert.equal(config.plan, 'pro');
    assert.equal(config.refresh_rate, 30);
    assert.equal(config.theme, 'dark');
    assert.equal(config.view, 'realtime', 'other settings are untouched');
    assert.equal(config.created_at, 1000);
    assert.ok(Math.abs(config.updated_at - now()) <= 2);

    assert.equal(
      updateUsageConfig({ custom_limit_tokens: 500_000, reset_hour: 4, refresh_per_second: 2.5, timezone: 'Europe/Paris', time_format: '24h', view: 'daily' }),
      true,
    );
    assert.equal(updateUsageConfig({ custom_limit_tokens: null, reset_hour: null }), true);
    assert.deepEqual(
      (({ custom_limit_tokens, reset_hour, refresh_per_second, timezone, time_format, view }) => ({
        custom_limit_tokens,
        reset_hour,
        refresh_per_second,
        timezone,
        time_format,
        view,
      }))(getUsageConfig()!),
      { custom_limit_tokens: null, reset_hour: null, refresh_per_second: 2.5, timezone: 'Europe/Paris', time_format: '24h', view: 'daily' },
    );
  });

  test('updateUsageConfig() validates keys and types, and refuses the whole update on any error', async () => {
    await freshDatabase();
    const before = getUsageConfig();
    const refused: unknown[] = [
      {},
      { plan: undefined },
      { colour: 'red' },
      { plan: 'pro', colour: 'red' },
      { id: 7 },
      { created_at: 1 },
      { updated_at: 1 },
      { is_active: 0 },
      { refresh_rate: '30' },
      { refresh_rate: 10.5 },
      { refresh_rate: true },
      { refresh_per_second: Number.NaN },
      { plan: null },
      { custom_limit_tokens: 1.5 },
      { toString: 'x' },
      null,
      [],
      'plan=pro',
    ];
    for (const updates of refused) assert.equal(updateUsageConfig(updates as UsageConfigUpdate), false, JSON.stringify(updates));
    assert.deepEqual(getUsageConfig(), before);
    assert.equal(updateUsageConfig({ plan: 'max20', theme: undefined }), true, 'undefined values are skipped');
  });

  test('updateUsageConfig() returns false when there is no active configuration', async () => {
    await freshDatabase();
    getDatabase().prepare('UPDATE usage_config SET is_active = 0').run();
    assert.equal(getUsageConfig(), null);
    assert.equal(updateUsageConfig({ plan: 'pro' }), false);
  });

  test('resetUsageConfig() makes a default configuration active and keeps the old one inactive', async () => {
    await freshDatabase();
    updateUsageConfig({ plan: 'pro', theme: 'dark', reset_hour: 5 });
    const old = getUsageConfig()!;
    assert.equal(resetUsageConfig(), true);
    const config = getUsageConfig()!;
    assert.notEqual(config.id, old.id);
    assert.equal(config.plan, 'custom');
    assert.equal(config.theme, 'auto');
    assert.equal(config.reset_hour, null);
    const history = getDatabase().prepare('SELECT plan, is_active FROM usage_config WHERE id = ?').get(old.id);
    assert.deepEqual(history, { plan: 'pro', is_active: 0 });
    assert.equal(resetUsageConfig(), true);
    assert.equal((getDatabase().prepare('SELECT count(*) AS n FROM usage_config WHERE is_active = 1').get() as { n: number }).n, 1);
    assert.equal(count('usage_config'), 3);
  });

  test('resetUsageConfig() restores a configuration when none is active', async () => {
    await freshDatabase();
    getDatabase().prepare('DELETE FROM usage_config').run();
    assert.equal(resetUsageConfig(), true);
    assert.equal(getUsageConfig()?.plan, 'custom');
  });

  test('the functions say clearly when the database is not open', () => {
    assert.throws(() => getUsageConfig(), /initDatabase\(\) first/);
    assert.throws(() => insertUsageSnapshot({ session_id: 's', snapshot_data: '{}' }), /initDatabase\(\) first/);
  });
});

// ---- usage snapshots API -------------------------------------------------------------------------

describe('usage snapshots API', () => {
  test('insertUsageSnapshot() returns the stored row, with type stats and timestamp now (seconds) by default', async () => {
    await freshDatabase();
    addSession('session-123');
    const stored = insertUsageSnapshot({ session_id: 'session-123', snapshot_data: JSON.stringify({ tokens: 1234 }) });
    assert.ok(stored);
    assert.equal(stored.id, 1);
    assert.equal(stored.session_id, 'session-123');
    assert.equal(stored.snapshot_type, 'stats');
    assert.deepEqual(JSON.parse(stored.snapshot_data), { tokens: 1234 });
    assert.ok(Math.abs(stored.timestamp - now()) <= 2);
    const explicit = insertUsageSnapshot({ session_id: 'session-123', snapshot_data: '[]', snapshot_type: 'config', timestamp: 1_700_000_000 });
    assert.deepEqual(explicit, { id: 2, session_id: 'session-123', snapshot_data: '[]', snapshot_type: 'config', timestamp: 1_700_000_000 });
  });

  test('insertUsageSnapshot() refuses millisecond timestamps, non-JSON data and bad input', async () => {
    await freshDatabase();
    addSession('s1');
    assert.equal(insertUsageSnapshot({ session_id: 's1', snapshot_data: '{}', timestamp: Date.now() }), null, 'Date.now() is milliseconds');
    assert.equal(insertUsageSnapshot({ session_id: 's1', snapshot_data: '{}', timestamp: 1.5 }), null);
    assert.equal(insertUsageSnapshot({ session_id: 's1', snapshot_data: '{}', timestamp: -1 }), null);
    assert.equal(insertUsageSnapshot({ session_id: 's1', snapshot_data: 'not json' }), null);
    assert.equal(insertUsageSnapshot({ session_id: 's1', snapshot_data: { tokens: 1 } as never }), null);
    assert.equal(insertUsageSnapshot({ session_id: 1 as never, snapshot_data: '{}' }), null);
    assert.equal(count('usage_snapshots'), 0);
  });

  test('getUsageSnapshots() filters by session and by hoursBack, newest first, up to limit', async () => {
    await freshDatabase();
    addSession('a');
    addSession('b');
    const t = now();
    const at = (session: string, secondsAgo: number, label: string) =>
      insertUsageSnapshot({ session_id: session, snapshot_data: JSON.stringify({ label }), timestamp: t - secondsAgo })!;
    at('a', 47 * HOUR, 'a-47h');
    at('a', 25 * HOUR, 'a-25h');
    at('a', 23 * HOUR, 'a-23h');
    at('b', 2 * HOUR, 'b-2h');
    at('a', 1 * HOUR, 'a-1h');
    at('a', 60, 'a-1m');
    const labels = (rows: { snapshot_data: string }[]) => rows.map((r) => (JSON.parse(r.snapshot_data) as { label: string }).label);

    assert.deepEqual(labels(getUsageSnapshots()), ['a-1m', 'a-1h', 'b-2h', 'a-23h'], 'default: last 24 hours, all sessions');
    assert.deepEqual(labels(getUsageSnapshots('a')), ['a-1m', 'a-1h', 'a-23h']);
    assert.deepEqual(labels(getUsageSnapshots('b')), ['b-2h']);
    assert.deepEqual(labels(getUsageSnapshots('nobody')), []);
    assert.deepEqual(labels(getUsageSnapshots(undefined, 2)), ['a-1m', 'a-1h']);
    assert.deepEqual(labels(getUsageSnapshots('a', 100, 48)), ['a-1m', 'a-1h', 'a-23h', 'a-25h', 'a-47h']);
    assert.deepEqual(labels(getUsageSnapshots(undefined, 100, 1.5)), ['a-1m', 'a-1h']);
    assert.deepEqual(labels(getUsageSnapshots(undefined, 100, 0.5)), ['a-1m']);
  });

  test('getUsageSnapshots() returns at most 100 by default', async () => {
    await freshDatabase();
    addSession('s1');
    const insertMany = getDatabase().transaction(() => {
      for (let k = 0; k < 105; k++) insertUsageSnapshot({ session_id: 's1', snapshot_data: `{"k":${k}}`, timestamp: now() - k });
    });
    insertMany();
    const rows = getUsageSnapshots();
    assert.equal(rows.length, 100);
    assert.equal(rows[0]!.snapshot_data, '{"k":0}');
    assert.equal(getUsageSnapshots('s1', 500).length, 105);
  });

  test('getUsageSnapshots() refuses a limit or window that SQLite would misread', async () => {
    await freshDatabase();
    for (const limit of [0, -1, 1.5, Number.NaN]) assert.throws(() => getUsageSnapshots(undefined, limit), RangeError);
    for (const hours of [0, -3, Number.POSITIVE_INFINITY, Number.NaN]) assert.throws(() => getUsageSnapshots(undefined, 10, hours), RangeError);
  });

  test('getUsageSnapshotsBySession() returns every snapshot of the session, oldest first, however old', async () => {
    await freshDatabase();
    addSession('a');
    addSession('b');
    const t = now();
    insertUsageSnapshot({ session_id: 'a', snapshot_data: '"new"', timestamp: t });
    insertUsageSnapshot({ session_id: 'a', snapshot_data: '"old"', timestamp: t - 90 * DAY });
    insertUsageSnapshot({ session_id: 'b', snapshot_data: '"b"', timestamp: t });
    insertUsageSnapshot({ session_id: 'a', snapshot_data: '"mid"', timestamp: t - 2 * DAY });
    assert.deepEqual(
      getUsageSnapshotsBySession('a').map((r) => r.snapshot_data),
      ['"old"', '"mid"', '"new"'],
    );
    assert.deepEqual(getUsageSnapshotsBySession('zzz'), []);
  });

  test('deleteOldUsageSnapshots() deletes what is older than daysOld (30 by default) and counts it', async () => {
    await freshDatabase();
    addSession('s1');
    const t = now();
    for (const daysAgo of [0, 1, 29, 31, 60, 365]) insertUsageSnapshot({ session_id: 's1', snapshot_data: `${daysAgo}`, timestamp: t - daysAgo * DAY });
    assert.equal(deleteOldUsageSnapshots(), 3);
    assert.deepEqual(
      getUsageSnapshotsBySession('s1').map((r) => r.snapshot_data),
      ['29', '1', '0'],
    );
    assert.equal(deleteOldUsageSnapshots(7), 1);
    assert.equal(deleteOldUsageSnapshots(7), 0);
    assert.equal(deleteOldUsageSnapshots(0.5), 1);
    assert.deepEqual(
      getUsageSnapshotsBySession('s1').map((r) => r.snapshot_data),
      ['0'],
    );
    for (const days of [-1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => deleteOldUsageSnapshots(days), RangeError);
  });
});

// ---- migration status and validation -------------------------------------------------------------

describe('migration status and validation', () => {
  test('getMigrationStatus() on a database with nothing applied', async () => {
    await freshDatabase({ migrate: false });
    const status = await getMigrationStatus();
    assert.deepEqual(status, {
      currentVersion: 0,
      latestVersion: 5,
      applied: [],
      pending: MIGRATION_NAMES.map((name, k) => ({ version: k + 1, name })),
      problems: [],
    });
    assert.equal(await validateDatabase(), false);
  });

  test('validateDatabase() is true for a freshly migrated database', async () => {
    await freshDatabase();
    addSession('s1');
    insertUsageSnapshot({ session_id: 's1', snapshot_data: '{}' });
    assert.deepEqual(await checkDatabase(), { ok: true, problems: [] });
    assert.equal(await validateDatabase(), true);
  });

  test('validateDatabase() is false while migrations are pending', async () => {
    await freshDatabase();
    await rollbackMigrations(3);
    const check = await checkDatabase();
    assert.equal(check.ok, false);
    assert.deepEqual(check.problems, ['2 migration(s) pending: the schema is not current']);
  });

  test('validateDatabase() is false when rows break a foreign key (written with enforcement off)', async () => {
    await freshDatabase();
    const db = getDatabase();
    db.pragma('foreign_keys = OFF');
    db.prepare("INSERT INTO usage_snapshots (session_id, snapshot_data) VALUES ('ghost', '{}')").run();
    db.pragma('foreign_keys = ON');
    const check = await checkDatabase();
    assert.equal(check.ok, false);
    assert.ok(
      check.problems.some((p) => /foreign_key_check: usage_snapshots row 1 references a missing row in events/.test(p)),
      check.problems.join('\n'),
    );
  });

  test('validateDatabase() is false when an applied migration file was edited, and status says so', async () => {
    const dir = copyOfMigrations();
    await freshDatabase({ migrationsDir: dir });
    appendFileSync(join(dir, '0003_create_usage_snapshots.sql'), '\n-- an edit after the fact\n');
    const check = await checkDatabase();
    assert.equal(check.ok, false);
    assert.match(check.problems.join('\n'), /0003_create_usage_snapshots\.sql was edited after it was applied/);
    const status = await getMigrationStatus();
    assert.equal(status.currentVersion, 5);
    assert.equal(status.problems.length, 1);
  });

  test('validateDatabase() is false when a migrated index was dropped by hand, or no configuration is active', async () => {
    await freshDatabase();
    getDatabase().exec('DROP INDEX idx_usage_snapshots_type');
    assert.deepEqual((await checkDatabase()).problems, ['index idx_usage_snapshots_type is missing']);
    getDatabase().exec('CREATE INDEX idx_usage_snapshots_type ON usage_snapshots(snapshot_type)');
    getDatabase().exec('UPDATE usage_config SET is_active = 0');
    assert.deepEqual((await checkDatabase()).problems, ['usage_config has 0 active rows (expected exactly 1)']);
    resetUsageConfig();
    assert.equal(await validateDatabase(), true);
  });
});

// ---- the command line ----------------------------------------------------------------------------

describe('scripts/migrate.ts', () => {
  const env = { ...process.env, OBSERVABILITY_DB: '', DATABASE_URL: '' };
  const run = (args: string[]) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, env, encoding: 'utf8' });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const strata = (args: string[]) => {
    const result = spawnSync(process.execPath, [STRATA_CLI, ...args], { cwd: ROOT, env, encoding: 'utf8' });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  test('migrate, status, rollback, rollback 0, validate, migrate, validate', () => {
    const db = join(tempDir(), 'events.db');

    const missing = run(['status', '--db', db]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /no database at .*run 'migrate'/);
    assert.ok(!existsSync(db), 'status does not create the database');

    const migrated = run(['--db', db]);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /5 migration\(s\) applied; database version: 5/);

    const status = run(['status', '--db', db]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Database version: 5 \(latest: 5\)/);
    assert.match(status.stdout, /applied {2}3 create_usage_snapshots at \d{4}-/);
    assert.match(status.stdout, /5 applied, 0 pending/);

    const back = run(['rollback', '--db', db]);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /reverted +5 index_migrations_applied_at/);
    assert.match(back.stdout, /1 migration\(s\) rolled back; database version: 4/);

    const toZero = run(['rollback', '0', '--db', db]);
    assert.equal(toZero.code, 0, toZero.stderr);
    assert.match(toZero.stdout, /4 migration\(s\) rolled back; database version: 0/);

    const invalid = run(['validate', '--db', db]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stdout, /! 5 migration\(s\) pending/);

    assert.equal(run(['migrate', '--db', db]).code, 0);
    const valid = run(['validate', '--db', db]);
    assert.equal(valid.code, 0, valid.stdout);
    assert.match(valid.stdout, /is valid/);
  });

  test('bad usage exits 2; a Strata error exits 1 with its code and hint', () => {
    const db = join(tempDir(), 'events.db');
    for (const args of [['bogus'], ['rollback', 'x'], ['status', 'extra'], ['--nope']]) {
      const result = run([...args, '--db', db]);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /usage: migrate\.ts/);
    }
    assert.equal(run(['--db', db]).code, 0);
    const unknown = run(['rollback', '42', '--db', db]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /error VERSION_UNKNOWN: there is no migration with version 42\n {2}hint: /);
  });

  test('the strata CLI works on the same folder and ledger', () => {
    const db = join(tempDir(), 'events.db');
    const dir = join('examples', 'observability', 'migrations');
    assert.equal(run(['--db', db]).code, 0);

    const status = strata(['status', '--dir', dir, '--db', db, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as { currentVersion: string; pending: number; problems: unknown[] };
    assert.equal(report.currentVersion, '5');
    assert.equal(report.pending, 0);
    assert.deepEqual(report.problems, []);

    assert.equal(strata(['rollback', '2', '--dir', dir, '--db', db]).code, 0);
    assert.match(run(['status', '--db', db]).stdout, /Database version: 2 \(latest: 5\)/);
    assert.equal(strata(['migrate', '--dir', dir, '--db', db]).code, 0);
    assert.equal(strata(['validate', '--dir', dir, '--db', db]).code, 0);
    assert.equal(run(['validate', '--db', db]).code, 0);
  });
});
