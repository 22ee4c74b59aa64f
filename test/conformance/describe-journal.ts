/**
 * The journal in the database: entries written and queried back (through the journal and
 * through a connection of the test's own), and a step whose transaction rolled back still
 * journaled, since entries are written outside the migration's transaction.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectsWith } from '../helpers.js';
import type { DialectEntry } from './dialects.js';
import { FAILING, folder, MIGRATIONS } from './migrations.js';
import { journalOf, openJournal } from './strata-access.js';
import { withMigrator } from './with-migrator.js';

interface JournalRow {
  event: string;
  level: string;
}

export function describeJournal(entry: DialectEntry): void {
  test('journal: entries written, read back by the journal and by another connection, and kept across connections', async () => {
    const db = await entry.freshDb();
    const first = await openJournal(db);
    try {
      first.journal.log('INFO', 'conformance:probe', 'hello from the suite', { n: 1, text: "it's" });
      first.journal.log('ERROR', 'conformance:probe', 'something failed', { n: 2 });
      const entries = await first.journal.queryLogs({ event: 'conformance:probe' });
      assert.deepEqual(
        entries.map((e) => [e.level, e.message, e.data]),
        [
          ['INFO', 'hello from the suite', { n: 1, text: "it's" }],
          ['ERROR', 'something failed', { n: 2 }],
        ],
      );
    } finally {
      await first.close();
    }
    const rows = await entry.read(db, (r) => r.query<{ message: string }>("SELECT message FROM strata_journal WHERE event = 'conformance:probe'"));
    assert.deepEqual(rows.map((r) => r.message).sort(), ['hello from the suite', 'something failed']);
    const second = await openJournal(db);
    try {
      const errors = await second.journal.queryLogs({ level: 'ERROR' });
      assert.deepEqual(
        errors.map((e) => [e.event, e.data]),
        [['conformance:probe', { n: 2 }]],
      );
    } finally {
      await second.close();
    }
  });

  test('journal: a migrator with journal: true records each step, and a rolled-back step is still journaled', async () => {
    const db = await entry.freshDb();
    await withMigrator(
      db,
      folder({ ...MIGRATIONS, ...FAILING }),
      async (migrator) => {
        await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED');
        const journal = journalOf(migrator);
        assert.ok(journal, 'journalOf finds the journal');
        const migrated = await journal.queryLogs({ event: 'migrated' });
        assert.deepEqual(
          migrated.map((e) => e.migration),
          ['1', '2', '3'],
        );
        const four = await journal.queryLogs({ migration: '4' });
        assert.deepEqual(
          four.map((e) => e.event),
          ['migrating', 'failed'],
        );
        assert.match(four[1]!.message, /missing_table/);
        assert.equal(four[1]!.level, 'ERROR');
      },
      { journal: true },
    );
    // Written outside the step's transaction: its rollback did not take the entries with it.
    const rows = await entry.read(db, (r) => r.query<JournalRow>("SELECT event, level FROM strata_journal WHERE migration = '4'"));
    assert.deepEqual(rows.map((r) => `${r.event} ${r.level}`).sort(), ['failed ERROR', 'migrating INFO']);
  });
}
