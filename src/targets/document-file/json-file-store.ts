/**
 * A document in a JSON file (an Electron app's state, a CLI's config). Writes are atomic
 * (temp + fsync + rename), one migration at a time holds `<file>.lock`, and backups are exact
 * copies of the file's bytes in a backups folder beside it, `<name>.<YYYY-MM-DD_HH-mm-ss>.bak`.
 */
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { DEFAULT_BACKUPS_KEPT, type BackupRecord, type DocumentStore } from '../document/document-store.js';
import type { DocumentVersion } from '../document/document-version.js';
import { envelope, type DocumentLayout } from '../document/layouts.js';
import type { StoredDocument } from '../document/stored-document.js';
import { copyFileAtomic, removeOrphanedTemps, writeFileAtomic } from '../../fs/atomic-write.js';
import { acquireFileLock } from './file-lock.js';

export interface JsonFileStoreOptions {
  layout?: DocumentLayout;
  /** Indentation of the written JSON (default none: the fastest and smallest). */
  space?: number;
  backups?: {
    /** How many backups of this file to keep (default 3). 0 turns backups off. */
    keep?: number;
    /** Default: `backups/` beside the file. */
    dir?: string;
  };
  /** Mode of a newly created file (default 0600). */
  mode?: number;
}

const BACKUP_NAME = /^(.+)\.(\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(?:-\d+)?)\.bak$/;

export function jsonFileStore(path: string, options: JsonFileStoreOptions = {}): DocumentStore {
  const file = resolve(path);
  const layout = options.layout ?? envelope();
  const keep = options.backups?.keep ?? DEFAULT_BACKUPS_KEPT;
  const backupDir = resolve(options.backups?.dir ?? join(dirname(file), 'backups'));
  const description = `file:${file}`;
  const siblingPath = (name: string) => `${file}.${name}`;

  async function readJson(at: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(at, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StrataError(ErrorCode.DOCUMENT_INVALID, `cannot read ${at}: ${messageOf(error)}`, { hint: 'check the path and its permissions', cause: error });
    }
    try {
      return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      throw new StrataError(ErrorCode.DOCUMENT_INVALID, `${at} is not valid JSON: ${messageOf(error)}`, {
        hint: `the file is damaged or was written by something else; restore a backup from ${backupDir}`,
        details: { file: at },
      });
    }
  }

  async function listBackups(): Promise<BackupRecord[]> {
    const names = await readdir(backupDir).catch(() => [] as string[]);
    const prefix = basename(file);
    return names
      .map((name) => ({ name, match: BACKUP_NAME.exec(name) }))
      .filter(({ match }) => match && match[1] === prefix)
      .map(({ name, match }) => ({ id: match![2]!, at: stampToIso(match![2]!), version: null, location: join(backupDir, name) }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  return {
    description,
    async read(): Promise<StoredDocument | null> {
      const main = await readJson(file);
      if (main === undefined) return null;
      const siblings: Record<string, unknown> = {};
      for (const name of layout.siblings) {
        const value = await readJson(siblingPath(name));
        if (value !== undefined) siblings[name] = value;
      }
      return layout.decode(main, siblings, description);
    },
    async write(document: StoredDocument): Promise<void> {
      const encoded = layout.encode(document);
      try {
        // Siblings (history) first, the file itself last: the file's rename is the commit.
        for (const [name, value] of Object.entries(encoded.siblings)) await writeFileAtomic(siblingPath(name), JSON.stringify(value), { mode: options.mode });
        await writeFileAtomic(file, JSON.stringify(encoded.main, null, options.space), { mode: options.mode });
      } catch (error) {
        throw new StrataError(ErrorCode.STORE_WRITE_FAILED, `could not write ${file}: ${messageOf(error)}`, {
          hint: 'the file is unchanged; check free disk space and permissions',
          cause: error,
        });
      }
    },
    async lock(timeoutMs, onWaiting) {
      const release = await acquireFileLock(`${file}.lock`, timeoutMs, onWaiting);
      // Under the lock no live writer of ours is mid-write: what temp files remain are orphans.
      await removeOrphanedTemps(file);
      return release;
    },
    async backup(_version: DocumentVersion | null): Promise<BackupRecord | null> {
      if (keep <= 0) return null;
      const existing = await listBackups();
      let id = fileStamp(new Date());
      for (let n = 1; existing.some((b) => b.id === id); n++) id = `${fileStamp(new Date())}-${n}`;
      const location = join(backupDir, `${basename(file)}.${id}.bak`);
      try {
        await mkdir(backupDir, { recursive: true, mode: 0o700 });
        await copyFileAtomic(file, location, { mode: 0o600 });
        for (const name of layout.siblings) await copyFileAtomic(siblingPath(name), `${location}.${name}`, { mode: 0o600 }).catch(ignoreMissing);
      } catch (error) {
        throw new StrataError(ErrorCode.BACKUP_FAILED, `could not back up ${file} to ${backupDir}: ${messageOf(error)}`, {
          hint: 'nothing was migrated; check disk space and permissions, or turn backups off (backups: { keep: 0 })',
          cause: error,
        });
      }
      // Prune only after the new copy is complete, oldest first.
      const all = [...existing, { id, at: stampToIso(id), version: null, location }];
      for (const old of all.slice(0, Math.max(0, all.length - keep))) {
        await unlink(old.location).catch(() => undefined);
        for (const name of layout.siblings) await unlink(`${old.location}.${name}`).catch(() => undefined);
      }
      return { id, at: stampToIso(id), version: null, location };
    },
    listBackups,
    async restoreBackup(id: string): Promise<void> {
      // Only ids that list as backups of this file: a user-supplied id can never name another path.
      const record = (await listBackups()).find((b) => b.id === id);
      if (!record) {
        throw new StrataError(ErrorCode.BACKUP_NOT_FOUND, `${file} has no backup ${JSON.stringify(id)}`, {
          hint: `backups of this file are in ${backupDir}; listBackups() gives their ids`,
        });
      }
      for (const name of layout.siblings) await copyFileAtomic(`${record.location}.${name}`, siblingPath(name)).catch(ignoreMissing);
      await copyFileAtomic(record.location, file);
    },
  };
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

/** `2026-11-24_18-40-05` (UTC): sortable, and safe in file names everywhere. */
function fileStamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', '_').replace(/:/g, '-');
}

function stampToIso(id: string): string {
  const [day, time] = id.split('_');
  return `${day}T${(time ?? '').slice(0, 8).replace(/-/g, ':')}Z`;
}
