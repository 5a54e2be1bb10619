import { canonicalJson, computeEventHash, GENESIS_HASH, isValidStreamId, sealEvents } from './integrity';

describe('integrity', () => {
  it('canonical JSON sorts keys at every depth and drops insignificant whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: '社' } })).toBe('{"a":{"c":"社","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it('the hash ignores key order but changes with any byte of content', () => {
    const base = {
      streamId: 'agency-A1',
      revision: 0,
      type: 'AgencyRegistered',
      data: { name: '社會局', code: 'A1' },
      metadata: {
        $correlationId: 'c', $causationId: 'c', commandId: 'c', actor: 'a',
        occurredAt: '2025-01-01T00:00:00.000Z', recordedAt: '2025-01-01T00:00:01.000Z', schemaVersion: 1, prevHash: GENESIS_HASH,
      },
    };
    const hash = computeEventHash(base);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(computeEventHash({ ...base, data: { code: 'A1', name: '社會局' } })).toBe(hash);
    expect(computeEventHash({ ...base, metadata: { ...base.metadata, hash } as never })).toBe(hash);
    expect(computeEventHash({ ...base, revision: 1 })).not.toBe(hash);
    expect(computeEventHash({ ...base, data: { ...base.data, name: '社會處' } })).not.toBe(hash);
    expect(computeEventHash({ ...base, metadata: { ...base.metadata, actor: 'b' } })).not.toBe(hash);
  });

  it('sealing chains each event to the one before, with the hash the verifier recomputes, as the last member of its metadata', () => {
    const meta = { $correlationId: 'c', $causationId: 'c', commandId: 'c', actor: 'a', occurredAt: '2025-01-01T00:00:00.000Z', requestHash: 'f'.repeat(64) };
    const head = { revision: 4, hash: 'a'.repeat(64) };
    const sealed = sealEvents('agency-A1', head, [{ eventId: 'e1', type: 'T', data: { z: 1, a: '社' }, metadata: meta }, { eventId: 'e2', type: 'T', data: {}, metadata: meta }], '2025-01-01T00:00:01.000Z');
    expect(sealed.map((e) => e.revision)).toEqual([5, 6]);
    expect(sealed[0].metadata.prevHash).toBe(head.hash);
    expect(sealed[1].metadata.prevHash).toBe(sealed[0].metadata.hash);
    for (const e of sealed) expect(computeEventHash({ streamId: 'agency-A1', ...e })).toBe(e.metadata.hash);
    expect(Object.keys(sealed[0].metadata)).toEqual(['$correlationId', '$causationId', 'commandId', 'actor', 'occurredAt', 'recordedAt', 'schemaVersion', 'requestHash', 'prevHash', 'hash']);
  });

  it('stream ids are category-id with exactly one dash', () => {
    expect(isValidStreamId('agency-SWD001')).toBe(true);
    expect(isValidStreamId('account-A1.USER.ab12')).toBe(true);
    for (const bad of ['agency', 'agency-', '-x', 'a-b-c', 'agency-a b', '$all-x']) expect(isValidStreamId(bad)).toBe(false);
  });
});
