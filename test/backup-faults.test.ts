/**
 * Backups when the machine fails under them: a full disk (a real 60 MB tmpfs), I/O and
 * permission errors. A check that could not run is never taken for a damaged backup, and
 * retention never deletes what it could not judge.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BackupManager, FileBackupProvider, SqliteBackupProvider } from '../src/index.js';
import { rejectsWith, tempDir } from './helpers.js';
import { fillDisk, mountTmpfs } from './tmpfs.js';

const DAY = 24 * 60 * 60 * 1000;
const START = Date.parse('2026-01-01T00:00:00Z');
const tmpfs = mountTmpfs(60);
const skip = 'skip' in tmpfs ? tmpfs.skip : false;
let made = 0;

/** A ~4 MB WAL database in its own folder of the tmpfs, and a manager with an injected clock. */
function onTmpfs(): { db: string; manager: BackupManager; clock: { day: number } } {
  const dir = join((tmpfs as { dir: string }).dir, `case-${made++}`);
  mkdirSync(dir);
  const db = join(dir, 'app.db');
  const connection = new Database(db);
  connection.pragma('journal_mode = WAL');
  connection.exec(
    "CREATE TABLE t (k TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO t SELECT printf('key-%05d-%s', i, hex(randomblob(90))) FROM n;",
  );
  connection.close();
  const clock = { day: 0 };
  const manager = new BackupManager({ provider: new SqliteBackupProvider(db), now: () => new Date(START + clock.day * DAY) });
  return { db, manager, clock };
}

describe('a full disk (a real 60 MB tmpfs)', { skip }, () => {
  test('prune cannot verify anything: DISK_FULL, and every backup is still there; with room again it prunes and keeps the newest', async () => {
    const { manager, clock } = onTmpfs();
    for (const day of [0, 1, 2]) {
      clock.day = day;
      await manager.create({ description: `day ${day}` });
    }
    clock.day = 40;
    const free = fillDisk((tmpfs as { dir: string }).dir);
    try {
      const error = await rejectsWith(manager.prune(), 'DISK_FULL', /app\.2026-01-03_00-00-00/);
      assert.match(error.hint ?? '', /nothing was (pruned|deleted)/);
      assert.deepEqual(
        (await manager.list()).backups.map((b) => b.description),
        ['day 0', 'day 1', 'day 2'],
      );
    } finally {
      free();
    }
    const pruned = await manager.prune();
    assert.deepEqual(
      pruned.map((b) => b.description),
      ['day 0', 'day 1'],
    );
    assert.deepEqual(
      (await manager.list()).backups.map((b) => b.description),
      ['day 2'],
    );
    assert.deepEqual(
      readdirSync(manager.dir).filter((name) => name.startsWith('.')),
      [],
      'no temp file left',
    );
  });
});

describe('restore and verify when the machine fails under them (a real tmpfs)', { skip }, () => {
  for (const format of [
    { name: 'plain', options: {} },
    { name: 'gzip', options: { compression: 1 } },
  ]) {
    test(`${format.name}: a full disk is DISK_FULL on verify and restore, never BACKUP_CORRUPT; with room again the same backup restores`, async () => {
      const { db, manager: plain } = onTmpfs();
      const manager = new BackupManager({ provider: new SqliteBackupProvider(db), ...format.options });
      const { backup } = await manager.create();
      assert.ok(plain);
      const free = fillDisk((tmpfs as { dir: string }).dir);
      try {
        for (const attempt of [() => manager.verify(backup.id), () => manager.restore(backup.id)]) {
          const error = await rejectsWith(attempt(), 'DISK_FULL', new RegExp(backup.id.replace(/\./g, '\\.')));
          assert.doesNotMatch(`${error.message} ${error.hint}`, /changed|use another backup|corrupt/i);
          assert.match(error.hint ?? '', /free space/);
        }
      } finally {
        free();
      }
      await manager.verify(backup.id);
      await manager.restore(backup.id);
      assert.deepEqual(
        readdirSync(manager.dir).filter((name) => name.startsWith('.')),
        [],
        'no temp file left',
      );
    });
  }

  test('a read-only file system: PERMISSION_DENIED on verify and restore, never BACKUP_CORRUPT', async () => {
    const { db, manager } = onTmpfs();
    const { backup } = await manager.create();
    const root = (tmpfs as { dir: string }).dir;
    execFileSync('mount', ['-o', 'remount,ro', root]);
    try {
      for (const attempt of [
        () => manager.verify(backup.id),
        () => manager.restore(backup.id),
        () => manager.restore(backup.id, { to: join(root, 'other.db') }),
      ]) {
        const error = await rejectsWith(attempt(), 'PERMISSION_DENIED');
        assert.doesNotMatch(`${error.message} ${error.hint}`, /changed|use another backup|corrupt/i);
      }
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', root]);
    }
    await manager.verify(backup.id);
    assert.ok(db);
  });
});

