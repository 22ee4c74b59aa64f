/**
 * The bytes of a backup file: the plain snapshot, optionally compressed (gzip, or zstd where Node
 * has it), optionally
 * AES-256-GCM encrypted, streamed in one pass with sha256 of both the plain and the stored bytes.
 *
 * Encrypted layout: header (magic `STRATAE1`, kdf byte, 16-byte salt, 12-byte IV, 8-byte key
 * check) | ciphertext | 16-byte GCM tag. The header is authenticated as additional data, so no
 * byte of the file can change unnoticed; the key check tells a wrong key from tampering.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ioFailureCode } from '../fs/io-failure.js';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { commandLine } from '../model/next-command.js';
import { BACKUP_LIST } from './backup-manifest.js';
import { keyCheck, keyCheckMatches, newSalt, type BackupKey } from './backup-key.js';
import { blockCompressor, decompressor, type CompressionCodec } from './compression.js';
import { GrowingFileReader } from './growing-file.js';
import { parallelCompress } from './parallel-compress.js';
import { syncedFileSink } from './synced-file-sink.js';
import { copyFileHashedInWorker } from './worker-task.js';

const MAGIC = Buffer.from('STRATAE1');
const KDF_CODES = { none: 0, scrypt: 1 } as const;
const HEADER_BYTES = MAGIC.length + 1 + 16 + 12 + 8;
const TAG_BYTES = 16;
const READ_CHUNK = 1024 * 1024;

export interface StoredFacts {
  size: number;
  sha256: string;
  plainSize: number;
  plainSha256: string;
}

export interface CodecSettings {
  /** The codec and its level (1-9), or null for none. */
  compression: { codec: CompressionCodec; level: number } | null;
  key: BackupKey | null;
  onBytes?: (plainBytes: number) => void;
  /** As parallelCompress's `parallel`, asked before each block (default: one per core). */
  parallel?: () => number;
}

/** Counts and hashes what flows through. */
function tap(hash: Hash, onBytes?: (total: number) => void): Transform & { bytes: number } {
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      stream.bytes += chunk.length;
      onBytes?.(stream.bytes);
      callback(null, chunk);
    },
  }) as Transform & { bytes: number };
  stream.bytes = 0;
  return stream;
}

/**
 * Encodes the plain bytes, read from `plain` (a path, or a stream such as a snapshot still being
 * copied), into the new file `storedPath`, synced; hashes both layers on the way. On failure
 * `storedPath` does not exist afterwards.
 */
export async function encodeBackup(plain: string | Readable, storedPath: string, settings: CodecSettings): Promise<StoredFacts> {
  const plainHash = createHash('sha256');
  const storedHash = createHash('sha256');
  const plainTap = tap(plainHash, settings.onBytes);
  const storedTap = tap(storedHash);
  const stages: NodeJS.ReadWriteStream[] = [plainTap];
  if (settings.compression) {
    const compressor = blockCompressor(settings.compression.codec, settings.compression.level);
    // A snapshot read while it is copied comes in pooled blocks: each goes back once compressed.
    // (Not done for the cipher alone: handing its 1 MB blocks back saved no measurable CPU.)
    const pool = plain instanceof GrowingFileReader ? plain.pool : null;
    const recycle = pool ? (block: Buffer) => pool.give(block) : undefined;
    stages.push(parallelCompress(compressor, settings.parallel, recycle));
  }
  if (settings.key) stages.push(await encryptor(settings.key));
  stages.push(storedTap);
  const sink = await syncedFileSink(storedPath);
  try {
    const source = typeof plain === 'string' ? createReadStream(plain, { highWaterMark: READ_CHUNK }) : plain;
    await pipeline([source, ...stages, sink.stream] as never);
    await sink.finish();
  } catch (error) {
    await sink.abandon();
    throw error;
  }
  return { size: storedTap.bytes, sha256: storedHash.digest('hex'), plainSize: plainTap.bytes, plainSha256: plainHash.digest('hex') };
}

