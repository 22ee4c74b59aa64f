// examples/api/document-state.ts: versioned JSON state, migrated on load, in a file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentMigrator, MigrationManager, jsonFileStore } from 'strata-migrate/document/node';

interface Todo {
  id: number;
  title: string;
  done?: boolean;
  createdAt?: string;
}

const migrations = new MigrationManager<{ todos: Todo[] }>();
migrations.register({
  version: 2,
  description: 'todos get a creation date',
  up: (data) => ({ todos: data.todos.map((t) => ({ ...t, createdAt: t.createdAt ?? '1970-01-01T00:00:00.000Z' })) }),
  down: (data) => ({ todos: data.todos.map(({ createdAt: _, ...t }) => t) }),
});
migrations.register({
  version: 1,
  description: 'todos have a done flag',
  up: (data) => ({ todos: (data.todos ?? []).map((t) => ({ ...t, done: t.done ?? false })) }),
  down: (data) => ({ todos: data.todos.map(({ done: _, ...t }) => t) }),
});

// The pure API: the input is not touched.
const legacy = { todos: [{ id: 1, title: 'write docs' }] };
console.log(JSON.stringify(migrations.applyMigrations(0, 2, legacy).todos[0])); // {"id":1,"title":"write docs","done":false,"createdAt":"1970-01-01T00:00:00.000Z"}
console.log(migrations.getLatestVersion()); // 2

// On a store: lock, read, run every step, back up, write once (atomically).
const path = join(mkdtempSync(join(tmpdir(), 'strata-doc-')), 'state.json');
writeFileSync(path, JSON.stringify(legacy)); // unversioned data from before Strata
const migrator = new DocumentMigrator({ store: jsonFileStore(path), migrations });
const report = await migrator.migrate();
console.log(report.from, '->', report.version, report.written); // null -> 2 true
console.log((await migrator.status()).migrations.map((m) => `${m.version}:${m.state}`).join(' ')); // 1:applied 2:applied
console.log((await migrator.rollback()).version); // 1
