// examples/api/backup-quick.ts: back a SQLite database up, verify the backup, restore it.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupManager, SqliteBackupProvider } from 'strata-migrate/backup';

const path = join(mkdtempSync(join(tmpdir(), 'strata-backup-')), 'app.db');
const db = new Database(path);
db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('kept')");

const backups = new BackupManager({ provider: new SqliteBackupProvider(path) });
const { backup } = await backups.create({ description: 'before the cleanup' });
console.log(backup.verified, (await backups.verify(backup.id)).verified); // true true

db.exec('DELETE FROM notes');
await backups.restore(backup.id); // keeps what it replaces as another backup
console.log(db.prepare('SELECT body FROM notes').pluck().all()); // [ 'kept' ]
db.close();
