/**
 * Backfill state: a backfill runs in batches, is interrupted between two of them, resumes after
 * its checkpoint (no row twice, none skipped), and `backfillStatus` reports each stage.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectsWith } from '../helpers.js';
import type { DialectEntry } from './dialects.js';
import { backfill, backfillStatus, openDriver, paramOf } from './strata-access.js';

const ROWS = 25;
const BATCH = 10;

async function seedAccounts(db: string): Promise<void> {
  const driver = openDriver(db);
  try {
    await driver.connect('write');
    await driver.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, touched INTEGER NOT NULL)');
    const p = paramOf(driver);
    const values = Array.from({ length: ROWS }, (_, k) => `(${p(k + 1)}, 0)`).join(', ');
    await driver.run(
      `INSERT INTO accounts (id, touched) VALUES ${values}`,
      Array.from({ length: ROWS }, (_, k) => k + 1),
    );
  } finally {
    await driver.close();
  }
}

/** How many times the backfill touched each row, by id. */
async function touches(entry: DialectEntry, db: string): Promise<number[]> {
  const rows = await entry.read(db, (r) => r.query<{ id: number; touched: number }>('SELECT id, touched FROM accounts ORDER BY id'));
  return rows.map((row) => Number(row.touched));
}

export function describeBackfill(entry: DialectEntry): void {
  test('backfill: runs in batches, is interrupted, resumes from its checkpoint, and backfillStatus says so', async () => {
    const db = await entry.freshDb();
    await seedAccounts(db);
    const definition = { db, name: 'touch_accounts', table: 'accounts', set: 'touched = touched + 1', batchSize: BATCH };

    const stop = new AbortController();
    const cancelled = await rejectsWith(
      backfill({ ...definition, signal: stop.signal, onProgress: (p) => p.batches === 2 && stop.abort() }),
      'BACKFILL_CANCELLED',
    );
    assert.ok(cancelled.hint, 'BACKFILL_CANCELLED has a hint');
    const [interrupted, ...others] = await backfillStatus(db);
    assert.deepEqual(others, []);
    assert.deepEqual(
      {
        name: interrupted?.name,
        status: interrupted?.status,
        rowsDone: interrupted?.rowsDone,
        lastKey: interrupted?.lastKey,
        batches: interrupted?.batches,
        total: interrupted?.total,
      },
      { name: 'touch_accounts', status: 'cancelled', rowsDone: 2 * BATCH, lastKey: 2 * BATCH, batches: 2, total: ROWS },
    );
    assert.deepEqual(
      await touches(entry, db),
      Array.from({ length: ROWS }, (_, k) => (k < 2 * BATCH ? 1 : 0)),
    );

    const resumed = await backfill(definition);
    assert.deepEqual(
      { resumed: resumed.resumed, rowsThisRun: resumed.rowsThisRun, batches: resumed.batches, done: resumed.done, total: resumed.total },
      { resumed: true, rowsThisRun: ROWS - 2 * BATCH, batches: 1, done: ROWS, total: ROWS },
    );
    assert.deepEqual(await touches(entry, db), Array(ROWS).fill(1), 'every row once: none twice, none skipped');
    const [finished] = await backfillStatus(db);
    assert.equal(finished?.status, 'done');
    assert.equal(finished?.rowsDone, ROWS);
    assert.ok(finished?.finishedAt, 'a finished backfill has its finish time');

    const again = await backfill(definition);
    assert.equal(again.alreadyDone, true);
    // The rows untouched by the finished run, and its checkpoint row as another connection reads it.
    await entry.read(db, async (r) => {
      assert.deepEqual(
        (await r.query<{ touched: number }>('SELECT touched FROM accounts ORDER BY id')).map((row) => Number(row.touched)),
        Array(ROWS).fill(1),
      );
      const [row] = await r.query<{ status: string; rows_done: number | string; last_key: string }>(
        "SELECT status, rows_done, last_key FROM strata_backfills WHERE name = 'touch_accounts'",
      );
      assert.deepEqual({ ...row, rows_done: Number(row?.rows_done) }, { status: 'done', rows_done: ROWS, last_key: String(ROWS) });
    });
  });
}
