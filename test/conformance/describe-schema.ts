/**
 * The schema model on each dialect: what the catalog reader makes of a known schema, that it is
 * deterministic (another build order, spacing, case and quoting give the same model), that
 * Strata's own tables are never in it, that the rendered DDL reads back as the same model, that
 * every kind of hand change moves the fingerprint, and that `schema dump` is byte-identical
 * for the same schema.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { tempDir } from '../helpers.js';
import type { DialectEntry } from './dialects.js';
import { folder, MIGRATIONS } from './migrations.js';
import { SCHEMA_FIXTURES } from './schema-fixtures.js';
import { dumpSchema, openDriver, readSchema, renderSchemaStatements, SqlTarget, schemaFingerprint } from './strata-access.js';
import { withMigrator } from './with-migrator.js';

/** Runs statements on a connection of Strata's (the test's reader may be read-only). */
async function execAll(db: string, statements: readonly string[]): Promise<void> {
  const driver = openDriver(db);
  try {
    await driver.connect('write');
    for (const sql of statements) await driver.exec(sql);
  } finally {
    await driver.close();
  }
}

export function describeSchema(entry: DialectEntry): void {
  const fixture = SCHEMA_FIXTURES[entry.family];

  test('schema: the model of a known schema names its tables, columns, keys, indexes, checks, views and triggers', async () => {
    const db = await entry.freshDb();
    await execAll(db, fixture.base);
    const model = await readSchema(db);
    assert.equal(model.family, entry.family);
    assert.deepEqual(
      model.tables.map((t) => t.name),
      ['items', 'notes', 'tags'],
    );
    const items = model.tables.find((t) => t.name === 'items')!;
    const tags = model.tables.find((t) => t.name === 'tags')!;
    assert.deepEqual(
      items.columns.slice(0, 4).map((c) => [c.name, c.nullable]),
      [
        ['id', items.columns[0]!.nullable],
        ['name', false],
        ['price', true],
        ['note', true],
      ],
    );
    assert.match(items.columns[1]!.type, /^(varchar|character varying)\(100\)$/);
    assert.match(items.columns[1]!.default ?? '', /'x'/);
    assert.deepEqual(items.primaryKey, ['id']);
    assert.ok(
      items.constraints.some((c) => c.kind === 'check' && c.definition.includes('price')),
      JSON.stringify(items.constraints),
    );
    assert.ok(items.indexes.some((i) => i.name === 'items_name' && i.unique && i.columns.join() === 'name'));
    assert.ok(tags.indexes.some((i) => i.name === 'tags_label' && !i.unique && i.columns.join() === 'label'));
    assert.deepEqual(
      tags.foreignKeys.map((fk) => [fk.columns, fk.referencedTable, fk.referencedColumns, fk.onDelete]),
      [[['item_id'], 'items', ['id'], 'cascade']],
    );
    assert.deepEqual(
      tags.triggers.map((t) => t.name),
      ['tags_touch'],
    );
    assert.deepEqual(
      model.views.map((v) => v.name),
      ['cheap'],
    );
    assert.match(model.views[0]!.definition, /price < 10/);
  });

  test('schema: the same schema built in another order, spacing, case and quoting gives the same model and fingerprint', async () => {
    const [a, b] = [await entry.freshDb(), await entry.freshDb()];
    await execAll(a, fixture.base);
    await execAll(b, fixture.reordered);
    const [modelA, modelB] = [await readSchema(a), await readSchema(b)];
    assert.deepEqual(modelB, modelA);
    assert.equal(await schemaFingerprint(b), await schemaFingerprint(a));
    assert.match(await schemaFingerprint(a), /^v1:[0-9a-f]{64}$/);
  });

  test('schema: the rendered DDL, applied to an empty database, reads back as the same model (round trip)', async () => {
    const [a, b] = [await entry.freshDb(), await entry.freshDb()];
    await execAll(a, fixture.base);
    const model = await readSchema(a);
    await execAll(b, renderSchemaStatements(model));
    assert.deepEqual(await readSchema(b), model);
  });

  test("schema: Strata's own tables (ledger, journal) are never in the model; the migrator's target fingerprints the same", async () => {
    const db = await entry.freshDb();
    await withMigrator(db, folder(MIGRATIONS), (migrator) => migrator.migrate(), { journal: true });
    const model = await readSchema(db);
    assert.deepEqual(
      model.tables.map((t) => t.name),
      ['items', 'tags'],
    );
    const target = new SqlTarget(openDriver(db), 'strata_migrations', ['strata_journal', 'strata_backfills']);
    let fromTarget: string;
    try {
      await target.open('read');
      fromTarget = await target.schemaFingerprint!();
    } finally {
      // Closed before the next read: a PGlite folder has one opener at a time.
      await target.close();
    }
    assert.equal(fromTarget, await schemaFingerprint(db));
  });

  test('schema: every kind of hand change (column, type, default, nullability, index, foreign key, check, view, trigger) moves the fingerprint', async () => {
    const db = await entry.freshDb();
    await execAll(db, fixture.base);
    const seen = new Map<string, string>([[await schemaFingerprint(db), 'the base schema']]);
    for (const change of fixture.changes) {
      await execAll(db, change.sql);
      const fingerprint = await schemaFingerprint(db);
      assert.ok(!seen.has(fingerprint), `${change.kind}: the fingerprint is the one of ${seen.get(fingerprint)}`);
      seen.set(fingerprint, change.kind);
    }
  });

  test('schema dump: byte-identical for the same schema in two databases, ending with the applied versions, written atomically', async () => {
    const dir = folder(MIGRATIONS);
    const [a, b] = [await entry.freshDb(), await entry.freshDb()];
    for (const db of [a, b]) await withMigrator(db, dir, (migrator) => migrator.migrate());
    const out = `${tempDir('strata-dump-')}/db/schema.sql`;
    const first = await dumpSchema(a, { out });
    const second = await dumpSchema(b);
    assert.equal(second.text, first.text);
    assert.equal((await dumpSchema(a)).text, first.text, 'the same database dumps the same bytes again');
    assert.equal(readFileSync(out, 'utf8'), first.text);
    assert.match(first.text, /-- strata:applied 1 items\n-- strata:applied 2 tags\n-- strata:applied 3 item_note\n$/);
    assert.doesNotMatch(first.text, /strata_migrations/);
    assert.match(first.text, /CREATE TABLE items/);
  });
}
