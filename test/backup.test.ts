/**
 * Backups through the API, on real SQLite and JSON files: round trips, every kind of corruption
 * (never restored, coded error), gzip and encryption, file modes, secrets that never reach disk or
 * messages, retention with an injected clock, restores under an open connection, and the engine's
 * backup before a run / automatic restore after a failure the database cannot undo.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  BackupManager,
  createMigrator,
  FileBackupProvider,
  SqliteBackupProvider,
  type StrataError,
  type BackupEntry,
  type BackupManagerOptions,
} from '../src/index.js';
import { hashFile, HASH_IN_THREAD_MAX_BYTES } from '../src/backup/worker-task.js';
import { abortedAttempts, dump, exec, ledger, query, rejectsWith, sha256, snapshot, tempDir, writeFiles } from './helpers.js';

const ID = /^app\.\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(-\d+)?$/;
const DAY = 24 * 60 * 60 * 1000;

/** A WAL database `app.db` with `rows` rows in `items` and user_version 7. */
function makeDb(rows = 50, dir = tempDir('strata-backup-')): { dir: string; db: string } {
  const db = join(dir, 'app.db');
  const connection = new Database(db);
  connection.pragma('journal_mode = WAL');
  connection.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, payload BLOB); CREATE INDEX items_name ON items(name);');
  const insert = connection.prepare('INSERT INTO items (name, payload) VALUES (?, ?)');
  connection.transaction(() => {
    for (let k = 0; k < rows; k++) insert.run(`item-${k}`, randomBytes(32));
  })();
  connection.pragma('user_version = 7');
  connection.close();
  return { dir, db };
}

/** Every table's rows, the schema and user_version: "the same database" means deep-equal. */
/** The db's bytes and those of its -wal (to show nothing was written). */
function bytesOf(path: string): string {
  const hash = createHash('sha256');
  for (const file of [path, `${path}-wal`]) hash.update(existsSync(file) ? readFileSync(file) : Buffer.from('absent'));
  return hash.digest('hex');
}

function sqlite(db: string, options: Partial<BackupManagerOptions> = {}): BackupManager {
  return new BackupManager({ provider: new SqliteBackupProvider(db), ...options });
}

function flipByte(path: string, at: 'middle' | number = 'middle'): void {
  const bytes = readFileSync(path);
  const offset = at === 'middle' ? Math.floor(bytes.length / 2) : at;
  bytes[offset] = bytes[offset]! ^ 0xff;
  writeFileSync(path, bytes);
}

/** Every file under the backups folder, as bytes. */
function everyFile(dir: string): { name: string; bytes: Buffer }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => ({
      name: join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name),
      bytes: readFileSync(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)),
    }));
}

function assertNoSecret(dir: string, secrets: (string | Buffer)[]): void {
  for (const { name, bytes } of everyFile(dir)) {
    for (const secret of secrets) {
      assert.equal(bytes.indexOf(secret), -1, `${name} contains the secret ${secret.toString().slice(0, 6)}...`);
    }
  }
}

