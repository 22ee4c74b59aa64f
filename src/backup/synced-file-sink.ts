/**
 * The stream a backup's stored (or decoded) bytes are written into: a new file, mode 0600, that
 * is on disk before anyone is told it is written. When durable, it asks the disk to write what it
 * has every SYNC_EVERY_BYTES while the stream still runs (as the snapshot's copy loop does), so
 * that the fsync at the end, which the caller waits for, has only the last stretch left to write
 * instead of the whole file. The final fsync is still the one that vouches for every byte.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, unlink } from 'node:fs/promises';
import { Writable } from 'node:stream';

const SYNC_EVERY_BYTES = 64 * 1024 * 1024;

export interface SyncedFileSink {
  stream: Writable;
  /** After the stream has finished: fsyncs the file (when durable) and closes it. */
  finish(): Promise<void>;
  /** After a failure: closes and removes the file. */
  abandon(): Promise<void>;
}

/** `syncEveryBytes`: how much is written between the syncs along the way (tests make it small). */
export async function syncedFileSink(path: string, durable = true, syncEveryBytes = SYNC_EVERY_BYTES): Promise<SyncedFileSink> {
  const handle = await open(path, 'wx', 0o600);
  let position = 0;
  let unsynced = 0;
  // The syncs along the way run one after the other beside the writes; a failed one fails the stream.
  let syncing: Promise<void> = Promise.resolve();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  const stream = new Writable({
    highWaterMark: 4 * 1024 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      writeAll(handle, chunk, position).then(() => {
        position += chunk.length;
        unsynced += chunk.length;
        if (durable && unsynced >= syncEveryBytes) {
          unsynced = 0;
          syncing = syncing.then(() => handle.datasync());
          // Reported by final(); a failure before that is not unhandled.
          syncing.catch(() => undefined);
        }
        callback();
      }, callback);
    },
    final(callback) {
      syncing.then(() => callback(), callback);
    },
  });
  return {
    stream,
    async finish() {
      try {
        if (durable) await handle.sync();
      } finally {
        await close();
      }
    },
    async abandon() {
      stream.destroy();
      await syncing.catch(() => undefined);
      await close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
    },
  };
}

/** A write may be short (a full disk reports ENOSPC only on the next one): the rest goes again. */
async function writeAll(handle: FileHandle, chunk: Buffer, at: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, at + done);
    if (bytesWritten === 0) throw new Error(`writing ${chunk.length - done} bytes at ${at + done} wrote none`);
    done += bytesWritten;
  }
}
