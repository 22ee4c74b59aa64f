// examples/api/migrate-a-folder.ts: migrate a folder of SQL files, inspect, roll back.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMigrator } from 'strata-migrate';

const root = mkdtempSync(join(tmpdir(), 'strata-example-'));
mkdirSync(join(root, 'migrations'));
writeFileSync(
  join(root, 'migrations', '0001_create_users.sql'),
  `-- migrate:up
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
-- migrate:down
DROP TABLE users;
`,
);

const migrator = createMigrator({ db: join(root, 'app.db'), dir: join(root, 'migrations') });
const report = await migrator.migrate();
console.log(report.results.map((r) => `${r.status} ${r.version}_${r.name}`)); // [ 'applied 1_create_users' ]

const status = await migrator.status();
console.log(status.currentVersion, status.pending); // 1 0

await migrator.rollback({ to: 0 });
console.log((await migrator.status()).currentVersion); // null
await migrator.close();
