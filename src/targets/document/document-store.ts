/**
 * The seam between the document migrator and wherever a document lives. How to implement one:
 * `read()` returns null when nothing is stored; `write()` replaces the document atomically (all
 * of it or none of it, even if the process dies midway); `lock()` admits one migration at a time;
 * `backup()` keeps the document as it is now, before a migration replaces it.
 */
import type { Release } from './locks.js';
import type { DocumentVersion } from './document-version.js';
import type { StoredDocument } from './stored-document.js';

export interface BackupRecord {
  id: string;
  /** ISO 8601 UTC. */
  at: string;
  version: DocumentVersion | null;
  /** Where the copy is: a storage key or a file path. */
  location: string;
}

export interface DocumentStore {
  /** For messages: `localStorage:app-state`, `file:/home/me/state.json`. */
  readonly description: string;
  read(): Promise<StoredDocument | null>;
  write(document: StoredDocument): Promise<void>;
  lock(timeoutMs: number, onWaiting: () => void): Promise<Release>;
  /** Copies the stored document aside; null when nothing is stored or backups are off. */
  backup(version: DocumentVersion | null): Promise<BackupRecord | null>;
  listBackups(): Promise<BackupRecord[]>;
  /** Puts a backup's exact stored value(s) back. */
  restoreBackup(id: string): Promise<void>;
}

export interface BackupOptions {
  /** How many backups to keep per document (oldest go first). 0 turns backups off. */
  keep?: number;
}

export const DEFAULT_BACKUPS_KEPT = 3;
