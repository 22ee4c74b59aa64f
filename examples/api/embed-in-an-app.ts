// examples/api/embed-in-an-app.ts: migrate the connection an app already has, on start-up.
import Database from 'better-sqlite3';
import { createMigrator } from 'strata-migrate';

export async function openDatabase(path: string): Promise<Database.Database> {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const migrator = createMigrator({ db });
  migrator.register({
    version: 20250115143045,
    name: 'settings',
    up: (ctx) => ctx.exec('CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)'),
    down: (ctx) => ctx.exec('DROP TABLE settings'),
  });
  await migrator.migrate(); // awaited: no query runs against a half-migrated schema
  await migrator.close(); // leaves the app's connection open
  return db;
}

const db = await openDatabase(':memory:');
db.prepare('INSERT INTO settings VALUES (?, ?)').run('theme', 'dark');
console.log(db.prepare('SELECT value FROM settings').get()); // { value: 'dark' }