describe('round trips', () => {
  test('SQLite: create, list, verify, restore in place (the replaced db is kept as a backup), restore --to', async () => {
    const { db } = makeDb(200);
    const original = dump(db);
    const manager = sqlite(db);
    const { backup } = await manager.create({ description: 'before the storm' });
    assert.match(backup.id, ID);
    assert.equal(backup.file, `${backup.id}.bak`);
    assert.equal(manager.dir, join(db, '..', 'backups'));
    assert.equal(backup.source, `sqlite:${db}`);
    assert.equal(backup.description, 'before the storm');
    assert.equal(backup.verified, true);
    assert.equal(backup.compression, null);
    assert.equal(backup.encryption, null);
    assert.ok(Math.abs(Date.parse(backup.createdAt) - Date.now()) < 60_000);
    const file = join(manager.dir, backup.file);
    assert.equal(statSync(file).size, backup.size);
    assert.equal(sha256(file), backup.sha256);
    assert.deepEqual(dump(file), original, 'the backup file is the database');
    const manifest = JSON.parse(readFileSync(join(manager.dir, `${backup.id}.manifest.json`), 'utf8')) as BackupEntry;
    assert.deepEqual(manifest, backup);

    const listing = await manager.list();
    assert.deepEqual(
      listing.backups.map((b) => [b.id, b.missing]),
      [[backup.id, false]],
    );
    assert.deepEqual(listing.unreadable, []);
    assert.equal((await manager.verify(backup.id)).id, backup.id);

    exec(db, "DELETE FROM items WHERE id > 10; INSERT INTO items (name) VALUES ('after'); PRAGMA user_version = 8;");
    const changed = dump(db);
    assert.notDeepEqual(changed, original);
    const outcome = await manager.restore(backup.id);
    assert.equal(outcome.target, `sqlite:${db}`);
    assert.deepEqual(dump(db), original, 'the restored db has exactly the backed-up rows');
    assert.ok(outcome.safety, 'what the restore replaced is kept as a backup');
    assert.match(outcome.safety.description, new RegExp(`before restoring ${backup.id}`));
    assert.deepEqual(dump(join(manager.dir, outcome.safety.file)), changed);
    assert.deepEqual((await manager.list()).backups.map((b) => b.id).sort(), [backup.id, outcome.safety.id].sort());

    const elsewhere = join(tempDir(), 'copy.db');
    const to = await manager.restore(backup.id, { to: elsewhere });
    assert.equal(to.safety, null);
    assert.deepEqual(dump(elsewhere), original);
    assert.equal(statSync(elsewhere).mode & 0o777, 0o600);
    const exists = await rejectsWith(manager.restore(backup.id, { to: elsewhere }), 'FILE_EXISTS');
    assert.match(exists.message, /already exists/);
  });

  test('a JSON file: exact bytes back, by id', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    const original = `${JSON.stringify({ version: 3, users: [{ id: 1, name: 'ada' }] }, null, 2)}\n`;
    writeFileSync(path, original);
    const manager = new BackupManager({ provider: new FileBackupProvider(path) });
    const { backup } = await manager.create({ description: 'json' });
    assert.match(backup.id, /^state\.\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/);
    assert.equal(backup.kind, 'file');
    assert.equal(readFileSync(join(dir, 'backups', backup.file), 'utf8'), original);
    await manager.verify(backup.id);
    writeFileSync(path, '{"version": 4}');
    const outcome = await manager.restore(backup.id);
    assert.equal(readFileSync(path, 'utf8'), original);
    assert.equal(readFileSync(join(dir, 'backups', outcome.safety!.file), 'utf8'), '{"version": 4}');
  });

  test('a JSON file whose name is not an id (a space, accents): its id is made safe, and it restores by it', async () => {
    const dir = tempDir();
    const path = join(dir, 'état de l’app.json');
    writeFileSync(path, '{"version": 1}');
    const manager = new BackupManager({ provider: new FileBackupProvider(path) });
    const { backup } = await manager.create();
    assert.match(backup.id, /^tat_de_l_app\.\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/);
    assert.deepEqual((await manager.list()).unreadable, []);
    writeFileSync(path, '{"version": 2}');
    await manager.restore(backup.id);
    assert.equal(readFileSync(path, 'utf8'), '{"version": 1}');
  });

  test('a JSON file that is not valid JSON is backed up unverified and does not prune older backups', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, '{"ok": true}');
    let now = new Date('2026-01-01T00:00:00Z');
    const manager = new BackupManager({ provider: new FileBackupProvider(path), retention: { keepCount: 1 }, now: () => now });
    const { backup: good } = await manager.create();
    writeFileSync(path, '{"ok": tru');
    now = new Date('2026-01-02T00:00:00Z');
    const failed = await rejectsWith(manager.create(), 'BACKUP_FAILED', /structure check \(not valid JSON/);
    const listed = (await manager.list()).backups;
    assert.deepEqual(
      listed.map((b) => [b.id, b.verified]),
      [
        [good.id, true],
        [failed.details.id, false],
      ],
    );
    // Only a new verified backup prunes, and the good one outlives keepCount 1 anyway.
    assert.deepEqual(await manager.prune(), []);
    assert.deepEqual(
      (await manager.list()).backups.map((b) => b.id),
      [good.id, failed.details.id],
    );
  });

  test('gzip (several members) is readable by gunzip -c and decodes to the database', async () => {
    // ~10 MB of incompressible rows: more than one 4 MB block, so more than one gzip member.
    const { db } = makeDb(0);
    exec(
      db,
      `WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 2500) INSERT INTO items (name, payload) SELECT 'row-' || k, randomblob(4000) FROM n;`,
    );
    const original = dump(db);
    const manager = sqlite(db, { compression: 6 });
    const { backup } = await manager.create();
    assert.equal(backup.file, `${backup.id}.bak.gz`);
    assert.equal(backup.compression, 'gzip');
    assert.equal(backup.compressionLevel, 6);
    const file = join(manager.dir, backup.file);
    const stored = readFileSync(file);
    const members = countOccurrences(stored, Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]));
    assert.ok(members >= 2, `expected a multi-member gzip file, found ${members} member header(s)`);
    const gunzip = spawnSync('gunzip', ['-c', file], { maxBuffer: 64 * 1024 * 1024 });
    assert.equal(gunzip.status, 0, gunzip.stderr.toString());
    assert.equal(gunzip.stdout.length, backup.plainSize);
    assert.equal(createHash('sha256').update(gunzip.stdout).digest('hex'), backup.plainSha256);
    const out = join(tempDir(), 'gunzipped.db');
    writeFileSync(out, gunzip.stdout);
    assert.deepEqual(dump(out), original);
    await manager.verify(backup.id);
    exec(db, 'DELETE FROM items');
    await manager.restore(backup.id);
    assert.deepEqual(dump(db), original);
  });

  test('encrypted + gzip, with a raw key and with a passphrase; the secret never reaches the backups folder', async () => {
    const { db } = makeDb(300);
    const original = dump(db);
    const key = randomBytes(32);
    const passphrase = 'correct horse battery staple 42';
    for (const source of [{ key }, { passphrase }]) {
      const manager = sqlite(db, { compression: 1, encrypt: true, key: source });
      const { backup } = await manager.create();
      assert.equal(backup.file, `${backup.id}.bak.gz.enc`);
      assert.equal(backup.encryption, 'aes-256-gcm');
      assert.equal(backup.kdf, 'key' in source ? 'none' : 'scrypt');
      const stored = readFileSync(join(manager.dir, backup.file));
      assert.equal(stored.subarray(0, 8).toString(), 'STRATAE1');
      assert.equal(stored.indexOf(Buffer.from('item-1')), -1, 'no plaintext row visible');
      await manager.verify(backup.id);
      exec(db, 'DELETE FROM items');
      await manager.restore(backup.id);
      assert.deepEqual(dump(db), original);
      assertNoSecret(manager.dir, [key, key.toString('hex'), key.toString('base64'), passphrase]);
    }
  });

  test('progress events: snapshot, write, verify and restore phases with byte counts', async () => {
    const { db } = makeDb(100);
    const manager = sqlite(db, { compression: 1 });
    const seen: { phase: string; bytes: number; totalBytes: number }[] = [];
    manager.events.on('backup:progress', (e) => seen.push(e));
    const { backup } = await manager.create();
    await manager.verify(backup.id);
    await manager.restore(backup.id, { to: join(tempDir(), 'p.db') });
    const phases = [...new Set(seen.map((e) => e.phase))];
    assert.deepEqual(phases, ['snapshot', 'write', 'verify', 'restore']);
    for (const phase of ['write', 'verify', 'restore']) {
      const last = seen.filter((e) => e.phase === phase).at(-1)!;
      assert.equal(last.bytes, backup.plainSize, phase);
      assert.equal(last.totalBytes, backup.plainSize, phase);
    }
  });
});

function countOccurrences(haystack: Buffer, needle: Buffer): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) count++;
  return count;
}

