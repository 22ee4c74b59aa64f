/**
 * Backups of one store (a SQLite database, a JSON file): create, list, verify, restore, delete,
 * prune. Every file is written to a temp name, synced and then put in place without clobbering;
 * a backup exists once its manifest does, so a crash leaves nothing that lists as valid.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { chmod, link, mkdir, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { EventChannel } from '../engine/events.js';
import { redactUrl } from '../targets/sql/server-url.js';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { commandLine } from '../model/next-command.js';
import { decodeBackup, encodeBackup, isEncryptedWith, type StoredFacts } from './backup-codec.js';
import { DEFAULT_KEY_ENV, resolveKey, type BackupKey, type KeySource } from './backup-key.js';
import {
  BACKUP_LIST,
  CHECKED_SUFFIX,
  checkedPath,
  checkBackupId,
  isBackupId,
  latestCheck,
  writeCheckRecord,
  type CheckRecord,
  fileStamp,
  manifestMismatch,
  manifestPath,
  MANIFEST_SUFFIX,
  readManifests,
  writeManifest,
  type BackupEntry,
} from './backup-manifest.js';
import { backupsToPrune, expired, type RetentionPolicy } from './retention.js';
import type { BackupProvider, CheckLevel, Snapshot } from './providers/backup-provider.js';
import { hashFile } from './worker-task.js';
import { GrowingFileReader } from './growing-file.js';
import { COMPRESS_BLOCK_BYTES } from './parallel-compress.js';
import { checkCodecAvailable, codecSuffix, type CompressionCodec } from './compression.js';
import { manifestMacMatches, signManifest } from './manifest-mac.js';
import { isProcessAlive } from '../fs/process-alive.js';
import { ioFailure } from '../fs/io-failure.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../model/lock-timeout.js';

export interface BackupManagerOptions {
  provider: BackupProvider;
  /** Default: `backups/` beside the source. */
  dir?: string;
  retention?: RetentionPolicy;
  /** Compression level 1-9 for new backups; false or 0 for none (default none: fastest, see bench). */
  compression?: number | false;
  /** The compressor for new compressed backups: gzip (default), or zstd where Node has it (22.15 / 23.8 on). */
  codec?: CompressionCodec;
  /** Encrypt new backups (AES-256-GCM) with `key` (default: $STRATA_BACKUP_KEY). */
  encrypt?: boolean;
  /** Where the key comes from, for new encrypted backups and for reading encrypted ones. */
  key?: KeySource;
  /**
   * How deep a new backup's snapshot is checked before it counts as verified: `structure`
   * (default) checks that it opens (SQLite: header, page count against size, schema) and the
   * sha256 of what was stored; `full` also reads every page (SQLite: integrity_check, ~4 s per GB
   * here). `verify` and every restore always run the full check.
   */
  check?: CheckLevel;
  /**
   * The store's migration lock (the one `migrate` takes). With it, a restore in place, delete
   * and prune wait for a running migration (or fail with LOCK_TIMEOUT) instead of changing the
   * store, or removing the backup it just took, under it. Absent for the engine's own manager:
   * its backups and automatic restores run under the lock the run already holds.
   */
  lock?: BackupLock;
  /** How long to wait for that lock (default 60000 ms, as migrate). */
  lockTimeoutMs?: number;
  events?: EventChannel;
  now?: () => Date;
}

/** Takes a store's migration lock; resolves to its release. */
export type BackupLock = (timeoutMs: number, onWaiting: () => void) => Promise<() => Promise<void>>;

export interface CreateBackupOptions {
  description?: string;
  /** Recorded in the manifest when the caller knows it better than the provider. */
  schemaVersion?: string | null;
}

export interface BackupListing {
  /** `checked`: the last check each passed or failed, and when (a later verify's, or the one at creation). */
  backups: (BackupEntry & { missing: boolean; checked: CheckRecord })[];
  /** Manifest files that could not be read (listed, never trusted). */
  unreadable: string[];
}

export interface CreateOutcome {
  backup: BackupEntry;
  pruned: BackupEntry[];
  /** What went wrong after the backup was safely written (retention that could not judge, so pruned nothing). */
  warnings: string[];
}

export interface RestoreOutcome {
  restored: BackupEntry;
  /** The backup taken of what the restore replaced (null when restoring to a new path). */
  safety: BackupEntry | null;
  target: string;
}

/** Orphans (data without manifest) younger than this may belong to a backup in progress. */
const ORPHAN_AGE_MS = 60 * 60 * 1000;
const PROGRESS_EVERY_BYTES = 16 * 1024 * 1024;

export class BackupManager {
  readonly dir: string;
  readonly events: EventChannel;
  readonly provider: BackupProvider;
  private readonly options: BackupManagerOptions;

