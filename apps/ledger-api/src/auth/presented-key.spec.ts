import { createHash } from 'node:crypto';
import { presentedKey } from './api-key.service';

const request = (headers: Record<string, string>) => {
  let reads = 0;
  return {
    reads: () => reads,
    header(name: string) {
      reads += 1;
      return headers[name];
    },
  };
};

describe('presentedKey: the key a request presents, hashed once per request', () => {
  it('reads X-API-Key, or a Bearer token, and gives its SHA-256', () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(presentedKey(request({ 'x-api-key': 'wl_a' }))).toEqual({ raw: 'wl_a', hash: sha('wl_a') });
    expect(presentedKey(request({ authorization: 'Bearer wl_b' }))).toEqual({ raw: 'wl_b', hash: sha('wl_b') });
    expect(presentedKey(request({}))).toEqual({ raw: undefined, hash: undefined });
  });

  it('answers later asks of the same request from the first answer', () => {
    const req = request({ 'x-api-key': 'wl_c' });
    const first = presentedKey(req);
    const readsAfterFirst = req.reads();
    expect(presentedKey(req)).toBe(first);
    expect(presentedKey(req)).toBe(first);
    expect(req.reads()).toBe(readsAfterFirst);
  });
});
