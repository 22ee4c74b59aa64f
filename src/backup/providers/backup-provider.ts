/**
 * One provider per kind of store. How to implement one (PostgreSQL's pg_dump and MySQL's
 * mysqldump plug in here): `snapshot` writes a consistent copy of the source to a new file;
 * `check` says what is wrong with such a copy ([] when it is sound); `restoreInto` replaces the
 * source's content with a checked copy atomically, as other users of the source see it;
 * `restoreTo` writes a checked copy to a new path.
 */
export interface BackupProvider {
  readonly kind: string;
  /** `sqlite:/abs/app.db`: recorded in manifests and messages. */
  readonly source: string;
  /** The `{db_name}` part of backup ids. */
  readonly name: string;
  /** Where backups go unless told otherwise: `backups/` beside the source. */
  readonly defaultDir: string;
  /** True when there is nothing worth a backup yet (no file, or a database with no tables). */
  isEmpty(): Promise<boolean>;
  /**
   * `durable: false` when the snapshot is only read back (to compress or encrypt it) and then
   * deleted: a provider may skip syncing it. Default true: the plain format keeps this very file.
   */
  snapshot(plainPath: string, options?: SnapshotOptions): Promise<Snapshot>;
  check(plainPath: string, level?: CheckLevel): Promise<string[]>;
  restoreInto(plainPath: string): Promise<void>;
  restoreTo(plainPath: string, to: string): Promise<void>;
}

/** How deep a check goes: `full` (the default) reads every page; `structure` only the parts that must open. */
export type CheckLevel = 'full' | 'structure';

export interface SnapshotOptions {
  durable?: boolean;
  /**
   * For a caller that encodes the snapshot while it is written (compression, encryption): told,
   * in order, how many bytes of `plainPath` are written so far, so that it may read that far.
   * A provider that cannot say so never calls it; one that does returns `streamed` when the file
   * was left as reported, and may skip hashing it (the caller hashes what it reads).
   */
  onCopied?: (bytes: number) => void;
}

export interface Snapshot {
  schemaVersion: string | null;
  /** The written file's size and sha256, when the provider hashed it while writing it. */
  hashed?: { size: number; sha256: string };
  /**
   * The file is exactly the `size` bytes reported through `onCopied`, unchanged since. Absent
   * when nothing was reported, or when the file changed after (a -wal folded into it): then
   * whatever was read as it grew is stale, and the caller reads the finished file again.
   */
  streamed?: { size: number };
}