  constructor(options: BackupManagerOptions) {
    this.options = options;
    this.provider = options.provider;
    this.dir = resolve(options.dir ?? options.provider.defaultDir);
    this.events = options.events ?? new EventChannel();
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  async create(options: CreateBackupOptions = {}): Promise<CreateOutcome> {
    return this.createBackup(options, true);
  }

  /** `prune: false` for the backup a restore takes first: pruning then could remove the very backup being restored. */
  private async createBackup(options: CreateBackupOptions, prune: boolean): Promise<CreateOutcome> {
    try {
      return await this.write(options, prune);
    } catch (error) {
      const io = await ioFailure(error, { doing: `backing up ${this.provider.source} into ${this.dir}`, path: this.dir, outcome: 'nothing was changed' });
      if (io) throw io;
      // A backups folder that is a file, or cannot be written: a coded error, not a crash.
      if (error instanceof StrataError) throw error;
      throw new StrataError(ErrorCode.BACKUP_FAILED, `backing up ${this.provider.source} into ${this.dir} failed: ${messageOf(error)}`, {
        hint: `nothing was changed; the backups folder must be a folder Strata can write to (set another with --backup-dir or backup.dir)`,
        cause: error,
      });
    }
  }

  private async write(options: CreateBackupOptions, prune: boolean): Promise<CreateOutcome> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.removeOrphans();
    const level = this.options.compression || null;
    const codec = this.options.codec ?? 'gzip';
    if (level) checkCodecAvailable(codec);
    const key = this.options.encrypt ? this.writeKey() : null;
    const createdAt = this.now();
    const suffix = `.bak${level ? codecSuffix(codec) : ''}${key ? '.enc' : ''}`;
    const plain = this.tempPath('snapshot');
    const temps = [plain];
    // Set from a callback of the provider's: typed so that the compiler does not take it for null.
    let early = null as { reader: GrowingFileReader; encoding: Promise<StoredFacts> } | null;
    const dropEarly = async () => {
      if (!early) return;
      early.reader.destroy();
      // The encoder removes its partial output when it fails.
      await early.encoding.catch(() => undefined);
    };
    try {
      const progressId = `${this.provider.name}.${fileStamp(createdAt)}`;
      this.progress(progressId, 'snapshot', 0, 0);
      const encoded = level !== null || key !== null;
      // Unknown (0) until the snapshot is done, for an encoding that runs while it is copied.
      let plainTotal = 0;
      let stored = plain;
      // While the snapshot is copied, one block compresses at a time: the copy process keeps a
      // core, so the read transaction it runs under (which holds writers off in rollback-journal
      // mode) lasts no longer than the copy needs.
      let copying = false;
      const cores = Math.max(1, availableParallelism());
      const encode = (from: string | GrowingFileReader) =>
        encodeBackup(from, stored, {
          compression: level ? { codec, level } : null,
          key,
          onBytes: this.throttled(progressId, 'write', () => plainTotal),
          parallel: () => (copying ? 0 : cores),
        });
      if (encoded) {
        stored = this.tempPath('stored');
        temps.push(stored);
      }
      // An encoded backup is encoded as the snapshot is written, from the provider's first report
      // of how far it got (SQLite's file copy), on the cores the copy leaves idle; the copy still
      // happens under the provider's read transaction, and the hashes are of the bytes encoded.
      const onCopied = (bytes: number) => {
        if (!early) {
          // Compressed: blocks of the compressor's size, which it takes without a copy.
          const reader = new GrowingFileReader(plain, level ? COMPRESS_BLOCK_BYTES : undefined);
          // Its errors reach the encoding's pipeline, which may not be attached yet (a key to derive first).
          reader.on('error', () => undefined);
          const encoding = encode(reader);
          // It may fail (no space) while the snapshot still runs: awaited below, never unhandled.
          encoding.catch(() => undefined);
          early = { reader, encoding };
        }
        early.reader.grow(bytes);
      };
      let snapshot: Snapshot;
      try {
        copying = true;
        // Encoded backups only read the snapshot back, then delete it: syncing it would be wasted I/O.
        snapshot = await this.provider.snapshot(plain, { durable: !encoded, ...(encoded ? { onCopied } : {}) });
      } catch (error) {
        throw error instanceof StrataError
          ? error
          : new StrataError(ErrorCode.BACKUP_FAILED, `backing up ${this.provider.source} failed: ${messageOf(error)}`, {
              cause: error,
              hint: 'nothing was changed',
            });
      } finally {
        copying = false;
      }
      // The snapshot is created by SQLite (0644 & ~umask) or copied with the source's mode; the
      // plain format links this very file into place, so it must be private before that.
      await chmod(plain, 0o600);
      const plainSize = (await stat(plain)).size;
      plainTotal = plainSize;
      this.progress(progressId, 'snapshot', plainSize, plainSize);
      // The check and the hashing/encoding run side by side, on both cores (a small file is hashed
      // on this thread: starting a worker would cost more than its hash, see hashFile).
      let facts: StoredFacts;
      const checkLevel = this.options.check ?? 'structure';
      const checking = this.provider.check(plain, checkLevel);
      // It may fail (no space for its -shm) while the encoding still runs: awaited below, never unhandled.
      checking.catch(() => undefined);
      if (!encoded) {
        const hashed = snapshot.hashed ?? (await hashFile(plain, plainSize));
        facts = { size: hashed.size, sha256: hashed.sha256, plainSize: hashed.size, plainSha256: hashed.sha256 };
      } else if (early !== null && snapshot.streamed?.size === plainSize) {
        early.reader.finish(plainSize);
        facts = await early.encoding;
      } else {
        // Not streamed (a small database through the backup API), or changed after it was read
        // (a -wal folded into it): the finished file is encoded from the start.
        await dropEarly();
        facts = await encode(plain);
      }
      const problems = await checking;
      const placed = await this.place(stored, createdAt, suffix);
      const unsigned: BackupEntry = {
        id: placed.id,
        file: placed.file,
        source: this.provider.source,
        kind: this.provider.kind,
        createdAt: createdAt.toISOString(),
        description: options.description ?? '',
        schemaVersion: options.schemaVersion !== undefined ? options.schemaVersion : snapshot.schemaVersion,
        ...facts,
        compression: level ? codec : null,
        compressionLevel: level,
        encryption: key ? 'aes-256-gcm' : null,
        kdf: key ? key.kdf : null,
        verified: problems.length === 0,
        check: checkLevel,
      };
      // With a key at hand (even for a plain backup), the manifest is authenticated.
      const macKey = key ?? this.readKey();
      const entry = macKey ? await signManifest(unsigned, macKey) : unsigned;
      await writeManifest(this.dir, entry);
      this.events.emit('backup', { target: this.provider.source, id: entry.id, location: join(this.dir, entry.file) });
      if (problems.length) {
        throw new StrataError(
          ErrorCode.BACKUP_FAILED,
          `${this.provider.source} fails its ${checkLevel === 'full' ? 'full' : 'structure'} check (${problems.slice(0, 3).join('; ')}); the copy was kept as backup ${entry.id}, marked unverified`,
          {
            hint: 'the database itself is damaged: nothing was migrated; repair it or restore an earlier backup',
            details: { id: entry.id, problems },
          },
        );
      }
      if (!prune) return { backup: entry, pruned: [], warnings: [] };
      const warnings: string[] = [];
      // A structure check does not read the tables: before this backup may count as the good
      // one that lets older backups go, its snapshot (still here) gets the full check.
      const fullCheck = async () => {
        if (checkLevel === 'full') return true;
        const found = await this.provider.check(plain, 'full');
        await this.record(entry.id, found);
        if (found.length)
          warnings.push(
            `backup ${entry.id} passes the structure check but fails the full check (${found.slice(0, 3).join('; ')}): ${this.provider.source} itself may be damaged; it does not count as a good backup, so no older backup was pruned in its favour`,
          );
        return found.length === 0;
      };
      try {
        // A running migration holds the lock: this backup is written, pruning waits for another day.
        const pruned = await this.locked('prune old backups', 'nothing was pruned', () => this.pruneKeeping({ id: entry.id, fullCheck }), 0);
        return { backup: entry, pruned, warnings };
      } catch (error) {
        // The backup is written and sound; only retention could not judge, so it deleted nothing.
        if (!(error instanceof StrataError)) throw error;
        return { backup: entry, pruned: [], warnings: [...warnings, `${error.message}${error.hint ? ` (${error.hint})` : ''}`] };
      }
    } finally {
      // Whatever failed, an encoding still waiting for the snapshot is ended before its files go.
      await dropEarly();
      for (const temp of temps) await rm(temp, { force: true });
    }
  }

