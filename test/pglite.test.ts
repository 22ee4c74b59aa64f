/**
 * PGlite, the fourth dialect, on real data folders and in memory: the driver under the engine,
 * the folder lock across processes, and backups with an atomic restore.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { backupHook, backupManagerFor } from '../src/backup/backup-settings.js';
import { createMigrator } from '../src/create-migrator.js';
import { Migrator } from '../src/engine/migrator.js';
import { checksumMatches } from '../src/sources/checksum.js';
import { codeMigration } from '../src/sources/code-source.js';
import { readMigrationFolder } from '../src/sources/folder-source.js';
import type { SqlContext } from '../src/targets/sql/driver.js';
import { resolveDatabase, type DatabaseSpec } from '../src/targets/sql/database-spec.js';
import { dialectFor } from '../src/targets/sql/dialects.js';
import { postgresSql } from '../src/targets/sql/postgres/postgres-sql.js';
import { SQL_LEXERS } from '../src/sources/sql/split-statements.js';
import { pgliteDialect, pgliteLocationOf } from '../src/targets/sql/pglite/dialect.js';
import { stagedFolderOf } from '../src/targets/sql/pglite/folder-swap.js';
import { PgliteBackupProvider } from '../src/targets/sql/pglite/pglite-backup-provider.js';
import { PgliteDriver } from '../src/targets/sql/pglite/pglite-driver.js';
import { SqlTarget } from '../src/targets/sql/sql-target.js';
import { rejectsWith, ROOT, tempDir, writeFiles } from './helpers.js';

const MIGRATIONS = {
  '0001_people.sql': `-- migrate:up
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO people (id, name) VALUES (1, 'Ada');
-- migrate:down
DROP TABLE people;
`,
  '0002_pets.sql': `-- migrate:up
CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL REFERENCES people (id), body TEXT);
CREATE FUNCTION pet_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM pets; $$;
-- migrate:down
DROP FUNCTION pet_count();
DROP TABLE pets;
`,
};

/** An initialised data folder, copied for each test: initdb costs seconds, a copy milliseconds. */
let template: string;
before(async () => {
  template = join(tempDir('strata-pglite-template-'), 'pg');
  const driver = new PgliteDriver(template);
  await driver.connect('write');
  await driver.close();
});

function freshFolder(): { root: string; data: string } {
  const root = tempDir('strata-pglite-');
  const data = join(root, 'pg');
  cpSync(template, data, { recursive: true });
  return { root, data };
}

/** Folders a swap left beside the data folder (lock files are meant to stay). */
function leftovers(root: string): string[] {
  return readdirSync(root).filter((name) => /\.strata-(restore|replaced)$/.test(name));
}

function migrationsIn(root: string, files: Record<string, string> = MIGRATIONS): string {
  const dir = join(root, 'migrations');
  writeFiles(dir, files);
  return dir;
}

async function rowsOf<T>(data: string, sql: string): Promise<T[]> {
  const driver = new PgliteDriver(data);
  try {
    await driver.connect('read');
    return await driver.query<T>(sql);
  } finally {
    await driver.close();
  }
}

const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Runs `body` (TypeScript, with `PgliteDriver`, `createMigrator`, `PgliteBackupProvider` and `args` in scope) in a child process. */
function child(root: string, body: string, args: unknown): { process: ChildProcess; output: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const script = join(root, `child-${children.length}.mts`);
  writeFileSync(
    script,
    `import { PgliteDriver } from ${JSON.stringify(join(ROOT, 'src/targets/sql/pglite/pglite-driver.ts'))};
import { PgliteBackupProvider } from ${JSON.stringify(join(ROOT, 'src/targets/sql/pglite/pglite-backup-provider.ts'))};
import { createMigrator } from ${JSON.stringify(join(ROOT, 'src/create-migrator.ts'))};
const args = JSON.parse(process.argv[2]!);
${body}
`,
  );
  const proc = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(args)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (chunk) => (stdout += chunk));
  proc.stderr!.on('data', (chunk) => (stderr += chunk));
  const output = once(proc, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { process: proc, output };
}

