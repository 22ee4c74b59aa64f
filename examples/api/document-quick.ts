// examples/api/document-quick.ts: versioned JSON state in a key-value store, migrated on load.
import { DocumentMigrator, MigrationManager, webStorageStore } from 'strata-migrate/document';

const migrations = new MigrationManager<{ theme: string; fontSize?: number }>();
migrations.register({ version: 1, description: 'a font size', up: (s) => ({ ...s, fontSize: s.fontSize ?? 14 }) });

const saved = new Map([['settings', JSON.stringify({ theme: 'dark' })]]); // stored before versions existed
const storage = {
  getItem: (key: string) => saved.get(key) ?? null,
  setItem: (key: string, value: string) => void saved.set(key, value),
  removeItem: (key: string) => void saved.delete(key),
}; // in a browser: localStorage
const migrator = new DocumentMigrator({ store: webStorageStore(storage, { key: 'settings' }), migrations });
const report = await migrator.migrate();
console.log(report.from, '->', report.version, JSON.stringify(report.data)); // null -> 1 {"theme":"dark","fontSize":14}
