/**
 * Reads a file while another process is still writing it, never past what the writer has
 * reported written: the snapshot's copy process reports its progress, and the backup is
 * compressed (or encrypted) as the copy grows instead of after it, on the cores the copy leaves
 * idle. The bytes come back from the page cache the writer just filled.
 *
 * It reads whole blocks (the last one may be shorter), each into a buffer of its `pool`: whoever
 * consumes a block hands the buffer back there (parallelCompress's or the cipher's `recycle`),
 * and the next block is read into it. A block is read once the writer has reported all of it
 * written, so each is one read into one buffer. For compression, blocks of the compressor's size
 * (COMPRESS_BLOCK_BYTES), which it takes as they are; otherwise 1 MB: 4 MB blocks made an
 * AES-only create slower and its peak RSS larger (bench/README.md).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BufferPool } from './buffer-pool.js';

const READ_BLOCK_BYTES = 1024 * 1024;

export class GrowingFileReader extends Readable {
  /** Where the blocks are read into; give a block's buffer back once it is consumed. */
  readonly pool: BufferPool;
  private readonly path: string;
  private handle: FileHandle | null = null;
  /** Bytes the writer has reported written; `total` once it is done. */
  private available = 0;
  private total: number | null = null;
  private position = 0;
  /** A read the stream asked for that had to wait for the writer. */
  private waiting = false;
  private reading = false;

  constructor(path: string, blockBytes = READ_BLOCK_BYTES) {
    super({ highWaterMark: blockBytes });
    this.path = path;
    this.pool = new BufferPool(blockBytes);
  }

  /** The writer has written the first `bytes` bytes. */
  grow(bytes: number): void {
    if (bytes <= this.available) return;
    this.available = bytes;
    this.wake();
  }

  /** The writer is done: the file is `bytes` long. */
  finish(bytes: number): void {
    if (bytes < this.available) {
      this.destroy(new Error(`${this.path} ended at ${bytes} bytes, after ${this.available} were reported written`));
      return;
    }
    this.available = bytes;
    this.total = bytes;
    this.wake();
  }

  private wake(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.pull();
  }

  override _read(): void {
    this.pull();
  }

  private pull(): void {
    if (this.reading || this.destroyed) return;
    if (this.position >= this.available && this.total !== null) {
      this.push(null);
      return;
    }
    // Until the writer is done, only whole blocks.
    if (this.total === null && this.available - this.position < this.pool.bytes) {
      this.waiting = true;
      return;
    }
    this.reading = true;
    this.readNext().then(
      (more) => {
        this.reading = false;
        if (more) this.pull();
      },
      (error: unknown) => {
        this.reading = false;
        this.destroy(error as Error);
      },
    );
  }

  /** Reads one block and pushes it; true when the stream wants more. */
  private async readNext(): Promise<boolean> {
    this.handle ??= await open(this.path, 'r');
    const want = Math.min(this.pool.bytes, this.available - this.position);
    const buffer = this.pool.take();
    let filled = 0;
    try {
      while (filled < want) {
        const { bytesRead } = await this.handle.read(buffer, filled, want - filled, this.position + filled);
        if (bytesRead === 0) throw new Error(`${this.path} has ${this.position + filled} bytes, but ${this.available} were reported written`);
        filled += bytesRead;
      }
    } catch (error) {
      this.pool.give(buffer);
      throw error;
    }
    this.position += want;
    // A short last block is a view: it is not given back, and its buffer goes to the GC.
    return this.push(want === this.pool.bytes ? buffer : buffer.subarray(0, want));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = null;
    if (!handle) return callback(error);
    handle.close().then(
      () => callback(error),
      () => callback(error),
    );
  }
}
