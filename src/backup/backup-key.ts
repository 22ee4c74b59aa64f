/**
 * Where the encryption key comes from. A 32-byte key from an environment variable or a key file
 * (hex or base64 text, or 32 raw bytes), or a passphrase stretched with scrypt and a salt stored
 * in each backup's header. The key lives in memory only: never in the manifest, a log or an error.
 */
import { createHmac, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

export type KeySource = { keyEnv: string } | { keyFile: string } | { passphraseEnv: string } | { key: Uint8Array } | { passphrase: string };

export const DEFAULT_KEY_ENV = 'STRATA_BACKUP_KEY';
/** scrypt cost: ~100 ms and 32 MB per derivation here; once per backup, not per block. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export type Kdf = 'none' | 'scrypt';

/** A resolved source: turns a backup's salt into its key. */
export interface BackupKey {
  kdf: Kdf;
  derive(salt: Buffer): Promise<Buffer>;
  /** Where the key came from, for messages (never the key). */
  origin: string;
}

export function resolveKey(source: KeySource): BackupKey {
  if ('key' in source) return rawKey(Buffer.from(source.key), 'the key given in code');
  if ('passphrase' in source) return passphraseKey(source.passphrase, 'the passphrase given in code');
  if ('keyEnv' in source) {
    const text = process.env[source.keyEnv];
    if (!text)
      throw missing(`$${source.keyEnv} is not set`, `set ${source.keyEnv} to a 32-byte key (64 hex characters or base64), e.g. from 'openssl rand -hex 32'`);
    return rawKey(parseKeyText(text, `$${source.keyEnv}`), `$${source.keyEnv}`);
  }
  if ('passphraseEnv' in source) {
    const text = process.env[source.passphraseEnv];
    if (!text) throw missing(`$${source.passphraseEnv} is not set`, `set ${source.passphraseEnv} to the backup passphrase`);
    return passphraseKey(text, `$${source.passphraseEnv}`);
  }
  let bytes: Buffer;
  try {
    bytes = readProtected(source.keyFile);
  } catch (error) {
    if (error instanceof StrataError) throw error;
    throw missing(
      `cannot read the key file ${source.keyFile}: ${messageOf(error)}`,
      'check the path; create one with: openssl rand -hex 32 > backup.key && chmod 600 backup.key',
    );
  }
  return rawKey(bytes.length === 32 ? bytes : parseKeyText(bytes.toString('utf8'), source.keyFile), source.keyFile);
}

/**
 * The key file's bytes, refused (as ssh refuses a private key) when its mode lets the group or
 * others in: a key others can read protects nothing. Checked on the descriptor that is read.
 */
function readProtected(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const mode = fstatSync(fd).mode & 0o777;
    // Windows has no such mode bits (Node reports 0o666 for every file).
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new StrataError(
        ErrorCode.BACKUP_KEY_UNPROTECTED,
        `the key file ${path} is open to others (mode ${mode.toString(8).padStart(4, '0')}): a key others can read protects nothing, so it is not used`,
        { hint: `make it private to its owner: chmod 600 ${path}`, details: { file: path, mode: mode.toString(8) } },
      );
    }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

function parseKeyText(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new StrataError(ErrorCode.BACKUP_KEY_INVALID, `${where} does not hold a 32-byte key (got ${key.length} bytes)`, {
      hint: "use 64 hex characters or 44 base64 characters, e.g. from 'openssl rand -hex 32'; for a passphrase use a passphrase source instead",
    });
  }
  return key;
}

function rawKey(key: Buffer, origin: string): BackupKey {
  if (key.length !== 32) throw parseKeyText('', origin);
  return { kdf: 'none', origin, derive: async () => key };
}

function passphraseKey(passphrase: string, origin: string): BackupKey {
  if (passphrase.length < 8) {
    throw new StrataError(ErrorCode.BACKUP_KEY_INVALID, `the passphrase from ${origin} is shorter than 8 characters`, { hint: 'use a longer passphrase' });
  }
  return { kdf: 'scrypt', origin, derive: (salt) => scrypt(passphrase, salt, 32, SCRYPT) };
}

function missing(message: string, hint: string): StrataError {
  return new StrataError(ErrorCode.BACKUP_KEY_MISSING, message, { hint });
}

/** 8 bytes that tell a wrong key from tampered data without revealing anything about the key. */
export function keyCheck(key: Buffer, salt: Buffer): Buffer {
  return createHmac('sha256', key).update('strata backup key check').update(salt).digest().subarray(0, 8);
}

export function keyCheckMatches(key: Buffer, salt: Buffer, stored: Buffer): boolean {
  return timingSafeEqual(keyCheck(key, salt), stored);
}

export function newSalt(): Buffer {
  return randomBytes(16);
}
