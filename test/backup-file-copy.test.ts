/**
 * SQLite snapshots made as file copies (databases from 32 MiB up; `fileCopyMinBytes: 0` forces
 * the path here): consistent while another process writes, in WAL and rollback-journal mode;
 * a -wal the checkpoint could not empty is folded into the copy; the copy runs in a child process
 * so the process's own SQLite locks survive it; a copy killed midway fails cleanly.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { BackupManager, SqliteBackupProvider, type BackupManagerOptions } from '../src/index.js';
import { EventChannel } from '../src/engine/events.js';
import { dump, rejectsWith, sha256, tempDir } from './helpers.js';

const KEY = new Uint8Array(32).map((_, i) => (i * 29 + 3) & 0xff);
const DRIVER = JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'));

function fileCopy(db: string, options: Partial<BackupManagerOptions> = {}): BackupManager {
  return new BackupManager({ provider: new SqliteBackupProvider(db, { fileCopyMinBytes: 0 }), ...options });
}

/** `accounts` whose balances always sum to 1,000,000: a torn snapshot breaks the sum. */
function makeLedgerDb(mode: 'wal' | 'delete', accounts = 2000, padding = 200): string {
  const db = join(tempDir('strata-filecopy-'), 'app.db');
  const connection = new Database(db);
  connection.pragma(`journal_mode = ${mode}`);
  connection.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, note BLOB); CREATE INDEX accounts_balance ON accounts(balance);');
  const insert = connection.prepare('INSERT INTO accounts (id, balance, note) VALUES (?, ?, randomblob(?))');
  connection.transaction(() => {
    for (let id = 1; id <= accounts; id++) insert.run(id, 1_000_000 / accounts, padding);
  })();
  connection.close();
  return db;
}

/**
 * Another process moving money between accounts until killed: back to back in WAL mode; with a
 * 1 ms pause in rollback-journal mode, where a writer that never pauses starves every reader
 * (its PENDING lock keeps new readers out), a backup's as much as the app's own.
 */
