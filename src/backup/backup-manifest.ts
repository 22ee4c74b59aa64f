/**
 * Each backup is two files: the data (`<id>.bak[.gz][.enc]`) and its manifest
 * (`<id>.manifest.json`), written after the data is complete and synced. A backup without a
 * manifest (a process killed mid-backup) never lists as valid. Manifests name their own id and
 * file, so two swapped manifests are caught as well as changed bytes.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { CompressionCodec } from './compression.js';
import { ErrorCode, StrataError } from '../model/errors.js';
import { commandLine, nextCommand } from '../model/next-command.js';

export interface BackupEntry {
  id: string;
  /** The data file's name, in the backups folder. */
  file: string;
  /** What was backed up: `sqlite:/path/app.db`, `file:/path/state.json`. */
  source: string;
  kind: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  description: string;
  /** The applied schema / document version when the backup was taken (null: none yet). */
  schemaVersion: string | null;
  /** Stored bytes: size and sha256. */
  size: number;
  sha256: string;
  /** The snapshot's own bytes (what a restore produces). */
  plainSize: number;
  plainSha256: string;
  compression: CompressionCodec | null;
  compressionLevel: number | null;
  encryption: 'aes-256-gcm' | null;
  kdf: 'none' | 'scrypt' | null;
  /** Whether the snapshot passed the provider's check when it was made. */
  verified: boolean;
  /** Which check that was (absent in manifests from before the choice existed: `full`). */
  check?: 'full' | 'structure';
  /** With a key: HMAC-SHA256 of the other fields (manifest-mac.ts), its salt, and the kind of key. */
  mac?: string;
  macSalt?: string;
  macKdf?: 'none' | 'scrypt';
}

export const MANIFEST_SUFFIX = '.manifest.json';
/**
 * The last full check of a backup after it was made (verify, retention) is kept beside its
 * manifest, not in it: the manifest never changes once written (a key authenticates it), and a
 * record written while the backup is being deleted leaves only a stray file that is swept up.
 */
export const CHECKED_SUFFIX = '.checked.json';

/** Which check a backup last passed or failed, and when. */
export interface CheckRecord {
  level: 'full' | 'structure';
  ok: boolean;
  /** ISO 8601 UTC. */
  at: string;
  /** The first problem found, when it failed. */
  problem?: string;
}

export function checkedPath(dir: string, id: string): string {
  return join(dir, `${id}${CHECKED_SUFFIX}`);
}

export async function writeCheckRecord(dir: string, id: string, record: CheckRecord): Promise<void> {
  await writeFileAtomic(checkedPath(dir, id), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

/** The latest check: the recorded one, or else the one made at creation. */
export async function latestCheck(dir: string, entry: BackupEntry): Promise<CheckRecord> {
  try {
    const record = JSON.parse(await readFile(checkedPath(dir, entry.id), 'utf8')) as CheckRecord;
    if ((record.level === 'full' || record.level === 'structure') && typeof record.ok === 'boolean' && typeof record.at === 'string') return record;
  } catch {
    // none yet, or unreadable: the creation check is the last one known
  }
  return { level: entry.check ?? 'full', ok: entry.verified, at: entry.createdAt };
}

/** `<name>.<YYYY-MM-DD_HH-mm-ss>` with an optional `-N` for a second backup in the same second. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\.\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(?:-\d+)?$/;

/** What hints about a backup that is not there (or not to be trusted) point at. */
export const BACKUP_LIST = nextCommand('backup list');

/**
 * A backup-id-safe form of a database's name (a file's base name, a server database's name):
 * what every provider's `name` is, so that the ids made from it are ids (`my app.db` and
 * `données.db` once made backups that no listing, restore or retention could find).
 */
export function idPart(text: string): string {
  const safe = text
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^A-Za-z0-9]+/, '');
  return safe || 'db';
}

/** The provider name of a database kept in one file: its base name without the extension (the whole base name when that leaves nothing), id-safe. */
export function fileBackupName(path: string): string {
  return idPart(basename(path, extname(path)) || basename(path));
}

export function isBackupId(text: string): boolean {
  return ID.test(text) && !text.includes('..');
}

/** A user-supplied id, checked before it comes near a path. */
export function checkBackupId(text: string): string {
  if (!isBackupId(text)) {
    throw new StrataError(ErrorCode.BACKUP_NOT_FOUND, `${JSON.stringify(text)} is not a backup id`, {
      hint: `ids look like app.2026-01-15_14-30-45; '${commandLine(BACKUP_LIST)}' shows them`,
      next: [BACKUP_LIST],
    });
  }
  return text;
}

export function fileStamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', '_').replace(/:/g, '-');
}

export function manifestPath(dir: string, id: string): string {
  return join(dir, `${id}${MANIFEST_SUFFIX}`);
}

export async function writeManifest(dir: string, entry: BackupEntry): Promise<void> {
  await writeFileAtomic(manifestPath(dir, entry.id), `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Every manifest in the folder, oldest first; unreadable ones are reported, not skipped.
 * `idPrefix` (a provider's `<name>.`): only the manifests whose id starts with it, the only ones
 * that can be that provider's. A fleet's tenants share the `backups/` beside their files: without
 * it each tenant's backup read every other tenant's manifest, and a fleet run grew with the
 * square of its size.
 */
export async function readManifests(dir: string, idPrefix = ''): Promise<{ entries: BackupEntry[]; unreadable: string[] }> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const entries: BackupEntry[] = [];
  const unreadable: string[] = [];
  for (const name of names) {
    if (!name.endsWith(MANIFEST_SUFFIX) || !name.startsWith(idPrefix)) continue;
    const id = name.slice(0, -MANIFEST_SUFFIX.length);
    try {
      const entry = JSON.parse(await readFile(join(dir, name), 'utf8')) as BackupEntry;
      if (!isBackupId(id) || typeof entry.sha256 !== 'string' || typeof entry.file !== 'string') throw new Error('not a manifest');
      entries.push(entry);
    } catch {
      unreadable.push(name);
    }
  }
  entries.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  return { entries, unreadable };
}

/** Whether a manifest belongs to the file beside it: its id and file name agree with its own name. */
export function manifestMismatch(entry: BackupEntry, idFromName: string): string | null {
  if (entry.id !== idFromName) return `its manifest describes backup ${entry.id}`;
  if (!entry.file.startsWith(`${entry.id}.bak`) || entry.file.includes('/') || entry.file.includes('\\')) return `its manifest names the file ${entry.file}`;
  return null;
}
