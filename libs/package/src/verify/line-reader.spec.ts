import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { LineReader } from './line-reader';

const chunked = (text: string, size: number) => {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
};

describe('LineReader', () => {
  const text = '{"a":"民國114年"}\n\n' + 'x'.repeat(300) + '\n{"b":2}\nlast without newline';

  it.each([1, 2, 7, 64, 10_000])('gives the same lines and digest whatever the chunk size (%i bytes)', async (size) => {
    const reader = new LineReader(chunked(text, size));
    const lines: string[] = [];
    for (let l = await reader.next(); l !== undefined; l = await reader.next()) lines.push(l);
    expect(lines).toEqual(['{"a":"民國114年"}', 'x'.repeat(300), '{"b":2}', 'last without newline']);
    expect(await reader.digest()).toBe(createHash('sha256').update(text).digest('hex'));
    expect(reader.bytes).toBe(Buffer.byteLength(text));
  });

  it('hands over the rest after the first line, and digests the whole file', async () => {
    const reader = new LineReader(chunked(text, 5));
    expect(await reader.next()).toBe('{"a":"民國114年"}');
    expect((await reader.rest()).toString('utf8')).toBe(text.slice(text.indexOf('\n') + 1));
    expect(await reader.digest()).toBe(createHash('sha256').update(text).digest('hex'));
  });
});