  async list(): Promise<BackupListing> {
    // Ids are `<provider name>.<time>` (place()): manifests under another name are not read.
    const { entries, unreadable } = await readManifests(this.dir, `${this.provider.name}.`).catch((error: unknown) => {
      throw new StrataError(ErrorCode.BACKUP_NOT_FOUND, `the backups folder ${this.dir} cannot be read: ${messageOf(error)}`, {
        hint: 'it must be a folder (set another with --backup-dir or backup.dir)',
        cause: error,
      });
    });
    const mine = entries.filter((entry) => entry.source === this.provider.source);
    const backups = await Promise.all(
      mine.map(async (entry) => ({
        ...entry,
        missing: !(await stat(join(this.dir, entry.file)).catch(() => null)),
        checked: await latestCheck(this.dir, entry),
      })),
    );
    return { backups, unreadable };
  }

  /**
   * Reads the backup back and checks every layer; throws a coded error on the first problem:
   * BACKUP_CORRUPT when the backup is bad, DISK_FULL / IO_ERROR / PERMISSION_DENIED when the
   * check could not run (which says nothing about the backup).
   */
  async verify(id: string): Promise<BackupEntry> {
    return this.verifyOrExplain(id, 'the backup itself was not judged (it may well be good)');
  }

  private async verifyOrExplain(id: string, outcome: string): Promise<BackupEntry> {
    // A bad id is refused before any file is touched.
    checkBackupId(id);
    try {
      await this.removeOrphans();
      return await this.verifyChecked(id);
    } catch (error) {
      const io = await ioFailure(error, { doing: `verifying backup ${id}`, path: this.dir, outcome });
      throw io ?? error;
    }
  }