function startWriter(db: string, pauseMs: number): { child: ChildProcess; ready: Promise<void> } {
  const script = `
    const Database = require(${DRIVER});
    const db = new Database(process.argv[1], { timeout: 60000 });
    // Checkpoints (and -wal restarts) all the time: each one races the copy.
    db.pragma('wal_autocheckpoint = 4');
    const move = db.prepare('UPDATE accounts SET balance = balance + ?, note = randomblob(200) WHERE id = ?');
    const transfer = db.transaction((from, to, amount) => { move.run(-amount, from); move.run(amount, to); });
    const pause = new Int32Array(new SharedArrayBuffer(4));
    let n = 0;
    for (;;) {
      if (${pauseMs} > 0) Atomics.wait(pause, 0, 0, ${pauseMs});
      transfer.immediate(1 + (n * 7919) % 2000, 1 + (n * 104729) % 2000, 1 + n % 13);
      if (++n === 50) process.stdout.write('ready\\n');
    }
  `;
  const child = spawn(process.execPath, ['-e', script, db], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return { child, ready };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function assertConsistent(file: string): void {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    assert.deepEqual(db.prepare('SELECT count(*) AS n, sum(balance) AS total FROM accounts').get(), { n: 2000, total: 1_000_000 });
  } finally {
    db.close();
  }
}

describe('SQLite snapshots by file copy', () => {
  for (const mode of ['wal', 'delete'] as const) {
    test(`${mode}: every backup taken while another process writes is one consistent state`, async () => {
      const db = makeLedgerDb(mode);
      const manager = fileCopy(db, { retention: { keepCount: 100 } });
      const writer = startWriter(db, mode === 'wal' ? 0 : 1);
      try {
        await writer.ready;
        for (let round = 0; round < 6; round++) {
          const { backup } = await manager.create();
          const stored = join(manager.dir, backup.file);
          assert.equal(sha256(stored), backup.sha256, 'the manifest hashes the stored bytes');
          assert.equal(statSync(stored).size, backup.size);
          assert.equal(statSync(stored).mode & 0o777, 0o600);
          const copy = join(tempDir(), 'check.db');
          copyFileSync(stored, copy);
          assertConsistent(copy);
        }
      } finally {
        await stop(writer.child);
      }
      assert.deepEqual(
        readdirSync(manager.dir).filter((name) => name.startsWith('.') || /-(wal|shm)$/.test(name)),
        [],
        'no temp or sidecar file left',
      );
    });
  }

  test('gzip, and gzip + AES-256-GCM, taken while another process writes: encoded as the copy grows, each one consistent; gunzip -c reads the gzip ones', async () => {
    const db = makeLedgerDb('wal');
    const formats: Partial<BackupManagerOptions>[] = [{ compression: 1 }, { compression: 1, encrypt: true, key: { key: KEY } }];
    const writer = startWriter(db, 0);
    try {
      await writer.ready;
      for (let round = 0; round < 4; round++) {
        const manager = fileCopy(db, { retention: { keepCount: 100 }, ...formats[round % 2] });
        const { backup } = await manager.create();
        const stored = join(manager.dir, backup.file);
        assert.equal(sha256(stored), backup.sha256, 'the manifest hashes the stored bytes');
        assert.equal(statSync(stored).mode & 0o777, 0o600);
        if (!backup.encryption) {
          const gunzip = spawnSync('gunzip', ['-c', stored], { maxBuffer: 64 * 1024 * 1024 });
          assert.equal(gunzip.status, 0, gunzip.stderr.toString());
          assert.equal(createHash('sha256').update(gunzip.stdout).digest('hex'), backup.plainSha256, 'the plain sha256 is of the bytes compressed');
          const unzipped = join(tempDir(), 'gunzipped.db');
          writeFileSync(unzipped, gunzip.stdout);
          assertConsistent(unzipped);
        }
        const to = join(tempDir(), 'restored.db');
        await manager.restore(backup.id, { to });
        assertConsistent(to);
        assert.deepEqual(
          readdirSync(manager.dir).filter((name) => name.startsWith('.') || /-(wal|shm)$/.test(name)),
          [],
          'no temp or sidecar file left',
        );
      }
    } finally {
      await stop(writer.child);
    }
  });

  test('a compressed backup is written in one pass beside the copy: its progress runs before the snapshot is done, and never starts over', async () => {
    const db = makeLedgerDb('wal', 2000, 20_000); // ~40 MB: dozens of chunks
    const events = new EventChannel();
    const seen: string[] = [];
    let written = 0;
    events.on('backup:progress', ({ phase, bytes, totalBytes }) => {
      if (phase === 'write') {
        assert.ok(bytes >= written, `the encoding went back from ${written} to ${bytes} bytes`);
        written = bytes;
      }
      seen.push(`${phase}${phase === 'snapshot' && bytes > 0 && bytes === totalBytes ? ' done' : ''}`);
    });
    const manager = fileCopy(db, { compression: 1, events });
    const { backup } = await manager.create();
    assert.ok(seen.indexOf('write') < seen.indexOf('snapshot done'), `encoded while copied: ${seen.join(', ')}`);
    assert.equal(written, backup.plainSize);
    const to = join(tempDir(), 'restored.db');
    await manager.restore(backup.id, { to });
    assert.deepEqual(dump(to), dump(db));
  });

  for (const format of [
    { name: 'plain', options: {} },
    { name: 'gzip', options: { compression: 1 } },
  ]) {
    test(`${format.name}: a -wal the checkpoint cannot empty (an open reader) is folded into the copy: the backup holds the last commit`, async () => {
      const db = makeLedgerDb('wal');
      const reader = new Database(db);
      const writer = new Database(db);
      try {
        reader.exec('BEGIN');
        reader.prepare('SELECT count(*) FROM accounts').get(); // pins the old snapshot: no checkpoint can pass it
        writer.exec(
          "UPDATE accounts SET balance = balance - 5 WHERE id = 1; UPDATE accounts SET balance = balance + 5 WHERE id = 2; CREATE TABLE after_reader (x); INSERT INTO after_reader VALUES ('kept');",
        );
        assert.ok(statSync(`${db}-wal`).size > 32, 'the -wal holds frames');
        const manager = fileCopy(db, format.options);
        const { backup } = await manager.create();
        const stored = join(manager.dir, backup.file);
        assert.equal(sha256(stored), backup.sha256, 'hashed after the fold');
        // A compressed one read the copy before the fold: it is encoded again from the folded file.
        if (backup.compression)
          assert.equal(
            createHash('sha256')
              .update(gunzipSync(readFileSync(stored)))
              .digest('hex'),
            backup.plainSha256,
          );
        assert.equal(existsSync(`${stored}-wal`), false);
        const to = join(tempDir(), 'restored.db');
        await manager.restore(backup.id, { to });
        assertConsistent(to);
        assert.deepEqual(dump(to), dump(db));
      } finally {
        reader.exec('COMMIT');
        reader.close();
        writer.close();
      }
    });
  }

  test("the process's own SQLite locks survive the copy (a copy in this process would drop them: the control shows it)", async () => {
    const db = makeLedgerDb('delete');
    const holder = new Database(db);
    const writeFromAnotherProcess = () =>
      spawnSync(
        process.execPath,
        [
          '-e',
          `const D = require(${DRIVER}); const db = new D(process.argv[1], { timeout: 0 }); db.exec('UPDATE accounts SET balance = balance WHERE id = 1');`,
          db,
        ],
        { encoding: 'utf8' },
      );
    try {
      holder.exec('BEGIN');
      holder.prepare('SELECT count(*) FROM accounts').get(); // a SHARED lock: no other process may commit
      assert.match(writeFromAnotherProcess().stderr, /database is locked/, 'the lock holds before');
      await fileCopy(db).create();
      assert.match(writeFromAnotherProcess().stderr, /database is locked/, 'and still holds after a backup in this process');
      // The control: opening and closing the file here releases every lock this process holds on it.
      copyFileSync(db, join(tempDir(), 'naive-copy.db'));
      assert.equal(writeFromAnotherProcess().status, 0, 'the naive in-process copy dropped the lock');
    } finally {
      holder.exec('COMMIT');
      holder.close();
    }
  });

  test('no process to copy with (execPath is not Node): the online backup API instead, the same backup', async () => {
    const db = makeLedgerDb('wal');
    const execPath = process.execPath;
    process.execPath = join(tempDir(), 'no-such-runtime');
    try {
      const manager = fileCopy(db);
      const { backup } = await manager.create();
      const to = join(tempDir(), 'restored.db');
      await manager.restore(backup.id, { to });
      assertConsistent(to);
      assert.deepEqual(
        readdirSync(manager.dir).filter((name) => name.startsWith('.')),
        [],
      );
    } finally {
      process.execPath = execPath;
    }
  });

  for (const format of [
    { name: 'plain', options: {} },
    { name: 'gzip (encoded as it is copied)', options: { compression: 1 } },
  ]) {
    test(`${format.name}: the copy process killed midway: BACKUP_FAILED, nothing listed, no temp file, and writers go on`, async () => {
      const db = makeLedgerDb('wal', 2000, 60_000); // ~120 MB: long enough to be killed midway
      const manager = fileCopy(db, format.options);
      const creating = manager.create();
      // The child's command line names the temp file it writes, which is in this test's folder.
      const marker = join(manager.dir, '.strata-');
      let killed = false;
      const killer = setInterval(() => {
        if (spawnSync('pkill', ['-KILL', '-f', marker]).status === 0) killed = true;
      }, 5);
      try {
        const error = await rejectsWith(creating, 'BACKUP_FAILED', /copy process was killed by SIGKILL/);
        assert.match(error.hint ?? '', /nothing was changed/);
      } finally {
        clearInterval(killer);
      }
      assert.ok(killed);
      assert.deepEqual((await manager.list()).backups, []);
      assert.deepEqual(readdirSync(manager.dir), [], 'the partial copy is gone');
      const writer = new Database(db, { timeout: 0 });
      writer.exec('UPDATE accounts SET balance = balance WHERE id = 1'); // the read transaction was released
      writer.close();
    });
  }
});
