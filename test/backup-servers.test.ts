/**
 * Backups of PostgreSQL and MySQL/MariaDB servers through the BackupManager, on real servers and
 * the real client tools: round trips compared table by table, restores that fail midway and leave
 * the database exactly as it was, gzip+encryption, passwords that never reach manifests or
 * messages, and coded errors when the tools are missing. Each suite works in its own fresh
 * database (and user), dropped afterwards. Servers: $STRATA_TEST_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres) and $STRATA_TEST_MYSQL_URL (default
 * mysql://root@127.0.0.1:3306/). When one is unreachable its suite is skipped with one line saying
 * why, except under CI=true, where it fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { BackupManager, MysqlBackupProvider, PostgresBackupProvider, type BackupManagerOptions, type BackupProvider } from '../src/index.js';
import { findTool, redactUrl } from '../src/backup/providers/external-tool.js';
import { rejectsWith, ROOT, tempDir } from './helpers.js';

const CI = process.env.CI === 'true';
const PG_ADMIN = process.env.STRATA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MY_ADMIN = process.env.STRATA_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
const KEY = { key: Buffer.alloc(32, 9) };

function manager(provider: BackupProvider, options: Partial<BackupManagerOptions> = {}): BackupManager {
  return new BackupManager({ provider, dir: tempDir('strata-server-backup-'), ...options });
}

/** Every file of the backups folder as text (to look for secrets). */
function allText(dir: string): string {
  return readdirSync(dir)
    .map((name) => readFileSync(join(dir, name)).toString('latin1'))
    .join('\n');
}

function toolsMissing(names: string[][]): string | null {
  for (const alternatives of names) {
    try {
      findTool(alternatives, undefined, '', 'BACKUP');
    } catch {
      return `${alternatives.join('/')} is not on the PATH`;
    }
  }
  return null;
}

/** Runs `body` (ESM, may import src/index.ts) in a child process with PATH set to an empty folder. */
function runWithoutPath(body: string): { code: string; message: string; hint: string } {
  const empty = tempDir('strata-empty-path-');
  const script = `import * as strata from ${JSON.stringify(join(ROOT, 'src', 'index.ts'))};\ntry { ${body}; console.log(JSON.stringify({ code: 'none' })); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, hint: e.hint })); }`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, PATH: empty },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!);
}

// ---- PostgreSQL -------------------------------------------------------------------------------

async function pgClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function pgUnavailable(): Promise<string | null> {
  const missing = toolsMissing([['pg_dump'], ['pg_restore'], ['psql']]);
  if (missing) return missing;
  try {
    await (await pgClient(PG_ADMIN)).end();
    return null;
  } catch (error) {
    return `cannot connect to ${redactUrl(PG_ADMIN)} (${(error as Error).message})`;
  }
}

