import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';

const EMPTY = Buffer.alloc(0);

/**
 * The lines of a stream (LF-separated, UTF-8), pulled one at a time, while the SHA-256 of every byte
 * is taken: a file of hundreds of MB is read once and never held whole. Empty lines are skipped, as
 * the package's JSON-lines files have none but the last newline.
 */
export class LineReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private readonly hash: Hash = createHash('sha256');
  private chunk: Buffer = EMPTY;
  private at = 0;
  private done = false;
  bytes = 0;

  constructor(stream: Readable) {
    this.iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** The start of a line that runs past the current chunk. */
  private carry: Buffer | undefined;

  /** The next line, or undefined at the end. */
  async next(): Promise<string | undefined> {
    for (;;) {
      const end = this.chunk.indexOf(10, this.at);
      if (end >= 0) {
        const start = this.at;
        this.at = end + 1;
        if (this.carry) {
          const line = Buffer.concat([this.carry, this.chunk.subarray(start, end)]);
          this.carry = undefined;
          if (line.length > 0) return line.toString('utf8');
          continue;
        }
        if (end > start) return this.chunk.toString('utf8', start, end);
        continue;
      }
      // No newline left in this chunk: keep the line's start (multi-byte characters never hold byte 10).
      if (this.at < this.chunk.length) this.carry = this.carry ? Buffer.concat([this.carry, this.chunk.subarray(this.at)]) : this.chunk.subarray(this.at);
      this.chunk = EMPTY;
      this.at = 0;
      if (this.done) {
        const last = this.carry;
        this.carry = undefined;
        return last && last.length > 0 ? last.toString('utf8') : undefined;
      }
      const { value, done } = await this.iterator.next();
      if (done) {
        this.done = true;
        continue;
      }
      this.hash.update(value);
      this.bytes += value.length;
      this.chunk = value;
    }
  }

  /** Reads what is left (hashing it) and returns it, e.g. a file in another layout, parsed whole. */
  async rest(): Promise<Buffer> {
    const parts: Buffer[] = [...(this.carry ? [this.carry] : []), this.chunk.subarray(this.at)];
    this.carry = undefined;
    for (;;) {
      const { value, done } = await this.iterator.next();
      if (done) break;
      this.hash.update(value);
      this.bytes += value.length;
      parts.push(value);
    }
    this.done = true;
    this.chunk = EMPTY;
    this.at = 0;
    return Buffer.concat(parts);
  }

  /** Reads to the end (hashing) and gives the SHA-256 of all the bytes. */
  async digest(): Promise<string> {
    if (!this.done) {
      for (;;) {
        const { value, done } = await this.iterator.next();
        if (done) break;
        this.hash.update(value);
        this.bytes += value.length;
      }
      this.done = true;
    }
    return this.hash.digest('hex');
  }
}
