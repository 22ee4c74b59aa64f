/**
 * The engine over the dialect's ledger: migrate, rollback, dry runs, failures up and down,
 * edited files; and the ledger rows themselves, read back through a connection of the test's
 * own. Where DDL is transactional a failure leaves nothing; where it is not (MariaDB) the ledger
 * says how far the step got.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectsWith, writeFiles } from '../helpers.js';
import type { DialectEntry, Reader } from './dialects.js';
import { FAILING, FAILING_DOWN, folder, MIGRATIONS, STATEMENTS_UP } from './migrations.js';
import { withMigrator } from './with-migrator.js';

interface LedgerRow {
  version: string;
  name: string;
  checksum: string;
  applied_at: string;
  duration_ms: number;
  status: string;
  operation: string;
  statements_applied: number;
  error: string | null;
}

/** The ledger rows in version order, numbers as numbers whatever the driver returns. */
async function ledgerRows(reader: Reader): Promise<LedgerRow[]> {
  const rows = await reader.query<LedgerRow>(
    'SELECT version, name, checksum, applied_at, duration_ms, status, operation, statements_applied, error FROM strata_migrations',
  );
  return rows
    .map((row) => ({ ...row, duration_ms: Number(row.duration_ms), statements_applied: Number(row.statements_applied) }))
    .sort((a, b) => Number(a.version) - Number(b.version));
}

function assertAppliedRow(row: LedgerRow | undefined, version: string, name: string, statements: number): void {
  assert.ok(row, `no ledger row for version ${version}`);
  assert.deepEqual(
    { version: row.version, name: row.name, status: row.status, operation: row.operation, statements_applied: row.statements_applied, error: row.error },
    { version, name, status: 'applied', operation: 'up', statements_applied: statements, error: null },
  );
  assert.match(row.checksum, /^sha256:[0-9a-f]{64}$/);
  assert.equal(new Date(row.applied_at).toISOString(), row.applied_at, 'applied_at is an ISO 8601 UTC time');
  assert.ok(row.duration_ms >= 0, `duration_ms ${row.duration_ms}`);
}

