// strata adopt on SQLite: the engine's checks and refusals, adopted history in status, and the
// readers of tools that cannot run here (golang-migrate, goose, Prisma, sqlx, D1, Atlas are not
// on npm, or download engines), each ledger built with the DDL its tool's source uses (named at
// each test). The real tools (dbmate, drizzle-orm's migrator) and the servers: adopt-tools.test.ts.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { adopt, type ToolLedgerReader } from '../src/adopt.js';
import { createMigrator } from '../src/index.js';
import { ErrorCode, StrataError } from '../src/model/errors.js';
import { atlasHashFile } from '../src/sources/formats/atlas.js';
import { prismaChecksum } from '../src/sources/formats/prisma.js';
import { sqlxChecksum } from '../src/sources/formats/sqlx.js';
import { ROOT, tempDir, writeFiles } from './helpers.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'formats');

function project(fixture?: string): { dir: string; db: string; migrations: string } {
  const dir = tempDir('strata-adopt-');
  const migrations = join(dir, 'migrations');
  if (fixture) cpSync(join(FIXTURES, fixture), migrations, { recursive: true });
  return { dir, db: join(dir, 'app.db'), migrations };
}

function sqlite(path: string, sql: string): void {
  const db = new Database(path);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

async function rejects(promise: Promise<unknown>, code: string): Promise<StrataError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StrataError, String(error));
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

// golang-migrate database/sqlite3/sqlite3.go (ensureVersionTable): one row, the current version.
const GOLANG_MIGRATE_SQLITE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version uint64, dirty bool); CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);';

function golangFolder(migrations: string): void {
  writeFiles(migrations, {
    '1_create_people.up.sql': 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL);',
    '1_create_people.down.sql': 'DROP TABLE people;',
    '2_add_email.up.sql': 'ALTER TABLE people ADD COLUMN email TEXT;',
    '2_add_email.down.sql': 'ALTER TABLE people DROP COLUMN email;',
  });
}

