// strata adopt with the real tools where they run offline from npm, on real SQLite, PostgreSQL
// and MariaDB: dbmate (the npm package ships its binary) through the built CLI, drizzle-orm's own
// migrator (what drizzle-kit migrate runs). Flyway (Java) and sqlx (Rust) are not on npm: their
// ledgers are built with the DDL their sources use, named at each test.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { adopt } from '../src/adopt.js';
import { createMigrator } from '../src/index.js';
import { ErrorCode, StrataError } from '../src/model/errors.js';
import { drizzleChecksum } from '../src/sources/formats/drizzle.js';
import { flywayChecksum } from '../src/sources/formats/flyway.js';
import { sqlxChecksum } from '../src/sources/formats/sqlx.js';
import { cli, ROOT, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, skipUnlessServer, withMariadb, withPostgres } from './servers.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'formats');
const DBMATE = join(ROOT, 'node_modules', '.bin', 'dbmate');

const DBMATE_FILES = {
  '20240101000000_create_users.sql':
    '-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\n\n-- migrate:down\nDROP TABLE users;\n',
  '20240102000000_add_email.sql': '-- migrate:up\nALTER TABLE users ADD COLUMN email VARCHAR(200);\n\n-- migrate:down\nALTER TABLE users DROP COLUMN email;\n',
};
const NEW_FILE = {
  '20240103000000_create_posts.sql':
    '-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id));\n\n-- migrate:down\nDROP TABLE posts;\n',
};

function json(result: { code: number | null; stdout: string; stderr: string }): Record<string, any> {
  assert.equal(result.code, 0, result.stderr || result.stdout);
  return JSON.parse(result.stdout);
}

/** dbmate up with its own binary, its default folder (db/migrations), no schema dump. */
function dbmateUp(cwd: string, url: string): void {
  const run = spawnSync(DBMATE, ['--url', url, '--no-dump-schema', 'up'], { cwd, encoding: 'utf8' });
  assert.equal(run.status, 0, `dbmate up failed: ${run.stderr}${run.stdout}`);
}

