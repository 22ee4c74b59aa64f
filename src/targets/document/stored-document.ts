/** A document as a store holds it: the app's data, its version, and the recent history. */
import type { Direction } from '../../model/run-report.js';
import type { DocumentVersion } from './document-version.js';

export interface HistoryEntry {
  version: DocumentVersion;
  name: string;
  direction: Direction;
  /** ISO 8601 UTC. */
  at: string;
  /** Fingerprint of the migration's source when it ran (see sourceChecksum). */
  checksum?: string;
}

export interface StoredDocument<Data = unknown> {
  /** null: the data carries no version yet (legacy or never migrated). */
  version: DocumentVersion | null;
  data: Data;
  history: HistoryEntry[];
}

/** How many history entries a document keeps by default: enough for status, small on disk. */
export const DEFAULT_HISTORY_LIMIT = 20;