describe('adopt golang-migrate (ledger built from golang-migrate database/sqlite3/sqlite3.go)', () => {
  test('every file up to the one recorded version is adopted; a new file is pending and migrate runs only it', async () => {
    const { db, migrations } = project();
    golangFolder(migrations);
    sqlite(
      db,
      `${GOLANG_MIGRATE_SQLITE} CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT); INSERT INTO schema_migrations VALUES (2, 0);`,
    );
    writeFiles(migrations, {
      '3_add_phone.up.sql': 'ALTER TABLE people ADD COLUMN phone TEXT;',
      '3_add_phone.down.sql': 'ALTER TABLE people DROP COLUMN phone;',
    });
    const migrator = createMigrator({ db, dir: migrations, backup: false });
    const events: string[] = [];
    migrator.events.onAny((name) => events.push(name));
    try {
      const report = await adopt(migrator, { from: 'golang-migrate', dir: migrations });
      assert.deepEqual(
        report.entries.map((e) => [e.version, e.name, e.operation, e.adoptedFrom]),
        [
          ['1', 'create_people', 'adopt', 'golang-migrate'],
          ['2', 'add_email', 'adopt', 'golang-migrate'],
        ],
      );
      assert.deepEqual(
        report.pending.map((p) => p.version),
        ['3'],
      );
      assert.equal(report.config?.format, undefined);
      assert.ok(events.includes('adopt:read') && events.includes('adopt:checked') && events.includes('adopt:done') && events.includes('lock:acquired'));
      const before = await migrator.status();
      assert.deepEqual(
        before.migrations.map((m) => [m.state, m.adoptedFrom]),
        [
          ['applied', 'golang-migrate'],
          ['applied', 'golang-migrate'],
          ['pending', undefined],
        ],
      );
      const run = await migrator.migrate();
      assert.deepEqual(
        run.results.map((r) => r.version),
        ['3'],
      );
      const after = await migrator.status();
      assert.deepEqual(
        after.migrations.map((m) => m.state),
        ['applied', 'applied', 'applied'],
      );
      assert.equal(after.problems.length, 0);
      // Again: a no-op, even with Strata's own step now in the ledger.
      const again = await adopt(migrator, { from: 'golang-migrate', dir: migrations });
      assert.equal(again.alreadyAdopted, true);
    } finally {
      await migrator.close();
    }
    // golang-migrate's ledger is left as it was; Strata's rows say where they came from (ledger v2).
    const raw = new Database(db, { readonly: true });
    assert.deepEqual(raw.prepare('SELECT version, operation, adopted_from, duration_ms FROM strata_migrations ORDER BY applied_at, version').all(), [
      { version: '1', operation: 'adopt', adopted_from: 'golang-migrate', duration_ms: 0 },
      { version: '2', operation: 'adopt', adopted_from: 'golang-migrate', duration_ms: 0 },
      {
        version: '3',
        operation: 'up',
        adopted_from: null,
        duration_ms: raw.prepare("SELECT duration_ms FROM strata_migrations WHERE version = '3'").pluck().get(),
      },
    ]);
    assert.deepEqual(raw.prepare('SELECT version, dirty FROM schema_migrations').all(), [{ version: 2, dirty: 0 }]);
    raw.close();
  });

  test('a dirty version stops the adoption with a coded error naming it, and writes nothing', async () => {
    const { db, migrations } = project();
    golangFolder(migrations);
    sqlite(db, `${GOLANG_MIGRATE_SQLITE} INSERT INTO schema_migrations VALUES (2, 1);`);
    const migrator = createMigrator({ db, dir: migrations, backup: false });
    try {
      const error = await rejects(adopt(migrator, { from: 'golang-migrate', dir: migrations }), ErrorCode.ADOPT_STEP_UNFINISHED);
      assert.match(error.message, /2 \(add_email\): dirty = true/);
      assert.match(error.hint ?? '', /nothing was written/);
      assert.equal((await migrator.status()).migrations.filter((m) => m.state === 'applied').length, 0);
    } finally {
      await migrator.close();
    }
  });

  test('a version with no file refuses with a per-step report', async () => {
    const { db, migrations } = project();
    golangFolder(migrations);
    sqlite(db, `${GOLANG_MIGRATE_SQLITE} INSERT INTO schema_migrations VALUES (7, 0);`);
    const migrator = createMigrator({ db, dir: migrations, backup: false });
    try {
      const error = await rejects(adopt(migrator, { from: 'golang-migrate', dir: migrations }), ErrorCode.ADOPT_FILE_MISSING);
      assert.deepEqual(error.details.steps, [{ version: '7', name: '7' }]);
    } finally {
      await migrator.close();
    }
  });
});

