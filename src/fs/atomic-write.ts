/**
 * Replace a file so that a crash at any moment leaves the old bytes or the new bytes, never a
 * mix: write a temp file beside it, fsync it, rename it over the target (atomic on POSIX and
 * NTFS), then fsync the directory so the rename itself survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './process-alive.js';

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

async function existingMode(path: string, fallback: number): Promise<number> {
  try {
    return (await stat(path)).mode & 0o777;
  } catch {
    return fallback;
  }
}

export async function fsyncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; there the rename is already durable enough.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** New files get `mode` (default 0600: app state is private); replaced files keep theirs. */
export async function writeFileAtomic(path: string, contents: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const temp = tempPathFor(path);
  const mode = await existingMode(path, options.mode ?? 0o600);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dirname(path));
}

/** Copies `from` to `to` with the same guarantee: `to` is absent, or complete. */
export async function copyFileAtomic(from: string, to: string, options: { mode?: number } = {}): Promise<void> {
  const temp = tempPathFor(to);
  try {
    await copyFile(from, temp);
    const handle = await open(temp, 'r+');
    try {
      // A replaced file keeps its mode; a new one takes the source's.
      await handle.chmod(options.mode ?? (await existingMode(to, await existingMode(from, 0o600))));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, to);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dirname(to));
}

/**
 * Removes temp files that a killed writer left beside `path` (its pid is gone). The target
 * itself was never touched by them; this only reclaims their space.
 */
export async function removeOrphanedTemps(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(/\.(\d+)-[0-9a-f]{8}\.tmp$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || isProcessAlive(pid)) continue;
    await unlink(join(dirname(path), name)).catch(() => undefined);
  }
}