describe('a backup of a damaged database', () => {
  /** Overwrites 100 bytes in three b-tree pages in the middle of the file; integrity_check then fails, the schema still opens. */
  function damage(db: string): void {
    const bytes = readFileSync(db);
    const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
    const pages = bytes.length / pageSize;
    for (const page of [Math.floor(pages / 2) - 7, Math.floor(pages / 2), Math.floor(pages / 2) + 7]) {
      randomBytes(100).copy(bytes, page * pageSize + 200);
    }
    writeFileSync(db, bytes);
    const check = new Database(db, { readonly: true });
    try {
      assert.notDeepEqual(check.pragma('integrity_check', { simple: true }), 'ok', 'the damage must be visible to integrity_check');
    } finally {
      check.close();
    }
  }

  function plainDb(): { dir: string; db: string } {
    const dir = tempDir('strata-damaged-');
    const db = join(dir, 'app.db');
    const connection = new Database(db);
    connection.exec(
      "CREATE TABLE t (k TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) INSERT INTO t SELECT printf('key-%05d-%s', i, hex(randomblob(40))) FROM n; CREATE INDEX t_k ON t(k);",
    );
    connection.close();
    return { dir, db };
  }

  test('keepCount 1: the structure-checked backup of the damaged database does not replace the good one; list says which check each passed and when', async () => {
    const { db } = plainDb();
    const clock = { day: 0 };
    const manager = new BackupManager({
      provider: new SqliteBackupProvider(db),
      retention: { keepCount: 1 },
      now: () => new Date(START + clock.day * DAY),
    });
    const { backup: good } = await manager.create({ description: 'good' });
    damage(db);
    clock.day = 1;
    const { backup: bad, pruned, warnings } = await manager.create({ description: 'damaged' });
    assert.deepEqual(pruned, [], 'the good backup must survive');
    assert.equal(bad.check, 'structure');
    assert.match(warnings.join('\n'), /full check/);
    await manager.verify(good.id);
    await rejectsWith(manager.verify(bad.id), 'BACKUP_CORRUPT');
    const listed = new Map((await manager.list()).backups.map((b) => [b.id, b.checked]));
    assert.deepEqual(listed.get(good.id)?.level, 'full');
    assert.equal(listed.get(good.id)?.ok, true);
    assert.equal(listed.get(bad.id)?.level, 'full');
    assert.equal(listed.get(bad.id)?.ok, false);
    assert.equal(listed.get(bad.id)?.at, new Date(START + DAY).toISOString());
    // Ten more runs over the damaged database: the good backup is still the one kept.
    for (let day = 2; day < 12; day++) {
      clock.day = day;
      await manager.create({ description: `damaged ${day}` });
    }
    assert.ok(
      (await manager.list()).backups.some((b) => b.id === good.id),
      'ten backups of a damaged database must not push out the last good one',
    );
    await manager.verify(good.id);
  });

  test('a database that is sound: the newest backup is fully checked once, then the older ones go', async () => {
    const { db } = plainDb();
    const clock = { day: 0 };
    const manager = new BackupManager({
      provider: new SqliteBackupProvider(db),
      retention: { keepCount: 1 },
      now: () => new Date(START + clock.day * DAY),
    });
    await manager.create();
    clock.day = 1;
    const { backup, pruned, warnings } = await manager.create();
    assert.equal(pruned.length, 1);
    assert.deepEqual(warnings, []);
    const [only] = (await manager.list()).backups;
    assert.equal(only?.id, backup.id);
    assert.deepEqual(only?.checked, { level: 'full', ok: true, at: new Date(START + DAY).toISOString() });
  });
});