/** dbmate's run, adopt through the CLI, a new file that migrate applies alone, status with the whole history. */
function dbmateScenario(dbmateUrl: string, strataUrl: string): void {
  const cwd = tempDir('strata-adopt-dbmate-');
  writeFiles(join(cwd, 'db', 'migrations'), DBMATE_FILES);
  dbmateUp(cwd, dbmateUrl);
  writeFiles(join(cwd, 'db', 'migrations'), NEW_FILE);
  const db = ['--db', strataUrl];
  const dry = json(cli(['adopt', '--from', 'dbmate', '--dry-run', '--json', ...db], { cwd }));
  assert.equal(dry.dryRun, true);
  const adopted = json(cli(['adopt', '--from', 'dbmate', '--json', ...db], { cwd }));
  assert.deepEqual(
    adopted.entries.map((e: { version: string; operation: string; adoptedFrom: string }) => [e.version, e.operation, e.adoptedFrom]),
    [
      ['20240101000000', 'adopt', 'dbmate'],
      ['20240102000000', 'adopt', 'dbmate'],
    ],
  );
  assert.deepEqual(adopted.config, { dir: join('db', 'migrations') });
  assert.deepEqual(
    adopted.pending.map((p: { version: string }) => p.version),
    ['20240103000000'],
  );
  const text = cli(['adopt', '--from', 'dbmate', ...db], { cwd });
  assert.match(text.stdout, /already in Strata's ledger: nothing to do/);
  const migrated = json(cli(['migrate', '--dir', 'db/migrations', '--no-backup', '--json', ...db], { cwd }));
  assert.deepEqual(
    migrated.results.map((r: { version: string }) => r.version),
    ['20240103000000'],
  );
  const status = json(cli(['status', '--dir', 'db/migrations', '--json', ...db], { cwd }));
  assert.deepEqual(
    status.migrations.map((m: { version: string; state: string }) => [m.version, m.state]),
    [
      ['20240101000000', 'applied'],
      ['20240102000000', 'applied'],
      ['20240103000000', 'applied'],
    ],
  );
  assert.deepEqual(status.problems, []);
}

describe('dbmate (the real binary from the npm package)', { skip: existsSync(DBMATE) ? false : 'dbmate is not installed (npm i -D dbmate)' }, () => {
  test('SQLite', () => {
    const cwd = tempDir('strata-adopt-sqlite-');
    const path = join(cwd, 'app.db');
    dbmateScenario(`sqlite:${path}`, path);
  });

  test('PostgreSQL', async (t) => {
    const skip = await skipUnlessServer('postgres');
    if (skip) return t.skip(skip);
    const url = await freshDatabase('postgres', 'adopt');
    dbmateScenario(`${url}?sslmode=disable`, url);
  });

  test('MariaDB', async (t) => {
    const skip = await skipUnlessServer('mariadb');
    if (skip) return t.skip(skip);
    const url = await freshDatabase('mariadb', 'adopt');
    dbmateScenario(url, url);
  });
});

/** A copy of a drizzle-kit fixture with a third journal entry, as `drizzle-kit generate` would add it. */
function drizzleProject(fixture: 'drizzle-sqlite' | 'drizzle-postgres'): { cwd: string; dir: string; addThird: () => void } {
  const cwd = tempDir('strata-adopt-drizzle-');
  const dir = join(cwd, 'drizzle');
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  return {
    cwd,
    dir,
    addThird() {
      const journalPath = join(dir, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
      const last = journal.entries.at(-1);
      journal.entries.push({ idx: last.idx + 1, version: last.version, when: last.when + 1000, tag: '0002_add_bio', breakpoints: true });
      writeFileSync(journalPath, JSON.stringify(journal, null, 2));
      writeFileSync(
        join(dir, '0002_add_bio.sql'),
        fixture === 'drizzle-sqlite' ? 'ALTER TABLE `users` ADD `bio` text;' : 'ALTER TABLE "users" ADD COLUMN "bio" text;',
      );
    },
  };
}

describe("drizzle (drizzle-orm's own migrator writes the ledger)", () => {
  test('SQLite: adopted with the hashes verified, then migrate applies only the new journal entry', async () => {
    const { cwd, dir, addThird } = drizzleProject('drizzle-sqlite');
    const path = join(cwd, 'app.db');
    const { drizzle } = await import('drizzle-orm/better-sqlite3');
    const { migrate } = await import('drizzle-orm/better-sqlite3/migrator');
    const raw = new Database(path);
    migrate(drizzle(raw), { migrationsFolder: dir });
    raw.close();
    addThird();
    const migrator = createMigrator({ db: path, dir, backup: false, format: 'drizzle' });
    try {
      const report = await adopt(migrator, { from: 'drizzle', dir });
      assert.equal(report.source, '__drizzle_migrations');
      assert.equal(report.checksumsVerified, 2);
      assert.equal(report.entries.length, 2);
      assert.deepEqual(report.config?.format, 'drizzle');
      const run = await migrator.migrate();
      assert.deepEqual(
        run.results.map((r) => r.name),
        ['add_bio'],
      );
      assert.deepEqual(
        (await migrator.status()).migrations.map((m) => m.state),
        ['applied', 'applied', 'applied'],
      );
    } finally {
      await migrator.close();
    }
  });

  test('PostgreSQL: the ledger in the drizzle schema; an edited file refuses with a per-file report', async (t) => {
    const skip = await skipUnlessServer('postgres');
    if (skip) return t.skip(skip);
    const url = await freshDatabase('postgres', 'adopt');
    const { dir, addThird } = drizzleProject('drizzle-postgres');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await migrate(drizzle(client), { migrationsFolder: dir });
    } finally {
      await client.end();
    }
    addThird();
    const edited = join(dir, '0001_add_email.sql');
    const original = readFileSync(edited);
    writeFileSync(edited, `${original}\n-- edited later\n`);
    const migrator = createMigrator({ db: url, dir, backup: false, format: 'drizzle' });
    try {
      try {
        await adopt(migrator, { from: 'drizzle', dir });
        assert.fail('expected ADOPT_CHECKSUM_MISMATCH');
      } catch (error) {
        assert.ok(error instanceof StrataError && error.code === ErrorCode.ADOPT_CHECKSUM_MISMATCH, String(error));
        assert.deepEqual(error.details.files, [
          {
            version: '1',
            file: (error.details.files as { file: string }[])[0]!.file,
            stored: drizzleChecksum(original),
            computed: drizzleChecksum(readFileSync(edited)),
          },
        ]);
      }
      writeFileSync(edited, original);
      const report = await adopt(migrator, { from: 'drizzle', dir });
      assert.equal(report.source, 'drizzle.__drizzle_migrations');
      assert.deepEqual(
        (await migrator.migrate()).results.map((r) => r.name),
        ['add_bio'],
      );
    } finally {
      await migrator.close();
    }
  });
});

// flyway/flyway flyway-core/src/main/resources/org/flywaydb/core/internal/database/postgresql/createMetaDataTable.sql
const FLYWAY_POSTGRES = `CREATE TABLE "flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success");`;

describe('Flyway on PostgreSQL (Java, not on npm: the history table from its createMetaDataTable.sql)', () => {
  test('versions 1, 1.1 and 1.2 adopted with CRC-32 checksums verified; migrate applies 1.10 and 2.1; a failed row refuses', async (t) => {
    const skip = await skipUnlessServer('postgres');
    if (skip) return t.skip(skip);
    for (const failed of [false, true]) {
      const url = await freshDatabase('postgres', 'adopt');
      const dir = join(tempDir('strata-adopt-flyway-'), 'sql');
      cpSync(join(FIXTURES, 'flyway'), dir, { recursive: true });
      const applied = ['V1__create_people.sql', 'V1.1__add_email.sql', 'V1.2__create_teams.sql'];
      await withPostgres(async (client) => {
        await client.query(FLYWAY_POSTGRES);
        for (const [k, script] of applied.entries()) {
          await client.query(readFileSync(join(dir, script), 'utf8'));
          const version = script.slice(1, script.indexOf('__'));
          const ok = !(failed && k === 2);
          await client.query(
            `INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES ($1, $2, $3, 'SQL', $4, $5, 'postgres', 5, $6)`,
            [k + 1, version, script.slice(script.indexOf('__') + 2, -4).replace(/_/g, ' '), script, flywayChecksum(readFileSync(join(dir, script))), ok],
          );
        }
      }, url);
      // V2_1 indexes a table Flyway made earlier, with no CONCURRENTLY: fine on this empty test table.
      const migrator = createMigrator({ db: url, dir, backup: false, format: 'flyway', lint: { rules: { 'postgres/index-not-concurrent': 'warn' } } });
      try {
        if (failed) {
          await assert.rejects(adopt(migrator, { from: 'flyway', dir }), (error: StrataError) => {
            assert.equal(error.code, ErrorCode.ADOPT_STEP_UNFINISHED);
            assert.match(error.message, /1\.2 \(V1\.2__create_teams\.sql\): success = false/);
            return true;
          });
          continue;
        }
        const report = await adopt(migrator, { from: 'flyway', dir });
        assert.equal(report.checksumsVerified, 3);
        assert.deepEqual(
          report.entries.map((e) => e.version),
          ['1', '1.1', '1.2'],
        );
        assert.deepEqual(
          (await migrator.migrate()).results.map((r) => r.version),
          ['1.10', '2.1'],
        );
        assert.deepEqual(
          (await migrator.status()).migrations.map((m) => m.state),
          ['applied', 'applied', 'applied', 'applied', 'applied'],
        );
      } finally {
        await migrator.close();
      }
    }
  });
});

// launchbadge/sqlx sqlx-mysql/src/migrate.rs (ensure_migrations_table).
const SQLX_MYSQL = `CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
)`;

describe('sqlx on MariaDB (Rust, not on npm: the ledger from sqlx-mysql/src/migrate.rs)', () => {
  test('BLOB checksums verified against the up files; success = false refuses', async (t) => {
    const skip = await skipUnlessServer('mariadb');
    if (skip) return t.skip(skip);
    for (const success of [true, false]) {
      const url = await freshDatabase('mariadb', 'adopt');
      const dir = join(tempDir('strata-adopt-sqlx-'), 'migrations');
      cpSync(join(FIXTURES, 'sqlx'), dir, { recursive: true });
      await withMariadb(async (conn) => {
        await conn.query(SQLX_MYSQL);
        for (const [version, name, ok] of [
          [20240101000000, 'create_people', true],
          [20240102000000, 'people_name_index', success],
        ] as const) {
          const sum = Buffer.from(sqlxChecksum(readFileSync(join(dir, `${version}_${name}.up.sql`))), 'hex');
          await conn.query('INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (?, ?, ?, ?, 1)', [
            version,
            name.replace(/_/g, ' '),
            ok,
            sum,
          ]);
        }
      }, url);
      const migrator = createMigrator({ db: url, dir, backup: false, format: 'sqlx' });
      try {
        if (success) {
          const report = await adopt(migrator, { from: 'sqlx', dir });
          assert.equal(report.checksumsVerified, 2);
          assert.match(report.entries[0]!.appliedAt, /^\d{4}-/);
        } else {
          await assert.rejects(adopt(migrator, { from: 'sqlx', dir }), { code: ErrorCode.ADOPT_STEP_UNFINISHED });
        }
      } finally {
        await migrator.close();
      }
    }
  });
});

describe('strata adopt: usage and refusals on the command line', () => {
  test('no --from is a usage error (exit 2); an unknown tool and a missing ledger exit 1 with their codes', () => {
    const cwd = tempDir('strata-adopt-cli-');
    const db = join(cwd, 'app.db');
    new Database(db).close();
    const bare = cli(['adopt', '--db', db], { cwd });
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /adopt needs --from TOOL/);
    const unknown = cli(['adopt', '--from', 'liquibase', '--db', db, '--json'], { cwd });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stdout + unknown.stderr, /ADOPT_TOOL_UNKNOWN/);
    const missing = cli(['adopt', '--from', 'flyway', '--table', 'history', '--db', db], { cwd });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ADOPT_LEDGER_MISSING: .* has no flyway ledger: history is not there/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
  });
});