  /** Verifies, and records the outcome (ok, or the problem) beside the manifest for `backup list`. */
  private async verifyChecked(id: string): Promise<BackupEntry> {
    const entry = await this.entry(id);
    try {
      await this.verifyEntry(entry);
    } catch (error) {
      if (error instanceof StrataError && error.code === ErrorCode.BACKUP_CORRUPT) await this.record(entry.id, [error.message]);
      throw error;
    }
    await this.record(entry.id, []);
    return entry;
  }

  /** Best effort: a backups folder that is full or read-only still verifies, it only keeps no record. */
  private async record(id: string, problems: string[]): Promise<void> {
    const record: CheckRecord = {
      level: 'full',
      ok: problems.length === 0,
      at: this.now().toISOString(),
      ...(problems.length ? { problem: problems[0] } : {}),
    };
    await writeCheckRecord(this.dir, id, record).catch(() => undefined);
  }

  private async verifyEntry(entry: BackupEntry): Promise<BackupEntry> {
    await this.authenticate(entry);
    const plain = this.tempPath('verify');
    try {
      if (isPlain(entry)) {
        // The stored file is the snapshot: hash it and check it where it is, side by side.
        const { path: stored, size } = await this.storedFile(entry);
        this.progress(entry.id, 'verify', 0, entry.plainSize);
        if (size !== entry.size)
          throw corruptBytes(
            entry,
            `${stored} is ${size} bytes but its manifest says ${entry.size}: the file was ${size < entry.size ? 'truncated' : 'extended'}`,
          );
        const [hashed, problems] = await Promise.all([hashFile(stored, size), this.checkInPlace(stored, plain)]);
        // Both hashes: a manifest edited to the sha256 of changed bytes still names the snapshot's.
        if (hashed.sha256 !== entry.sha256 || hashed.sha256 !== entry.plainSha256 || hashed.size !== entry.plainSize) {
          throw corruptBytes(entry, `${stored} does not match the sha256 in its manifest: its bytes were changed`);
        }
        this.progress(entry.id, 'verify', entry.plainSize, entry.plainSize);
        if (problems.length) throw corruptContent(entry, problems);
        return entry;
      }
      const problems = await this.decodeAndCheck(entry, plain, 'verify');
      if (problems.length) throw corruptContent(entry, problems);
      return entry;
    } finally {
      await rm(plain, { force: true });
    }
  }