describe('temp files of killed backups and restores', () => {
  const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

  test('restore, verify and delete remove the temp files of dead processes first (never a live one)', async () => {
    const dir = tempDir('strata-temps-');
    const db = join(dir, 'app.db');
    const connection = new Database(db);
    connection.exec("CREATE TABLE t (k TEXT); INSERT INTO t VALUES ('a');");
    connection.close();
    const manager = new BackupManager({ provider: new SqliteBackupProvider(db) });
    const { backup } = await manager.create();
    const other = (await manager.create()).backup;
    const elsewhere = tempDir('strata-temps-to-');
    /** What killed processes leave: in the backups folder, and beside a `restore --to` target. */
    const plant = () => {
      const dead = deadPid();
      const inBackups = [
        ...['restore', 'restore-journal', 'check', 'check-wal', 'verify', 'snapshot', 'stored'].map((kind) =>
          join(manager.dir, `.strata-${dead}-0123abcd.${kind}`),
        ),
        join(manager.dir, `.${backup.id}.checked.json.${dead}-0123abcd.tmp`),
      ];
      const beside = [join(elsewhere, `.${backup.id}.${dead}-0123abcd.restore`), join(elsewhere, `.${backup.id}.${dead}-0123abcd.restore-journal`)];
      for (const temp of [...inBackups, ...beside]) writeFileSync(temp, Buffer.alloc(4096));
      return { inBackups, beside };
    };
    const live = join(manager.dir, `.strata-${process.pid}-0123abcd.restore`);
    writeFileSync(live, 'in progress');
    const gone = (paths: string[]) => {
      for (const path of paths) assert.equal(existsSync(path), false, `${path} should be gone`);
    };

    const restoreTo = plant();
    await manager.restore(backup.id, { to: join(elsewhere, 'copy.db') });
    gone([...restoreTo.inBackups, ...restoreTo.beside]);
    const verify = plant();
    await manager.verify(backup.id);
    gone(verify.inBackups);
    const del = plant();
    await manager.delete(other.id);
    gone(del.inBackups);
    assert.equal(existsSync(live), true, 'a live process may still be writing it');
    rmSync(live);
  });
});

describe('file modes whatever the folder (issue 18, item 12)', () => {
  test('the snapshot a provider writes is 0600 from the start, in a 0755 folder (online backup API, file copy, a JSON file)', async () => {
    const dir = tempDir('strata-modes-');
    const db = join(dir, 'app.db');
    const connection = new Database(db);
    connection.exec("CREATE TABLE t (k TEXT); INSERT INTO t VALUES ('a');");
    connection.close();
    const json = join(dir, 'state.json');
    writeFileSync(json, '{"a":1}', { mode: 0o644 });
    const open = join(dir, 'open');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    const providers = [new SqliteBackupProvider(db), new SqliteBackupProvider(db, { fileCopyMinBytes: 0 }), new FileBackupProvider(json)];
    for (const [k, provider] of providers.entries()) {
      const plain = join(open, `snapshot-${k}`);
      await provider.snapshot(plain);
      // Before the manager's chmod: what the provider itself created.
      assert.equal(statSync(plain).mode & 0o777, 0o600, `${provider.source} (${k})`);
    }
  });

  test('a key file others may read is refused, as ssh refuses one, with the chmod to run; 0600 is used', async () => {
    const dir = tempDir('strata-keyfile-');
    const db = join(dir, 'app.db');
    const connection = new Database(db);
    connection.exec("CREATE TABLE t (k TEXT); INSERT INTO t VALUES ('a');");
    connection.close();
    const keyFile = join(dir, 'backup.key');
    writeFileSync(keyFile, randomBytes(32).toString('hex'));
    chmodSync(keyFile, 0o644);
    const manager = new BackupManager({ provider: new SqliteBackupProvider(db), encrypt: true, key: { keyFile } });
    const error = await rejectsWith(manager.create(), 'BACKUP_KEY_UNPROTECTED', /backup\.key.*0644/);
    assert.match(error.hint ?? '', /chmod 600 .*backup\.key/);
    assert.deepEqual((await manager.list()).backups, [], 'no backup made with it');
    chmodSync(keyFile, 0o600);
    const { backup } = await manager.create();
    await manager.verify(backup.id);
  });
});

