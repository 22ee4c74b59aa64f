/**
 * `strata adopt --from typeorm`: the `migrations` table written by TypeORM's own
 * DataSource.runMigrations() (what `typeorm migration:run` calls) on SQLite (better-sqlite3),
 * PostgreSQL and MariaDB, read by Strata.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataSource, type DataSourceOptions, type MigrationInterface, type QueryRunner } from 'typeorm';
import { typeormReader } from '../src/adopt/tools/typeorm.js';
import { adoptThenMigrate, type DatabaseKind, readHistory, type ScratchDatabase, scratchDatabase, skipFor, strataProject } from './adopt-js-helpers.js';
import { tempDir } from './helpers.js';

class CreateUsers1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100))');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE users');
  }
}

class AddEmail1700000100000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE users ADD COLUMN email VARCHAR(200)');
  }
  async down(): Promise<void> {}
}

export function typeormOptions(db: ScratchDatabase): DataSourceOptions {
  if (db.kind === 'sqlite') return { type: 'better-sqlite3', database: db.file! };
  if (db.kind === 'postgres') return { type: 'postgres', url: db.url };
  return { type: 'mariadb', host: db.host!, port: db.port!, username: db.user!, database: db.database! };
}

/** Runs the two migrations through TypeORM into a fresh database of `kind`. */
export async function typeormProject(kind: DatabaseKind, migrationsTableName?: string): Promise<ScratchDatabase> {
  const db = await scratchDatabase(kind);
  const source = new DataSource({
    ...typeormOptions(db),
    migrations: [CreateUsers1700000000000, AddEmail1700000100000],
    ...(migrationsTableName ? { migrationsTableName } : {}),
    logging: false,
  } as DataSourceOptions);
  await source.initialize();
  try {
    await source.runMigrations();
  } finally {
    await source.destroy();
  }
  return db;
}

for (const kind of ['sqlite', 'postgres', 'mariadb'] as const) {
  describe(`adopt typeorm on ${kind}`, { skip: await skipFor(kind) }, () => {
    it('reads the history TypeORM recorded: its timestamp column is the version, the class name the name', async () => {
      const db = await typeormProject(kind);
      const history = await readHistory(typeormReader, db.url);
      assert.ok(history);
      assert.equal(history.source, 'migrations');
      assert.deepEqual(
        history.steps.map(({ version, name, appliedAt }) => ({ version, name, appliedAt })),
        [
          { version: '1700000000000', name: 'CreateUsers1700000000000', appliedAt: null },
          { version: '1700000100000', name: 'AddEmail1700000100000', appliedAt: null },
        ],
      );
    });

    it('strata adopt --from typeorm, then migrate applies only the new migration and status shows the history', async () => {
      const db = await typeormProject(kind);
      const project = tempDir('strata-adopt-typeorm-');
      strataProject(project, db);
      adoptThenMigrate(project, 'typeorm', ['1700000000000', '1700000100000'], { repeat: kind === 'sqlite' });
    });

    it('reads a renamed table (migrationsTableName)', async () => {
      const db = await typeormProject(kind, 'typeorm_history');
      assert.equal(await readHistory(typeormReader, db.url), null);
      assert.equal((await readHistory(typeormReader, db.url, { table: 'typeorm_history' }))?.steps.length, 2);
    });
  });
}