async function pgExec(url: string, sql: string): Promise<void> {
  const client = await pgClient(url);
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Every user table's columns and rows (sorted): "the same database" means deep-equal. */
async function pgTables(url: string): Promise<Record<string, unknown>> {
  const client = await pgClient(url);
  try {
    const out: Record<string, unknown> = {};
    const tables = await client.query<{ s: string; t: string }>(
      "SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
    );
    for (const { s, t } of tables.rows) {
      const columns = await client.query(
        'SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
        [s, t],
      );
      const rows = await client.query(`SELECT * FROM "${s}"."${t}" ORDER BY 1`);
      out[`${s}.${t}`] = { columns: columns.rows, rows: rows.rows };
    }
    const sequences = await client.query("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname NOT IN ('pg_catalog') ORDER BY 1");
    out['(sequences)'] = sequences.rows;
    return out;
  } finally {
    await client.end();
  }
}

const pgProblem = await pgUnavailable();
if (pgProblem && !CI) console.log(`skipping the PostgreSQL backup tests: ${pgProblem} (set CI=true to fail instead)`);

describe('PostgreSQL backups', { skip: pgProblem && !CI ? pgProblem : false }, () => {
  const suffix = randomBytes(4).toString('hex');
  const db = `strata_bk_${suffix}`;
  const user = `strata_u_${suffix}`;
  const owner = `strata_o_${suffix}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const admin = new URL(PG_ADMIN);
  const url = `postgres://${user}:${password}@${admin.host}/${db}`;
  const adminUrl = (() => {
    const u = new URL(PG_ADMIN);
    u.pathname = `/${db}`;
    return u.toString();
  })();
  const extraDbs: string[] = [];

  before(async () => {
    await pgExec(PG_ADMIN, `CREATE ROLE ${user} LOGIN SUPERUSER PASSWORD '${password}'`);
    await pgExec(PG_ADMIN, `CREATE ROLE ${owner} NOLOGIN`);
    await pgExec(PG_ADMIN, `CREATE DATABASE ${db} OWNER ${user}`);
    await pgExec(
      url,
      `CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, payload bytea, at timestamptz DEFAULT now());
       INSERT INTO items (name, payload) SELECT 'item-' || k, decode(md5(k::text), 'hex') FROM generate_series(1, 300) k;
       CREATE SCHEMA app;
       CREATE TABLE app.notes (id int PRIMARY KEY, item int REFERENCES items(id), body text);
       INSERT INTO app.notes SELECT k, ((k - 1) % 300) + 1, repeat(md5(k::text), 20) FROM generate_series(1, 2000) k;
       CREATE VIEW app.note_names AS SELECT n.id, i.name FROM app.notes n JOIN items i ON i.id = n.item;
       CREATE TABLE strata_migrations (version varchar(255) PRIMARY KEY, name text, status varchar(16) NOT NULL DEFAULT 'applied');
       INSERT INTO strata_migrations VALUES ('2', 'two', 'applied'), ('10', 'ten', 'applied'), ('11', 'eleven', 'failed');`,
    );
  });

  after(async () => {
    for (const name of [db, ...extraDbs]) await pgExec(PG_ADMIN, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await pgExec(PG_ADMIN, `DROP ROLE IF EXISTS ${owner}`).catch(() => undefined);
    await pgExec(PG_ADMIN, `DROP ROLE IF EXISTS ${user}`).catch(() => undefined);
  });

  test('create, verify, change, restore in place: exactly the backed-up tables come back (and tables made since go)', async () => {
    const provider = new PostgresBackupProvider(url);
    assert.equal(provider.source, `postgres://${user}@${admin.host}/${db}`);
    assert.equal(await provider.isEmpty(), false);
    const backups = manager(provider);
    const original = await pgTables(url);
    const { backup } = await backups.create({ description: 'before' });
    assert.equal(backup.verified, true);
    assert.equal(backup.kind, 'postgres');
    assert.equal(backup.schemaVersion, '10', 'the highest applied version in the ledger');
    assert.equal((await backups.verify(backup.id)).id, backup.id);

    await pgExec(
      url,
      "DELETE FROM app.notes WHERE id > 100; UPDATE items SET name = 'changed'; INSERT INTO items (name) VALUES ('new'); CREATE TABLE later (x int); INSERT INTO strata_migrations VALUES ('12', 'twelve', 'applied')",
    );
    assert.notDeepEqual(await pgTables(url), original);
    await backups.restore(backup.id);
    assert.deepEqual(await pgTables(url), original);
  });

  test('a restore that fails midway leaves the database exactly as it was (DDL is transactional)', async () => {
    await pgExec(adminUrl, `CREATE TABLE audit (id int PRIMARY KEY, what text); INSERT INTO audit VALUES (1, 'one'); ALTER TABLE audit OWNER TO ${owner}`);
    const provider = new PostgresBackupProvider(url);
    const backups = manager(provider);
    const { backup } = await backups.create();
    // The archive is sound, but the role it gives `audit` to is gone: the restore fails after
    // dropping and recreating tables, inside its transaction.
    await pgExec(adminUrl, `REASSIGN OWNED BY ${owner} TO ${user}; DROP OWNED BY ${owner}`);
    await pgExec(PG_ADMIN, `DROP ROLE ${owner}`);
    await pgExec(url, "UPDATE items SET name = 'after the backup' WHERE id < 50; CREATE TABLE later2 (x int)");
    const before = await pgTables(url);
    const error = await rejectsWith(backups.restore(backup.id), 'RESTORE_FAILED', /does not exist/);
    assert.match(error.hint ?? '', /as it was/);
    assert.deepEqual(await pgTables(url), before);

    // A truncated archive (data cut off in the middle of the big table): check() says so, and a
    // restore forced past it fails inside the transaction too.
    await pgExec(PG_ADMIN, `CREATE ROLE ${owner} NOLOGIN`);
    const plain = join(tempDir('strata-pg-plain-'), 'db.dump');
    await provider.snapshot(plain);
    assert.deepEqual(await provider.check(plain), []);
    const cut = `${plain}.cut`;
    copyFileSync(plain, cut);
    truncateSync(cut, Math.floor(readFileSync(plain).length * 0.6));
    assert.notDeepEqual(await provider.check(cut), []);
    await rejectsWith(provider.restoreInto(cut), 'RESTORE_FAILED');
    assert.deepEqual(await pgTables(url), before);
  });

  test('gzip + encryption round trip; one schema only', async () => {
    const provider = new PostgresBackupProvider(url, { schema: 'app' });
    assert.match(provider.source, /#schema=app$/);
    const backups = manager(provider, { compression: 6, encrypt: true, key: KEY });
    const original = await pgTables(url);
    const { backup } = await backups.create();
    assert.equal(backup.compression, 'gzip');
    assert.equal(backup.encryption, 'aes-256-gcm');
    assert.equal((await backups.verify(backup.id)).id, backup.id);
    await pgExec(url, "DELETE FROM app.notes; CREATE TABLE app.extra (x int); UPDATE items SET name = 'outside the schema' WHERE id = 1");
    await backups.restore(backup.id);
    const restored = (await pgTables(url)) as Record<string, { rows: { name: string }[] }>;
    assert.equal(restored['app.extra'], undefined);
    assert.deepEqual(restored['app.notes'], original['app.notes']);
    assert.equal(
      restored['public.items']!.rows.find((r) => (r as unknown as { id: number }).id === 1)!.name,
      'outside the schema',
      'other schemas are not touched',
    );
  });

  test('restoreTo: a new database is created; a database with tables is refused', async () => {
    const provider = new PostgresBackupProvider(url);
    const plain = join(tempDir('strata-pg-plain-'), 'db.dump');
    await provider.snapshot(plain);
    const copyDb = `${db}_copy`;
    extraDbs.push(copyDb);
    const copyUrl = `postgres://${user}:${password}@${admin.host}/${copyDb}`;
    await provider.restoreTo(plain, copyUrl);
    const source = await pgTables(url);
    const copy = await pgTables(copyUrl);
    assert.deepEqual(copy, source);
    const error = await rejectsWith(provider.restoreTo(plain, copyUrl), 'FILE_EXISTS');
    assert.ok(!error.message.includes(password));
  });

  test('the password never reaches the manifest, the source or error messages', async () => {
    const provider = new PostgresBackupProvider(url);
    const backups = manager(provider);
    await backups.create();
    assert.ok(!allText(backups.dir).includes(password), 'a manifest holds the password');
    assert.ok(!provider.source.includes(password));
    const failing = new PostgresBackupProvider(url, { schema: 'no_such_schema' });
    const error = await rejectsWith(manager(failing).create(), 'BACKUP_FAILED', /pg_dump .* failed/);
    assert.ok(!JSON.stringify(error.toJSON()).includes(password), error.message);
    assert.match(error.message, new RegExp(`postgres://${user}@`));
    assert.equal(redactUrl(`postgres://a:${password}@h/db?sslmode=require&password=${password}`), 'postgres://a@h/db?sslmode=require');
  });

  test('missing client tools: a coded error naming the tool and how to install it', async () => {
    const empty = tempDir('strata-no-tools-');
    const provider = new PostgresBackupProvider(url, { binDir: empty });
    const error = await rejectsWith(provider.snapshot(join(empty, 'x.dump')), 'BACKUP_UNSUPPORTED', /pg_dump is not in /);
    assert.match(error.hint ?? '', /apt-get install postgresql-client/);
    await rejectsWith(provider.restoreInto(join(empty, 'x.dump')), 'BACKUP_UNSUPPORTED', /pg_restore/);
    const child = runWithoutPath(
      `await new strata.BackupManager({ provider: new strata.PostgresBackupProvider(${JSON.stringify(url)}), dir: ${JSON.stringify(empty)} }).create()`,
    );
    assert.equal(child.code, 'BACKUP_UNSUPPORTED', child.message);
    assert.match(child.message, /pg_dump is not on the PATH/);
    assert.match(child.hint, /postgresql-client/);
    assert.ok(!child.message.includes(password));
  });
});

// ---- MySQL / MariaDB ----------------------------------------------------------------------------

function myConfig(url: string): mysql.ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password) || undefined,
    database: u.pathname.slice(1) || undefined,
    multipleStatements: true,
    connectTimeout: 3000,
    supportBigNumbers: true,
    bigNumberStrings: true,
  };
}