  /**
   * Restores a backup into the source (after backing up what it replaces) or to a new path.
   * The backup is decoded and checked in full before anything is replaced.
   */
  async restore(id: string, options: { to?: string; automatic?: boolean } = {}): Promise<RestoreOutcome> {
    try {
      return await this.restoreChecked(id, options);
    } catch (error) {
      const into = options.to === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(options.to) ? this.dir : dirname(resolve(options.to));
      const io = await ioFailure(error, {
        doing: `restoring backup ${id}`,
        path: into,
        outcome: 'nothing was replaced, and the backup itself was not judged (it may well be good)',
      });
      if (io) throw io;
      // E.g. --to in a folder that does not exist: a coded error, not a crash.
      if (error instanceof StrataError) throw error;
      throw new StrataError(
        ErrorCode.RESTORE_FAILED,
        `restoring backup ${id}${options.to === undefined ? '' : ` to ${/^[a-z][a-z0-9+.-]*:\/\//i.test(options.to) ? redactUrl(options.to) : resolve(options.to)}`} failed: ${messageOf(error)}`,
        {
          hint: 'nothing was replaced; with --to, the folder must exist and be writable',
          cause: error,
        },
      );
    }
  }

  private async restoreChecked(id: string, options: { to?: string; automatic?: boolean }): Promise<RestoreOutcome> {
    const entry = await this.entry(id);
    // A server URL (--to postgres://.../other) is the provider's to check; a path must be new.
    const toUrl = options.to !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(options.to);
    const to = options.to === undefined ? undefined : toUrl ? options.to : resolve(options.to);
    await this.removeOrphans();
    if (to && !toUrl) await this.removeDeadRestores(dirname(to));
    if (to && !toUrl && (await stat(to).catch(() => null))) {
      throw new StrataError(ErrorCode.FILE_EXISTS, `${to} already exists`, { hint: 'restore to a new path, or restore in place without --to' });
    }
    await this.authenticate(entry);
    const plain = to && !toUrl ? join(dirname(to), `.${entry.id}.${process.pid}-${randomBytes(4).toString('hex')}.restore`) : this.tempPath('restore');
    try {
      const problems = await this.decodeAndCheck(entry, plain, 'restore');
      if (problems.length) throw corruptContent(entry, problems);
      let safety: BackupEntry | null = null;
      if (to) await this.provider.restoreTo(plain, to);
      else if (options.automatic) {
        // The run that failed holds the lock and called this.
        await this.provider.restoreInto(plain);
      } else {
        // Under the migration lock: a migration half-way through a step must not have its
        // changes wiped under it while its ledger says the step applied.
        await this.locked(`restore backup ${entry.id}`, 'nothing was restored', async () => {
          safety = await this.safetyBackup(entry);
          await this.provider.restoreInto(plain);
        });
      }
      const shownTarget = to === undefined ? this.provider.source : toUrl ? redactUrl(to) : to;
      this.events.emit('restore', { target: shownTarget, id: entry.id, automatic: options.automatic === true });
      return { restored: entry, safety, target: shownTarget };
    } finally {
      await rm(plain, { force: true });
    }
  }

  /** Under the migration lock: a running migration may need the backup it just took. */
  async delete(id: string): Promise<BackupEntry> {
    const entry = await this.entry(id);
    await this.removeOrphans();
    await this.locked(`delete backup ${entry.id}`, 'nothing was deleted', () => this.remove(entry));
    return entry;
  }

  /** Applies the retention policy to this source's backups (never the newest verified one), under the migration lock. */
  async prune(): Promise<BackupEntry[]> {
    return this.locked('prune backups', 'nothing was pruned', () => this.pruneKeeping(null));
  }

  /** Runs `work` holding the store's migration lock (when the manager was given one). */
  private async locked<T>(what: string, outcome: string, work: () => Promise<T>, timeoutMs?: number): Promise<T> {
    if (!this.options.lock) return work();
    let release: () => Promise<void>;
    try {
      release = await this.options.lock(timeoutMs ?? this.options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, () =>
        this.events.emit('lock:waiting', { target: this.provider.source }),
      );
    } catch (error) {
      if (error instanceof StrataError && error.code === ErrorCode.LOCK_TIMEOUT) {
        throw new StrataError(ErrorCode.LOCK_TIMEOUT, `cannot ${what} while a migration runs: ${error.message}`, {
          hint: `${outcome}; ${error.hint ?? 'run it again when the migration is done'}`,
          cause: error,
          details: { ...error.details },
        });
      }
      throw error;
    }
    try {
      return await work();
    } finally {
      await release();
    }
  }

  /**
   * `verified` in a manifest says the snapshot was sound when it was made; the last good backup
   * is the newest one that still verifies now (its file may since have gone, been truncated or
   * changed). `knownGood` is one just made and checked, which need not be read back again.
   * A verification that could not run (no space, an I/O error, no permission, no key) judges
   * nothing: then nothing is deleted, and the error says why.
   */
  private async pruneKeeping(fresh: { id: string; fullCheck: () => Promise<boolean> } | null): Promise<BackupEntry[]> {
    const { backups } = await this.list();
    const policy = this.options.retention ?? {};
    let lastGood: BackupEntry | null = null;
    // Nothing the policy would remove: nothing to judge, and no backup is read back for it.
    if (expired(backups, policy, this.now()).length > 0) {
      for (const entry of [...backups].reverse()) {
        if (!entry.verified || entry.missing) continue;
        // A failed full check stays failed: the bytes it judged were those the manifest vouches for.
        if (entry.checked.level === 'full' && !entry.checked.ok) continue;
        try {
          if (entry.id === fresh?.id) {
            if (!(await fresh.fullCheck())) continue;
            lastGood = entry;
            break;
          }
          await this.verifyOrExplain(entry.id, 'nothing was pruned: retention deletes nothing it could not judge');
          lastGood = entry;
          break;
        } catch (error) {
          if (error instanceof StrataError && error.code === ErrorCode.BACKUP_CORRUPT) continue;
          throw cannotJudge(entry, error);
        }
      }
    }
    const doomed = backupsToPrune(backups, policy, this.now(), lastGood);
    for (const entry of doomed) await this.remove(entry);
    await this.removeOrphans();
    return doomed;
  }

  // ---- internals -----------------------------------------------------------------------

  private async entry(id: string): Promise<BackupEntry> {
    checkBackupId(id);
    let entry: BackupEntry;
    try {
      entry = JSON.parse(await readFile(manifestPath(this.dir, id), 'utf8')) as BackupEntry;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StrataError(ErrorCode.BACKUP_NOT_FOUND, `there is no backup ${id} in ${this.dir}`, {
          hint: `'${commandLine(BACKUP_LIST)}' shows the backups`,
          next: [BACKUP_LIST],
        });
      }
      throw new StrataError(ErrorCode.BACKUP_CORRUPT, `the manifest of backup ${id} cannot be read: ${messageOf(error)}`, { hint: 'use another backup' });
    }
    const mismatch = manifestMismatch(entry, id);
    if (mismatch)
      throw new StrataError(ErrorCode.BACKUP_CORRUPT, `backup ${id} cannot be trusted: ${mismatch}`, {
        hint: 'manifests were moved or edited; use another backup',
        details: { id },
      });
    if (entry.source !== this.provider.source) {
      throw new StrataError(ErrorCode.BACKUP_NOT_FOUND, `backup ${id} is of ${entry.source}, not ${this.provider.source}`, {
        hint: 'restore it with --db pointing at that source, or with --to PATH',
      });
    }
    return entry;
  }