/** Resolves once the child printed `word`. */
function printed(proc: ChildProcess, word: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes(word)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`the child exited (${code}) before printing ${word}`)));
  });
}

describe('the PGlite driver under the engine', () => {
  test('read mode on a missing folder creates nothing and reports it missing', async () => {
    const root = tempDir('strata-pglite-');
    const driver = new PgliteDriver(join(root, 'pg'));
    assert.deepEqual(await driver.connect('read'), { exists: false });
    await driver.close();
    assert.deepEqual(readdirSync(root), []);
    const status = await createMigrator({ db: new PgliteDriver(join(root, 'pg')), dir: migrationsIn(root) }).status();
    assert.equal(status.exists, false);
    assert.equal(status.pending, 2);
    assert.deepEqual(readdirSync(root), ['migrations']);
  });

  for (const where of ['folder', 'memory'] as const) {
    test(`migrate, status, validate and rollback (${where})`, async () => {
      const { root, data } = freshFolder();
      const driver = new PgliteDriver(where === 'memory' ? ':memory:' : data);
      const migrator = createMigrator({ db: driver, dir: migrationsIn(root) });
      try {
        const up = await migrator.migrate();
        assert.deepEqual(
          up.results.map((r) => [r.version, r.status]),
          [
            ['1', 'applied'],
            ['2', 'applied'],
          ],
        );
        const status = await migrator.status();
        assert.equal(status.currentVersion, '2');
        assert.equal(status.pending, 0);
        assert.deepEqual(status.problems, []);
        const validation = await migrator.validate();
        assert.equal(validation.ok, true, JSON.stringify(validation));
        assert.deepEqual(await driver.query('SELECT pet_count() AS n'), [{ n: 0 }]);
        const down = await migrator.rollback();
        assert.deepEqual(
          down.results.map((r) => [r.version, r.status]),
          [['2', 'reverted']],
        );
        assert.equal(await driver.tableExists('pets'), false);
        assert.equal(await driver.tableExists('people'), true);
      } finally {
        await migrator.close();
      }
      if (where === 'folder') {
        // Closed and opened again by another driver: the ledger was on disk.
        assert.deepEqual(await rowsOf(data, 'SELECT version, status FROM strata_migrations'), [{ version: '1', status: 'applied' }]);
      }
    });
  }

  test('a failing migration leaves nothing behind, and its error names line and column', async () => {
    const { root, data } = freshFolder();
    const dir = migrationsIn(root, {
      ...MIGRATIONS,
      '0003_broken.sql': `-- migrate:up
CREATE TABLE toys (id INTEGER PRIMARY KEY);
INSERT INTO toys (id)
  VALUES (1);
SELECT id,
       nosuchcolumn
  FROM toys;
`,
    });
    const migrator = createMigrator({ db: new PgliteDriver(data), dir });
    try {
      const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED', /statement 3 \(line 6, column 8\)/);
      assert.equal(error.details.line, 6);
      assert.equal(error.details.column, 8);
      assert.deepEqual(
        error.results.map((r) => [r.version, r.status]),
        [
          ['1', 'applied'],
          ['2', 'applied'],
          ['3', 'failed'],
        ],
      );
    } finally {
      await migrator.close();
    }
    // DDL is transactional: the table of the failed step went with its transaction.
    assert.deepEqual(await rowsOf(data, "SELECT to_regclass('toys') AS t"), [{ t: null }]);
    assert.deepEqual(await rowsOf(data, "SELECT version FROM strata_migrations WHERE status = 'applied' ORDER BY version"), [
      { version: '1' },
      { version: '2' },
    ]);
  });

  test('a schema: created, first on the search path, home of the ledger; read mode does not create it', async () => {
    const { root, data } = freshFolder();
    const dir = migrationsIn(root);
    const reader = createMigrator({ db: new PgliteDriver(data, { schema: 'app' }), dir, schema: 'app' });
    assert.equal((await reader.status()).exists, false);
    await reader.close();
    assert.deepEqual(await rowsOf(data, "SELECT nspname FROM pg_namespace WHERE nspname = 'app'"), []);
    const migrator = createMigrator({ db: new PgliteDriver(data, { schema: 'app' }), dir, schema: 'app' });
    try {
      await migrator.migrate();
    } finally {
      await migrator.close();
    }
    assert.deepEqual(await rowsOf(data, 'SELECT name FROM app.people'), [{ name: 'Ada' }]);
    assert.deepEqual(await rowsOf(data, 'SELECT count(*)::int AS n FROM app.strata_migrations'), [{ n: 2 }]);
    assert.deepEqual(await rowsOf(data, "SELECT to_regclass('public.people') AS t"), [{ t: null }]);
  });

  test('without @electric-sql/pglite installed: DRIVER_UNSUPPORTED naming the install command', async () => {
    // A copy of the loader where no node_modules can be found: the package truly is not there.
    const root = tempDir('strata-pglite-missing-');
    for (const file of ['src/model/errors.ts', 'src/fs/import-module.ts', 'src/targets/sql/pglite/load-pglite.ts']) cpSync(join(ROOT, file), join(root, file));
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }');
    writeFileSync(
      join(root, 'main.mts'),
      `import { createPglite } from './src/targets/sql/pglite/load-pglite.ts';
try { await createPglite(undefined); } catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message, hint: error.hint })); }`,
    );
    const run = spawn(process.execPath, ['--import', join(ROOT, 'node_modules/tsx/dist/loader.mjs'), join(root, 'main.mts')], { cwd: root });
    let out = '';
    run.stdout.on('data', (chunk) => (out += chunk));
    await once(run, 'close');
    const error = JSON.parse(out) as { code: string; message: string; hint: string };
    assert.equal(error.code, 'DRIVER_UNSUPPORTED');
    assert.match(error.message, /@electric-sql\/pglite/);
    assert.equal(error.hint, 'npm install @electric-sql/pglite');
  });

  test('a folder with other files in it is not made a database', async () => {
    const root = tempDir('strata-pglite-');
    writeFiles(join(root, 'photos'), { 'cat.jpg': 'not a database' });
    await rejectsWith(createMigrator({ db: new PgliteDriver(join(root, 'photos')), dir: migrationsIn(root) }).migrate(), 'NOT_A_DATABASE', /no PG_VERSION/);
    assert.deepEqual(readdirSync(join(root, 'photos')), ['cat.jpg']);
  });
});

