/**
 * With a key, a backup's manifest is authenticated: an HMAC-SHA256 over every field of the
 * manifest (sorted keys, the MAC itself aside), keyed from the backup key. Without it, someone who
 * can write the backups folder could change a plain backup's bytes and write their sha256 into
 * the manifest; the sha256 alone detects corruption, not tampering. A passphrase is stretched
 * with its own salt (`macSalt`), as for encryption.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BackupKey } from './backup-key.js';
import type { BackupEntry } from './backup-manifest.js';

export interface ManifestMac {
  /** hex HMAC-SHA256 of the manifest's other fields. */
  mac: string;
  /** hex salt the key was derived with. */
  macSalt: string;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key, v]) => key !== 'mac' && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

async function macOf(entry: object, key: BackupKey, salt: Buffer): Promise<Buffer> {
  const macKey = createHmac('sha256', await key.derive(salt))
    .update('strata backup manifest')
    .digest();
  return createHmac('sha256', macKey).update(canonical(entry)).digest();
}

/** The entry with its MAC fields, to write as the manifest. */
export async function signManifest<T extends BackupEntry>(entry: T, key: BackupKey): Promise<T & ManifestMac> {
  const salt = randomBytes(16);
  const withSalt = { ...entry, macSalt: salt.toString('hex'), macKdf: key.kdf };
  return { ...withSalt, mac: (await macOf(withSalt, key, salt)).toString('hex') };
}

/** Whether the manifest's MAC is the one `key` makes of its fields. */
export async function manifestMacMatches(entry: BackupEntry & Partial<ManifestMac>, key: BackupKey): Promise<boolean> {
  if (typeof entry.mac !== 'string' || typeof entry.macSalt !== 'string' || !/^[0-9a-f]{64}$/.test(entry.mac)) return false;
  const expected = await macOf(entry, key, Buffer.from(entry.macSalt, 'hex'));
  return timingSafeEqual(expected, Buffer.from(entry.mac, 'hex'));
}
