/**
 * Copies a SQLite database file (and its -wal) byte for byte in a child process, hashing the
 * copy as it is written. The caller holds a read transaction on the database for the duration,
 * which is what makes the copy consistent (see sqlite-provider.ts).
 *
 * Why a child process: POSIX file locks belong to a process and an inode, and closing *any*
 * descriptor of the database file drops every lock the process holds on it, SQLite's included
 * (https://www.sqlite.org/howtocorrupt.html, 2.2). A copy made in this process, even on a worker
 * thread, would silently release the read lock that keeps the copy consistent, and the locks of
 * the application's own connections. A child process has its own descriptors and locks.
 *
 * Why not the online backup API: it moves 4 KB pages through two pagers, 6-7x slower than a
 * file copy on 1 GB (bench/README.md); the copy runs at the disk's speed with the hash beside it.
 */
import { spawn } from 'node:child_process';
import { COPY_LOOP_SOURCE } from '../copy-loop.js';

export interface FileCopyResult {
  /** Bytes and sha256 of the database file as copied (null when the caller hashes it as it reads it: `onWritten`). */
  size: number;
  sha256: string | null;
  /** Bytes of the -wal copied beside it (0: no -wal, or an empty one). */
  walBytes: number;
}

/**
 * The child: reads 1 MB chunks on the threadpool, hashes each on its main thread while the next
 * read and its own write run, and syncs the copy before it answers. 1 MB, not 8: the hash and
 * the kernel's copy into the page cache then read a chunk that is still in the CPU's cache; with
 * 8 MB chunks, copy + hash of 500 MB took 0.5-2.1 s of wall time and 0.6-2.4 s of CPU on a
 * loaded machine, against 0.56-0.60 s and 0.70-0.81 s (the copy alone: 0.36-0.42 s, the hash
 * alone: 0.37-0.52 s; bench/README.md). It also syncs every
 * 64 MB along the way, so that the disk writes while the hash runs instead of all at the end
 * (1 GB here: 1.5 s against 1.7-2.5 s with one sync at the end). Plain CommonJS so it
 * runs as `node -e` from any build of Strata (the CLI is one bundled file).
 */
const CHILD = String.raw`
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { src, dst } = JSON.parse(process.argv[1]);
${COPY_LOOP_SOURCE}
// False for a snapshot the caller only reads back to encode and then deletes: nothing to sync.
let durable = true;
// True when the caller reads the copy as it grows (to encode it): a line '+BYTES' on stdout as
// each chunk is written; the caller hashes what it reads, so this process does not.
let progress = false;
async function copy(from, to, hash, onWritten) {
  let inFd;
  try {
    inFd = fs.openSync(from, 'r');
  } catch (error) {
    if (error.code === 'ENOENT' && hash === null) return 0;
    throw error;
  }
  const outFd = fs.openSync(to, 'wx', 0o600);
  try {
    return await copyHashed(inFd, outFd, hash, durable, onWritten);
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(inFd);
  }
}
// The parent holds stdin open: its end means the parent died (or gave up), and the copy is
// nobody's. It writes one line ({"wal":bool,"durable":bool,"progress":bool}) when its read
// transaction is held: only then may the copy start.
process.stdin.on('end', () => {
  for (const path of [dst, dst + '-wal']) try { fs.unlinkSync(path); } catch {}
  process.exit(1);
});
process.stdin.once('data', (line) => (async () => {
  const job = JSON.parse(String(line));
  const wal = job.wal;
  durable = job.durable !== false;
  progress = job.progress === true;
  const hash = progress ? null : createHash('sha256');
  const size = await copy(src, dst, hash, progress ? (bytes) => process.stdout.write('+' + bytes + '\n') : undefined);
  const walBytes = wal ? await copy(src + '-wal', dst + '-wal', null) : 0;
  const sha256 = hash ? hash.digest('hex') : null;
  process.stdout.write(JSON.stringify({ size, sha256, walBytes }) + '\n', () => process.exit(0));
})().catch((error) => {
  process.stderr.write(String(error && error.message || error), () => process.exit(1));
}));
`;

/** The copy process could not be started at all (spawn failed): nothing was copied. */
export class CopyProcessUnavailable extends Error {}

/**
 * Variables that only slow the child down or change what it runs: NODE_EXTRA_CA_CERTS parses a
 * certificate bundle at start-up (~45 ms of the ~110 ms a start costs here) for a process that
 * opens no connection; NODE_OPTIONS may preload modules (`--import tsx`) or open an inspector port.
 */
const CHILD_ENV_DROPPED = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];

/** A copy process started ahead of the copy, so that node's start-up overlaps the caller's own preparation. */
export interface PendingCopy {
  /**
   * Starts the copy (the caller now holds what makes it consistent) and resolves when it is
   * written, and synced unless `durable` is false. With `onWritten`, it is told (in order) how
   * many bytes of the database file are written so far, and the copy is not hashed.
   */
  run(options: { wal: boolean; durable?: boolean; onWritten?: (bytes: number) => void }): Promise<FileCopyResult>;
  /** Ends the process unused (it removes whatever it wrote); resolves once it has exited. */
  cancel(): Promise<void>;
}

/**
 * Starts the process that will copy `src` to the new file `dst` (and `src-wal` to `dst-wal` when
 * `run` is told the database is in WAL mode); it copies nothing until then.
 */
export function startDatabaseCopy(src: string, dst: string): PendingCopy {
  const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  for (const name of CHILD_ENV_DROPPED) delete env[name];
  // ELECTRON_RUN_AS_NODE: inside Electron or a VS Code extension host, execPath is the app's
  // own binary, which runs as plain Node only when asked to.
  const child = spawn(process.execPath, ['-e', CHILD, JSON.stringify({ src, dst })], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
    windowsHide: true,
  });
  let out = '';
  let err = '';
  let onWritten: ((bytes: number) => void) | undefined;
  // Lines: '+BYTES' as the copy grows (when asked for), then the result as JSON.
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    let newline = out.indexOf('\n');
    while (newline >= 0 && out.startsWith('+')) {
      onWritten?.(Number(out.slice(1, newline)));
      out = out.slice(newline + 1);
      newline = out.indexOf('\n');
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  // A write to a child that already died must not surface as an unhandled EPIPE.
  child.stdin.on('error', () => undefined);
  const finished = new Promise<FileCopyResult>((resolve, reject) => {
    child.once('error', (error) => reject(new CopyProcessUnavailable(`cannot start ${process.execPath} to copy ${src}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) {
        try {
          resolve(JSON.parse(out) as FileCopyResult);
          return;
        } catch {
          // falls through to the error below
        }
      }
      reject(new Error(`the copy process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${err ? `: ${err.trim()}` : ''}`));
    });
  });
  // Awaited by run() or cancel(); a process that fails before either is not an unhandled rejection.
  finished.catch(() => undefined);
  return {
    run(options) {
      onWritten = options.onWritten;
      child.stdin.write(`${JSON.stringify({ wal: options.wal, durable: options.durable !== false, progress: onWritten !== undefined })}\n`);
      return finished;
    },
    async cancel() {
      child.stdin.end();
      await finished.catch(() => undefined);
    },
  };
}

/** Copies `src` to the new file `dst` (and `src-wal` to `dst-wal` when `wal`), synced, in a child process. */
export function copyDatabaseFile(src: string, dst: string, options: { wal: boolean }): Promise<FileCopyResult> {
  return startDatabaseCopy(src, dst).run(options);
}
