/**
 * Reads a file while another process is still writing it, never past what the writer has
 * reported written: the snapshot's copy process reports its progress, and the backup is
 * compressed (or encrypted) as the copy grows instead of after it, on the cores the copy leaves
 * idle. The bytes come back from the page cache the writer just filled.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 1024 * 1024;

export class GrowingFileReader extends Readable {
  private readonly path: string;
  private handle: FileHandle | null = null;
  /** Bytes the writer has reported written; `total` once it is done. */
  private available = 0;
  private total: number | null = null;
  private position = 0;
  /** A read the stream asked for that had to wait for the writer. */
  private waiting = false;
  private reading = false;

  constructor(path: string) {
    super({ highWaterMark: CHUNK_BYTES });
    this.path = path;
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
    if (this.position >= this.available) {
      if (this.total !== null) this.push(null);
      else this.waiting = true;
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

  /** Reads one chunk and pushes it; true when the stream wants more. */
  private async readNext(): Promise<boolean> {
    this.handle ??= await open(this.path, 'r');
    const want = Math.min(CHUNK_BYTES, this.available - this.position);
    const buffer = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.handle.read(buffer, 0, want, this.position);
    if (bytesRead === 0) throw new Error(`${this.path} has ${this.position} bytes, but ${this.available} were reported written`);
    this.position += bytesRead;
    return this.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
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