async function encryptor(key: BackupKey): Promise<Transform> {
  const salt = newSalt();
  const iv = randomBytes(12);
  const derived = await key.derive(salt);
  const header = Buffer.concat([MAGIC, Buffer.from([KDF_CODES[key.kdf]]), salt, iv, keyCheck(derived, salt)]);
  const cipher = createCipheriv('aes-256-gcm', derived, iv);
  cipher.setAAD(header);
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (!started) {
        started = true;
        this.push(header);
      }
      callback(null, cipher.update(chunk));
    },
    flush(callback: TransformCallback) {
      if (!started) this.push(header);
      this.push(cipher.final());
      callback(null, cipher.getAuthTag());
    },
  });
}

export interface DecodeExpectation extends StoredFacts {
  compression: CompressionCodec | null;
  encryption: 'aes-256-gcm' | null;
  /** For messages: the backup's id. */
  id: string;
}

/**
 * Turns a stored backup back into its plain bytes at `plainPath`, checking on the way that the
 * stored bytes are the ones the manifest describes and that the result is the snapshot taken.
 * On any failure `plainPath` does not exist afterwards.
 */
export async function decodeBackup(
  storedPath: string,
  plainPath: string,
  expected: DecodeExpectation,
  key: BackupKey | null,
  onBytes?: (n: number) => void,
  /** false for a copy that is checked and deleted (verify): an fsync would only cost time. */
  durable = true,
): Promise<void> {
  const size = (await stat(storedPath)).size;
  if (size !== expected.size) {
    throw corrupt(
      expected.id,
      `${storedPath} is ${size} bytes but its manifest says ${expected.size}: the file was ${size < expected.size ? 'truncated' : 'extended'}`,
    );
  }
  if (!expected.encryption && !expected.compression) return copyPlain(storedPath, plainPath, expected, onBytes, durable);
  const storedHash = createHash('sha256');
  const plainHash = createHash('sha256');
  const stages: NodeJS.ReadWriteStream[] = [tap(storedHash)];
  if (expected.encryption) stages.push(...(await decryptor(storedPath, size, expected, key)));
  if (expected.compression) stages.push(decompressor(expected.compression, expected.id));
  const plainTap = tap(plainHash, onBytes);
  stages.push(plainTap);
  const sink = await syncedFileSink(plainPath, durable);
  try {
    try {
      await pipeline([createReadStream(storedPath, { highWaterMark: READ_CHUNK }), ...stages, sink.stream] as never);
    } catch (error) {
      // No space for the copy, an I/O error, no permission: the bytes were not judged at all.
      if (ioFailureCode(error)) throw error;
      // The stored bytes decide what went wrong: changed bytes are corruption, whatever layer noticed.
      // zlib's errors (Z_DATA_ERROR "incorrect data check", ZSTD_error_..., ...) mean bytes that do not decode
      // even when the manifest was edited to match them.
      const zlibCode = /^(Z_|ZSTD_)/.test(String((error as NodeJS.ErrnoException).code ?? ''));
      if (
        storedHash.copy().digest('hex') !== expected.sha256 ||
        zlibCode ||
        /auth|unexpected end|incorrect header|incorrect data check|invalid/i.test(messageOf(error))
      ) {
        throw corrupt(expected.id, `${storedPath} cannot be decoded (${messageOf(error)}): its bytes were changed`);
      }
      throw error;
    }
    if (storedHash.digest('hex') !== expected.sha256)
      throw corrupt(expected.id, `${storedPath} does not match the sha256 in its manifest: its bytes were changed`);
    if (plainHash.digest('hex') !== expected.plainSha256 || plainTap.bytes !== expected.plainSize) {
      throw corrupt(expected.id, `${storedPath} decodes to different bytes than were backed up`);
    }
    await sink.finish();
  } catch (error) {
    await sink.abandon();
    throw error;
  }
}

/**
 * A plain backup is its snapshot: one pass on another thread reads it, writes the copy and hashes
 * the buffers it wrote, syncing as it goes (the main thread stays free for the check beside it).
 */