describe('hashing a stored file', () => {
  test('a small file on this thread and a large one on a worker give the sha256 and size of their bytes; a missing file fails with its code', async () => {
    const dir = tempDir('strata-hash-');
    for (const size of [0, 1000, HASH_IN_THREAD_MAX_BYTES, HASH_IN_THREAD_MAX_BYTES + 1]) {
      const file = join(dir, `f${size}`);
      const bytes = randomBytes(size);
      writeFileSync(file, bytes);
      assert.deepEqual(await hashFile(file, size), { sha256: createHash('sha256').update(bytes).digest('hex'), size });
    }
    await assert.rejects(hashFile(join(dir, 'gone'), 0), { code: 'ENOENT' });
    await assert.rejects(hashFile(join(dir, 'gone'), HASH_IN_THREAD_MAX_BYTES + 1), { code: 'ENOENT' });
  });
});

describe('a database whose file name is not an id (spaces, accents, a leading dot)', () => {
  for (const file of ['my app.db', 'données (1).db', '.hidden.db']) {
    test(`${file}: its backups are listed and verified, and a failed non-transactional step is undone from one`, async () => {
      const dir = tempDir('strata-backup-name-');
      const db = join(dir, file);
      writeFiles(join(dir, 'migrations'), {
        '0001_base.sql': "-- migrate:up\nCREATE TABLE base (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO base (v) VALUES ('one');\n",
      });
      const first = createMigrator({ db, dir: join(dir, 'migrations') });
      await first.migrate();
      await first.close();
      const manager = sqlite(db);
      const { backup } = await manager.create();
      assert.match(backup.id, /^[A-Za-z0-9][A-Za-z0-9._-]*\.\d{4}-/);
      assert.deepEqual(
        (await manager.list()).backups.map((b) => b.id),
        [backup.id],
      );
      assert.deepEqual((await manager.list()).unreadable, []);
      assert.equal((await manager.verify(backup.id)).id, backup.id);
      // A step outside a transaction fails half-way: only the pre-run backup can undo it.
      writeFiles(join(dir, 'migrations'), {
        '0002_half.sql': "-- strata:no-transaction\nCREATE TABLE half (id INTEGER);\nUPDATE base SET v = 'changed';\nINSERT INTO nowhere VALUES (1);\n",
      });
      const tables = () => query(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'strata%' ORDER BY name");
      const before = tables();
      const migrator = createMigrator({ db, dir: join(dir, 'migrations') });
      const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED', /no such table: nowhere/);
      await migrator.close();
      assert.equal(error.details.restored, true, error.hint);
      assert.deepEqual(tables(), before);
      assert.deepEqual(query(db, 'SELECT v FROM base'), [{ v: 'one' }]);
    });
  }
});

describe('one folder shared by many databases (a fleet of tenant files)', () => {
  test("each lists, prunes and judges only its own backups, and reads no other database's manifest", async () => {
    const dir = tempDir('strata-backup-shared-');
    const { db: app } = makeDb(5, dir);
    // Another tenant in the same folder, and one whose name starts with "app.": its ids do too.
    const other = join(dir, 'other.db');
    const appV2 = join(dir, 'app.v2.db');
    for (const file of [other, appV2]) new Database(file).exec('CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);').close();
    const managers = { app: sqlite(app, { retention: { keepCount: 1 } }), other: sqlite(other), appV2: sqlite(appV2) };
    const made = { other: await managers.other.create(), appV2: await managers.appV2.create() };
    const first = await managers.app.create();
    assert.equal(managers.app.dir, managers.other.dir);
    // Garbage where a manifest would be: another tenant's is none of app's business, app's own is reported.
    writeFileSync(join(managers.app.dir, 'other.2026-01-01_00-00-00.manifest.json'), 'not json');
    writeFileSync(join(managers.app.dir, 'app.2026-01-01_00-00-00.manifest.json'), 'not json');
    const listing = await managers.app.list();
    assert.deepEqual(
      listing.backups.map((b) => b.id),
      [first.backup.id],
    );
    assert.deepEqual(listing.unreadable, ['app.2026-01-01_00-00-00.manifest.json']);
    assert.deepEqual((await managers.other.list()).unreadable, ['other.2026-01-01_00-00-00.manifest.json']);
    assert.deepEqual(
      (await managers.appV2.list()).backups.map((b) => b.id),
      [made.appV2.backup.id],
    );
    // keepCount 1 for app: its older backup goes, the others' stay, whatever their names.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await managers.app.create();
    assert.deepEqual(
      second.pruned.map((b) => b.id),
      [first.backup.id],
    );
    assert.deepEqual(
      (await managers.app.list()).backups.map((b) => b.id),
      [second.backup.id],
    );
    assert.deepEqual(
      (await managers.other.list()).backups.map((b) => b.id),
      [made.other.backup.id],
    );
    assert.deepEqual(
      (await managers.appV2.list()).backups.map((b) => b.id),
      [made.appV2.backup.id],
    );
    assert.equal((await managers.appV2.verify(made.appV2.backup.id)).id, made.appV2.backup.id);
  });
});

describe('damaged backups are never restored', () => {
  const FORMATS = [
    { name: 'plain', options: {} },
    { name: 'gzip', options: { compression: 1 } },
    { name: 'gzip+aes', options: { compression: 1, encrypt: true, key: { key: Buffer.alloc(32, 7) } } },
  ] as const;
  const DAMAGE: { name: string; apply: (file: string) => void; message: RegExp }[] = [
    { name: 'one byte flipped in the middle', apply: (file) => flipByte(file), message: /changed|sha256|decode/ },
    { name: 'truncated', apply: (file) => writeFileSync(file, readFileSync(file).subarray(0, statSync(file).size - 100)), message: /truncated/ },
    { name: 'bytes appended', apply: (file) => writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('extra')])), message: /extended/ },
    { name: 'the data file removed', apply: (file) => rmSync(file), message: /missing/ },
  ];
  for (const format of FORMATS) {
    for (const damage of DAMAGE) {
      test(`${format.name}: ${damage.name} -> BACKUP_CORRUPT, target unchanged`, async () => {
        const { db } = makeDb(100);
        const manager = sqlite(db, format.options);
        const { backup } = await manager.create();
        exec(db, "INSERT INTO items (name) VALUES ('since the backup')");
        damage.apply(join(manager.dir, backup.file));
        const before = bytesOf(db);
        const listedBefore = readdirSync(manager.dir).sort();
        const verified = await rejectsWith(manager.verify(backup.id), 'BACKUP_CORRUPT', damage.message);
        assert.equal(verified.details.id, backup.id);
        await rejectsWith(manager.restore(backup.id), 'BACKUP_CORRUPT', damage.message);
        const to = join(tempDir(), 'to.db');
        await rejectsWith(manager.restore(backup.id, { to }), 'BACKUP_CORRUPT');
        assert.equal(bytesOf(db), before, 'the database was not touched');
        assert.equal(existsSync(to), false, 'nothing was written to --to');
        assert.deepEqual(readdirSync(join(to, '..')), [], 'no temp file left beside --to');
        // Beside them only the record of the failed checks (`backup list` shows it).
        assert.deepEqual(
          readdirSync(manager.dir)
            .filter((name) => name !== `${backup.id}.checked.json`)
            .sort(),
          listedBefore,
          'no safety backup, no temp file',
        );
      });
    }
  }

  for (const format of FORMATS) {
    test(`${format.name}: a consistently edited manifest (size and sha256 of changed bytes) still fails`, async () => {
      const { db } = makeDb(100);
      const manager = sqlite(db, format.options);
      const { backup } = await manager.create();
      const file = join(manager.dir, backup.file);
      flipByte(file);
      writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('more')]));
      const manifestFile = join(manager.dir, `${backup.id}.manifest.json`);
      writeFileSync(manifestFile, JSON.stringify({ ...backup, size: statSync(file).size, sha256: sha256(file) }));
      const before = bytesOf(db);
      await rejectsWith(manager.verify(backup.id), 'BACKUP_CORRUPT');
      await rejectsWith(manager.restore(backup.id), 'BACKUP_CORRUPT');
      assert.equal(bytesOf(db), before);
    });
  }

  /** Two backups of one database an hour apart, with a row added between them. */
  async function twoBackups() {
    const { db } = makeDb(20);
    let now = new Date('2026-03-01T10:00:00Z');
    const manager = sqlite(db, { now: () => now });
    const { backup: a } = await manager.create();
    exec(db, "INSERT INTO items (name) VALUES ('b')");
    now = new Date('2026-03-01T11:00:00Z');
    const { backup: b } = await manager.create();
    return { db, manager, a, b };
  }

  function swapFiles(first: string, second: string): void {
    const bytes = readFileSync(first);
    writeFileSync(first, readFileSync(second));
    writeFileSync(second, bytes);
  }

  test('two backups whose manifests were swapped: both BACKUP_CORRUPT, nothing restored', async () => {
    const { db, manager, a, b } = await twoBackups();
    swapFiles(join(manager.dir, `${a.id}.manifest.json`), join(manager.dir, `${b.id}.manifest.json`));
    exec(db, "INSERT INTO items (name) VALUES ('c')");
    const before = bytesOf(db);
    for (const id of [a.id, b.id]) {
      await rejectsWith(manager.verify(id), 'BACKUP_CORRUPT', /cannot be trusted/);
      await rejectsWith(manager.restore(id), 'BACKUP_CORRUPT');
    }
    assert.equal(bytesOf(db), before);
  });

  test('the data files of two backups swapped: BACKUP_CORRUPT', async () => {
    const { db, manager, a, b } = await twoBackups();
    swapFiles(join(manager.dir, a.file), join(manager.dir, b.file));
    const before = bytesOf(db);
    await rejectsWith(manager.restore(a.id), 'BACKUP_CORRUPT');
    await rejectsWith(manager.restore(b.id), 'BACKUP_CORRUPT');
    assert.equal(bytesOf(db), before);
  });

  test('wrong key, missing key, raw key for a passphrase backup: coded errors without the secret', async () => {
    const { db } = makeDb(50);
    const key = randomBytes(32);
    const wrong = randomBytes(32);
    const passphrase = 'a passphrase nobody guesses';
    const manager = sqlite(db, { encrypt: true, key: { key } });
    const { backup } = await manager.create();
    const byPassphrase = await sqlite(db, { encrypt: true, key: { passphrase } }).create();
    exec(db, "INSERT INTO items (name) VALUES ('later')");
    const before = bytesOf(db);
    const secrets = [key.toString('hex'), key.toString('base64'), wrong.toString('hex'), wrong.toString('base64'), passphrase];
    const check = (error: StrataError) => {
      const text = `${error.message}\n${error.hint}\n${JSON.stringify(error.toJSON())}`;
      for (const secret of secrets) assert.ok(!text.includes(secret), `the error shows a secret: ${text}`);
    };

    const withWrong = sqlite(db, { key: { key: wrong } });
    check(await rejectsWith(withWrong.verify(backup.id), 'BACKUP_KEY_INVALID', /is not the key/));
    check(await rejectsWith(withWrong.restore(backup.id), 'BACKUP_KEY_INVALID'));
    check(await rejectsWith(sqlite(db, { key: { passphrase: 'another passphrase' } }).restore(byPassphrase.backup.id), 'BACKUP_KEY_INVALID'));
    check(await rejectsWith(withWrong.restore(byPassphrase.backup.id), 'BACKUP_KEY_INVALID', /passphrase/));

    const saved = process.env.STRATA_BACKUP_KEY;
    delete process.env.STRATA_BACKUP_KEY;
    try {
      const keyless = sqlite(db);
      check(await rejectsWith(keyless.verify(backup.id), 'BACKUP_KEY_MISSING'));
      check(await rejectsWith(keyless.restore(backup.id), 'BACKUP_KEY_MISSING'));
      check(await rejectsWith(sqlite(db, { key: { keyEnv: 'STRATA_TEST_UNSET_KEY' } }).restore(backup.id), 'BACKUP_KEY_MISSING', /STRATA_TEST_UNSET_KEY/));
      check(await rejectsWith(sqlite(db, { encrypt: true }).create(), 'BACKUP_KEY_MISSING'));
      // A key from the environment works, and its text is nowhere in the folder.
      process.env.STRATA_BACKUP_KEY = key.toString('hex');
      await sqlite(db).verify(backup.id);
      process.env.STRATA_BACKUP_KEY = 'too short';
      check(await rejectsWith(sqlite(db).verify(backup.id), 'BACKUP_KEY_INVALID', /32-byte/));
    } finally {
      if (saved === undefined) delete process.env.STRATA_BACKUP_KEY;
      else process.env.STRATA_BACKUP_KEY = saved;
    }
    assert.equal(bytesOf(db), before);
    assertNoSecret(manager.dir, [key, ...secrets]);
  });

  test('ids that are paths are refused before any file is touched', async () => {
    const { db, dir } = makeDb(10);
    const manager = sqlite(db);
    const { backup } = await manager.create();
    writeFileSync(join(dir, 'x.manifest.json'), JSON.stringify({ ...backup, id: '../x' }));
    const files = readdirSync(manager.dir).sort();
    const before = bytesOf(db);
    const bad = [
      '../x',
      '/etc/passwd',
      `../backups/${backup.id}`,
      `${manager.dir}/${backup.id}`,
      `..${backup.id.slice(3)}`,
      '',
      '.',
      `${backup.id}/../${backup.id}`,
      `${backup.id}\0`,
    ];
    for (const id of bad) {
      for (const call of [manager.verify(id), manager.restore(id), manager.delete(id), manager.restore(id, { to: join(tempDir(), 'x.db') })]) {
        const error = await rejectsWith(call, 'BACKUP_NOT_FOUND');
        assert.match(error.message, /is not a backup id/, id);
      }
    }
    assert.deepEqual(readdirSync(manager.dir).sort(), files);
    assert.ok(existsSync(join(dir, 'x.manifest.json')));
    assert.equal(bytesOf(db), before);
    await rejectsWith(manager.verify('app.2020-01-01_00-00-00'), 'BACKUP_NOT_FOUND', /there is no backup/);
  });
});

