/** resolveDatabase(): one spec per database (qualified table names, a driver given as db, backups that fail loudly). */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { createMigrator } from '../src/create-migrator.js';
import { resolveDatabase } from '../src/targets/sql/database-spec.js';
import type { SqlDriver } from '../src/targets/sql/driver.js';
import { SqliteDriver } from '../src/targets/sql/sqlite/sqlite-driver.js';
import { tempDir, writeFiles } from './helpers.js';

describe('resolveDatabase: qualified names of Strata tables', () => {
  it('without a schema, the names as given', () => {
    const spec = resolveDatabase({ db: 'postgres://u:secret@h/app' });
    assert.equal(spec.dialect.name, 'postgres');
    assert.equal(spec.description, 'postgres://u:***@h/app');
    assert.equal(spec.location, 'postgres://u:secret@h/app');
    assert.equal(spec.schema, undefined);
    assert.deepEqual(spec.tables, {
      ledger: { name: 'strata_migrations', sql: '"strata_migrations"' },
      journal: { name: 'strata_journal', sql: '"strata_journal"' },
      backfill: { name: 'strata_backfills', sql: '"strata_backfills"' },
    });
  });

  it('with a schema, every table in it unless its name says otherwise', () => {
    const spec = resolveDatabase({ db: 'postgres://h/app', schema: 'app', table: 'migrations', journalTable: 'audit.journal' });
    assert.deepEqual(spec.tables, {
      ledger: { name: 'app.migrations', sql: '"app"."migrations"' },
      journal: { name: 'audit.journal', sql: '"audit"."journal"' },
      backfill: { name: 'app.strata_backfills', sql: '"app"."strata_backfills"' },
    });
    assert.deepEqual(spec.qualify('x'), { name: 'app.x', sql: '"app"."x"' });
  });

  it('quotes for the dialect', () => {
    assert.equal(resolveDatabase({ db: 'mysql://root@h/app' }).tables.ledger.sql, '`strata_migrations`');
  });

  it('a spec given as db is returned as it is', () => {
    const spec = resolveDatabase({ db: ':memory:' });
    assert.equal(resolveDatabase({ db: spec, schema: 'ignored' }), spec);
  });

  it("opens a new driver each time, with the spec's settings", async () => {
    const spec = resolveDatabase({ db: 'postgres://h/app', schema: 'app' });
    const a = spec.openDriver();
    const b = spec.openDriver();
    assert.notEqual(a, b);
    assert.equal(a.dialect, spec.dialect);
    assert.equal(a.schema, 'app');
  });
});

describe('resolveDatabase: a driver or a connection given as db', () => {
  it('a driver: its dialect, location and schema; it is used as it is and cannot be opened again', () => {
    const driver = new SqliteDriver(join(tempDir(), 'app.db'));
    const spec = resolveDatabase({ db: driver });
    assert.equal(spec.driver, driver);
    assert.equal(spec.dialect.name, 'sqlite');
    assert.equal(spec.location, driver.path);
    assert.throws(() => spec.openDriver(), { code: 'USAGE' });
    assert.equal(spec.backupProvider().source, `sqlite:${driver.path}`);
  });

  it('an open better-sqlite3 Database is adopted by the SQLite dialect', () => {
    const path = join(tempDir(), 'app.db');
    const db = new Database(path);
    try {
      const spec = resolveDatabase({ db });
      assert.equal(spec.dialect.name, 'sqlite');
      assert.equal(spec.location, resolve(path));
      assert.equal(spec.driver?.connection, db);
    } finally {
      db.close();
    }
  });

  it('an object that is neither: DRIVER_UNSUPPORTED', () => {
    assert.throws(() => resolveDatabase({ db: { hello: 'world' } }), { code: 'DRIVER_UNSUPPORTED' });
  });
});

/** A SQLite driver that hides where its file is, as a third-party driver (libSQL, say) would. */
function unlocatedDriver(path: string): SqlDriver {
  const inner = new SqliteDriver(path);
  return new Proxy(inner, {
    get: (target, key) => (key === 'location' ? undefined : Reflect.get(target, key, target)),
  });
}

describe('resolveDatabase: backups', () => {
  it('in memory: nothing to back up; asked for, BACKUP_UNSUPPORTED', () => {
    const spec = resolveDatabase({ db: ':memory:' });
    assert.equal(spec.ephemeral, true);
    assert.throws(() => spec.backupProvider(), { code: 'BACKUP_UNSUPPORTED' });
  });

  it('a file: its provider, for the ledger table as qualified', () => {
    const path = join(tempDir(), 'app.db');
    const spec = resolveDatabase({ db: path });
    assert.equal(spec.ephemeral, false);
    assert.equal(spec.backupProvider().kind, 'sqlite');
    assert.equal(spec.backupProvider(), spec.backupProvider());
  });

  it('a driver that does not say where its data is: BACKUP_UNSUPPORTED, not a silent skip', () => {
    const spec = resolveDatabase({ db: unlocatedDriver(join(tempDir(), 'app.db')) });
    assert.equal(spec.ephemeral, false);
    assert.throws(() => spec.backupProvider(), { code: 'BACKUP_UNSUPPORTED', message: /cannot back it up/ });
  });

  it('a migrate on such a driver with backups on fails before changing anything; backup: false runs', async () => {
    const dir = tempDir();
    writeFiles(join(dir, 'migrations'), { '0001_t.sql': 'CREATE TABLE t (id INTEGER PRIMARY KEY);' });
    const path = join(dir, 'app.db');
    const seeded = new Database(path);
    seeded.exec('CREATE TABLE existing (id INTEGER)');
    seeded.close();
    const refused = createMigrator({ db: unlocatedDriver(path), dir: join(dir, 'migrations') });
    try {
      await assert.rejects(refused.migrate(), { code: 'BACKUP_UNSUPPORTED' });
    } finally {
      await refused.close();
    }
    const check = new Database(path);
    const { n } = check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 't'").get() as { n: number };
    check.close();
    assert.equal(n, 0);
    const allowed = createMigrator({ db: unlocatedDriver(path), dir: join(dir, 'migrations'), backup: false });
    try {
      const report = await allowed.migrate();
      assert.deepEqual(
        report.results.map((r) => r.status),
        ['applied'],
      );
    } finally {
      await allowed.close();
    }
  });
});
