/**
 * `strata adopt --from mikro-orm`: the `mikro_orm_migrations` table written by MikroORM's own
 * Migrator (what `mikro-orm migration:up` calls) on SQLite (better-sqlite3), PostgreSQL and
 * MariaDB (through its mysql2 driver), read by Strata.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { MikroORM, type Options } from '@mikro-orm/core';
import { Migration, Migrator } from '@mikro-orm/migrations';
import { MySqlDriver } from '@mikro-orm/mysql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { mikroOrmReader } from '../src/adopt/tools/mikro-orm.js';
import { adoptThenMigrate, type DatabaseKind, readHistory, type ScratchDatabase, scratchDatabase, skipFor, strataProject } from './adopt-js-helpers.js';
import { tempDir } from './helpers.js';

class Migration20240101120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100))');
  }
}

class Migration20240102093000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('ALTER TABLE users ADD COLUMN email VARCHAR(200)');
  }
}

function connection(db: ScratchDatabase): Options {
  if (db.kind === 'sqlite') return { driver: BetterSqliteDriver, dbName: db.file! };
  if (db.kind === 'postgres') return { driver: PostgreSqlDriver, clientUrl: db.url, dbName: db.database! };
  return { driver: MySqlDriver, host: db.host!, port: db.port!, user: db.user!, dbName: db.database! };
}

/** Runs the two migrations through MikroORM's Migrator into a fresh database of `kind`. */
export async function mikroOrmProject(kind: DatabaseKind, tableName?: string): Promise<ScratchDatabase> {
  const db = await scratchDatabase(kind);
  const orm = await MikroORM.init({
    ...connection(db),
    entities: [],
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: {
      ...(tableName ? { tableName } : {}),
      migrationsList: [
        { name: 'Migration20240101120000', class: Migration20240101120000 },
        { name: 'Migration20240102093000', class: Migration20240102093000 },
      ],
    },
    debug: false,
  } as Options);
  try {
    await orm.getMigrator().up();
  } finally {
    await orm.close(true);
  }
  return db;
}

for (const kind of ['sqlite', 'postgres', 'mariadb'] as const) {
  describe(`adopt mikro-orm on ${kind}`, { skip: await skipFor(kind) }, () => {
    it('reads the history MikroORM recorded: the number in the name is the version, executed_at the time', async () => {
      const started = Date.now();
      const db = await mikroOrmProject(kind);
      const history = await readHistory(mikroOrmReader, db.url);
      assert.ok(history);
      assert.equal(history.source, 'mikro_orm_migrations');
      assert.deepEqual(
        history.steps.map(({ version, name }) => ({ version, name })),
        [
          { version: '20240101120000', name: 'Migration20240101120000' },
          { version: '20240102093000', name: 'Migration20240102093000' },
        ],
      );
      for (const step of history.steps) assert.ok(step.appliedAt && Math.abs(Date.parse(step.appliedAt) - started) < 15 * 3600_000, String(step.appliedAt));
    });

    it('strata adopt --from mikro-orm, then migrate applies only the new migration and status shows the history', async () => {
      const db = await mikroOrmProject(kind);
      const project = tempDir('strata-adopt-mikro-orm-');
      strataProject(project, db);
      adoptThenMigrate(project, 'mikro-orm', ['20240101120000', '20240102093000'], { repeat: kind === 'sqlite' });
    });

    it('reads a renamed table (migrations.tableName)', async () => {
      const db = await mikroOrmProject(kind, 'orm_history');
      assert.equal(await readHistory(mikroOrmReader, db.url), null);
      assert.equal((await readHistory(mikroOrmReader, db.url, { table: 'orm_history' }))?.steps.length, 2);
    });
  });
}
