import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const MAX_POOLED = 64;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * Fresh bytes from the operating system's CSPRNG, drawn from a pool refilled 4 KiB at a time (as
 * crypto.randomUUID does): a synchronous randomBytes call costs ≈ 6 µs whatever its size, and a
 * new subject needs four small draws (person id, data key, two IVs). Each byte is handed out once
 * and wiped from the pool as it is, so no key or IV stays behind in it.
 */
export function freshRandomBytes(size: number): Buffer {
  if (!Number.isInteger(size) || size < 0) throw new RangeError('size must be a non-negative integer');
  if (size > MAX_POOLED) return randomBytes(size);
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.alloc(size);
  pool.copy(out, 0, offset, offset + size);
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}
