import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { useNativeZipCrc32 } from './zip-crc';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const crc32 = require('buffer-crc32') as { unsigned: (buf: Buffer | string, previous?: number) => number };

describe('the CRC-32 yazl uses for zip entries', () => {
  it('gives the JavaScript implementation\'s values, whole and continued chunk by chunk, once made native', () => {
    const inputs = [Buffer.alloc(0), Buffer.from('hello world'), randomBytes(1), randomBytes(1000), randomBytes(70_000)];
    const before = inputs.map((b) => crc32.unsigned(b));
    const chained = (bufs: Buffer[]) => bufs.reduce((crc, b) => crc32.unsigned(b, crc), 0);
    const chainBefore = chained(inputs);
    const stringBefore = crc32.unsigned('民國114年');
    useNativeZipCrc32();
    useNativeZipCrc32();
    if (typeof (zlib as { crc32?: unknown }).crc32 === 'function') expect((crc32.unsigned as { native?: boolean }).native).toBe(true);
    expect(inputs.map((b) => crc32.unsigned(b))).toEqual(before);
    expect(chained(inputs)).toBe(chainBefore);
    expect(crc32.unsigned('民國114年')).toBe(stringBefore);
    // The known check value of CRC-32 (ISO-HDLC).
    expect(crc32.unsigned(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
