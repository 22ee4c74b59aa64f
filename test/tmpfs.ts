/**
 * A small real tmpfs for out-of-space tests: mounted in a fresh folder, unmounted when the test
 * file ends. Where mounting is not allowed (not root, a container without the capability) the
 * suite skips with one line saying why; under CI=true it fails instead (the CI machines can).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

const mounted: string[] = [];
after(() => {
  for (const dir of mounted.splice(0)) {
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // a test that failed half-way may hold it busy; the folder stays for a look
    }
  }
});

/** A fresh tmpfs of `megabytes`, or why there cannot be one (the suite's `skip` reason). */
export function mountTmpfs(megabytes: number): { dir: string } | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'strata-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    const why = `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim() || 'mount failed'})`;
    rmSync(dir, { recursive: true, force: true });
    if (process.env.CI === 'true') throw new Error(`CI needs a tmpfs for the out-of-space tests: ${why}`);
    return { skip: `${why}; run as root to test a full disk` };
  }
  mounted.push(dir);
  return { dir };
}

/** Fills the file system holding `dir` to the last byte; returns a function that frees it again. */
export function fillDisk(dir: string): () => void {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(1 << 16, 1);
  try {
    for (let chunk = block; chunk.length > 0; ) {
      try {
        writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        chunk = chunk.subarray(0, chunk.length >> 1);
      }
    }
  } finally {
    closeSync(fd);
  }
  return () => rmSync(path, { force: true });
}