describe('file modes', () => {
  for (const [name, options] of [
    ['plain', {}],
    ['gzip', { compression: 1 }],
    ['encrypted', { encrypt: true, key: { key: Buffer.alloc(32, 1) } }],
  ] as const) {
    test(`${name}: every backup file and manifest is 0600, the folder 0700`, async () => {
      const { db } = makeDb(20);
      const manager = sqlite(db, options);
      const { backup } = await manager.create();
      const restored = await manager.restore(backup.id);
      assert.equal(statSync(manager.dir).mode & 0o777, 0o700);
      const names = readdirSync(manager.dir);
      assert.equal(names.length, 4, names.join(', '));
      for (const file of names) assert.equal((statSync(join(manager.dir, file)).mode & 0o777).toString(8), '600', `${file} (safety ${restored.safety?.id})`);
    });
  }

  test('a JSON file backup (copied, which keeps the source mode) is 0600 too', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, '{}', { mode: 0o644 });
    const manager = new BackupManager({ provider: new FileBackupProvider(path) });
    const { backup } = await manager.create();
    assert.equal((statSync(join(manager.dir, backup.file)).mode & 0o777).toString(8), '600');
  });
});

describe('retention (injected clock)', () => {
  function clocked(db: string, retention: { keepDays?: number; keepCount?: number }) {
    const clock = { now: new Date('2026-01-01T12:00:00Z') };
    const manager = sqlite(db, { retention, now: () => clock.now });
    const at = async (day: number) => {
      clock.now = new Date(Date.parse('2026-01-01T12:00:00Z') + day * DAY);
      return manager.create({ description: `day ${day}` });
    };
    const ids = async () => (await manager.list()).backups.map((b) => b.description);
    return { manager, clock, at, ids };
  }

  test('keepDays: backups older than N days go when a new backup is made', async () => {
    const { db } = makeDb(5);
    const r = clocked(db, { keepDays: 30 });
    await r.at(0);
    await r.at(5);
    await r.at(20);
    const { pruned } = await r.at(40);
    assert.deepEqual(
      pruned.map((b) => b.description),
      ['day 0', 'day 5'],
    );
    assert.deepEqual(await r.ids(), ['day 20', 'day 40']);
    assert.ok(readdirSync(r.manager.dir).every((f) => !/day/.test(f)));
    assert.deepEqual(
      readdirSync(r.manager.dir).filter((name) => !name.endsWith('.checked.json')).length,
      4,
      'the pruned backups files are gone with their manifests',
    );
  });

  test('the default keepDays is 30', async () => {
    const { db } = makeDb(5);
    const r = clocked(db, {});
    await r.at(0);
    await r.at(29);
    await r.at(31);
    assert.deepEqual(await r.ids(), ['day 29', 'day 31']);
  });

  test('keepCount: at most N backups', async () => {
    const { db } = makeDb(5);
    const r = clocked(db, { keepCount: 2, keepDays: 1000 });
    for (const day of [0, 1, 2, 3]) await r.at(day);
    assert.deepEqual(await r.ids(), ['day 2', 'day 3']);
  });

  test('never removes the newest verified backup, however old', async () => {
    const { db } = makeDb(5);
    const r = clocked(db, { keepDays: 1, keepCount: 5 });
    await r.at(0);
    await r.at(1);
    r.clock.now = new Date(Date.parse('2026-01-01T12:00:00Z') + 400 * DAY);
    const pruned = await r.manager.prune();
    assert.deepEqual(
      pruned.map((b) => b.description),
      ['day 0'],
    );
    assert.deepEqual(await r.ids(), ['day 1']);
    assert.deepEqual(await r.manager.prune(), []);
    await r.manager.verify((await r.manager.list()).backups[0]!.id);
  });

  test('an unverified backup does not count as the good one', async () => {
    const { db } = makeDb(5);
    const r = clocked(db, { keepDays: 1, keepCount: 5 });
    await r.at(0);
    const { backup: newest } = await r.at(1);
    // The newest was marked unverified (as a backup of a damaged database is).
    const manifest = join(r.manager.dir, `${newest.id}.manifest.json`);
    writeFileSync(manifest, JSON.stringify({ ...newest, verified: false }));
    r.clock.now = new Date(Date.parse('2026-01-01T12:00:00Z') + 400 * DAY);
    await r.manager.prune();
    assert.deepEqual(await r.ids(), ['day 0'], 'the older verified backup is the last good one');
  });

  for (const [damage, apply] of [
    ['has a flipped byte', (file: string) => flipByte(file)],
    ['lost its data file', (file: string) => rmSync(file)],
    ['was truncated', (file: string) => writeFileSync(file, readFileSync(file).subarray(0, 1000))],
  ] as const) {
    test(`a "verified" backup that ${damage} does not count as the good one`, async () => {
      const { db } = makeDb(5);
      const r = clocked(db, { keepDays: 1, keepCount: 5 });
      const { backup: older } = await r.at(0);
      const { backup: newest } = await r.at(1);
      apply(join(r.manager.dir, newest.file));
      r.clock.now = new Date(Date.parse('2026-01-01T12:00:00Z') + 400 * DAY);
      await r.manager.prune();
      assert.ok((await r.ids()).includes('day 0'), 'the last backup that verifies must survive');
      await r.manager.verify(older.id);
    });
  }

  test('a data file without manifest (a crash between the two) goes once it is old; temp files of dead processes go at once', async () => {
    const { db } = makeDb(5);
    const r = clocked(db, {});
    await r.at(0);
    const orphan = join(r.manager.dir, 'app.2025-12-31_00-00-00.bak');
    writeFileSync(orphan, 'half a backup');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const temps = ['snapshot', 'stored', 'snapshot-journal', 'snapshot-wal'].map((kind) => join(r.manager.dir, `.strata-${dead}-0123abcd.${kind}`));
    for (const temp of temps) writeFileSync(temp, 'x');
    const mine = join(r.manager.dir, `.strata-${process.pid}-0123abcd.snapshot`);
    writeFileSync(mine, 'in progress');
    // The clock says the orphan is older than an hour; the live process's temp file stays.
    r.clock.now = new Date(Date.now() + 2 * 60 * 60 * 1000);
    await r.manager.prune();
    assert.equal(existsSync(orphan), false, 'orphaned data file');
    for (const temp of temps) assert.equal(existsSync(temp), false, temp);
    assert.equal(existsSync(mine), true, 'a live process may still be writing it');
    rmSync(mine);
  });
});

