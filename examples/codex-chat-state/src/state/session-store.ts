/**
 * The session store: the extension's chat state in `context.globalState`, migrated on
 * activation through Strata (mementoStore + DocumentMigrator) and saved back at the version
 * this build writes. Stored as Strata's envelope `{ version, data, history }` under one key, so
 * a version and its data are one `update()`; state from builds before the migrations module
 * (the bare PersistedState, no envelope) is read as unversioned and migrated from version 0.
 */
import {
  DEFAULT_DOCUMENT_LOCK_TIMEOUT_MS,
  DocumentMigrator,
  ErrorCode,
  StrataError,
  compareDocumentVersions,
  mementoStore,
  type DocumentRunReport,
  type DocumentStatus,
  type DocumentStore,
  type DocumentVersion,
  type MementoLike,
  type MigrationManager,
} from 'strata-migrate/document';
import type { AnyPersistedState, PersistedState } from '../types/chat.js';
import { migrationManager } from './migrations.js';

export const CHAT_STATE_KEY = 'codex.chatState';

export interface ChatStateStoreOptions {
  /** The globalState key; default `codex.chatState`. */
  key?: string;
  /** Default: the module's migrationManager. */
  migrations?: MigrationManager<AnyPersistedState>;
  /** Clock for history entries. */
  now?: () => Date;
  /** Backups kept in globalState (`<key>:backup:<time>`). globalState is loaded whole into memory, so one. */
  backupsKept?: number;
}

export function emptyState(): PersistedState {
  return { sessions: {}, currentSessionId: null };
}

export class ChatStateStore {
  readonly store: DocumentStore;
  readonly migrator: DocumentMigrator<AnyPersistedState>;
  private readonly migrations: MigrationManager<AnyPersistedState>;
  private loaded: PersistedState | undefined;

  constructor(globalState: MementoLike, options: ChatStateStoreOptions = {}) {
    this.migrations = options.migrations ?? migrationManager;
    this.store = mementoStore(globalState, {
      key: options.key ?? CHAT_STATE_KEY,
      name: 'globalState',
      backups: { keep: options.backupsKept ?? 1 },
    });
    this.migrator = new DocumentMigrator<AnyPersistedState>({
      store: this.store,
      migrations: this.migrations,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /**
   * On activation: brings the stored state to the latest version (one write, after a backup,
   * only when something changed) and loads it. A new install stores nothing until save().
   */
  async initialize(): Promise<DocumentRunReport<AnyPersistedState>> {
    const report = await this.migrator.migrate();
    this.loaded = report.data === undefined ? emptyState() : (structuredClone(report.data) as PersistedState);
    return report;
  }

  /** The state loaded by initialize() (and kept by save()). */
  get state(): PersistedState {
    if (!this.loaded) throw new Error('ChatStateStore: call initialize() before reading the chat state');
    return this.loaded;
  }

  /** The stored version (0: nothing stored, or state from before versioning). */
  async getCurrentDataVersion(): Promise<DocumentVersion> {
    return (await this.store.read())?.version ?? 0;
  }

  status(): Promise<DocumentStatus> {
    return this.migrator.status();
  }

  /**
   * Writes the state at this build's latest version, keeping the migration history. Refuses
   * (and writes nothing) when the stored state is no longer at that version: another window
   * running a newer build may have migrated it further, and overwriting would lose its data.
   */
  async save(state: PersistedState): Promise<void> {
    if (!this.loaded) throw new Error('ChatStateStore: call initialize() before saving the chat state');
    const release = await this.store.lock(DEFAULT_DOCUMENT_LOCK_TIMEOUT_MS, () => undefined);
    try {
      const latest = this.migrations.getLatestVersion();
      const stored = await this.store.read();
      if (stored && (stored.version === null || compareDocumentVersions(stored.version, latest) !== 0)) {
        const newer = stored.version !== null && compareDocumentVersions(stored.version, latest) > 0;
        throw new StrataError(
          newer ? ErrorCode.DOCUMENT_NEWER : ErrorCode.DOCUMENT_INVALID,
          `${this.store.description} is at version ${stored.version ?? 'none'}, but this build saves version ${latest}; nothing was written`,
          { hint: newer ? 'a newer build of the extension migrated the chat state: update the extension' : 'reload the window so the state is migrated first' },
        );
      }
      const copy = structuredClone(state);
      await this.store.write({ version: latest, data: copy, history: stored?.history ?? [] });
      this.loaded = structuredClone(copy);
    } finally {
      await release();
    }
  }
}
