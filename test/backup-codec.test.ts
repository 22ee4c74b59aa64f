/**
 * Backup codecs and the one-pass plain copy: zstd only where this Node has it (detected at run
 * time, a typed error elsewhere), a changed byte in one block of a multi-block backup still
 * caught, a plain restore that copies and hashes in one pass still refusing changed bytes, and a
 * create killed while its copy process runs leaving nothing that lists or stays behind, and the
 * stored file synced along the way still whole and private; the snapshot read back in whole
 * blocks into pooled buffers that the compressor hands back, never reused while still read.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import { BackupManager, SqliteBackupProvider } from '../src/index.js';
import { zstdAvailable } from '../src/backup/compression.js';
import { encodeBackup } from '../src/backup/backup-codec.js';
import { BufferPool } from '../src/backup/buffer-pool.js';
import { GrowingFileReader } from '../src/backup/growing-file.js';
import { COMPRESS_BLOCK_BYTES, parallelCompress } from '../src/backup/parallel-compress.js';
import { syncedFileSink } from '../src/backup/synced-file-sink.js';
import { CLI, dump, rejectsWith, sha256, tempDir } from './helpers.js';

/** A WAL database of about `mb` MB of incompressible and compressible rows. */
function makeDb(mb: number): string {
  const db = join(tempDir('strata-codec-'), 'app.db');
  const connection = new Database(db);
  connection.pragma('journal_mode = WAL');
  connection.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT, pad BLOB)');
  const rows = Math.ceil((mb * 1024 * 1024) / 1100);
  connection.exec(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows}) INSERT INTO t (note, pad) SELECT printf('row %d of the ledger, status pending', i), randomblob(500) || zeroblob(500) FROM n`,
  );
  connection.close();
  return db;
}

function manager(db: string, options: Partial<ConstructorParameters<typeof BackupManager>[0]> = {}): BackupManager {
  return new BackupManager({ provider: new SqliteBackupProvider(db, { fileCopyMinBytes: 0 }), ...options });
}

/** Rewrites a manifest field (no key: nothing authenticates it, as a tamperer would). */
function editManifest(dir: string, id: string, edit: (manifest: Record<string, unknown>) => void): void {
  const path = join(dir, `${id}.manifest.json`);
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  writeFileSync(path, JSON.stringify(manifest));
}

/**
 * Damages the stored file inside the table's pages, then writes a manifest that vouches for the
 * damaged bytes, as if the database had been damaged when it was backed up.
 */
function damageVouchedFor(dir: string, backup: { id: string; file: string }): void {
  const stored = join(dir, backup.file);
  const bytes = readFileSync(stored);
  bytes.fill(0x41, 4096 * 20, 4096 * 20 + 64);
  writeFileSync(stored, bytes);
  editManifest(dir, backup.id, (m) => {
    m.sha256 = sha256(stored);
    m.plainSha256 = m.sha256;
  });
}

function flipByte(path: string, at: number): void {
  const bytes = readFileSync(path);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(path, bytes);
}

describe('zstd, detected at run time', () => {
  test('detection is what zlib offers on this Node', () => {
    const zlibHasZstd = typeof (zlib as unknown as Record<string, unknown>).createZstdCompress === 'function';
    assert.equal(zstdAvailable(), zlibHasZstd);
  });

  test('without zstd: creating one is BACKUP_UNSUPPORTED up front; a zstd backup is refused with the Node version to use', {
    skip: zstdAvailable(),
  }, async () => {
    const db = makeDb(2);
    const zstd = manager(db, { compression: 1, codec: 'zstd' });
    const error = await rejectsWith(zstd.create(), 'BACKUP_UNSUPPORTED', /Node 22\.15/);
    assert.match(error.hint ?? '', /gzip/);
    assert.deepEqual(readdirSync(zstd.dir), [], 'nothing written');
    // A backup made where zstd exists, read here: its manifest says zstd.
    const gzip = manager(db, { compression: 1 });
    const { backup } = await gzip.create();
    editManifest(gzip.dir, backup.id, (m) => (m.compression = 'zstd'));
    const to = join(tempDir(), 'restored.db');
    await rejectsWith(gzip.restore(backup.id, { to }), 'BACKUP_UNSUPPORTED', new RegExp(`backup ${backup.id.replace(/\./g, '\\.')} is zstd-compressed`));
    assert.equal(existsSync(to), false);
    await rejectsWith(gzip.verify(backup.id), 'BACKUP_UNSUPPORTED');
  });

  test('with zstd: a zstd backup (several frames) verifies and restores to the same bytes; a changed byte is BACKUP_CORRUPT', {
    skip: !zstdAvailable(),
  }, async () => {
    const db = makeDb(12);
    const zstd = manager(db, { compression: 3, codec: 'zstd' });
    const { backup } = await zstd.create();
    assert.equal(backup.compression, 'zstd');
    assert.match(backup.file, /\.bak\.zst$/);
    assert.ok(backup.size < backup.plainSize);
    await zstd.verify(backup.id);
    const to = join(tempDir(), 'restored.db');
    await zstd.restore(backup.id, { to });
    assert.equal(sha256(to), backup.plainSha256);
    flipByte(join(zstd.dir, backup.file), Math.floor(backup.size / 2));
    await rejectsWith(zstd.verify(backup.id), 'BACKUP_CORRUPT');
  });
});

describe('changed bytes are caught whatever the pass', () => {
  test('gzip: one byte changed in a middle block (its sha256 rewritten to match) fails that block, BACKUP_CORRUPT', async () => {
    const db = makeDb(12); // ~3 blocks of 4 MB
    const gzip = manager(db, { compression: 1 });
    const { backup } = await gzip.create();
    const stored = join(gzip.dir, backup.file);
    flipByte(stored, Math.floor(backup.size / 2));
    editManifest(gzip.dir, backup.id, (m) => (m.sha256 = sha256(stored)));
    await rejectsWith(gzip.verify(backup.id), 'BACKUP_CORRUPT', /cannot be decoded|different bytes/);
    const to = join(tempDir(), 'restored.db');
    await rejectsWith(gzip.restore(backup.id, { to }), 'BACKUP_CORRUPT');
    assert.equal(existsSync(to), false);
  });

  test('plain, fully checked at creation: restore copies and hashes in one pass and refuses a changed byte; the good one restores whole', async () => {
    const db = makeDb(6);
    const before = dump(db);
    const full = manager(db, { check: 'full' });
    const { backup } = await full.create();
    assert.equal(backup.check, 'full');
    const to = join(tempDir(), 'restored.db');
    await full.restore(backup.id, { to });
    assert.equal(sha256(to), backup.sha256);
    assert.deepEqual(dump(to), before);
    const stored = join(full.dir, backup.file);
    flipByte(stored, 4096 * 3 + 100);
    const again = join(tempDir(), 'again.db');
    await rejectsWith(full.restore(backup.id, { to: again }), 'BACKUP_CORRUPT', /sha256/);
    assert.equal(existsSync(again), false);
    assert.deepEqual(
      readdirSync(join(again, '..')).filter((name) => name.startsWith('.')),
      [],
      'no temp copy left beside the target',
    );
  });

  test('plain, structure-checked: a page damaged before the backup was made (sha256 matching) is still caught by the full check at restore', async () => {
    const db = makeDb(6);
    const structure = manager(db);
    const { backup } = await structure.create();
    assert.equal(backup.check, 'structure');
    damageVouchedFor(structure.dir, backup);
    const to = join(tempDir(), 'restored.db');
    await rejectsWith(structure.restore(backup.id, { to }), 'BACKUP_CORRUPT', /fails its check/);
    assert.equal(existsSync(to), false);
  });

  test('plain, structure-checked, restored in place: the full check runs beside the copy; when it fails the database is untouched and nothing is left behind', async () => {
    const db = makeDb(6);
    const structure = manager(db);
    const { backup } = await structure.create();
    damageVouchedFor(structure.dir, backup);
    // The database changes after the backup: a restore would put the old rows back.
    const connection = new Database(db);
    connection.exec("UPDATE t SET note = 'after the backup' WHERE id = 1");
    connection.close();
    const before = sha256(db);
    await rejectsWith(structure.restore(backup.id), 'BACKUP_CORRUPT', /fails its check/);
    assert.equal(sha256(db), before, 'the database is as it was');
    assert.deepEqual(
      (await structure.list()).backups.map((b) => b.id),
      [backup.id],
      'no safety backup was taken: nothing was about to be replaced',
    );
    assert.deepEqual(
      readdirSync(structure.dir).filter((name) => name.startsWith('.')),
      [],
      'neither the copy nor the check left a file',
    );
  });
});

describe('a create killed while its copy process runs', () => {
  test('SIGKILL of the CLI mid-copy: the copy process removes its file and exits, nothing lists, the next command leaves no temp file', async () => {
    const db = makeDb(40); // above 32 MiB: the file copy in a child process
    const dir = join(db, '..');
    const backups = join(dir, 'backups');
    const cli = spawn(process.execPath, [CLI, 'backup', 'create', '--db', db], { cwd: dir, stdio: 'ignore', env: { ...process.env, DATABASE_URL: '' } });
    const exited = new Promise<void>((resolve) => cli.once('exit', () => resolve()));
    // The copy process's command line names its temp file in the backups folder.
    const marker = join(backups, '.strata-');
    let seen = false;
    for (let i = 0; i < 2000 && !seen; i++) {
      seen = spawnSync('pgrep', ['-f', marker]).status === 0;
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    cli.kill('SIGKILL');
    await exited;
    assert.ok(seen, 'the copy process was seen running');
    // Its stdin closed with the parent: it removes what it wrote and exits on its own.
    for (let i = 0; i < 500 && spawnSync('pgrep', ['-f', marker]).status === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.notEqual(spawnSync('pgrep', ['-f', marker]).status, 0, 'no copy process outlives its parent');
    const listing = manager(db);
    assert.deepEqual((await listing.list()).backups, []);
    // The next operation sweeps what the killed parent left itself (its -wal copy, its lock-free temp names).
    await listing.prune();
    assert.deepEqual(
      readdirSync(backups).filter((name) => name.startsWith('.') || name.includes('.bak')),
      [],
    );
    const writer = new Database(db, { timeout: 0 });
    writer.exec("UPDATE t SET note = 'after' WHERE id = 1"); // no lock outlived the kill
    writer.close();
  });
});

describe('reading a snapshot while it is copied', () => {
  test('the reader reads whole blocks only, never passes what the writer reported, ends at the reported size, and fails when the file is shorter', async () => {
    const dir = tempDir('strata-growing-');
    const path = join(dir, 'copy');
    const MB = 1024 * 1024;
    writeFileSync(path, Buffer.alloc(3 * MB, 7));
    const reader = new GrowingFileReader(path, MB);
    const chunks: Buffer[] = [];
    let firstBlock: () => void;
    const gotFirstBlock = new Promise<void>((resolve) => (firstBlock = resolve));
    reader.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      firstBlock();
    });
    const ended = new Promise((resolve, reject) => reader.on('end', resolve).on('error', reject));
    reader.grow(MB + 5);
    await gotFirstBlock;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(
      chunks.map((chunk) => chunk.length),
      [MB],
      'one whole block: the 5 bytes reported past it wait for their block',
    );
    reader.finish(2.5 * MB);
    await ended;
    assert.deepEqual(
      chunks.map((chunk) => chunk.length),
      [MB, MB, MB / 2],
      'the writer done: the short last block, and nothing past the reported size',
    );

    const short = new GrowingFileReader(path);
    short.resume();
    const failed = new Promise<Error>((resolve) => short.on('error', resolve));
    short.finish(4 * MB);
    assert.match((await failed).message, /has 3145728 bytes, but 4194304 were reported written/);
    assert.equal(short.pool.idle, 1, 'the buffer of the failed read went back to the pool');
  });

  test('pooled blocks: every block is compressed before its buffer is read into again, so a snapshot whose blocks all differ round-trips byte for byte', async () => {
    const dir = tempDir('strata-pooled-');
    const path = join(dir, 'snapshot');
    // 16 whole blocks and a short one, each its own text and random bytes: a buffer reused too
    // early would put one block's bytes into another's compressed member.
    const blocks = Array.from({ length: 17 }, (_, i) => {
      const block = Buffer.alloc(i === 16 ? 12345 : COMPRESS_BLOCK_BYTES, `block ${i} of the snapshot, `);
      for (let at = 0; at + 4096 < block.length; at += 64 * 1024) randomBytes(4096).copy(block, at);
      return block;
    });
    const plain = Buffer.concat(blocks);
    writeFileSync(path, plain);
    const reader = new GrowingFileReader(path, COMPRESS_BLOCK_BYTES);
    const stored = join(dir, 'stored.gz');
    const encoding = encodeBackup(reader, stored, { compression: { codec: 'gzip', level: 1 }, key: null, parallel: () => 1 });
    // The writer reports its progress 1 MB at a time, as the copy process does.
    for (let written = 0; written < plain.length; written += 1024 * 1024) {
      reader.grow(written);
      await new Promise((resolve) => setImmediate(resolve));
    }
    reader.finish(plain.length);
    const facts = await encoding;
    // equals, not deepEqual: a diff of 64 MB would not fit in the heap.
    assert.ok(zlib.gunzipSync(readFileSync(stored)).equals(plain), 'the stored file decompresses to the snapshot');
    assert.equal(facts.plainSha256, createHash('sha256').update(plain).digest('hex'));
    assert.equal(facts.plainSize, plain.length);
    assert.ok(reader.pool.allocated < 16, `16 whole blocks read into ${reader.pool.allocated} buffers: the compressor gave them back`);
    assert.ok(reader.pool.idle > 0);
  });

  test('a block whose compression fails still goes back, once, as does every block launched; the create fails with it and leaves no stored file', async () => {
    const pool = new BufferPool(COMPRESS_BLOCK_BYTES);
    const taken = Array.from({ length: 4 }, (_, i) => pool.take().fill(i));
    const given: Buffer[] = [];
    const compress = async (block: Buffer) => {
      if (block[0] === 1) throw new Error('the compressor failed');
      return Buffer.from([block[0]!]);
    };
    const compressing = parallelCompress(compress, 1, (block) => {
      given.push(block);
      pool.give(block);
    });
    await assert.rejects(
      pipeline(Readable.from(taken), compressing, new Writable({ write: (_chunk, _encoding, callback) => callback() })),
      /the compressor failed/,
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(given.length >= 2, 'the failed block and the one before it were handed back');
    assert.ok(
      given.every((block) => taken.includes(block)),
      'whole blocks are compressed as they came, not copied',
    );
    assert.equal(new Set(given).size, given.length, 'none twice');
    assert.equal(pool.idle, given.length);
    pool.give(given[0]!);
    assert.equal(pool.idle, given.length, 'a buffer given back twice is not pooled twice');

    // Through encodeBackup: a snapshot shorter than reported fails the read; nothing is left.
    const dir = tempDir('strata-pooled-');
    const path = join(dir, 'snapshot');
    writeFileSync(path, Buffer.alloc(COMPRESS_BLOCK_BYTES + 100, 3));
    const reader = new GrowingFileReader(path, COMPRESS_BLOCK_BYTES);
    const stored = join(dir, 'stored.gz');
    const encoding = encodeBackup(reader, stored, { compression: { codec: 'gzip', level: 1 }, key: null });
    reader.finish(3 * COMPRESS_BLOCK_BYTES);
    await assert.rejects(encoding, /were reported written/);
    assert.equal(existsSync(stored), false);
  });
});

describe('writing the stored file', () => {
  test('synced along the way and at the end: every byte in order, mode 0600, never over an existing file; abandoned, it is gone', async () => {
    const dir = tempDir('strata-sink-');
    const path = join(dir, 'stored');
    const chunks = Array.from({ length: 40 }, (_, i) => randomBytes(1000 + i * 37));
    // A sync every 4 KB: many syncs run beside the writes, and the last one is waited for.
    const sink = await syncedFileSink(path, true, 4096);
    await pipeline(Readable.from(chunks), sink.stream);
    await sink.finish();
    assert.deepEqual(readFileSync(path), Buffer.concat(chunks));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    await assert.rejects(syncedFileSink(path), /EEXIST/);

    const abandoned = join(dir, 'abandoned');
    const failing = await syncedFileSink(abandoned, true, 4096);
    const broken = Readable.from(
      (async function* () {
        yield* chunks.slice(0, 10);
        throw new Error('the encoder failed');
      })(),
    );
    await assert.rejects(pipeline(broken, failing.stream), /the encoder failed/);
    await failing.abandon();
    assert.equal(existsSync(abandoned), false);
  });
});