describe('a damaged database', () => {
  /** A database that opens and reads, but fails PRAGMA integrity_check (an index entry changed). */
  function damaged(): { dir: string; db: string } {
    const dir = tempDir('strata-backup-');
    const db = join(dir, 'app.db');
    exec(
      db,
      "CREATE TABLE t (k TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t SELECT printf('key-%05d', i) FROM n; CREATE INDEX t_k ON t(k);",
    );
    const bytes = readFileSync(db);
    bytes.write('key-00999', bytes.lastIndexOf(Buffer.from('key-00500')));
    writeFileSync(db, bytes);
    return { dir, db };
  }

  test("check: 'full': its backup is kept but marked unverified, BACKUP_FAILED, nothing pruned, and it is never restored", async () => {
    const { db } = damaged();
    let now = new Date('2026-02-01T00:00:00Z');
    const manager = sqlite(db, { retention: { keepCount: 1 }, now: () => now, check: 'full' });
    const error = await rejectsWith(manager.create(), 'BACKUP_FAILED', /full check.*missing from index/);
    assert.match(error.hint ?? '', /damaged/);
    const listed = (await manager.list()).backups;
    assert.deepEqual(
      listed.map((b) => [b.id, b.verified, b.check]),
      [[error.details.id, false, 'full']],
    );
    await rejectsWith(manager.verify(String(error.details.id)), 'BACKUP_CORRUPT', /missing from index/);
    now = new Date('2026-02-01T00:00:05Z');
    await rejectsWith(manager.create(), 'BACKUP_FAILED');
    assert.equal((await manager.list()).backups.length, 2, 'a failed backup prunes nothing');
    const target = join(tempDir(), 'x.db');
    await rejectsWith(manager.restore(String(error.details.id), { to: target }), 'BACKUP_CORRUPT');
    assert.equal(existsSync(target), false);
  });

  test('the default structure check: the copy opens, so create succeeds; verify and restore run the full check and refuse it', async () => {
    const { db } = damaged();
    const manager = sqlite(db);
    const { backup } = await manager.create();
    assert.deepEqual([backup.verified, backup.check], [true, 'structure']);
    await rejectsWith(manager.verify(backup.id), 'BACKUP_CORRUPT', /missing from index/);
    const target = join(tempDir(), 'x.db');
    await rejectsWith(manager.restore(backup.id, { to: target }), 'BACKUP_CORRUPT', /missing from index/);
    assert.equal(existsSync(target), false);
    assert.deepEqual(
      readdirSync(manager.dir).filter((name) => name.startsWith('.')),
      [],
      'no temp file or -wal/-shm left',
    );
  });

  test("with backup: { check: 'full' } migrate stops before any migration runs", async () => {
    const { dir, db } = damaged();
    writeFiles(join(dir, 'migrations'), { '0001_a.sql': 'CREATE TABLE a (id INTEGER);' });
    const before = snapshot(db).rows.t;
    const migrator = createMigrator({ db, dir: join(dir, 'migrations'), backup: { check: 'full' } });
    const error = await rejectsWith(migrator.migrate(), 'BACKUP_FAILED');
    await migrator.close();
    assert.match(error.hint ?? '', /nothing was migrated/);
    assert.deepEqual(ledger(db), []);
    assert.equal(query<{ n: number }>(db, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'a'")[0]!.n, 0);
    assert.deepEqual(snapshot(db).rows.t, before);
  });
});

describe('a backup killed between its data file and its manifest', () => {
  test('the next create removes the data file at once when its writer is dead, and keeps it while the writer lives', async () => {
    const { db } = makeDb(5);
    const manager = sqlite(db);
    await manager.create();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    // As create() leaves it when killed right after placing the data file: a hard link of its temp file.
    const deadTemp = join(manager.dir, `.strata-${dead}-0badf00d.stored`);
    writeFileSync(deadTemp, 'complete backup bytes');
    const deadData = join(manager.dir, 'app.2026-01-01_00-00-00.bak.gz');
    linkSync(deadTemp, deadData);
    const liveTemp = join(manager.dir, `.strata-${process.pid}-0badf00d.stored`);
    writeFileSync(liveTemp, 'in progress');
    const liveData = join(manager.dir, 'app.2026-01-01_00-00-01.bak.gz');
    linkSync(liveTemp, liveData);
    const { backup } = await manager.create();
    assert.equal(existsSync(deadData), false, "the dead writer's data file is an orphan");
    assert.equal(existsSync(deadTemp), false);
    assert.equal(existsSync(liveData), true, 'a live writer is about to write its manifest');
    assert.deepEqual((await manager.list()).backups.map((b) => b.id).includes(backup.id), true);
    rmSync(liveTemp);
    rmSync(liveData);
  });
});

describe('restore while the database is open elsewhere', () => {
  test('an idle connection sees the restored rows afterwards', async () => {
    const { db } = makeDb(30);
    const original = dump(db);
    const manager = sqlite(db);
    const { backup } = await manager.create();
    const other = new Database(db);
    try {
      other.exec("DELETE FROM items WHERE id > 3; INSERT INTO items (name) VALUES ('other');");
      assert.equal(other.prepare('SELECT count(*) FROM items').pluck().get(), 4);
      await manager.restore(backup.id);
      assert.equal(other.prepare('SELECT count(*) FROM items').pluck().get(), 30, 'the open connection sees the restored data');
      assert.equal(other.prepare("SELECT count(*) FROM items WHERE name = 'other'").pluck().get(), 0);
      assert.equal(other.pragma('user_version', { simple: true }), 7);
      other.exec("INSERT INTO items (name) VALUES ('written after the restore')");
    } finally {
      other.close();
    }
    const after = dump(db) as { rows: { items: unknown[] } };
    assert.equal(after.rows.items.length, 31);
    assert.deepEqual(after.rows.items.slice(0, 30), (original as { rows: { items: unknown[] } }).rows.items);
  });

  test('a connection in the middle of a write transaction: RESTORE_FAILED, its transaction and the db intact', async () => {
    const { db } = makeDb(30);
    const manager = sqlite(db);
    const { backup } = await manager.create();
    const other = new Database(db, { timeout: 100 });
    try {
      other.exec("BEGIN IMMEDIATE; INSERT INTO items (name) VALUES ('pending')");
      const started = Date.now();
      const error = await rejectsWith(manager.restore(backup.id), 'RESTORE_FAILED');
      assert.match(error.hint ?? '', /as it was before/);
      assert.ok(Date.now() - started < 30_000);
      other.exec('COMMIT');
      assert.equal(other.prepare('SELECT count(*) FROM items').pluck().get(), 31);
    } finally {
      other.close();
    }
    assert.equal((dump(db) as { rows: { items: unknown[] } }).rows.items.length, 31);
  });
});

describe('restore and retention', () => {
  test('the backup taken before a restore prunes nothing: the backup being restored survives a restore that fails', async () => {
    const { db } = makeDb(30);
    let now = new Date('2026-05-01T00:00:00Z');
    const manager = sqlite(db, { retention: { keepCount: 2 }, now: () => now });
    const { backup: oldest } = await manager.create({ description: 'oldest' });
    now = new Date('2026-05-01T01:00:00Z');
    await manager.create({ description: 'newer' });
    now = new Date('2026-05-01T02:00:00Z');
    const other = new Database(db);
    try {
      other.exec("BEGIN IMMEDIATE; INSERT INTO items (name) VALUES ('pending')");
      await rejectsWith(manager.restore(oldest.id), 'RESTORE_FAILED');
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
    assert.ok(
      (await manager.list()).backups.some((b) => b.id === oldest.id),
      'the backup being restored was pruned',
    );
    await manager.verify(oldest.id);
    now = new Date('2026-05-01T03:00:00Z');
    const outcome = await manager.restore(oldest.id);
    assert.ok(outcome.safety);
    assert.ok(
      (await manager.list()).backups.some((b) => b.id === oldest.id),
      'the backup just restored was pruned',
    );
  });
});

describe('the engine: a backup before a run, a restore after a failure it cannot undo', () => {
  const BASE = {
    '0001_base.sql':
      "-- migrate:up\nCREATE TABLE base (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO base (v) VALUES ('one'), ('two');\n-- migrate:down\nDROP TABLE base;\n",
  };
  async function applied(extra: Record<string, string> = {}) {
    const dir = tempDir('strata-backup-engine-');
    writeFiles(join(dir, 'migrations'), { ...BASE, ...extra });
    const db = join(dir, 'app.db');
    const migrator = createMigrator({ db, dir: join(dir, 'migrations') });
    await migrator.migrate();
    await migrator.close();
    return { dir, db, migrations: join(dir, 'migrations'), backups: join(dir, 'backups') };
  }
  const listBackups = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.manifest.json')) : []);

  test('a non-transactional step that fails: the pre-run backup is restored, every table as it was, and the error says so', async () => {
    const p = await applied();
    exec(p.db, 'PRAGMA user_version = 3');
    writeFiles(p.migrations, {
      '0002_ok.sql': "-- migrate:up\nCREATE TABLE ok (id INTEGER);\nINSERT INTO base (v) VALUES ('three');\n-- migrate:down\nDROP TABLE ok;\n",
      '0003_half.sql':
        "-- strata:no-transaction\nCREATE TABLE half (id INTEGER);\nINSERT INTO half VALUES (1);\nUPDATE base SET v = 'changed';\nINSERT INTO nowhere VALUES (1);\n",
    });
    const before = dump(p.db);
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    const events: string[] = [];
    migrator.on('backup', () => events.push('backup'));
    migrator.on('restore', (e) => events.push(`restore:${e.automatic}`));
    const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED', /no such table: nowhere/);
    await migrator.close();
    assert.equal(error.details.restored, true);
    assert.match(String(error.details.backup), ID);
    assert.match(error.hint ?? '', new RegExp(`restored backup ${error.details.backup}`));
    assert.deepEqual(events, ['backup', 'restore:true']);
    assert.deepEqual(dump(p.db), before, 'every table, the ledger and user_version are as before the run');
    assert.deepEqual(
      ledger(p.db).map((r) => [r.version, r.status]),
      [['1', 'applied']],
    );
    const manifest = JSON.parse(readFileSync(join(p.backups, `${error.details.backup}.manifest.json`), 'utf8')) as BackupEntry;
    assert.match(manifest.description, /before migrate: 2_ok, 3_half/);
    assert.equal(manifest.schemaVersion, '1');
    // The snapshot is the database as it was, and the restore brought all of it back; the one
    // row written after the restore is this run's failure, kept so that status reports it
    // (instead of an older attempt's error the restore brought back).
    assert.deepEqual(dump(join(p.backups, manifest.file)), before, 'the backup holds the database as it was before the run');
    assert.deepEqual(
      abortedAttempts(p.db).map((r) => [r.version, r.status, /no such table: nowhere/.test(String(r.error))]),
      [['3', 'aborted', true]],
    );
  });

  test('when the automatic restore cannot write (another connection holds the write lock) the error says so, and the backup is intact', async () => {
    const p = await applied();
    const before = dump(p.db);
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    let blocker: Database.Database | undefined;
    migrator.register({
      version: 2,
      name: 'blocked',
      transaction: false,
      up: async (ctx) => {
        await ctx.run("INSERT INTO base (v) VALUES ('outside a transaction')");
        blocker = new Database(p.db);
        blocker.exec('BEGIN IMMEDIATE');
        throw new Error('boom');
      },
    });
    try {
      const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED', /boom/);
      assert.equal(error.details.restored, false, 'a restore that wrote nothing must not be reported as done');
      assert.match(
        error.hint ?? '',
        new RegExp(`automatic restore of backup ${error.details.backup} failed too.*strata backup restore ${error.details.backup}`),
      );
      blocker!.exec('ROLLBACK');
      blocker!.close();
      blocker = undefined;
      await migrator.close();
      assert.notDeepEqual(dump(p.db), before);
      const manager = sqlite(p.db);
      await manager.verify(String(error.details.backup));
      await manager.restore(String(error.details.backup));
      assert.deepEqual(dump(p.db), before);
    } finally {
      blocker?.close();
      await migrator.close();
    }
  });

  test('a failing non-transactional rollback is restored too', async () => {
    const p = await applied({
      '0002_nt.sql': '-- strata:no-transaction\n-- migrate:up\nCREATE TABLE nt (id INTEGER);\n-- migrate:down\nDROP TABLE nt;\nDROP TABLE nowhere;\n',
    });
    const before = dump(p.db);
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    const error = await rejectsWith(migrator.rollback(), 'MIGRATION_FAILED');
    await migrator.close();
    assert.equal(error.details.restored, true);
    assert.deepEqual(dump(p.db), before);
  });

  test('a failing transactional step rolls back by itself: no restore, the backup stays', async () => {
    const p = await applied();
    writeFiles(p.migrations, { '0002_bad.sql': 'CREATE TABLE bad (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n' });
    const before = dump(p.db);
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    let restored = false;
    migrator.on('restore', () => (restored = true));
    const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED');
    await migrator.close();
    assert.equal(error.details.restored, undefined);
    assert.equal(restored, false);
    assert.deepEqual(dump(p.db), before);
    assert.equal(listBackups(p.backups).length, 1);
  });

  test('a backup that cannot be written stops migrate before any migration runs', async () => {
    const p = await applied({});
    writeFiles(p.migrations, { '0002_more.sql': 'CREATE TABLE more (id INTEGER);' });
    writeFileSync(p.backups, 'a file where the backups folder should be');
    const before = dump(p.db);
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    let migrating = false;
    migrator.on('migrating', () => (migrating = true));
    const error = await rejectsWith(migrator.migrate(), 'BACKUP_FAILED');
    await migrator.close();
    assert.match(error.hint ?? '', /nothing was migrated/);
    assert.equal(migrating, false);
    assert.deepEqual(dump(p.db), before);
    assert.deepEqual(
      ledger(p.db).map((r) => r.version),
      ['1'],
    );

    assert.match(error.message, /the backup before this run failed/);
    // The manager itself says the same to a direct caller, with a code.
    await rejectsWith(sqlite(p.db, { dir: p.backups }).create(), 'BACKUP_FAILED', /backups/);
    await rejectsWith(sqlite(p.db, { dir: p.backups }).list(), 'BACKUP_NOT_FOUND', /cannot be read/);

    // Same with a dir setting that points below a file.
    const blocked = createMigrator({ db: p.db, dir: p.migrations, backup: { dir: join(p.backups, 'inner') } });
    await rejectsWith(blocked.migrate(), 'BACKUP_FAILED');
    await blocked.close();
    assert.deepEqual(dump(p.db), before);
  });

  test('a failed backup of a database Strata has never migrated leaves it without a ledger table', async () => {
    const dir = tempDir('strata-backup-engine-');
    const db = join(dir, 'app.db');
    exec(db, 'CREATE TABLE existing (id INTEGER PRIMARY KEY); INSERT INTO existing VALUES (1);');
    writeFiles(join(dir, 'migrations'), { '0001_more.sql': 'CREATE TABLE more (id INTEGER);' });
    writeFileSync(join(dir, 'backups'), 'a file where the backups folder should be');
    const before = dump(db);
    const migrator = createMigrator({ db, dir: join(dir, 'migrations') });
    await rejectsWith(migrator.migrate(), 'BACKUP_FAILED');
    await migrator.close();
    // The ledger is created under the lock after the backup, so nothing at all was written.
    assert.deepEqual(dump(db), before);
  });

  test('backup: false and migrate({ backup: false }) take none; an empty database needs none', async () => {
    const dir = tempDir('strata-backup-engine-');
    writeFiles(join(dir, 'migrations'), BASE);
    const db = join(dir, 'app.db');
    const first = createMigrator({ db, dir: join(dir, 'migrations') });
    await first.migrate();
    await first.close();
    assert.equal(existsSync(join(dir, 'backups')), false, 'nothing to back up in a new database');
    writeFiles(join(dir, 'migrations'), { '0002_a.sql': '-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;' });
    const off = createMigrator({ db, dir: join(dir, 'migrations'), backup: false });
    await off.migrate();
    await off.rollback();
    await off.close();
    const skip = createMigrator({ db, dir: join(dir, 'migrations') });
    await skip.migrate({ backup: false });
    assert.equal(existsSync(join(dir, 'backups')), false);
    await skip.rollback();
    await skip.close();
    assert.equal(listBackups(join(dir, 'backups')).length, 1, 'the rollback took one');
  });
});
