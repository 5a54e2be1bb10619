import * as zlib from 'node:zlib';

type Crc32Module = { unsigned: ((buf: Buffer | string, previous?: number | Buffer) => number) & { native?: true } };
const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * yazl checksums every byte of a zip entry with buffer-crc32, a CRC-32 in JavaScript: for a package's
 * 250 MB that was a twentieth of the generator's time. Node (20.15+) has the same CRC-32 natively, so
 * the module yazl calls is given it for buffers (same results: the standard CRC-32, continued from the
 * previous value); strings and buffer-form previous values keep the original path. Idempotent.
 */
export function useNativeZipCrc32(): void {
  if (typeof nativeCrc32 !== 'function') return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crc32 = require('buffer-crc32') as Crc32Module;
  if (crc32.unsigned.native) return;
  const original = crc32.unsigned;
  const unsigned = ((buf: Buffer | string, previous?: number | Buffer) =>
    Buffer.isBuffer(buf) && (previous === undefined || typeof previous === 'number') ? nativeCrc32(buf, previous === undefined ? 0 : previous >>> 0) : original(buf, previous)) as Crc32Module['unsigned'];
  unsigned.native = true;
  crc32.unsigned = unsigned;
}
