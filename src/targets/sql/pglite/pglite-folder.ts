/**
 * Who has a PGlite data folder open, and the lock that makes it one process at a time.
 *
 * PGlite is PostgreSQL in single-user mode inside the process that opens it: there is no server
 * to arbitrate between processes. Two processes with one folder open corrupt it, even when one
 * only reads: opening runs crash recovery and writes, and each keeps pages in memory the other
 * never sees. So the lock is held for the whole time a folder is open, not only while a
 * migration runs, and the migration lock is that same hold. It is an exclusive transaction on
 * a sidecar SQLite file `<dir>.strata-lock` (sqlite-lock.ts): the kernel releases it the moment
 * its holder dies, so a crashed process never leaves the folder locked. It lives beside the
 * folder, not in it, because a restore replaces the folder. Two SQLite connections exclude
 * each other within one process too, so two owners in one process wait for each other like two
 * processes. It cannot exclude a program that opens the folder with PGlite directly.
 *
 * Inside one process, one owner (a driver) opens the folder; the backup provider borrows the
 * owner's instance through `openedPgliteFolder` (a second instance would be a second PostgreSQL
 * on the same files, and waiting for the owner's lock would wait for itself).
 */
import { resolve } from 'node:path';
import type { Release } from '../../../engine/target.js';
import { ErrorCode, StrataError, messageOf } from '../../../model/errors.js';
import { acquireFileLock } from '../sqlite/sqlite-lock.js';
import { settleFolderSwap, swapInFolder } from './folder-swap.js';
import { createPglite, type PGlite } from './load-pglite.js';

/** How to wait for another holder of the folder: the migration lock's timeout and `lock:waiting`. */
export interface FolderWait {
  timeoutMs: number;
  onWaiting: () => void;
}

const opened = new Map<string, OpenPgliteFolder>();

/** Takes the folder's lock and finishes a swap a crash interrupted, without opening PGlite. */
export async function holdPgliteFolder(dir: string, wait: FolderWait): Promise<Release> {
  const release = await acquireFileLock(dir, wait.timeoutMs, wait.onWaiting);
  try {
    await settleFolderSwap(dir);
  } catch (error) {
    await release();
    throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot finish the interrupted restore of ${dir}: ${messageOf(error)}`, {
      hint: `check the permissions of ${dir} and the folders beside it named ${dir}.strata-*`,
      cause: error,
    });
  }
  return release;
}

/** Opens `dir` (creating a database there if it has none) as its one owner in this process. */
export async function openPgliteFolder(dir: string, wait: FolderWait): Promise<OpenPgliteFolder> {
  const path = resolve(dir);
  const release = await holdPgliteFolder(path, wait);
  try {
    const folder = new OpenPgliteFolder(path, await openInstance(path), release);
    opened.set(path, folder);
    return folder;
  } catch (error) {
    await release();
    throw error;
  }
}

/** The instance this process has open on `dir`, if any: for borrowers, never owners. */
export function openedPgliteFolder(dir: string): OpenPgliteFolder | undefined {
  const folder = opened.get(resolve(dir));
  return folder?.closed === false ? folder : undefined;
}

export class OpenPgliteFolder {
  private instance: PGlite | undefined;
  private readonly uses = new Set<Promise<unknown>>();

  constructor(
    readonly dir: string,
    instance: PGlite,
    private readonly release: Release,
  ) {
    this.instance = instance;
  }

  get closed(): boolean {
    return this.instance === undefined;
  }

  /** The current instance: a restore replaces it, so callers read it each time. */
  get pg(): PGlite {
    if (!this.instance) throw new StrataError(ErrorCode.DB_OPEN_FAILED, `pglite:${this.dir} is not open`);
    return this.instance;
  }

  /** Runs `fn` as a borrower: close() waits for it. */
  async use<T>(fn: (folder: OpenPgliteFolder) => Promise<T>): Promise<T> {
    const running = fn(this);
    this.uses.add(running);
    try {
      return await running;
    } finally {
      this.uses.delete(running);
    }
  }

  /** Closes the instance, swaps `staged` in as the folder and opens it again; the lock stays held throughout. */
  async replace(staged: string): Promise<void> {
    await this.instance?.close();
    this.instance = undefined;
    await swapInFolder(this.dir, staged);
    this.instance = await openInstance(this.dir);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.uses]);
    const instance = this.instance;
    this.instance = undefined;
    if (opened.get(this.dir) === this) opened.delete(this.dir);
    try {
      await instance?.close();
    } finally {
      await this.release();
    }
  }
}

async function openInstance(dir: string): Promise<PGlite> {
  try {
    return await createPglite(dir);
  } catch (error) {
    if (error instanceof StrataError) throw error;
    throw new StrataError(ErrorCode.DB_OPEN_FAILED, `cannot open the PGlite folder ${dir}: ${messageOf(error)}`, {
      hint: 'check that the folder is a PGlite data folder (made by the same PGlite major version) and that this user may write it',
      cause: error,
    });
  }
}