describe('the folder lock', () => {
  test('two processes racing migrate on one folder apply each step exactly once', async () => {
    const { root, data } = freshFolder();
    const files: Record<string, string> = { '0001_counter.sql': 'CREATE TABLE counter (version TEXT NOT NULL);\n' };
    for (let v = 2; v <= 12; v++) {
      files[`${String(v).padStart(4, '0')}_step_${v}.sql`] =
        `${v % 5 === 0 ? '-- strata:no-transaction\n' : ''}CREATE TABLE t${v} (id INTEGER);\nINSERT INTO counter VALUES ('${v}');\n`;
    }
    const dir = migrationsIn(root, files);
    const racers = [0, 1].map(() =>
      child(
        root,
        `const m = createMigrator({ db: new PgliteDriver(args.data), dir: args.dir });
const report = await m.migrate();
await m.close();
console.log(JSON.stringify(report.results.map((r) => r.version)));`,
        { data, dir },
      ),
    );
    const outputs = await Promise.all(racers.map((r) => r.output));
    for (const output of outputs) assert.equal(output.code, 0, output.stderr);
    const applied = outputs.flatMap((o) => JSON.parse(o.stdout.trim()) as string[]).sort((a, b) => Number(a) - Number(b));
    assert.deepEqual(
      applied,
      Array.from({ length: 12 }, (_, k) => String(k + 1)),
    );
    const counted = await rowsOf<{ version: string; n: number }>(data, 'SELECT version, count(*)::int AS n FROM counter GROUP BY version');
    assert.equal(counted.length, 11);
    assert.ok(counted.every((row) => row.n === 1));
  });

  test('a process that has the folder open makes others wait, then time out with LOCK_TIMEOUT', async () => {
    const { root, data } = freshFolder();
    const holder = child(
      root,
      `const d = new PgliteDriver(args.data);
await d.connect('read');
console.log('open');
setInterval(() => {}, 1000);`,
      { data },
    );
    await printed(holder.process, 'open');
    const migrator = createMigrator({ db: new PgliteDriver(data, { lockTimeoutMs: 300 }), dir: migrationsIn(root) });
    const started = Date.now();
    await rejectsWith(migrator.status(), 'LOCK_TIMEOUT', new RegExp(`held the migration lock on ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.ok(Date.now() - started >= 300);
    await migrator.close();
    // lock() before any other use waits with the engine's timeout and says it waits.
    const driver = new PgliteDriver(data);
    let waited = 0;
    await rejectsWith(
      driver.lock(200, () => waited++),
      'LOCK_TIMEOUT',
    );
    assert.equal(waited, 1);
    await driver.close();
    // A holder that dies releases the folder: no stale lock.
    holder.process.kill('SIGKILL');
    await holder.output;
    const after = new PgliteDriver(data, { lockTimeoutMs: 5_000 });
    assert.deepEqual(await after.connect('read'), { exists: true });
    await after.close();
  });

  test('two drivers in one process exclude each other like two processes', async () => {
    const { data } = freshFolder();
    const first = new PgliteDriver(data);
    await first.connect('write');
    const second = new PgliteDriver(data, { lockTimeoutMs: 150 });
    await rejectsWith(second.connect('read'), 'LOCK_TIMEOUT');
    await first.close();
    assert.deepEqual(await second.connect('read'), { exists: true });
    await second.close();
  });
});

describe('PGlite backups', () => {
  async function migrated(): Promise<{ root: string; data: string }> {
    const folder = freshFolder();
    const migrator = createMigrator({ db: new PgliteDriver(folder.data), dir: migrationsIn(folder.root) });
    await migrator.migrate();
    await migrator.close();
    return folder;
  }

  test('create, verify, restore in place and to a new folder', async () => {
    const { root, data } = await migrated();
    const provider = new PgliteBackupProvider(data);
    assert.equal(await provider.isEmpty(), false);
    const manager = backupManagerFor(provider, { dir: join(root, 'backups'), check: 'full' });
    const { backup } = await manager.create({ description: 'before the cats' });
    assert.equal(backup.schemaVersion, '2');
    assert.equal(backup.verified, true);
    assert.equal((await manager.verify(backup.id)).id, backup.id);

    const writer = new PgliteDriver(data);
    await writer.connect('write');
    await writer.exec("INSERT INTO people VALUES (2, 'Grace'); CREATE TABLE cats (id INTEGER)");
    await writer.close();

    const outcome = await manager.restore(backup.id);
    assert.ok(outcome.safety, 'a safety backup of the state it replaced');
    assert.deepEqual(await rowsOf(data, 'SELECT name FROM people ORDER BY id'), [{ name: 'Ada' }]);
    assert.deepEqual(await rowsOf(data, "SELECT to_regclass('cats') AS t"), [{ t: null }]);
    assert.deepEqual(leftovers(root), []);

    await manager.restore(outcome.safety!.id, { to: join(root, 'copy') });
    assert.deepEqual(await rowsOf(join(root, 'copy'), 'SELECT name FROM people ORDER BY id'), [{ name: 'Ada' }, { name: 'Grace' }]);
  });

  test('isEmpty: a missing folder, a fresh one, one with only an empty ledger', async () => {
    const root = tempDir('strata-pglite-');
    assert.equal(await new PgliteBackupProvider(join(root, 'missing')).isEmpty(), true);
    assert.deepEqual(readdirSync(root), []);
    const { data } = freshFolder();
    assert.equal(await new PgliteBackupProvider(data).isEmpty(), true);
    const driver = new PgliteDriver(data);
    await driver.connect('write');
    await driver.exec('CREATE TABLE strata_migrations (version TEXT)');
    await driver.close();
    assert.equal(await new PgliteBackupProvider(data).isEmpty(), true);
  });

  test('a damaged snapshot fails its check', async () => {
    const { root, data } = await migrated();
    const plain = join(root, 'snapshot.tar');
    await new PgliteBackupProvider(data).snapshot(plain);
    const provider = new PgliteBackupProvider(data);
    assert.deepEqual(await provider.check(plain, 'full'), []);
    writeFileSync(plain, 'not a tarball');
    const problems = await provider.check(plain, 'full');
    assert.equal(problems.length, 1);
  });

  test('a run that fails outside a transaction is undone by the automatic restore, through the open folder', async () => {
    const { root, data } = await migrated();
    const dir = migrationsIn(root, {
      ...MIGRATIONS,
      '0003_half.sql': `-- strata:no-transaction
CREATE TABLE half (id INTEGER);
SELECT nosuchcolumn FROM half;
`,
    });
    const driver = new PgliteDriver(data);
    const provider = new PgliteBackupProvider(data);
    const manager = backupManagerFor(provider, { dir: join(root, 'backups') });
    const migrator = new Migrator<SqlContext>({
      target: new SqlTarget(driver),
      source: () => readMigrationFolder<SqlContext>(dir, { dialect: 'postgres' }),
      define: codeMigration,
      checksumMatches,
      backups: backupHook(() => manager),
    });
    try {
      const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED');
      assert.equal(error.details.restored, true);
      // The driver keeps working on the restored folder, in the same process.
      assert.equal(await driver.tableExists('half'), false);
      assert.equal((await migrator.status()).currentVersion, '2');
    } finally {
      await migrator.close();
    }
  });

  test('a restore that fails midway leaves the old folder as it was', async () => {
    const { root, data } = await migrated();
    const broken = join(root, 'broken.tar');
    writeFileSync(broken, 'not a tarball');
    await rejectsWith(new PgliteBackupProvider(data).restoreInto(broken), 'RESTORE_FAILED');
    assert.equal(existsSync(stagedFolderOf(data)), false);
    assert.deepEqual(await rowsOf(data, 'SELECT name FROM people'), [{ name: 'Ada' }]);
  });

  test('a crash between the two renames: the next open finishes the swap', async () => {
    const { root, data } = await migrated();
    const plain = join(root, 'snapshot.tar');
    const provider = new PgliteBackupProvider(data);
    await provider.snapshot(plain);
    const writer = new PgliteDriver(data);
    await writer.connect('write');
    await writer.exec("UPDATE people SET name = 'changed'");
    await writer.close();
    // The state a kill after step 2 leaves: the complete new folder staged, the old one set aside, none at `data`.
    await provider.restoreTo(plain, stagedFolderOf(data));
    renameSync(data, `${data}.strata-replaced`);
    assert.deepEqual(await rowsOf(data, 'SELECT name FROM people'), [{ name: 'Ada' }]);
    assert.deepEqual(leftovers(root), []);
  });

  test('a restore killed at any moment leaves the old folder or the new one, never a mix', async () => {
    const { root, data } = await migrated();
    const plain = join(root, 'snapshot.tar');
    await new PgliteBackupProvider(data).snapshot(plain);
    const writer = new PgliteDriver(data);
    await writer.connect('write');
    await writer.exec("INSERT INTO people VALUES (2, 'Grace')");
    await writer.close();
    const restorer = child(
      root,
      `const provider = new PgliteBackupProvider(args.data);
console.log('start');
await provider.restoreInto(args.plain);
console.log('done');`,
      { data, plain },
    );
    await printed(restorer.process, 'start');
    // Somewhere inside the restore (loading the tarball, syncing, swapping): a real kill, no hook.
    await new Promise((resolve) => setTimeout(resolve, 400));
    restorer.process.kill('SIGKILL');
    await restorer.output;
    const names = (await rowsOf<{ name: string }>(data, 'SELECT name FROM people ORDER BY id')).map((row) => row.name);
    assert.ok(JSON.stringify(names) === '["Ada"]' || JSON.stringify(names) === '["Ada","Grace"]', `got ${JSON.stringify(names)}`);
    assert.deepEqual(leftovers(root), []);
  });
});

describe('the PGlite dialect', () => {
  const spec = (location: string, schema?: string): DatabaseSpec =>
    resolveDatabase({ db: location === ':memory:' ? 'pglite:memory:' : `pglite:${location}`, ...(schema ? { schema } : {}) });

  test('claims pglite: strings only, and resolves folders and memory', () => {
    for (const db of ['pglite:./data/pg', 'pglite:/abs/pg', 'pglite:///abs/pg', 'pglite:memory:', 'PGLITE:memory:'])
      assert.equal(pgliteDialect.claims(db), true, db);
    for (const db of ['./app.db', 'sqlite:./app.db', 'postgres://localhost/x', 'pglite']) assert.equal(pgliteDialect.claims(db), false, db);
    assert.equal(pgliteLocationOf('pglite:memory:'), ':memory:');
    assert.equal(pgliteLocationOf('pglite://memory:'), ':memory:');
    assert.equal(pgliteLocationOf('pglite:/abs/pg'), '/abs/pg');
    assert.equal(pgliteLocationOf('pglite:///abs/pg'), '/abs/pg');
    assert.equal(pgliteLocationOf('pglite:./data/pg'), join(process.cwd(), 'data/pg'));
    assert.equal(pgliteLocationOf('./app.db'), undefined);
    assert.throws(() => pgliteLocationOf('pglite:'), /names no folder/);
  });

  test("speaks PostgreSQL's SQL: the same lexer and builders", () => {
    assert.equal(pgliteDialect.family, 'postgres');
    assert.equal(pgliteDialect.lexer, SQL_LEXERS.postgres);
    for (const key of ['quoteIdentifier', 'param', 'insertIgnore', 'upsert', 'types', 'beginWrite'] as const)
      assert.equal(pgliteDialect[key], postgresSql[key], key);
  });

  test('is the dialect resolveDatabase picks for pglite: strings, ahead of SQLite', () => {
    const folder = resolveDatabase({ db: 'pglite:./data/pg' });
    assert.equal(folder.dialect, pgliteDialect);
    assert.equal(folder.location, join(process.cwd(), 'data/pg'));
    assert.equal(folder.description, 'pglite:data/pg');
    const memory = resolveDatabase({ db: 'pglite:memory:' });
    assert.equal(memory.location, ':memory:');
    assert.equal(memory.ephemeral, true);
    assert.equal(dialectFor('./app.db').name, 'sqlite');
  });

  test('opens drivers; a folder has a backup provider, memory none', async () => {
    const { data } = freshFolder();
    const driver = pgliteDialect.open(spec(data, 'app'));
    assert.ok(driver instanceof PgliteDriver);
    assert.equal(driver.schema, 'app');
    const provider = pgliteDialect.backupProvider(spec(data));
    assert.equal(provider?.kind, 'pglite');
    assert.equal(provider?.source, `pglite:${data}`);
    assert.equal(pgliteDialect.backupProvider(spec(':memory:')), undefined);
  });
});
