/**
 * Sequential reading of a large file through a window of a few chunks (fs.readSync), so that a 3.6 GB
 * word2vec file is scanned with a few MiB of memory. The caller looks at the bytes ahead of its
 * cursor (`peek`), then moves the cursor past them (`advance`); the window slides and refills as needed.
 */
import fs from 'fs';

export class ChunkedReader {
  private buffer: Buffer;
  /** The bytes not yet consumed are buffer[start, end). */
  private start = 0;
  private end = 0;
  private atEof = false;
  /** File offset of buffer[0]. */
  private bufferOffset = 0;

  constructor(private readonly fd: number, private readonly chunkSize: number) {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new Error(`ChunkedReader: chunkSize must be a positive integer; got ${chunkSize}`);
    }
    // Two chunks: room for a full chunk after the few unread bytes a refill usually carries over.
    this.buffer = Buffer.alloc(2 * chunkSize);
  }

  /** File offset of the cursor. */
  get position(): number {
    return this.bufferOffset + this.start;
  }

  /** Bytes available ahead of the cursor without reading more. */
  get available(): number {
    return this.end - this.start;
  }

  /**
   * Reads until at least `n` bytes lie ahead of the cursor or the file ends; returns how many do.
   * The window grows when `n` is larger than it (a very long line), so any `n` can be satisfied.
   */
  ensure(n: number): number {
    while (this.available < n && !this.atEof) this.readMore(n);
    return this.available;
  }

  /** True once the file's end has been read: what is available is all that is left. */
  get ended(): boolean {
    return this.atEof;
  }

  /**
   * Distance from the cursor to the first `byte` at or after it, reading as far as needed but looking
   * no further than `within` bytes ahead; -1 when the byte is not there (check `ended` to tell a file
   * that ends from a search that gave up, which keeps a garbled file from being read whole).
   */
  indexOf(byte: number, within = Infinity): number {
    let searched = 0;
    for (;;) {
      const limit = Math.min(this.end, this.start + within);
      const at = this.buffer.subarray(0, limit).indexOf(byte, this.start + searched);
      if (at !== -1) return at - this.start;
      searched = limit - this.start;
      if (this.atEof || searched >= within) return -1;
      this.readMore(this.available + 1);
    }
  }

  /** A view of the next `n` bytes (call ensure first); valid until the next read. */
  peek(n: number): Buffer {
    if (n > this.available) throw new Error(`ChunkedReader.peek: ${n} bytes asked, ${this.available} available`);
    return this.buffer.subarray(this.start, this.start + n);
  }

  advance(n: number): void {
    if (n > this.available) throw new Error(`ChunkedReader.advance: ${n} bytes asked, ${this.available} available`);
    this.start += n;
  }

  /** Slides the unread bytes to the front (growing the window to hold `want` bytes), then reads a chunk. */
  private readMore(want: number): void {
    const unread = this.available;
    const needed = Math.max(want, unread + this.chunkSize);
    if (needed > this.buffer.length) {
      const bigger = Buffer.alloc(Math.max(needed, 2 * this.buffer.length));
      this.buffer.copy(bigger, 0, this.start, this.end);
      this.buffer = bigger;
    } else if (this.start > 0) {
      this.buffer.copy(this.buffer, 0, this.start, this.end);
    }
    this.bufferOffset += this.start;
    this.start = 0;
    this.end = unread;
    const read = fs.readSync(this.fd, this.buffer, this.end, this.buffer.length - this.end, null);
    if (read === 0) this.atEof = true;
    this.end += read;
  }
}
