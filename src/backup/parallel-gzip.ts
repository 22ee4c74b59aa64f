/**
 * gzip on every core. zlib compresses one stream on one thread (64 MB/s at level 1 here), but a
 * gzip file may be several gzip members back to back (RFC 1952 §2.2; gunzip and Node's
 * createGunzip read them as one stream). So the input is cut into blocks, each block is
 * compressed as its own member on libuv's thread pool, and members are written in order.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { availableParallelism } from 'node:os';

const gzipAsync = promisify(gzip);
const BLOCK_BYTES = 4 * 1024 * 1024;

export function parallelGzip(level: number, parallel = Math.max(1, availableParallelism())): Transform {
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  const inFlight: Promise<Buffer>[] = [];
  let members = 0;

  const launch = () => {
    if (bufferedBytes === 0) return;
    const block = Buffer.concat(buffered, bufferedBytes);
    buffered = [];
    bufferedBytes = 0;
    members++;
    inFlight.push(gzipAsync(block, { level }));
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      buffered.push(chunk);
      bufferedBytes += chunk.length;
      if (bufferedBytes < BLOCK_BYTES) return callback();
      launch();
      // Keep at most `parallel` blocks compressing; wait for the oldest before reading more.
      if (inFlight.length < parallel) return callback();
      inFlight.shift()!.then((member) => {
        this.push(member);
        callback();
      }, callback);
    },
    flush(callback: TransformCallback) {
      launch();
      // An empty input still makes a valid (empty) gzip file.
      if (members === 0) inFlight.push(gzipAsync(Buffer.alloc(0), { level }));
      (async () => {
        for (const member of inFlight.splice(0)) this.push(await member);
      })().then(() => callback(), callback);
    },
  });
}
