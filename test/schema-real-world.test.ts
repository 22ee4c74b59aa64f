/**
 * No false drift on real migration sets: Actual Budget's 59 SQLite migrations (on its base
 * database) and graphile-worker's 20 PostgreSQL migrations, each applied into two fresh
 * databases, give the same schema fingerprint; each schema, rendered as DDL and applied to an
 * empty database, reads back as the same model.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createMigrator } from '../src/index.js';
import { readSchema, renderSchema, schemaFingerprint } from '../src/schema.js';
import { ROOT, tempDir } from './helpers.js';
import { freshDatabase, skipUnlessServer, withPostgres } from './servers.js';

const ACTUAL = join(ROOT, 'test', 'fixtures', 'actual-budget');

async function migrateActual(): Promise<string> {
  const db = join(tempDir('strata-schema-actual-'), 'budget.sqlite');
  copyFileSync(join(ACTUAL, 'default-db.sqlite'), db);
  // Actual drops a table the base database has (see real-world.test.ts).
  const migrator = createMigrator({ db, dir: join(ACTUAL, 'migrations'), backup: false, lint: { rules: { 'sqlite/drop-table': 'warn' } } });
  try {
    assert.equal((await migrator.migrate()).results.length, 59);
  } finally {
    await migrator.close();
  }
  return db;
}

test('Actual Budget: 59 migrations applied into two copies give one fingerprint; its DDL round-trips', async () => {
  const [a, b] = [await migrateActual(), await migrateActual()];
  const fingerprint = await schemaFingerprint(a);
  assert.equal(await schemaFingerprint(b), fingerprint);
  assert.equal(await schemaFingerprint(a), fingerprint, 'reading again changes nothing');
  const model = await readSchema(a);
  assert.ok(model.tables.length >= 33, `${model.tables.length} tables`);
  assert.ok(!model.tables.some((t) => t.name === 'strata_migrations'));
  const empty = join(tempDir('strata-schema-actual-'), 'rendered.sqlite');
  const conn = new Database(empty);
  conn.exec(renderSchema(model));
  conn.close();
  assert.deepEqual(await readSchema(empty), model);
});

describe('graphile-worker on PostgreSQL', { skip: await skipUnlessServer('postgres') }, () => {
  test("graphile-worker@0.18.0's 20 migrations applied into two fresh databases give one fingerprint", async () => {
    const sqlDir = join(ROOT, 'node_modules', 'graphile-worker', 'sql');
    const dir = tempDir('strata-schema-graphile-');
    for (const file of readdirSync(sqlDir).filter((f) => f.endsWith('.sql'))) copyFileSync(join(sqlDir, file), join(dir, file));
    const fingerprints: string[] = [];
    const databases: string[] = [];
    for (const label of ['a', 'b']) {
      const db = await freshDatabase('postgres', `strata_schema_gw_${label}`);
      databases.push(db);
      const options = {
        db,
        dir,
        schema: 'graphile_worker',
        placeholderPattern: ':NAME',
        placeholders: { GRAPHILE_WORKER_SCHEMA: 'graphile_worker' },
        backup: false as const,
      };
      const migrator = createMigrator(options);
      try {
        assert.equal((await migrator.migrate()).results.length, 20);
      } finally {
        await migrator.close();
      }
      const model = await readSchema({ db, schema: 'graphile_worker' });
      assert.ok(model.tables.some((t) => t.name === '_private_jobs'));
      assert.ok(model.others.some((o) => o.kind === 'function' && o.name.startsWith('add_job(')));
      fingerprints.push(await schemaFingerprint({ db, schema: 'graphile_worker' }));
    }
    assert.equal(fingerprints[1], fingerprints[0]);
    // Its schema (composite types, functions, triggers, partial indexes) as DDL into an empty database reads back the same.
    const model = await readSchema({ db: databases[0]!, schema: 'graphile_worker' });
    const empty = await freshDatabase('postgres', 'strata_schema_gw_rendered');
    await withPostgres(async (client) => {
      await client.query('CREATE SCHEMA graphile_worker; SET search_path TO graphile_worker, public');
      await client.query(renderSchema(model));
    }, empty);
    assert.deepEqual(await readSchema({ db: empty, schema: 'graphile_worker' }), model);
  });
});