  private async storedFile(entry: BackupEntry): Promise<{ path: string; size: number }> {
    const path = join(this.dir, entry.file);
    const info = await stat(path).catch(() => null);
    if (!info) throw corruptBytes(entry, `the data file of backup ${entry.id} (${entry.file}) is missing`);
    return { path, size: info.size };
  }

  /**
   * Decodes the backup to `plain` and runs the full check. A plain backup is checked where it is
   * stored while it is copied (the copy is then proven equal to it by its sha256): both cores.
   */
  private async decodeAndCheck(entry: BackupEntry, plain: string, phase: 'verify' | 'restore'): Promise<string[]> {
    const { path: stored } = await this.storedFile(entry);
    // A restore of bytes that passed the full check when they were made (the manifest says so,
    // under its MAC when there is a key) and still match its sha256 would only run it again.
    if (phase === 'restore' && fullyCheckedAtCreation(entry)) {
      const key = entry.encryption ? this.readKey() : null;
      await decodeBackup(stored, plain, { ...entry, id: entry.id }, key, this.throttled(entry.id, phase, entry.plainSize), true);
      return [];
    }
    const checking = isPlain(entry) ? this.checkInPlace(stored, this.tempPath('check')) : null;
    // It may fail (a read-only folder) while the decoding still runs: awaited below, never unhandled.
    checking?.catch(() => undefined);
    try {
      const key = entry.encryption ? this.readKey() : null;
      await decodeBackup(stored, plain, { ...entry, id: entry.id }, key, this.throttled(entry.id, phase, entry.plainSize), phase === 'restore');
    } catch (error) {
      await checking?.catch(() => undefined);
      throw error;
    }
    return checking ? await checking : await this.provider.check(plain, 'full');
  }

  /**
   * The full check of a stored plain backup without copying it: through a hard link under a
   * temp name, so that whatever files the check opens beside it (SQLite's -wal and -shm of a
   * read-only connection) are named after, and removed with, the temp name. Reading never
   * changes the stored bytes.
   */
  private async checkInPlace(stored: string, temp: string): Promise<string[]> {
    await link(stored, temp);
    try {
      return await this.provider.check(temp, 'full');
    } finally {
      await rm(temp, { force: true });
    }
  }

  private async safetyBackup(restoring: BackupEntry): Promise<BackupEntry | null> {
    // Nothing there (no file, no tables): nothing to keep. Works for files and servers alike.
    if (await this.provider.isEmpty()) return null;
    return (await this.createBackup({ description: `before restoring ${restoring.id}` }, false)).backup;
  }

