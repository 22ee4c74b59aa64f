/**
 * Replaces a data folder by another one so that a crash at any moment leaves the old folder or
 * the new one, never a mix. POSIX renames one directory atomically but cannot exchange two, so
 * the swap is two renames, and the moment between them is recoverable by its names alone:
 *
 *   1. the new folder is built and synced at `<dir>.strata-restore`;
 *   2. `<dir>` is renamed to `<dir>.strata-replaced` (only ever once step 1 is complete);
 *   3. `<dir>.strata-restore` is renamed to `<dir>`;
 *   4. `<dir>.strata-replaced` is removed.
 *
 * `settleFolderSwap` (run under the folder's lock before anything opens it) finishes what a
 * crash interrupted: a `.strata-replaced` folder proves the staged one was complete, so the swap
 * goes forward; a staged folder without it may be partial, so it is removed.
 */
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDirectory } from '../../../fs/atomic-write.js';

export function stagedFolderOf(dir: string): string {
  return `${dir}.strata-restore`;
}

function replacedFolderOf(dir: string): string {
  return `${dir}.strata-replaced`;
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** True when a crash left a swap of `dir` half done (`dir` itself may then be missing). */
export async function swapPending(dir: string): Promise<boolean> {
  return (await exists(replacedFolderOf(dir))) || (await exists(stagedFolderOf(dir)));
}

/** Puts `dir` back in one piece after a crash mid-swap. The caller holds the folder's lock. */
export async function settleFolderSwap(dir: string): Promise<void> {
  const staged = stagedFolderOf(dir);
  const replaced = replacedFolderOf(dir);
  if (await exists(replaced)) {
    if (!(await exists(dir))) {
      // Between steps 2 and 3: the staged folder is complete; without it (removed by hand), the old one returns.
      await rename((await exists(staged)) ? staged : replaced, dir);
      await fsyncDirectory(dirname(dir));
    }
    await rm(replaced, { recursive: true, force: true });
  }
  await rm(staged, { recursive: true, force: true });
}

/** Steps 2 to 4: `staged` (complete, see syncFolder) becomes `dir`. The caller holds the folder's lock and has it closed. */
export async function swapInFolder(dir: string, staged: string): Promise<void> {
  const replaced = replacedFolderOf(dir);
  const hadOld = await exists(dir);
  if (hadOld) await rename(dir, replaced);
  await rename(staged, dir);
  await fsyncDirectory(dirname(dir));
  if (hadOld) await rm(replaced, { recursive: true, force: true });
}

/** fsyncs every file and folder under `dir`, so a rename that publishes it cannot outlive its contents in a power cut. */
export async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await syncFolder(path);
    else if (entry.isFile()) {
      const handle = await open(path, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }
  await fsyncDirectory(dir);
}