async function myExec(url: string, sql: string): Promise<void> {
  const c = await mysql.createConnection(myConfig(url));
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function myUnavailable(): Promise<string | null> {
  const missing = toolsMissing([
    ['mysqldump', 'mariadb-dump'],
    ['mysql', 'mariadb'],
  ]);
  if (missing) return missing;
  try {
    await (await mysql.createConnection(myConfig(MY_ADMIN))).end();
    return null;
  } catch (error) {
    return `cannot connect to ${redactUrl(MY_ADMIN)} (${(error as Error).message})`;
  }
}

/** Every table's definition and rows, the views, triggers and routines. */
async function myTables(url: string): Promise<Record<string, unknown>> {
  const config = myConfig(url);
  const c = await mysql.createConnection(config);
  try {
    const out: Record<string, unknown> = {};
    const [tables] = await c.query<mysql.RowDataPacket[]>(
      'SELECT TABLE_NAME AS t, TABLE_TYPE AS k FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1',
      [config.database],
    );
    for (const { t, k } of tables) {
      if (k === 'VIEW') {
        const [rows] = await c.query(`SELECT * FROM \`${t}\` ORDER BY 1`);
        out[`view ${t}`] = rows;
        continue;
      }
      const [create] = await c.query<mysql.RowDataPacket[]>(`SHOW CREATE TABLE \`${t}\``);
      const [rows] = await c.query(`SELECT * FROM \`${t}\` ORDER BY 1`);
      out[t as string] = { create: create[0]!['Create Table'], rows };
    }
    const [triggers] = await c.query('SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1', [
      config.database,
    ]);
    const [routines] = await c.query('SELECT ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1', [
      config.database,
    ]);
    return { ...out, '(triggers)': triggers, '(routines)': routines };
  } finally {
    await c.end();
  }
}

async function scratchDatabases(url: string): Promise<string[]> {
  const c = await mysql.createConnection(myConfig(url));
  try {
    const [rows] = await c.query<mysql.RowDataPacket[]>(
      "SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'strata\\_new\\_%' OR SCHEMA_NAME LIKE 'strata\\_old\\_%'",
    );
    return rows.map((r) => r.s as string);
  } finally {
    await c.end();
  }
}

const myProblem = await myUnavailable();
if (myProblem && !CI) console.log(`skipping the MySQL/MariaDB backup tests: ${myProblem} (set CI=true to fail instead)`);

describe('MySQL/MariaDB backups', { skip: myProblem && !CI ? myProblem : false }, () => {
  const suffix = randomBytes(4).toString('hex');
  const db = `strata_bk_${suffix}`;
  const user = `strata_u_${suffix}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const admin = new URL(MY_ADMIN);
  const url = `mysql://${user}:${password}@${admin.host}/${db}`;
  const copyDb = `${db}_copy`;

  before(async () => {
    await myExec(
      MY_ADMIN,
      `CREATE DATABASE \`${db}\`; CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}'; CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password}'`,
    );
    for (const host of ['%', '127.0.0.1', 'localhost']) {
      await myExec(MY_ADMIN, `GRANT ALL PRIVILEGES ON \`strata\\_%\`.* TO '${user}'@'${host}'`);
    }
    const rows = Array.from({ length: 500 }, (_, k) => `(${k + 1}, 'item-${k}', X'${randomBytes(16).toString('hex')}')`).join(', ');
    await myExec(
      url,
      `CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, payload VARBINARY(64)) ENGINE=InnoDB;
       INSERT INTO items VALUES ${rows};
       CREATE TABLE notes (id INT PRIMARY KEY, item INT, body TEXT, FOREIGN KEY (item) REFERENCES items(id)) ENGINE=InnoDB;
       INSERT INTO notes SELECT id, id, REPEAT(name, 10) FROM items;
       CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(100));
       CREATE TRIGGER items_log AFTER INSERT ON items FOR EACH ROW INSERT INTO log (what) VALUES (NEW.name);
       CREATE VIEW item_names AS SELECT id, name FROM items WHERE id <= 10;
       CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
       CREATE TABLE strata_migrations (version VARCHAR(255) PRIMARY KEY, name TEXT, status VARCHAR(16) NOT NULL DEFAULT 'applied');
       INSERT INTO strata_migrations VALUES ('3', 'three', 'applied'), ('20', 'twenty', 'applied'), ('21', 'x', 'failed');`,
    );
  });

  after(async () => {
    await myExec(MY_ADMIN, `DROP DATABASE IF EXISTS \`${db}\`; DROP DATABASE IF EXISTS \`${copyDb}\``).catch(() => undefined);
    for (const host of ['%', '127.0.0.1', 'localhost']) await myExec(MY_ADMIN, `DROP USER IF EXISTS '${user}'@'${host}'`).catch(() => undefined);
  });

  test('create, verify, change, restore in place: tables, views, triggers and routines come back exactly', async () => {
    const provider = new MysqlBackupProvider(url);
    assert.equal(provider.source, `mysql://${user}@${admin.host}/${db}`);
    assert.equal(await provider.isEmpty(), false);
    const backups = manager(provider);
    const original = await myTables(url);
    const { backup } = await backups.create();
    assert.equal(backup.verified, true);
    assert.equal(backup.schemaVersion, '20');
    assert.equal((await backups.verify(backup.id)).id, backup.id);

    await myExec(
      url,
      "DELETE FROM notes WHERE id > 5; UPDATE items SET name = 'changed' WHERE id < 20; INSERT INTO items (name) VALUES ('new'); CREATE TABLE later (x INT); DROP VIEW item_names; DROP FUNCTION twice; DROP TRIGGER items_log",
    );
    assert.notDeepEqual(await myTables(url), original);
    await backups.restore(backup.id);
    assert.deepEqual(await myTables(url), original);
    assert.deepEqual(await scratchDatabases(MY_ADMIN), [], 'scratch and holding databases are dropped');
    // The trigger works on the swapped-in table.
    await myExec(url, "INSERT INTO items (name) VALUES ('fires')");
    const after = (await myTables(url)) as Record<string, { rows: { what: string }[] }>;
    assert.ok(after.log!.rows.some((r) => r.what === 'fires'));
    await myExec(url, "DELETE FROM log; DELETE FROM items WHERE name = 'fires'");
  });

  test('a restore that fails midway leaves the database exactly as it was (loaded into a scratch database first)', async () => {
    const provider = new MysqlBackupProvider(url);
    const plain = join(tempDir('strata-my-plain-'), 'db.sql');
    await provider.snapshot(plain);
    assert.deepEqual(await provider.check(plain), []);
    // A statement in the middle of the dump is broken: the tables before it load, then the load fails.
    const text = readFileSync(plain, 'utf8');
    const at = text.indexOf('INSERT INTO `notes`');
    assert.ok(at > 0);
    const broken = join(tempDir('strata-my-plain-'), 'broken.sql');
    writeFileSync(broken, `${text.slice(0, at)}INSERT INTOO${text.slice(at + 'INSERT INTO'.length)}`);
    await myExec(url, "UPDATE items SET name = 'after the backup' WHERE id < 50; CREATE TABLE later2 (x INT)");
    const before = await myTables(url);
    const error = await rejectsWith(provider.restoreInto(broken), 'RESTORE_FAILED', /syntax/i);
    assert.match(error.hint ?? '', /as it was/);
    assert.deepEqual(await myTables(url), before);
    assert.deepEqual(await scratchDatabases(MY_ADMIN), []);
    // A dump cut off before its trailer fails the check (and is never restored by the manager).
    const cut = join(tempDir('strata-my-plain-'), 'cut.sql');
    writeFileSync(cut, text.slice(0, Math.floor(text.length / 2)));
    assert.notDeepEqual(await provider.check(cut), []);
    await myExec(url, 'DROP TABLE later2');
  });

  test('gzip + encryption round trip (mariadb:// URL)', async () => {
    const provider = new MysqlBackupProvider(url.replace(/^mysql:/, 'mariadb:'));
    const backups = manager(provider, { compression: 9, encrypt: true, key: KEY });
    const original = await myTables(url);
    const { backup } = await backups.create();
    assert.equal(backup.compression, 'gzip');
    assert.equal(backup.encryption, 'aes-256-gcm');
    await backups.verify(backup.id);
    await myExec(url, 'DELETE FROM notes; DROP TABLE log');
    await backups.restore(backup.id);
    assert.deepEqual(await myTables(url), original);
  });

  test('restoreTo: a new database is created; one with tables is refused', async () => {
    const provider = new MysqlBackupProvider(url);
    const plain = join(tempDir('strata-my-plain-'), 'db.sql');
    await provider.snapshot(plain);
    const copyUrl = `mysql://${user}:${password}@${admin.host}/${copyDb}`;
    await provider.restoreTo(plain, copyUrl);
    assert.deepEqual(await myTables(copyUrl), await myTables(url));
    await rejectsWith(provider.restoreTo(plain, copyUrl), 'FILE_EXISTS');
  });

  test('the password never reaches the manifest, the source or error messages', async () => {
    const provider = new MysqlBackupProvider(url);
    const backups = manager(provider);
    await backups.create();
    assert.ok(!allText(backups.dir).includes(password), 'a manifest holds the password');
    const wrong = `pw-wrong-${randomBytes(6).toString('hex')}`;
    const error = await rejectsWith(manager(new MysqlBackupProvider(`mysql://${user}:${wrong}@${admin.host}/${db}`)).create(), 'BACKUP_FAILED', /denied/i);
    assert.ok(!JSON.stringify(error.toJSON()).includes(wrong), error.message);
    assert.match(error.message, new RegExp(`mysql://${user}@`));
    const noDb = new MysqlBackupProvider(`mysql://${user}:${password}@${admin.host}/strata_no_such_${suffix}`);
    const dumpError = await rejectsWith(manager(noDb).create(), 'BACKUP_FAILED');
    assert.ok(!JSON.stringify(dumpError.toJSON()).includes(password), dumpError.message);
  });

  test('missing client tools: a coded error naming the tool and how to install it', async () => {
    const empty = tempDir('strata-no-tools-');
    const provider = new MysqlBackupProvider(url, { binDir: empty });
    const error = await rejectsWith(provider.snapshot(join(empty, 'x.sql')), 'BACKUP_UNSUPPORTED', /mysqldump or mariadb-dump is not in /);
    assert.match(error.hint ?? '', /apt-get install mariadb-client/);
    await rejectsWith(provider.restoreInto(join(empty, 'x.sql')), 'BACKUP_UNSUPPORTED', /mysql or mariadb/);
    const child = runWithoutPath(
      `await new strata.BackupManager({ provider: new strata.MysqlBackupProvider(${JSON.stringify(url)}), dir: ${JSON.stringify(empty)} }).create()`,
    );
    assert.equal(child.code, 'BACKUP_UNSUPPORTED', child.message);
    assert.match(child.message, /mysqldump or mariadb-dump is not on the PATH/);
    assert.match(child.hint, /mariadb-client/);
  });
});
