/**
 * The compressors a backup may be stored with. gzip is always there; zstd only where the running
 * Node has it in zlib (22.15 / 23.8 on), detected at run time, so a build of Strata that runs on
 * Node 20 still reads and writes gzip, and says plainly why it cannot read zstd.
 */
import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { ErrorCode, StrataError } from '../model/errors.js';

export type CompressionCodec = 'gzip' | 'zstd';

/** zlib's zstd API, absent from Node 20 and its type definitions. */
interface ZstdZlib {
  zstdCompress(buffer: Buffer, options: { params: Record<number, number>; chunkSize?: number }, callback: (error: Error | null, result: Buffer) => void): void;
  createZstdDecompress(options: { chunkSize?: number }): Transform;
  constants: { ZSTD_c_compressionLevel: number };
}

function zstdZlib(): ZstdZlib | null {
  const candidate = zlib as unknown as Partial<ZstdZlib>;
  return typeof candidate.zstdCompress === 'function' && typeof candidate.createZstdDecompress === 'function' ? (candidate as ZstdZlib) : null;
}

/** Whether this Node can write and read zstd backups. */
export function zstdAvailable(): boolean {
  return zstdZlib() !== null;
}

/** The file name part of a backup stored with `codec`. */
export function codecSuffix(codec: CompressionCodec): string {
  return codec === 'gzip' ? '.gz' : '.zst';
}

function noZstd(doing: string): StrataError {
  return new StrataError(ErrorCode.BACKUP_UNSUPPORTED, `${doing} needs zstd, and Node ${process.version} has none (zlib has zstd from Node 22.15 and 23.8)`, {
    hint: 'run Strata on Node 22.15 or later for zstd backups; on this Node, gzip backups (--compress N without --compress-codec zstd) work',
  });
}

/**
 * Room for a whole block's output in one buffer: zlib's default 16 KB output chunk makes a 4 MB
 * block ~100 hand-offs between the thread pool and the main thread, which cost a fifth more CPU
 * and kept two blocks from compressing at once (200 MB, gzip 1, two at a time: 1.35-1.79 s
 * and 2.0-2.1 s of CPU with 16 KB, 0.98-1.05 s and 1.69 s with one chunk). Incompressible data
 * grows by a few bytes per 16 KB; a larger output just takes a second chunk.
 */
function outputChunk(block: Buffer): number {
  return block.length + (block.length >>> 8) + 1024;
}

/**
 * zlib's largest match-finder tables (memLevel 9: a 64K-entry hash, 64K symbols per deflate
 * block) instead of its default 8: the same level and the same standard gzip member (gunzip
 * reads it; memLevel is the compressor's working memory, ~+130 KB a block in flight, never
 * seen by a reader), ~5-10 % less CPU at level 1 on the bench's database and a slightly smaller
 * output (4 MB blocks, 100-200 MB, paired runs).
 */
const GZIP_MEM_LEVEL = 9;

/** Compresses one block as a complete member (gzip) or frame (zstd): members back to back decode as one stream. */
export function blockCompressor(codec: CompressionCodec, level: number): (block: Buffer) => Promise<Buffer> {
  if (codec === 'gzip') {
    return (block) =>
      new Promise((resolve, reject) =>
        zlib.gzip(block, { level, memLevel: GZIP_MEM_LEVEL, chunkSize: outputChunk(block) }, (error, out) => (error ? reject(error) : resolve(out))),
      );
  }
  const zstd = zstdZlib();
  if (!zstd) throw noZstd('a zstd backup');
  const params = { [zstd.constants.ZSTD_c_compressionLevel]: level };
  return (block) =>
    new Promise((resolve, reject) =>
      zstd.zstdCompress(block, { params, chunkSize: outputChunk(block) }, (error, out) => (error ? reject(error) : resolve(out))),
    );
}

const DECODE_CHUNK = 1024 * 1024;

/** A stream that decompresses `codec`; `id` names the backup in the error when this Node cannot. */
export function decompressor(codec: CompressionCodec, id: string): Transform {
  // 1 MB output chunks, not 16 KB: a sixty-fourth of the hand-offs between the thread pool and the stream.
  if (codec === 'gzip') return zlib.createGunzip({ chunkSize: DECODE_CHUNK });
  const zstd = zstdZlib();
  if (!zstd) throw noZstd(`backup ${id} is zstd-compressed: reading it`);
  return zstd.createZstdDecompress({ chunkSize: DECODE_CHUNK });
}

/** Refuses up front a codec this Node cannot write. */
export function checkCodecAvailable(codec: CompressionCodec): void {
  if (codec === 'zstd' && !zstdAvailable()) throw noZstd('--compress-codec zstd');
}