describe('adopt: what the engine refuses', () => {
  test('an unknown tool, a database without the ledger, and a Strata ledger with other rows', async () => {
    const { db, migrations } = project();
    golangFolder(migrations);
    const migrator = createMigrator({ db, dir: migrations, backup: false });
    try {
      const unknown = await rejects(adopt(migrator, { from: 'liquibase' }), ErrorCode.ADOPT_TOOL_UNKNOWN);
      assert.ok((unknown.details.tools as string[]).includes('flyway'));
      sqlite(db, 'CREATE TABLE other (id INTEGER)');
      const missing = await rejects(adopt(migrator, { from: 'dbmate', dir: migrations }), ErrorCode.ADOPT_LEDGER_MISSING);
      assert.match(missing.message, /schema_migrations is not there/);
      await migrator.migrate({ to: 1 });
      sqlite(db, "CREATE TABLE schema_migrations (version varchar(128) primary key); INSERT INTO schema_migrations VALUES ('1'), ('2');");
      const busy = await rejects(adopt(migrator, { from: 'dbmate', dir: migrations }), ErrorCode.ADOPT_LEDGER_NOT_EMPTY);
      assert.match(busy.message, /already has 1 row \(1_create_people\)/);
    } finally {
      await migrator.close();
    }
  });

  test('--dry-run reports the rows and writes nothing', async () => {
    const { db, migrations } = project();
    golangFolder(migrations);
    sqlite(db, `${GOLANG_MIGRATE_SQLITE} INSERT INTO schema_migrations VALUES (1, 0);`);
    const migrator = createMigrator({ db, dir: migrations, backup: false });
    try {
      const report = await adopt(migrator, { from: 'golang-migrate', dir: migrations, dryRun: true });
      assert.equal(report.dryRun, true);
      assert.equal(report.entries.length, 1);
      assert.equal((await migrator.status()).currentVersion, null);
    } finally {
      await migrator.close();
    }
    const raw = new Database(db, { readonly: true });
    assert.deepEqual(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'strata_migrations'").get(), { n: 0 });
    raw.close();
  });
});

describe('adopted history from a tool whose migrations are code (history only)', () => {
  // A reader like the knex/umzug ones (branch adopt-js): its files are JavaScript Strata does not run.
  const codeTool: ToolLedgerReader = {
    tool: 'code-tool',
    layoutSource: 'test',
    defaultDir: 'js-migrations',
    folder: 'history-only',
    async read(db) {
      if (!(await db.tableExists('code_tool_log'))) return null;
      const rows = await db.query<{ name: string; at: string }>('SELECT name, at FROM code_tool_log ORDER BY name');
      return { source: 'code_tool_log', steps: rows.map((r) => ({ version: r.name.slice(0, 14), name: r.name, appliedAt: r.at })), unfinished: [] };
    },
  };

  test('status shows it as adopted (not missing files), migrate applies Strata files after it, rollback says it has no down', async () => {
    const { db, migrations } = project();
    sqlite(
      db,
      "CREATE TABLE code_tool_log (name TEXT, at TEXT); INSERT INTO code_tool_log VALUES ('20240101000000_create_people.js', '2024-01-01T00:00:00.000Z'), ('20240102000000_add_email.js', '2024-01-02T00:00:00.000Z'); CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT);",
    );
    writeFiles(migrations, {
      '20250101000000_add_phone.sql': '-- migrate:up\nALTER TABLE people ADD COLUMN phone TEXT;\n-- migrate:down\nALTER TABLE people DROP COLUMN phone;\n',
    });
    const migrator = createMigrator({ db, dir: migrations, backup: false });
    try {
      const report = await adopt(migrator, { from: codeTool });
      assert.equal(report.config, null);
      assert.deepEqual(
        report.entries.map((e) => [e.version, e.name, e.checksum, e.appliedAt]),
        [
          ['20240101000000', 'create_people', 'adopted-history:code-tool', '2024-01-01T00:00:00.000Z'],
          ['20240102000000', 'add_email', 'adopted-history:code-tool', '2024-01-02T00:00:00.000Z'],
        ],
      );
      const status = await migrator.status();
      assert.deepEqual(
        status.migrations.map((m) => [m.version, m.state, m.adoptedFrom]),
        [
          ['20240101000000', 'adopted', 'code-tool'],
          ['20240102000000', 'adopted', 'code-tool'],
          ['20250101000000', 'pending', undefined],
        ],
      );
      assert.deepEqual(status.problems, []);
      assert.equal((await migrator.validate()).ok, true);
      assert.deepEqual(
        (await migrator.migrate()).results.map((r) => r.version),
        ['20250101000000'],
      );
      await migrator.rollback();
      const error = await rejects(migrator.rollback(), ErrorCode.MIGRATION_DOWN_MISSING);
      assert.match(error.message, /adopted from code-tool as history only/);
    } finally {
      await migrator.close();
    }
  });
});

describe('adopt goose (ledger built from pressly/goose internal/dialect/dialectquery/sqlite3.go)', () => {
  test('the is_applied log is replayed: a version applied, reverted and applied again counts once; one reverted is not adopted', async () => {
    const { db, migrations } = project();
    writeFiles(migrations, {
      '00001_create_people.sql': '-- +goose Up\nCREATE TABLE people (id INTEGER PRIMARY KEY);\n-- +goose Down\nDROP TABLE people;\n',
      '00002_add_email.sql': '-- +goose Up\nALTER TABLE people ADD COLUMN email TEXT;\n-- +goose Down\nALTER TABLE people DROP COLUMN email;\n',
      '00003_add_phone.sql': '-- +goose Up\nALTER TABLE people ADD COLUMN phone TEXT;\n-- +goose Down\nALTER TABLE people DROP COLUMN phone;\n',
    });
    sqlite(
      db,
      `CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')));
       INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (1, 1), (2, 1), (3, 1), (3, 0), (2, 0), (2, 1);
       CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT);`,
    );
    const migrator = createMigrator({ db, dir: migrations, backup: false, format: 'goose' });
    try {
      const report = await adopt(migrator, { from: 'goose', dir: migrations });
      assert.deepEqual(
        report.entries.map((e) => e.version),
        ['1', '2'],
      );
      assert.deepEqual(report.config?.format, 'goose');
      assert.match(report.entries[0]!.appliedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual(
        (await migrator.migrate()).results.map((r) => r.version),
        ['3'],
      );
    } finally {
      await migrator.close();
    }
  });
});

// prisma/prisma-engines schema-engine/connectors/sql-schema-connector/src/flavour/sqlite.rs (create_migrations_table).
const PRISMA_SQLITE = `CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
);`;

describe('adopt Prisma (ledger built from prisma-engines sqlite.rs; Prisma downloads its engines, so it cannot run here)', () => {
  function prismaProject(): { db: string; migrations: string; rows: (finished: boolean, rolledBack?: boolean) => string } {
    const { db, migrations } = project('prisma');
    const sums = ['20240301090000_init', '20240302100000_publish_posts'].map((name) => [
      name,
      prismaChecksum(readFileSync(join(migrations, name, 'migration.sql'))),
    ]);
    return {
      db,
      migrations,
      rows: (finished, rolledBack = false) =>
        sums
          .map(
            ([name, sum], k) =>
              `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at, started_at, applied_steps_count) VALUES ('id-${k}', '${sum}', ${k === 1 && !finished ? 'NULL' : `'2024-03-0${k + 1} 09:00:00'`}, '${name}', ${k === 1 && rolledBack ? "'2024-03-05 00:00:00'" : 'NULL'}, '2024-03-0${k + 1} 09:00:00', 1);`,
          )
          .join('\n'),
    };
  }

  test('finished rows are adopted with their finished_at; the checksums are verified', async () => {
    const { db, migrations, rows } = prismaProject();
    sqlite(db, `${PRISMA_SQLITE}\n${rows(true)}`);
    const migrator = createMigrator({ db, dir: migrations, backup: false, format: 'prisma' });
    try {
      const report = await adopt(migrator, { from: 'prisma', dir: migrations });
      assert.equal(report.checksumsVerified, 2);
      assert.deepEqual(
        report.entries.map((e) => [e.version, e.appliedAt]),
        [
          ['20240301090000', '2024-03-01T09:00:00.000Z'],
          ['20240302100000', '2024-03-02T09:00:00.000Z'],
        ],
      );
      assert.deepEqual(
        (await migrator.status()).migrations.map((m) => m.state),
        ['applied', 'applied'],
      );
    } finally {
      await migrator.close();
    }
  });

  test('an unfinished row (finished_at IS NULL) and one rolled back refuse, naming the migration', async () => {
    for (const rolledBack of [false, true]) {
      const { db, migrations, rows } = prismaProject();
      sqlite(db, `${PRISMA_SQLITE}\n${rows(false, rolledBack)}`);
      const migrator = createMigrator({ db, dir: migrations, backup: false, format: 'prisma' });
      try {
        const error = await rejects(adopt(migrator, { from: 'prisma', dir: migrations }), ErrorCode.ADOPT_STEP_UNFINISHED);
        assert.match(
          error.message,
          rolledBack ? /20240302100000_publish_posts\): rolled_back_at is set/ : /20240302100000_publish_posts\): finished_at IS NULL/,
        );
      } finally {
        await migrator.close();
      }
    }
  });

  test('a migration.sql edited after Prisma applied it refuses with file, stored and computed checksums', async () => {
    const { db, migrations, rows } = prismaProject();
    sqlite(db, `${PRISMA_SQLITE}\n${rows(true)}`);
    const file = join(migrations, '20240302100000_publish_posts', 'migration.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited\n`);
    const migrator = createMigrator({ db, dir: migrations, backup: false, format: 'prisma' });
    try {
      const error = await rejects(adopt(migrator, { from: 'prisma', dir: migrations }), ErrorCode.ADOPT_CHECKSUM_MISMATCH);
      const [mismatch] = error.details.files as { file: string; stored: string; computed: string }[];
      assert.match(mismatch!.file, /20240302100000_publish_posts[/\\]migration\.sql$/);
      assert.equal(mismatch!.computed, prismaChecksum(readFileSync(file)));
      assert.notEqual(mismatch!.stored, mismatch!.computed);
      assert.equal((await migrator.status()).currentVersion, null);
    } finally {
      await migrator.close();
    }
  });
});

// launchbadge/sqlx sqlx-sqlite/src/migrate.rs (ensure_migrations_table).
const SQLX_SQLITE = `CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);`;

describe('adopt sqlx (ledger built from sqlx-sqlite/src/migrate.rs)', () => {
  function sqlxLedger(db: string, migrations: string, success: boolean, tamper = false): void {
    const raw = new Database(db);
    raw.exec(SQLX_SQLITE);
    const insert = raw.prepare('INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (?, ?, ?, ?, 1000)');
    for (const [version, description, ok] of [
      [20240101000000, 'create people', true],
      [20240102000000, 'people name index', success],
    ] as const) {
      const up = readFileSync(join(migrations, `${version}_${description.replace(/ /g, '_')}.up.sql`));
      const sum = Buffer.from(sqlxChecksum(tamper ? Buffer.concat([up, Buffer.from('x')]) : up), 'hex');
      insert.run(version, description, ok ? 1 : 0, sum);
    }
    raw.close();
  }

  test('applied rows are adopted with their SHA-384 checksums verified', async () => {
    const { db, migrations } = project('sqlx');
    sqlxLedger(db, migrations, true);
    const migrator = createMigrator({ db, dir: migrations, backup: false, format: 'sqlx' });
    try {
      const report = await adopt(migrator, { from: 'sqlx', dir: migrations });
      assert.equal(report.checksumsVerified, 2);
      assert.deepEqual(
        report.entries.map((e) => e.name),
        ['create_people', 'people_name_index'],
      );
    } finally {
      await migrator.close();
    }
  });

  test('success = false refuses; a changed checksum refuses', async () => {
    for (const [success, tamper, code] of [
      [false, false, ErrorCode.ADOPT_STEP_UNFINISHED],
      [true, true, ErrorCode.ADOPT_CHECKSUM_MISMATCH],
    ] as const) {
      const { db, migrations } = project('sqlx');
      sqlxLedger(db, migrations, success, tamper);
      const migrator = createMigrator({ db, dir: migrations, backup: false, format: 'sqlx' });
      try {
        const error = await rejects(adopt(migrator, { from: 'sqlx', dir: migrations }), code);
        assert.match(error.message, /20240102000000/);
      } finally {
        await migrator.close();
      }
    }
  });
});

describe('adopt Wrangler D1 (ledger built from workers-sdk packages/wrangler/src/d1/migrations/helpers.ts)', () => {
  test('rows by file name are adopted with applied_at; a new numbered file is pending', async () => {
    const { db, migrations } = project('d1');
    sqlite(
      db,
      `CREATE TABLE IF NOT EXISTS d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);
       INSERT INTO d1_migrations (name, applied_at) VALUES ('0001_create_notes.sql', '2024-03-01 09:00:00');
       CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);`,
    );
    const migrator = createMigrator({ db, dir: migrations, backup: false, format: 'd1' });
    try {
      const report = await adopt(migrator, { from: 'd1', dir: migrations });
      assert.deepEqual(
        report.entries.map((e) => [e.version, e.name, e.appliedAt]),
        [['1', 'create_notes', '2024-03-01T09:00:00.000Z']],
      );
      assert.deepEqual(
        report.pending.map((p) => p.version),
        ['2'],
      );
      assert.deepEqual(
        (await migrator.migrate()).results.map((r) => r.version),
        ['2'],
      );
    } finally {
      await migrator.close();
    }
  });
});

// ariga/atlas cmd/atlas/internal/migrate/ent/schema/revision.go, as ent creates it on SQLite.
const ATLAS_SQLITE = `CREATE TABLE atlas_schema_revisions (version text NOT NULL PRIMARY KEY, description text NOT NULL, type integer NOT NULL DEFAULT 2,
  applied integer NOT NULL DEFAULT 0, total integer NOT NULL DEFAULT 0, executed_at datetime NOT NULL, execution_time integer NOT NULL,
  error text NULL, error_stmt text NULL, hash text NOT NULL, partial_hashes json NULL, operator_version text NOT NULL);`;

describe('adopt Atlas (ledger built from ariga/atlas revision.go)', () => {
  function atlasLedger(db: string, migrations: string, options: { partial?: boolean; tamper?: boolean } = {}): void {
    const names = ['20240301090000_create_people.sql', '20240302090000_people_index.sql'];
    const sum = atlasHashFile(names.map((name) => ({ name, contents: readFileSync(join(migrations, name)) })));
    const raw = new Database(db);
    raw.exec(ATLAS_SQLITE);
    const insert = raw.prepare(
      "INSERT INTO atlas_schema_revisions (version, description, type, applied, total, executed_at, execution_time, hash, operator_version) VALUES (?, ?, 2, ?, 1, '2024-03-01 09:00:00', 1, ?, 'Atlas CLI v0.20.0')",
    );
    insert.run('20240301090000', 'create_people', 1, sum.files[0]!.hash);
    insert.run('20240302090000', 'people_index', options.partial ? 0 : 1, options.tamper ? 'h1:tampered' : sum.files[1]!.hash);
    raw.close();
  }

  test('revisions are adopted with their chained hashes verified; a partial revision and a changed hash refuse', async () => {
    const clean = project('atlas');
    atlasLedger(clean.db, clean.migrations);
    const migrator = createMigrator({ db: clean.db, dir: clean.migrations, backup: false, format: 'atlas' });
    try {
      const report = await adopt(migrator, { from: 'atlas', dir: clean.migrations });
      assert.equal(report.checksumsVerified, 2);
      assert.deepEqual(
        (await migrator.status()).migrations.map((m) => m.state),
        ['applied', 'applied'],
      );
    } finally {
      await migrator.close();
    }
    for (const [options, code] of [
      [{ partial: true }, ErrorCode.ADOPT_STEP_UNFINISHED],
      [{ tamper: true }, ErrorCode.ADOPT_CHECKSUM_MISMATCH],
    ] as const) {
      const { db, migrations } = project('atlas');
      atlasLedger(db, migrations, options);
      const other = createMigrator({ db, dir: migrations, backup: false, format: 'atlas' });
      try {
        await rejects(adopt(other, { from: 'atlas', dir: migrations }), code);
      } finally {
        await other.close();
      }
    }
  });
});
