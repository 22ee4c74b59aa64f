/**
 * Runs a small CPU-bound task (hashing a file, an SQLite integrity check) on a worker thread so
 * that it uses the second core while the main thread streams (a small file is hashed in place:
 * a worker's start costs more than its hash). Eval workers keep the CLI a single
 * bundled file; modules they need are passed as resolved paths.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { COPY_LOOP_SOURCE } from './copy-loop.js';

const require = createRequire(import.meta.url);

function runWorker<T>(code: string, workerData: unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData });
    worker.once('message', (message: { ok: boolean; value?: T; error?: string; code?: string }) => {
      if (message.ok) resolve(message.value as T);
      // The code (ENOSPC, SQLITE_IOERR_SHMSIZE...) tells a machine failure from a damaged file.
      else reject(Object.assign(new Error(message.error), message.code ? { code: message.code } : {}));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with code ${code}`));
    });
  });
}

const HASH_FILE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const hash = createHash('sha256');
let bytes = 0;
createReadStream(workerData.path, { highWaterMark: 1 << 20 })
  .on('data', (chunk) => { hash.update(chunk); bytes += chunk.length; })
  .on('error', (error) => parentPort.postMessage({ ok: false, error: error.message, code: error.code }))
  .on('end', () => parentPort.postMessage({ ok: true, value: { sha256: hash.digest('hex'), size: bytes } }));
`;

/**
 * Up to this size a file is hashed on the calling thread: starting a worker thread costs ~22 ms
 * (its round trip, measured on the 2-core test machine), the sha256 of 8 MiB ~5 ms (2.4 ms per
 * 4 MiB). A fleet backs up thousands of small tenant files, where the worker was most of a
 * backup's CPU.
 */
export const HASH_IN_THREAD_MAX_BYTES = 8 * 1024 * 1024;

/**
 * sha256 and size of a file: a large one on another thread (the caller's thread goes on with the
 * check), a small one here. `size`: the file's size as the caller just stat'ed it, which decides where.
 */
export async function hashFile(path: string, size: number): Promise<{ sha256: string; size: number }> {
  if (size > HASH_IN_THREAD_MAX_BYTES) return runWorker(HASH_FILE, { path });
  // Hashed as read: a file that grew since the stat is still hashed whole, with its size.
  const bytes = await readFile(path);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

const COPY_FILE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { src, dst, durable } = workerData;
${COPY_LOOP_SOURCE}
let created = false;
(async () => {
  const inFd = fs.openSync(src, 'r');
  let outFd;
  try {
    outFd = fs.openSync(dst, 'wx', 0o600);
    created = true;
    const hash = createHash('sha256');
    const pos = await copyHashed(inFd, outFd, hash, durable);
    parentPort.postMessage({ ok: true, value: { sha256: hash.digest('hex'), size: pos } });
  } finally {
    if (outFd !== undefined) fs.closeSync(outFd);
    fs.closeSync(inFd);
  }
})().catch((error) => {
  if (created) try { fs.unlinkSync(dst); } catch {}
  parentPort.postMessage({ ok: false, error: String(error && error.message || error), code: error && error.code });
});
`;

/**
 * Copies `src` to the new file `dst` (mode 0600) on another thread, hashing the very buffers it
 * writes: one read of the source, one write, one hash. With `durable`, the copy is synced every
 * 64 MB (the disk writes while the hash runs) and at the end. On failure `dst` does not exist.
 * Not for a database file some connection of this process may have open: closing the source
 * would drop that process's locks on it (see sqlite-file-copy.ts).
 */
export function copyFileHashedInWorker(src: string, dst: string, durable: boolean): Promise<{ sha256: string; size: number }> {
  return runWorker(COPY_FILE, { src, dst, durable });
}

const SQLITE_CHECK = `
const { parentPort, workerData } = require('node:worker_threads');
try {
  const Database = require(workerData.driver);
  const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  try {
    // No mmap: mapping the copy halved integrity_check on 1 GB (4.1 s -> 2.0 s) but made peak
    // RSS the size of the database (1,049 MB); a 256 MB window kept only 12% of the gain.
    const rows = db.pragma('integrity_check');
    const lines = rows.map((row) => String(Object.values(row)[0])).filter((line) => line !== 'ok');
    parentPort.postMessage({ ok: true, value: lines });
  } finally {
    db.close();
  }
} catch (error) {
  // A file that is not a database, or one damaged past opening, is a problem of the copy; no
  // space, an I/O error or no permission (for the -shm beside it, say) means the check could
  // not run, and says nothing about the copy.
  const code = String((error && error.code) || '');
  if (/^SQLITE_(FULL|IOERR|CANTOPEN|NOMEM|READONLY|PERM|AUTH)|^E[A-Z]+$/.test(code)) {
    parentPort.postMessage({ ok: false, error: String(error.message), code });
  } else {
    parentPort.postMessage({ ok: true, value: [String(error && error.message || error)] });
  }
}
`;

/**
 * `PRAGMA integrity_check` of a database file on another thread: the problems, [] when sound.
 * Rejects (with the SQLite or errno code) when the check could not run.
 */
export function sqliteIntegrityInWorker(path: string): Promise<string[]> {
  return runWorker(SQLITE_CHECK, { path, driver: require.resolve('better-sqlite3') });
}
