import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LEDGER_INSERT_COLUMNS, ledgerSql, quoteTableName } from '../src/targets/sql/ledger-sql.js';
import { insertAppliedParams, LEDGER_VALUES } from '../src/targets/sql/sql-target.js';

describe('ledger SQL', () => {
  it('sqlite', () => {
    const sql = ledgerSql('sqlite');
    assert.deepEqual(
      { create: sql.create, select: sql.select, selectV1: sql.selectV1, upsert: sql.upsert, insertApplied: sql.insertApplied, delete: sql.delete },
      {
        create:
          'CREATE TABLE IF NOT EXISTS "strata_migrations" (version TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL, duration_ms REAL NOT NULL, ' +
          "status VARCHAR(16) NOT NULL DEFAULT 'applied', operation VARCHAR(8) NOT NULL DEFAULT 'up', statements_applied INTEGER NOT NULL DEFAULT 0, error TEXT, " +
          'adopted_from TEXT, schema_fingerprint TEXT, down_sql TEXT, schema_stamp TEXT)',
        select:
          'SELECT version, name, checksum, applied_at, duration_ms, status, operation, statements_applied, error, adopted_from, schema_fingerprint, down_sql, schema_stamp FROM "strata_migrations"',
        selectV1: 'SELECT version, name, checksum, applied_at, duration_ms, status, operation, statements_applied, error FROM "strata_migrations"',
        upsert:
          'INSERT INTO "strata_migrations" (version, name, checksum, applied_at, duration_ms, status, operation, statements_applied, error, adopted_from, schema_fingerprint, down_sql, schema_stamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (version) DO UPDATE SET name = excluded.name, checksum = excluded.checksum, applied_at = excluded.applied_at, duration_ms = excluded.duration_ms, status = excluded.status, operation = excluded.operation, statements_applied = excluded.statements_applied, error = excluded.error, ' +
          'adopted_from = excluded.adopted_from, schema_fingerprint = excluded.schema_fingerprint, down_sql = excluded.down_sql, schema_stamp = excluded.schema_stamp',
        insertApplied:
          'INSERT INTO "strata_migrations" (version, name, checksum, applied_at, duration_ms, statements_applied, schema_fingerprint, down_sql, schema_stamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        delete: 'DELETE FROM "strata_migrations" WHERE version = ?',
      },
    );
  });

  it('layout 2: the columns an upgrade adds, and the meta table beside the ledger', () => {
    const sql = ledgerSql('postgres', 'app.migrations');
    assert.deepEqual(
      sql.addColumns.map((c) => c.sql),
      [
        'ALTER TABLE "app"."migrations" ADD COLUMN adopted_from VARCHAR(64)',
        'ALTER TABLE "app"."migrations" ADD COLUMN schema_fingerprint VARCHAR(128)',
        'ALTER TABLE "app"."migrations" ADD COLUMN down_sql TEXT',
        'ALTER TABLE "app"."migrations" ADD COLUMN schema_stamp VARCHAR(128)',
      ],
    );
    assert.equal(sql.meta.table, 'app.migrations_meta');
    assert.equal(sql.meta.create, 'CREATE TABLE IF NOT EXISTS "app"."migrations_meta" (meta_key VARCHAR(64) NOT NULL PRIMARY KEY, meta_value TEXT NOT NULL)');
    assert.equal(ledgerSql('mysql').addColumns[2]!.sql, 'ALTER TABLE `strata_migrations` ADD COLUMN down_sql LONGTEXT');
  });

  it('postgres uses numbered placeholders and a schema-qualified name', () => {
    const sql = ledgerSql('postgres', 'app.migrations');
    assert.equal(sql.delete, 'DELETE FROM "app"."migrations" WHERE version = $1');
    assert.match(sql.upsert, /VALUES \(\$1, \$2, \$3, \$4, \$5, \$6, \$7, \$8, \$9, \$10, \$11, \$12, \$13\) ON CONFLICT \(version\)/);
  });

  it('mysql uses backticks and ON DUPLICATE KEY UPDATE', () => {
    const sql = ledgerSql('mysql');
    assert.equal(sql.select.endsWith('FROM `strata_migrations`'), true);
    assert.match(sql.upsert, /ON DUPLICATE KEY UPDATE name = VALUES\(name\), checksum = VALUES\(checksum\)/);
  });

  it('refuses table names that are not plain identifiers', () => {
    for (const bad of ['x; DROP TABLE y', 'a.b.c', '"quoted"', '']) {
      assert.throws(() => quoteTableName(bad, 'sqlite'), { code: 'CONFIG_INVALID' });
    }
  });

  it("insertApplied's parameters, written out for the hot path, are the columns' values in LEDGER_INSERT_COLUMNS' order", () => {
    const filled = {
      version: '7',
      name: 'seven',
      checksum: 'sha256:ab',
      appliedAt: '2026-12-04T00:00:00.000Z',
      durationMs: 1.5,
      status: 'applied' as const,
      operation: 'up' as const,
      statementsApplied: 3,
      error: null,
      adoptedFrom: 'knex',
      schemaFingerprint: 'fp',
      downSql: 'DROP TABLE t',
      schemaStamp: 'st',
    };
    // A v1-shaped entry: the v2 fields absent, written as NULL.
    const { adoptedFrom, schemaFingerprint, downSql, schemaStamp, ...bare } = filled;
    for (const entry of [filled, bare]) {
      assert.deepEqual(
        insertAppliedParams(entry),
        LEDGER_INSERT_COLUMNS.map((column) => LEDGER_VALUES[column](entry)),
      );
    }
    assert.equal(insertAppliedParams(filled).length, (ledgerSql('sqlite').insertApplied.match(/\?/g) ?? []).length);
  });
});
