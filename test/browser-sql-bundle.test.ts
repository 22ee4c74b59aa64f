/**
 * Migrations without a folder, on the Node side: `strata bundle` (the built CLI) and the Vite
 * plugin (a tiny app built with vite 8) give the same bundle, whose checksums are those the CLI's
 * `migrate` writes to the ledger for the same folder; the statements are the folder's, split for
 * the dialect asked. Failure paths: no --out, an unknown --dialect, a folder with a code
 * migration, a missing folder: each a coded error and a non-zero exit, nothing written.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { build as viteBuild } from 'vite';
import { bundleMigrationFolder } from '../src/bundle/bundle-folder.js';
import { strataMigrations } from '../src/vite.js';
import { cli, tempDir, writeFiles } from './helpers.js';

const FOLDER = {
  'migrations/001_create_notes.sql':
    "-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL DEFAULT '');\n-- migrate:down\nDROP TABLE notes;\n",
  'migrations/002_tags.sql':
    "-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);\nINSERT INTO tags (label) VALUES ('a;b');\n-- migrate:down\nDROP TABLE tags;\n",
  // A CRLF checkout must not change the checksum (the ledger's is over normalised line endings).
  'migrations/003_index.sql': '-- migrate:up\r\nCREATE INDEX tags_label ON tags (label);\r\n-- migrate:down\r\nDROP INDEX tags_label;\r\n',
};

function nodeLedger(cwd: string): { version: string; checksum: string }[] {
  const migrated = cli(['migrate', '--db', 'app.db', '--dir', 'migrations'], { cwd });
  assert.equal(migrated.code, 0, migrated.stderr);
  const db = new Database(join(cwd, 'app.db'), { readonly: true });
  try {
    return db.prepare('SELECT version, checksum FROM strata_migrations ORDER BY version').all() as { version: string; checksum: string }[];
  } finally {
    db.close();
  }
}

describe('strata bundle and strata-migrate/vite', () => {
  test('strata bundle writes a module whose checksums equal the ledger Node writes for the same folder', async () => {
    const cwd = tempDir('strata-bundle-');
    writeFiles(cwd, FOLDER);
    const bundled = cli(['bundle', '--dir', 'migrations', '--out', 'src/migrations.gen.js', '--json'], { cwd });
    assert.equal(bundled.code, 1, 'the folder src/ does not exist yet');
    writeFiles(cwd, { 'src/.keep': '' });
    const ok = cli(['bundle', '--dir', 'migrations', '--out', 'src/migrations.gen.js', '--json'], { cwd });
    assert.equal(ok.code, 0, ok.stderr);
    const printed = JSON.parse(ok.stdout);
    const module = (await import(pathToFileURL(join(cwd, 'src/migrations.gen.js')).href)).default;
    const ledger = nodeLedger(cwd);
    assert.equal(ledger.length, 3);
    assert.deepEqual(
      module.migrations.map((m: { version: string; checksum: string }) => ({ version: m.version, checksum: m.checksum })),
      ledger,
    );
    assert.deepEqual(
      printed.migrations.map((m: { version: string; checksum: string }) => ({ version: m.version, checksum: m.checksum })),
      ledger,
    );
    assert.equal(module.format, 'strata-bundle/1');
    assert.equal(module.dialect, 'sqlite');
    assert.deepEqual(
      module.migrations[1].up.statements.map((s: { sql: string }) => s.sql),
      ['CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT)', "INSERT INTO tags (label) VALUES ('a;b')"],
    );
    assert.deepEqual(
      module.migrations[1].down.statements.map((s: { sql: string }) => s.sql),
      ['DROP TABLE tags'],
    );
    assert.equal(module.migrations[2].file, '003_index.sql');
  });

  test('the Vite plugin builds an app importing virtual:strata-migrations: the same bundle, for the dialect asked', async () => {
    const root = tempDir('strata-vite-');
    writeFiles(root, {
      ...FOLDER,
      'main.js': "import migrations from 'virtual:strata-migrations';\nexport default migrations;\n",
    });
    await viteBuild({
      root,
      logLevel: 'silent',
      configFile: false,
      plugins: [strataMigrations({ dir: 'migrations', dialect: 'postgres' }) as never],
      build: { outDir: 'dist', lib: { entry: join(root, 'main.js'), formats: ['es'], fileName: () => 'app.js' }, minify: true },
    });
    const built = join(root, 'dist', 'app.js');
    assert.ok(existsSync(built));
    const fromVite = (await import(pathToFileURL(built).href)).default;
    assert.deepEqual(fromVite, await bundleMigrationFolder({ dir: join(root, 'migrations'), dialect: 'postgres' }));
    assert.equal(fromVite.dialect, 'postgres');
    assert.deepEqual(
      fromVite.migrations.map((m: { checksum: string }) => m.checksum),
      nodeLedger(root).map((row) => row.checksum),
    );
  });

  test('bad input: a coded error, a non-zero exit, nothing written', () => {
    const cwd = tempDir('strata-bundle-bad-');
    writeFiles(cwd, FOLDER);
    const noOut = cli(['bundle', '--dir', 'migrations'], { cwd });
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /USAGE.*--out/s);

    const badDialect = cli(['bundle', '--dir', 'migrations', '--out', 'm.js', '--dialect', 'oracle'], { cwd });
    assert.equal(badDialect.code, 2);
    assert.match(badDialect.stderr, /--dialect oracle/);

    const missing = cli(['bundle', '--dir', 'nowhere', '--out', 'm.js', '--json'], { cwd });
    assert.equal(missing.code, 1);
    assert.equal(JSON.parse(missing.stdout).error.code, 'MIGRATIONS_DIR_MISSING');

    writeFileSync(join(cwd, 'migrations', '004_code.js'), 'export async function up(ctx) { await ctx.exec("SELECT 1"); }\n');
    const code = cli(['bundle', '--dir', 'migrations', '--out', 'm.js', '--json'], { cwd });
    assert.equal(code.code, 1);
    const error = JSON.parse(code.stdout).error;
    assert.equal(error.code, 'MIGRATION_INVALID');
    assert.match(error.message, /004_code\.js: its up is code/);
    assert.match(error.hint, /register/);
    assert.equal(existsSync(join(cwd, 'm.js')), false);
    assert.equal(readFileSync(join(cwd, 'migrations', '001_create_notes.sql'), 'utf8'), FOLDER['migrations/001_create_notes.sql']);
  });
});
