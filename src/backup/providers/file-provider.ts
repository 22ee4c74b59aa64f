/**
 * Backups of a file that is replaced atomically by its writers (Strata's JSON-file store, any
 * write-temp-and-rename writer): a copy reads one inode from start to end, so it is the old
 * document or the new one, never a mix. `check` parses JSON files; other files are taken as is.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { copyFileAtomic } from '../../fs/atomic-write.js';
import { fileBackupName } from '../backup-manifest.js';
import type { BackupProvider } from './backup-provider.js';

export class FileBackupProvider implements BackupProvider {
  readonly kind = 'file';
  readonly source: string;
  readonly name: string;
  readonly defaultDir: string;
  private readonly path: string;

  constructor(
    path: string,
    private readonly readVersion?: (text: string) => string | null,
  ) {
    this.path = resolve(path);
    this.source = `file:${this.path}`;
    this.name = fileBackupName(this.path);
    this.defaultDir = join(dirname(this.path), 'backups');
  }

  async isEmpty(): Promise<boolean> {
    return !(await stat(this.path).catch(() => null));
  }

  async snapshot(plainPath: string): Promise<{ schemaVersion: string | null }> {
    try {
      // Not copyFile: it gives the copy the source's mode; the copy is private from its first byte.
      await pipeline(createReadStream(this.path), createWriteStream(plainPath, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      throw new StrataError(ErrorCode.BACKUP_FAILED, `cannot copy ${this.path}: ${messageOf(error)}`, { hint: 'check the path and permissions', cause: error });
    }
    if (!this.readVersion) return { schemaVersion: null };
    return { schemaVersion: this.readVersion(await readFile(plainPath, 'utf8')) };
  }

  async check(plainPath: string): Promise<string[]> {
    if (extname(this.path) !== '.json') return [];
    try {
      JSON.parse(await readFile(plainPath, 'utf8'));
      return [];
    } catch (error) {
      return [`not valid JSON: ${messageOf(error)}`];
    }
  }

  async restoreInto(plainPath: string): Promise<void> {
    await copyFileAtomic(plainPath, this.path);
  }

  async restoreTo(plainPath: string, to: string): Promise<void> {
    await copyFileAtomic(plainPath, to, { mode: 0o600 });
  }
}