async function copyPlain(storedPath: string, plainPath: string, expected: DecodeExpectation, onBytes: ((n: number) => void) | undefined, durable: boolean) {
  const copied = await copyFileHashedInWorker(storedPath, plainPath, durable);
  if (copied.sha256 !== expected.sha256 || copied.sha256 !== expected.plainSha256 || copied.size !== expected.plainSize) {
    await unlink(plainPath).catch(() => undefined);
    throw corrupt(expected.id, `${storedPath} does not match the sha256 in its manifest: its bytes were changed`);
  }
  onBytes?.(copied.size);
}

async function decryptor(storedPath: string, size: number, expected: DecodeExpectation, key: BackupKey | null): Promise<Transform[]> {
  if (!key) {
    throw new StrataError(ErrorCode.BACKUP_KEY_MISSING, `backup ${expected.id} is encrypted and no key was given`, {
      hint: 'set STRATA_BACKUP_KEY (or pass --key-file / --passphrase-env) to the key it was made with',
    });
  }
  if (size < HEADER_BYTES + TAG_BYTES) throw corrupt(expected.id, `${storedPath} is too short to be an encrypted backup`);
  const handle = await open(storedPath, 'r');
  const header = Buffer.alloc(HEADER_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    await handle.read(header, 0, HEADER_BYTES, 0);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt(expected.id, `${storedPath} does not start like a Strata encrypted backup`);
  const kdf = header[MAGIC.length] === KDF_CODES.scrypt ? 'scrypt' : 'none';
  const salt = header.subarray(MAGIC.length + 1, MAGIC.length + 17);
  const iv = header.subarray(MAGIC.length + 17, MAGIC.length + 29);
  const check = header.subarray(MAGIC.length + 29, HEADER_BYTES);
  if (kdf !== key.kdf) {
    throw new StrataError(
      ErrorCode.BACKUP_KEY_INVALID,
      `backup ${expected.id} was encrypted with a ${kdf === 'scrypt' ? 'passphrase' : 'raw key'}, but ${key.origin} is a ${key.kdf === 'scrypt' ? 'passphrase' : 'raw key'}`,
      {
        hint: kdf === 'scrypt' ? 'give the passphrase (--passphrase-env NAME)' : 'give the key (STRATA_BACKUP_KEY or --key-file)',
      },
    );
  }
  const derived = await key.derive(Buffer.from(salt));
  if (!keyCheckMatches(derived, Buffer.from(salt), Buffer.from(check))) {
    throw new StrataError(ErrorCode.BACKUP_KEY_INVALID, `${key.origin} is not the key backup ${expected.id} was encrypted with`, {
      hint: 'use the key (or passphrase) that was set when the backup was made',
    });
  }
  const decipher = createDecipheriv('aes-256-gcm', derived, iv);
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  // Only the bytes between header and tag are ciphertext.
  let offset = 0;
  const slice = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const start = Math.max(0, HEADER_BYTES - offset);
      const end = Math.min(chunk.length, size - TAG_BYTES - offset);
      offset += chunk.length;
      callback(null, end > start ? chunk.subarray(start, end) : undefined);
    },
  });
  return [slice, decipher as unknown as Transform];
}

function corrupt(id: string, message: string): StrataError {
  return new StrataError(ErrorCode.BACKUP_CORRUPT, message, {
    hint: `backup ${id} cannot be trusted and was not restored; use another backup ('${commandLine(BACKUP_LIST)}')`,
    next: [BACKUP_LIST],
    details: { id },
  });
}

/** Whether `key` is the one the encrypted backup at `storedPath` was made with (its header's key check); null when unreadable. */
export async function isEncryptedWith(storedPath: string, key: BackupKey): Promise<boolean | null> {
  const header = Buffer.alloc(HEADER_BYTES);
  try {
    const handle = await open(storedPath, 'r');
    try {
      await handle.read(header, 0, HEADER_BYTES, 0);
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const salt = Buffer.from(header.subarray(MAGIC.length + 1, MAGIC.length + 17));
  return keyCheckMatches(await key.derive(salt), salt, Buffer.from(header.subarray(MAGIC.length + 29, HEADER_BYTES)));
}
