// examples/api/backups.ts: a backup before each run, and the automatic restore after a step that ran outside a transaction.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupManager, SqliteBackupProvider, StrataError, createMigrator } from 'strata-migrate';

const db = join(mkdtempSync(join(tmpdir(), 'strata-backups-')), 'app.db');
const migrator = createMigrator({ db, backup: { keepDays: 7, keepCount: 5 } });
migrator.on('backup', (event) => console.log('backup', event.id.startsWith('app.'))); // backup true
migrator.register({
  version: 1,
  name: 'create_notes',
  up: (ctx) => ctx.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('kept')"),
  down: (ctx) => ctx.exec('DROP TABLE notes'),
});
await migrator.migrate(); // an empty database: nothing to back up yet

migrator.register({
  version: 2,
  name: 'rewrite_notes',
  transaction: false, // its writes cannot be rolled back...
  up: async (ctx) => {
    await ctx.exec("UPDATE notes SET body = 'half done'");
    throw new Error('the rewrite hit a bad row');
  },
  down: () => {},
});
try {
  await migrator.migrate(); // ...so Strata restores the backup it took before the run
} catch (error) {
  if (!(error instanceof StrataError)) throw error;
  console.log(error.code, error.details.restored); // MIGRATION_FAILED true
}
const notes = new Database(db);
console.log(notes.prepare('SELECT body FROM notes').pluck().all()); // [ 'kept' ]
notes.close();

const backups = new BackupManager({ provider: new SqliteBackupProvider(db) });
const { backups: listed } = await backups.list();
console.log(listed.map((b) => `${b.schemaVersion} ${b.verified} ${b.description}`)); // [ '1 true before migrate: 2_rewrite_notes' ]
await migrator.close();
