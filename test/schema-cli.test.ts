/**
 * `strata schema dump` through the built CLI on SQLite: to stdout (the database line on stderr,
 * so `> schema.sql` is the dump alone), --out (written, the same bytes), --json, a bad action
 * (usage, exit 2), and the dump migrate and rollback write after a successful run when
 * --dump-schema or the config's "dumpSchema" names a file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, tempDir, writeFiles } from './helpers.js';

const MIGRATIONS = {
  'migrations/0001_items.sql':
    '-- migrate:up\nCREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE INDEX items_name ON items (name);\n-- migrate:down\nDROP TABLE items;\n',
  'migrations/0002_cheap.sql': '-- migrate:up\nCREATE VIEW cheap AS SELECT id FROM items;\n-- migrate:down\nDROP VIEW cheap;\n',
};

test('schema dump: stdout, --out, --json and a bad action', () => {
  const dir = tempDir('strata-schema-cli-');
  writeFiles(dir, MIGRATIONS);
  assert.equal(cli(['migrate', '--db', 'app.db', '--no-backup'], { cwd: dir }).code, 0);
  const printed = cli(['schema', 'dump', '--db', 'app.db'], { cwd: dir });
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stderr, /^database: sqlite:app\.db/);
  assert.match(printed.stdout, /^-- Schema dumped by strata schema dump \(sqlite\)/);
  assert.match(printed.stdout, /CREATE TABLE items \(\n {2}id integer,\n {2}name text NOT NULL,\n {2}PRIMARY KEY \(id\)\n\);/);
  assert.match(printed.stdout, /-- strata:applied 1 items\n-- strata:applied 2 cheap\n$/);
  assert.doesNotMatch(printed.stdout, /strata_migrations/);

  const written = cli(['schema', 'dump', '--db', 'app.db', '--out', 'db/schema.sql'], { cwd: dir });
  assert.equal(written.code, 0, written.stderr);
  assert.equal(readFileSync(join(dir, 'db', 'schema.sql'), 'utf8'), printed.stdout);

  const json = JSON.parse(cli(['schema', 'dump', '--db', 'app.db', '--json'], { cwd: dir }).stdout);
  assert.match(json.fingerprint, /^v1:[0-9a-f]{64}$/);
  assert.equal(json.ddl, printed.stdout);
  assert.deepEqual(json.applied, [
    { version: '1', name: 'items' },
    { version: '2', name: 'cheap' },
  ]);

  const bad = cli(['schema', 'load', '--db', 'app.db'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown schema action 'load'/);
});

test('migrate --dump-schema and the config\'s "dumpSchema" write the dump after migrate and rollback; a dry run writes none', () => {
  const dir = tempDir('strata-schema-cli-');
  writeFiles(dir, { ...MIGRATIONS, 'strata.config.json': JSON.stringify({ db: 'app.db', dumpSchema: 'db/schema.sql', backup: false }) });
  assert.equal(cli(['migrate', '--dry-run'], { cwd: dir }).code, 0);
  assert.ok(!existsSync(join(dir, 'db', 'schema.sql')), 'a dry run writes no dump');
  const migrated = cli(['migrate', '--json'], { cwd: dir });
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.equal(JSON.parse(migrated.stdout).schemaDump, join(dir, 'db', 'schema.sql'));
  assert.match(readFileSync(join(dir, 'db', 'schema.sql'), 'utf8'), /CREATE VIEW cheap[\s\S]*-- strata:applied 2 cheap\n$/);
  assert.equal(cli(['rollback'], { cwd: dir }).code, 0);
  const after = readFileSync(join(dir, 'db', 'schema.sql'), 'utf8');
  assert.doesNotMatch(after, /CREATE VIEW cheap/);
  assert.match(after, /-- strata:applied 1 items\n$/);
  assert.equal(cli(['migrate', '--dump-schema', 'other.sql'], { cwd: dir }).code, 0);
  assert.match(readFileSync(join(dir, 'other.sql'), 'utf8'), /-- strata:applied 2 cheap\n$/);
});
