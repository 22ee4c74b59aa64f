/**
 * Compression on every core. zlib compresses one stream on one thread (gzip level 1: ~72 MB/s
 * here), but a gzip file may be several members back to back (RFC 1952 §2.2) and a zstd file
 * several frames (RFC 8878 §3.1); gunzip, zstd and Node's decompressors read them as one
 * stream. So the input is cut into blocks, each block is compressed on libuv's thread pool, and
 * the results are written in order.
 */
import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';

/** The input of one compression job; a source that reads in blocks of this size is never copied. */
export const COMPRESS_BLOCK_BYTES = 4 * 1024 * 1024;

/**
 * `parallel` blocks compress at once, and one more waits queued behind them, so that a core that
 * finishes a block finds the next one ready instead of waiting for the stream to hand it over.
 * (All of them are on the thread pool, which runs as many as it has threads.) A function is asked
 * again before each block, so a caller may hold cores back for a while; 0 compresses one block
 * at a time.
 *
 * A chunk of a whole block or more that arrives alone is compressed as it is, not copied; once
 * its compression has settled (nothing reads it any more) it goes to `recycle`, so a source that
 * reads into pooled buffers can fill it again.
 */
export function parallelCompress(
  compress: (block: Buffer) => Promise<Buffer>,
  parallel: number | (() => number) = Math.max(1, availableParallelism()),
  recycle?: (block: Buffer) => void,
): Transform {
  const limit = typeof parallel === 'number' ? () => parallel : parallel;
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  const inFlight: Promise<Buffer>[] = [];
  let blocks = 0;

  const launch = () => {
    if (bufferedBytes === 0) return;
    const block = buffered.length === 1 ? buffered[0]! : Buffer.concat(buffered, bufferedBytes);
    buffered = [];
    bufferedBytes = 0;
    blocks++;
    const compressed = compress(block);
    // Awaited in order below; one that fails while an earlier one is awaited is not unhandled.
    compressed.then(
      () => recycle?.(block),
      () => recycle?.(block),
    );
    inFlight.push(compressed);
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      buffered.push(chunk);
      bufferedBytes += chunk.length;
      if (bufferedBytes < COMPRESS_BLOCK_BYTES) return callback();
      launch();
      if (inFlight.length <= limit()) return callback();
      // Wait for the oldest before reading more.
      inFlight.shift()!.then((out) => {
        this.push(out);
        callback();
      }, callback);
    },
    flush(callback: TransformCallback) {
      launch();
      // An empty input still makes a valid (empty) compressed file.
      if (blocks === 0) inFlight.push(compress(Buffer.alloc(0)));
      (async () => {
        for (const out of inFlight.splice(0)) this.push(await out);
      })().then(() => callback(), callback);
    },
  });
}