export function describeLedger(entry: DialectEntry): void {
  test('ledger: applies pending migrations in order, records each, and a second run is a no-op', async () => {
    const db = await entry.freshDb();
    await withMigrator(db, folder(MIGRATIONS), async (migrator) => {
      const report = await migrator.migrate();
      assert.deepEqual(
        report.results.map((r) => `${r.status} ${r.version}`),
        ['applied 1', 'applied 2', 'applied 3'],
      );
      assert.equal(report.currentVersion, '3');
      const again = await migrator.migrate();
      assert.deepEqual(again.results, []);
      const status = await migrator.status();
      assert.deepEqual(
        status.migrations.map((m) => `${m.version} ${m.state}`),
        ['1 applied', '2 applied', '3 applied'],
      );
      assert.equal(status.pending, 0);
      assert.ok((await migrator.validate()).ok);
    });
    await entry.read(db, async (r) => {
      assert.deepEqual(await r.tables(), ['items', 'strata_migrations', 'tags']);
      const rows = await ledgerRows(r);
      assert.equal(rows.length, 3);
      ['items', 'tags', 'item_note'].forEach((name, k) => assertAppliedRow(rows[k], String(k + 1), name, STATEMENTS_UP[k]!));
    });
  });

  test('ledger: rolls back to a version, newest first, and applies again', async () => {
    const db = await entry.freshDb();
    const dir = folder(MIGRATIONS);
    await withMigrator(db, dir, async (migrator) => {
      await migrator.migrate();
      const down = await migrator.rollback({ to: 1 });
      assert.deepEqual(
        down.results.map((r) => `${r.status} ${r.version}`),
        ['reverted 3', 'reverted 2'],
      );
      assert.equal(down.currentVersion, '1');
    });
    await entry.read(db, async (r) => {
      assert.deepEqual(await r.tables(), ['items', 'strata_migrations']);
      assert.deepEqual(await r.query('SELECT id, name FROM items'), [{ id: 1, name: 'first' }]);
      // A reverted step leaves no row: pending means not in the ledger.
      const rows = await ledgerRows(r);
      assert.deepEqual(
        rows.map((row) => row.version),
        ['1'],
      );
      assertAppliedRow(rows[0], '1', 'items', 2);
    });
    await withMigrator(db, dir, async (migrator) => {
      const up = await migrator.migrate({ to: 2 });
      assert.deepEqual(
        up.results.map((r) => r.version),
        ['2'],
      );
      await migrator.rollback({ to: 0 });
    });
    await entry.read(db, async (r) => {
      assert.deepEqual(await r.tables(), ['strata_migrations']);
      assert.deepEqual(await ledgerRows(r), []);
    });
  });

  test('ledger: a dry run plans and changes nothing, not even the ledger', async () => {
    const db = await entry.freshDb();
    await withMigrator(db, folder(MIGRATIONS), async (migrator) => {
      const statements: string[] = [];
      migrator.on('statement', (e) => statements.push(e.sql));
      const report = await migrator.migrate({ dryRun: true });
      assert.equal(report.results.length, 3);
      assert.ok(statements.some((s) => s.startsWith('ALTER TABLE items ADD COLUMN note')));
      assert.equal((await migrator.status()).pending, 3);
    });
    assert.deepEqual(await entry.read(db, (r) => r.tables()), []);
  });

  test('ledger: a failing migration names file, statement and line; the store and its row are left as the dialect allows', async () => {
    const db = await entry.freshDb();
    const dir = folder({ ...MIGRATIONS, ...FAILING });
    await withMigrator(db, dir, async (migrator) => {
      const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED', /0004_half\.sql: statement 3 \(line 4(, column \d+)?\) failed: /);
      assert.equal(error.details.statement, 3);
      assert.equal(error.details.line, 4);
      const status = await migrator.status();
      const four = status.migrations.find((m) => m.version === '4')!;
      assert.equal(four.state, 'failed');
      if (entry.transactionalDdl) {
        // Its transaction rolled back: the ledger only notes when and why it failed, and the
        // next migrate runs it again. The three before it stay.
        assert.equal(four.rolledBack, true);
        assert.match(four.error ?? '', /missing_table/);
        assert.equal(status.pending, 1);
        assert.deepEqual(status.problems, []);
        assert.equal(error.details.transaction, true);
      } else {
        assert.match(error.hint ?? '', /--resume/);
      }
    });
    const { tables, four } = await entry.read(db, async (r) => ({ tables: await r.tables(), four: (await ledgerRows(r)).find((row) => row.version === '4') }));
    assert.ok(four, 'the failed step has a ledger row');
    assert.match(four.error ?? '', /missing_table/);
    assert.equal(four.operation, 'up');
    if (entry.transactionalDdl) {
      assert.deepEqual(tables, ['items', 'strata_migrations', 'tags']);
      assert.deepEqual({ status: four.status, statements_applied: four.statements_applied }, { status: 'aborted', statements_applied: 0 });
    } else {
      // CREATE TABLE committed itself; the ledger says two statements ran.
      assert.deepEqual(tables, ['half', 'items', 'strata_migrations', 'tags']);
      assert.deepEqual({ status: four.status, statements_applied: four.statements_applied }, { status: 'failed', statements_applied: 2 });
      await withMigrator(db, dir, (migrator) => rejectsWith(migrator.migrate(), 'MIGRATION_INCOMPLETE'));
    }
  });

  test('ledger: a failing rollback keeps the step applied where DDL is transactional, and says how far it got where not', async () => {
    const db = await entry.freshDb();
    await withMigrator(db, folder(FAILING_DOWN), async (migrator) => {
      await migrator.migrate();
      await rejectsWith(migrator.rollback({ to: 0 }), 'MIGRATION_FAILED', /0001_kept\.sql: statement 2 \(line 6(, column \d+)?\) failed: /);
    });
    const { rows, kept } = await entry.read(db, async (r) => ({
      rows: await ledgerRows(r),
      kept: (await r.query<{ id: number }>('SELECT id FROM kept')).map((row) => row.id),
    }));
    const [row, ...others] = rows;
    assert.deepEqual(others, []);
    if (entry.transactionalDdl) {
      assertAppliedRow(row, '1', 'kept', 2);
      assert.deepEqual(kept, [1]);
    } else {
      assert.ok(row);
      assert.deepEqual(
        { status: row.status, operation: row.operation, statements_applied: row.statements_applied },
        { status: 'failed', operation: 'down', statements_applied: 1 },
      );
      assert.match(row.error ?? '', /missing_table/);
      assert.deepEqual(kept, []);
    }
  });

  test('ledger: an edited applied migration stops migrate with CHECKSUM_MISMATCH', async () => {
    const dir = folder(MIGRATIONS);
    const db = await entry.freshDb();
    await withMigrator(db, dir, async (migrator) => {
      await migrator.migrate({ to: 1 });
      writeFiles(dir, { '0001_items.sql': MIGRATIONS['0001_items.sql'].replace("'first'", "'edited'") });
      await rejectsWith(migrator.migrate(), 'CHECKSUM_MISMATCH', /0001_items\.sql was edited/);
      assert.equal((await migrator.status()).currentVersion, '1');
    });
  });
}