  /** Puts the finished file in place under a fresh id without ever replacing another backup. */
  private async place(stored: string, createdAt: Date, suffix: string): Promise<{ id: string; file: string }> {
    const base = `${this.provider.name}.${fileStamp(createdAt)}`;
    for (let n = 1; n < 1000; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      if (await stat(manifestPath(this.dir, id)).catch(() => null)) continue;
      const file = `${id}${suffix}`;
      try {
        await link(stored, join(this.dir, file));
        return { id, file };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    throw new StrataError(ErrorCode.BACKUP_FAILED, `too many backups of ${this.provider.name} in one second`, { hint: 'retry in a second' });
  }

  private async remove(entry: BackupEntry): Promise<void> {
    // The manifest goes first: from then on the backup is no longer listed, whatever follows.
    await unlink(manifestPath(this.dir, entry.id)).catch(ignoreMissing);
    await unlink(join(this.dir, entry.file)).catch(ignoreMissing);
    await unlink(checkedPath(this.dir, entry.id)).catch(ignoreMissing);
  }

  /**
   * Temp files of dead processes (their names carry the pid that made them), and data files
   * whose manifest never came (an old crash). Every operation starts with it: a killed restore
   * of a large database leaves copies as large, which the next one must not add to.
   */
  private async removeOrphans(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const manifests = new Set(names.filter((n) => n.endsWith(MANIFEST_SUFFIX)).map((n) => n.slice(0, -MANIFEST_SUFFIX.length)));
    const prefix = `${this.provider.name}.`;
    // A data file is a hard link of its writer's temp file until the manifest is written: one
    // that shares its inode with a dead process's temp file was killed between the two.
    const deadWriters = new Set<number>();
    for (const name of names) {
      const path = join(this.dir, name);
      // SQLite writes the snapshot with a rollback journal (-journal) until it is complete; a
      // manifest is written through a `.<id>.manifest.json.<pid>-<hex>.tmp` file.
      const temp =
        /^\.strata-(\d+)-[0-9a-f]{8}\.(?:snapshot|stored|verify|check|restore)(?:-wal|-shm|-journal)?$/.exec(name) ??
        /^\..+\.(?:manifest|checked)\.json\.(\d+)-[0-9a-f]{8}\.tmp$/.exec(name);
      if (!temp || isProcessAlive(Number(temp[1]))) continue;
      const info = await stat(path).catch(() => null);
      if (info) deadWriters.add(info.ino);
      await rm(path, { force: true });
    }
    for (const name of names) {
      // Another provider's files (a fleet's tenants share one folder): not this one's to judge.
      if (!name.startsWith(prefix)) continue;
      const path = join(this.dir, name);
      // A check record whose backup was deleted while it was being written.
      if (name.endsWith(CHECKED_SUFFIX) && !manifests.has(name.slice(0, -CHECKED_SUFFIX.length))) {
        await rm(path, { force: true });
        continue;
      }
      const data = /^(.+)\.bak(\.gz|\.zst)?(\.enc)?$/.exec(name);
      if (!data || manifests.has(data[1]!)) continue;
      const info = await stat(path).catch(() => null);
      if (info && (deadWriters.has(info.ino) || this.now().getTime() - info.mtimeMs > ORPHAN_AGE_MS)) await rm(path, { force: true });
    }
  }

  /** What a killed `restore --to` left beside its target: `.<id>.<pid>-<hex>.restore` (and SQLite's files beside that). */
  private async removeDeadRestores(dir: string): Promise<void> {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const temp = /^\.(.+)\.(\d+)-[0-9a-f]{8}\.restore(?:-wal|-shm|-journal)?$/.exec(name);
      if (!temp || !isBackupId(temp[1]!) || !temp[1]!.startsWith(`${this.provider.name}.`) || isProcessAlive(Number(temp[2]))) continue;
      await rm(join(dir, name), { force: true });
    }
  }

  private tempPath(kind: string): string {
    return join(this.dir, `.strata-${process.pid}-${randomBytes(4).toString('hex')}.${kind}`);
  }

  /** A manifest made with a key must still carry that key's MAC: changed bytes with a rewritten sha256 are refused. */
  private async authenticate(entry: BackupEntry): Promise<void> {
    if (entry.mac === undefined) {
      this.refuseUnauthenticated(entry);
      return;
    }
    const key = this.readKey();
    if (!key) {
      throw new StrataError(ErrorCode.BACKUP_KEY_MISSING, `the manifest of backup ${entry.id} is authenticated with a key, and no key was given`, {
        hint: 'set STRATA_BACKUP_KEY (or pass --key-file / --passphrase-env) to the key that was set when the backup was made',
        details: { id: entry.id },
      });
    }
    if (entry.macKdf !== undefined && entry.macKdf !== key.kdf) {
      throw new StrataError(
        ErrorCode.BACKUP_KEY_INVALID,
        `backup ${entry.id} was made with a ${entry.macKdf === 'scrypt' ? 'passphrase' : 'raw key'}, but ${key.origin} is a ${key.kdf === 'scrypt' ? 'passphrase' : 'raw key'}`,
        { hint: entry.macKdf === 'scrypt' ? 'give the passphrase (--passphrase-env NAME)' : 'give the key (STRATA_BACKUP_KEY or --key-file)' },
      );
    }
    if (!(await manifestMacMatches(entry, key))) {
      // An encrypted backup's header tells a wrong key from a changed manifest.
      if (entry.encryption && (await isEncryptedWith(join(this.dir, entry.file), key)) === false) {
        throw new StrataError(ErrorCode.BACKUP_KEY_INVALID, `${key.origin} is not the key backup ${entry.id} was encrypted with`, {
          hint: 'use the key (or passphrase) that was set when the backup was made',
        });
      }
      throw new StrataError(
        ErrorCode.BACKUP_CORRUPT,
        `the manifest of backup ${entry.id} does not match its MAC: it was changed after the backup was made (or ${key.origin} is not the key it was made with)`,
        { hint: 'it was not restored; use another backup', next: [BACKUP_LIST], details: { id: entry.id } },
      );
    }
  }

  /**
   * With a key configured every manifest Strata writes carries a MAC: one without is one the key
   * cannot vouch for (its bytes and sha256 may both have been rewritten, or the MAC stripped), so
   * it is refused rather than trusted on its checksum. A backup made before a key was set is
   * restored by leaving the key out, a deliberate choice the hint spells out.
   */
  private refuseUnauthenticated(entry: BackupEntry): void {
    let key: BackupKey | null;
    try {
      key = this.readKey();
    } catch {
      // A key setting that names nothing usable (an unset variable): no key to judge with.
      key = null;
    }
    if (!key) return;
    throw new StrataError(
      ErrorCode.BACKUP_UNAUTHENTICATED,
      `the manifest of backup ${entry.id} has no MAC, and a backup key is configured (${key.origin}): nothing vouches that it was not changed`,
      {
        hint: `a backup made while a key was set always has one; if ${entry.id} was made before the key was set and you trust where it was kept, verify or restore it without the key (unset ${key.origin.startsWith('$') ? key.origin.slice(1) : 'the key setting'}, or leave out --key-file); otherwise use another backup`,
        next: [BACKUP_LIST],
        details: { id: entry.id },
      },
    );
  }

  private writeKey(): BackupKey {
    return resolveKey(this.options.key ?? { keyEnv: DEFAULT_KEY_ENV });
  }

  private readKey(): BackupKey | null {
    if (this.options.key) return resolveKey(this.options.key);
    return process.env[DEFAULT_KEY_ENV] ? resolveKey({ keyEnv: DEFAULT_KEY_ENV }) : null;
  }

  private progress(id: string, phase: 'snapshot' | 'write' | 'verify' | 'restore', bytes: number, totalBytes: number): void {
    this.events.emit('backup:progress', { id, phase, bytes, totalBytes });
  }

  /** `totalBytes` 0 (or a getter that returns 0) while the total is not known yet. */
  private throttled(id: string, phase: 'write' | 'verify' | 'restore', totalBytes: number | (() => number)): ((bytes: number) => void) | undefined {
    if (!this.events.has('backup:progress')) return undefined;
    const total = typeof totalBytes === 'number' ? () => totalBytes : totalBytes;
    let last = -PROGRESS_EVERY_BYTES;
    return (bytes) => {
      if (bytes - last < PROGRESS_EVERY_BYTES && (total() === 0 || bytes < total())) return;
      last = bytes;
      this.progress(id, phase, bytes, total());
    };
  }
}

/**
 * Whether the stored snapshot passed the full check when the backup was made. Manifests from
 * before the check level was recorded (no `check`) were all fully checked. A later check record
 * (`.checked.json`) is not enough: no MAC covers it.
 */
function fullyCheckedAtCreation(entry: BackupEntry): boolean {
  return entry.verified && (entry.check ?? 'full') === 'full';
}

function isPlain(entry: BackupEntry): boolean {
  return entry.compression === null && entry.encryption === null;
}

function corruptBytes(entry: BackupEntry, message: string): StrataError {
  return new StrataError(ErrorCode.BACKUP_CORRUPT, message, { hint: 'use another backup', details: { id: entry.id } });
}

function corruptContent(entry: BackupEntry, problems: string[]): StrataError {
  return new StrataError(ErrorCode.BACKUP_CORRUPT, `backup ${entry.id} decodes but fails its check: ${problems.slice(0, 3).join('; ')}`, {
    hint: 'it was not restored; use another backup',
    details: { id: entry.id, problems },
  });
}

/** A verification that could not run, as the reason retention deleted nothing. */
function cannotJudge(entry: BackupEntry, error: unknown): StrataError {
  if (!(error instanceof StrataError)) {
    return new StrataError(ErrorCode.BACKUP_FAILED, `cannot verify backup ${entry.id} before pruning: ${messageOf(error)}`, {
      hint: 'nothing was pruned: retention deletes nothing it could not judge',
      cause: error,
      details: { id: entry.id },
    });
  }
  if (/nothing was pruned/.test(error.hint ?? '')) return error;
  return new StrataError(error.code, `cannot verify backup ${entry.id} before pruning: ${error.message}`, {
    hint: `nothing was pruned: retention deletes nothing it could not judge${error.hint ? `; ${error.hint}` : ''}`,
    next: error.next,
    cause: error,
    details: { ...error.details, id: entry.id },
  });
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
