/**
 * Buffers of one size, lent and given back, so that a stream reading a file in blocks fills the
 * same few buffers over and over. A fresh 4 MB buffer per block is fresh memory each time: the
 * kernel maps and zeroes its pages on first touch and the GC unmaps them again, for every
 * block of the snapshot (bench/README.md has what pooling saved the compressed create).
 */
export class BufferPool {
  /** Buffers this pool lent: only those come back, so a stranger's buffer is never reused. */
  private readonly lent = new WeakSet<Buffer>();
  private readonly free: Buffer[] = [];
  /** Buffers allocated so far (for tests: fewer than were taken means some were reused). */
  allocated = 0;

  /**
   * @param bytes the size of every buffer
   * @param keep free buffers kept at most (the rest are left to the GC); as many as are in
   *   flight at once is enough
   */
  constructor(
    readonly bytes: number,
    private readonly keep = 8,
  ) {}

  /** A buffer of `bytes` bytes, its contents whatever it last held. */
  take(): Buffer {
    let buffer = this.free.pop();
    if (!buffer) {
      buffer = Buffer.allocUnsafeSlow(this.bytes);
      this.allocated++;
    }
    this.lent.add(buffer);
    return buffer;
  }

  /**
   * Hands a buffer back once nothing reads it any more; one this pool did not lend (or a view
   * of part of one) is ignored, as is one given back twice.
   */
  give(buffer: Buffer): void {
    if (!this.lent.has(buffer)) return;
    this.lent.delete(buffer);
    if (this.free.length < this.keep) this.free.push(buffer);
  }

  /** Free buffers held now (for tests). */
  get idle(): number {
    return this.free.length;
  }
}