describe('authenticated manifests (issue 18, item 14)', () => {
  function tampered(manager: BackupManager, entry: { id: string; file: string }): void {
    const file = join(manager.dir, entry.file);
    const bytes = readFileSync(file);
    // A byte in the last page (the table's rows), then a manifest rewritten to match: what the
    // sha256 alone cannot tell from a good backup.
    bytes[bytes.length - 200] = bytes[bytes.length - 200]! ^ 0x01;
    writeFileSync(file, bytes);
    const manifest = join(manager.dir, `${entry.id}.manifest.json`);
    const sha = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), sha256: sha, plainSha256: sha }));
  }

  function database(): string {
    const db = join(tempDir('strata-mac-'), 'app.db');
    const connection = new Database(db);
    connection.exec("CREATE TABLE t (k TEXT); INSERT INTO t VALUES ('abcdefgh');");
    connection.close();
    return db;
  }

  test('with a key, a plain backup changed and its sha256 rewritten is refused (the MAC); the wrong key and no key are told apart', async () => {
    const db = database();
    const key = { key: randomBytes(32) };
    const manager = new BackupManager({ provider: new SqliteBackupProvider(db), key });
    const { backup } = await manager.create();
    assert.match(backup.mac ?? '', /^[0-9a-f]{64}$/);
    await manager.verify(backup.id);
    await rejectsWith(new BackupManager({ provider: new SqliteBackupProvider(db) }).verify(backup.id), 'BACKUP_KEY_MISSING');
    tampered(manager, backup);
    await rejectsWith(manager.verify(backup.id), 'BACKUP_CORRUPT', /MAC/);
    await rejectsWith(manager.restore(backup.id, { to: join(tempDir(), 'x.db') }), 'BACKUP_CORRUPT', /MAC/);
  });

  test('without a key the sha256 detects corruption, not tampering (as the README says)', async () => {
    const db = database();
    const manager = new BackupManager({ provider: new SqliteBackupProvider(db) });
    const { backup } = await manager.create();
    assert.equal(backup.mac, undefined);
    tampered(manager, backup);
    await manager.verify(backup.id);
  });

  test('with a key configured, a manifest without a MAC is refused (BACKUP_UNAUTHENTICATED): stripped, or made before the key', async () => {
    const db = database();
    const key = { key: randomBytes(32) };
    const keyed = new BackupManager({ provider: new SqliteBackupProvider(db), key });
    // A keyed backup whose MAC was stripped (and its bytes changed, the sha256 rewritten).
    const { backup } = await keyed.create();
    tampered(keyed, backup);
    const manifest = join(keyed.dir, `${backup.id}.manifest.json`);
    const { mac: _mac, macSalt: _salt, macKdf: _kdf, ...stripped } = JSON.parse(readFileSync(manifest, 'utf8'));
    writeFileSync(manifest, JSON.stringify(stripped));
    const refused = await rejectsWith(keyed.verify(backup.id), 'BACKUP_UNAUTHENTICATED', /has no MAC, and a backup key is configured/);
    assert.equal(refused.details.id, backup.id);
    const target = join(tempDir(), 'x.db');
    await rejectsWith(keyed.restore(backup.id, { to: target }), 'BACKUP_UNAUTHENTICATED');
    assert.equal(existsSync(target), false, 'nothing restored');

    // One made before any key was set: refused with the key, taken on its checksum without (the hint's way out).
    const older = (await new BackupManager({ provider: new SqliteBackupProvider(db) }).create()).backup;
    const error = await rejectsWith(keyed.verify(older.id), 'BACKUP_UNAUTHENTICATED');
    assert.match(error.hint ?? '', /without the key/);
    await new BackupManager({ provider: new SqliteBackupProvider(db) }).verify(older.id);
  });
});
