/**
 * What a SQLite run reads before it writes, kept to what it needs (a fleet pays it on every
 * tenant): the connection's pragmas are set in one exec, and the ledger's layout read without
 * the lock is not read again under it while the database's change stamp says nobody wrote
 * since. When someone did (a newer Strata upgrading the ledger while this one waited for the
 * lock), it is read again and refused as before.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createMigrator } from '../src/index.js';
import type { MigratorPlugin } from '../src/engine/plugin.js';
import { SqliteDriver } from '../src/targets/sql/sqlite/sqlite-driver.js';
import { ledger, rejectsWith, tempDir, writeFiles } from './helpers.js';

const FILES = {
  '0001_items.sql': '-- migrate:up\nCREATE TABLE items (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE items;\n',
  '0002_tags.sql': '-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE tags;\n',
};

/** A SQLite driver that counts the tables it is asked about (catalog reads). */
class CountingDriver extends SqliteDriver {
  readonly asked: string[] = [];
  override async tableExists(table: string): Promise<boolean> {
    this.asked.push(table);
    return super.tableExists(table);
  }
}

/** A folder with both migrations and a database with the first applied. */
async function atVersionOne(): Promise<{ dir: string; db: string }> {
  const root = tempDir('strata-run-reads-');
  const dir = join(root, 'migrations');
  writeFiles(dir, FILES);
  const db = join(root, 'app.db');
  const first = createMigrator({ db, dir, backup: false });
  await first.migrate({ to: 1 });
  await first.close();
  return { dir, db };
}

/** A plugin that runs `fn` while the migrator inspects its plan without the lock (before it opens for writing and locks). */
function beforeTheLock(fn: () => void): MigratorPlugin<any> {
  let done = false;
  return {
    name: 'before-the-lock',
    inspect() {
      if (!done) fn();
      done = true;
    },
  };
}

describe('the reads of a SQLite run', () => {
  it('sets the pragmas asked for on the connection it writes with', async () => {
    const { dir, db } = await atVersionOne();
    const driver = new SqliteDriver(db, { pragmas: { synchronous: 'full', busyTimeoutMs: 1234, foreignKeys: false, journalMode: 'truncate' } });
    const migrator = createMigrator({ db: driver, dir, backup: false });
    await migrator.migrate();
    const connection = driver.connection;
    assert.equal(connection.pragma('journal_mode', { simple: true }), 'truncate');
    assert.equal(connection.pragma('synchronous', { simple: true }), 2);
    assert.equal(connection.pragma('busy_timeout', { simple: true }), 1234);
    assert.equal(connection.pragma('foreign_keys', { simple: true }), 0);
    await migrator.close();
    assert.deepEqual(
      ledger(db).map((row) => row.version),
      ['1', '2'],
    );
  });

  it('reads the ledger layout once when nobody writes between the unlocked read and the lock', async () => {
    const { dir, db } = await atVersionOne();
    const driver = new CountingDriver(db);
    const migrator = createMigrator({ db: driver, dir, backup: false });
    await migrator.migrate();
    await migrator.close();
    assert.equal(driver.asked.filter((table) => table === 'strata_migrations_meta').length, 1, driver.asked.join(', '));
    assert.deepEqual(
      ledger(db).map((row) => row.version),
      ['1', '2'],
    );
  });

  it('reads the layout again under the lock when another process changed the ledger meanwhile, and refuses a newer one', async () => {
    const { dir, db } = await atVersionOne();
    // A newer Strata upgrades the ledger to layout 3 while this run has read it and not yet locked.
    const newer = beforeTheLock(() => {
      const other = new Database(db);
      other.exec(
        "CREATE TABLE strata_migrations_meta (meta_key TEXT PRIMARY KEY, meta_value TEXT); INSERT INTO strata_migrations_meta VALUES ('ledger_version', '3')",
      );
      other.close();
    });
    const migrator = createMigrator({ db, dir, backup: false, plugins: [newer] });
    await rejectsWith(migrator.migrate(), 'LEDGER_TOO_NEW');
    await migrator.close();
    const tables = new Database(db, { readonly: true });
    const tags = tables.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'tags'").get() as { n: number };
    tables.close();
    assert.equal(tags.n, 0, 'nothing was applied');
  });

  it('plans again from what another process applied meanwhile, and applies nothing twice', async () => {
    const { dir, db } = await atVersionOne();
    const first = createMigrator({ db, dir, backup: false });
    const second = createMigrator({ db, dir, backup: false });
    let secondReport: Awaited<ReturnType<typeof second.migrate>> | undefined;
    second.use({
      name: 'let-the-first-apply',
      async inspect() {
        if (secondReport) return;
        secondReport = await first.migrate();
      },
    });
    const report = await second.migrate();
    await first.close();
    await second.close();
    assert.deepEqual(
      secondReport?.results.map((r) => [r.version, r.status]),
      [['2', 'applied']],
    );
    assert.deepEqual(report.results, []);
    assert.deepEqual(
      ledger(db).map((row) => row.version),
      ['1', '2'],
    );
  });
});
