import { createHash } from 'node:crypto';
import { drawSample, type ClosingCheckpoint } from '@ledger/domain';
import { generateSignerKey, signCheckpoint, verifierOf } from '@ledger/integrity';
import { verifySampleRecord } from './verify-sample';

const sha256 = (d: Uint8Array) => createHash('sha256').update(d).digest();
const signer = generateSignerKey('webir-ledger');
const root = createHash('sha256').update('tree').digest();
const note = signCheckpoint({ origin: 'webir-ledger', size: 40, rootHash: root, extensions: [] }, signer);
const cp: ClosingCheckpoint = { origin: 'webir-ledger', treeSize: 40, rootHash: root.toString('base64'), position: '41', recordedAt: '2025-03-31T16:00:01.000Z', note };
const entryIds = Array.from({ length: 40 }, (_, i) => `SWD001.${'ab'.repeat(16)}.${i + 2}`);
const logDigests = ['cd'.repeat(32)];
const draw = drawSample({ agencyCode: 'SWD001', month: '2025-03', checkpoint: cp, logDigests, entryIds }, sha256);
const input = { agencyCode: 'SWD001', month: '2025-03', recorded: { seed: draw.seed, sample: draw.sample, checkpoint: cp, populationDigest: draw.populationDigest }, closing: cp, entryIds, logDigests, keys: [verifierOf(signer)] };
const failed = (r: ReturnType<typeof verifySampleRecord>) => r.checks.filter((c) => !c.ok).map((c) => c.detail);

describe('要點 十二(一): verifying a recorded sample', () => {
  it('a draw recomputed from its signed closing checkpoint and the month\'s logs is reproduced', () => {
    const result = verifySampleRecord(input);
    expect(failed(result)).toEqual([]);
    expect(result).toMatchObject({ ok: true, population: 40, sampleSize: 10 });
  });

  it('a checkpoint signed by another key does not vouch for the seed', () =>
    expect(failed(verifySampleRecord({ ...input, keys: [verifierOf(generateSignerKey('webir-ledger'))] }))).toEqual([expect.stringContaining('signature does not verify')]));

  it('a checkpoint signed before the month closed, or not the first after it, is found', () => {
    expect(failed(verifySampleRecord({ ...input, recorded: { ...input.recorded, checkpoint: { ...cp, recordedAt: '2025-03-31T15:59:59.000Z' } } }))).toEqual([expect.stringContaining('BEFORE 2025-03 closed')]);
    expect(failed(verifySampleRecord({ ...input, closing: { ...cp, position: '12' } }))).toEqual([expect.stringContaining("not the draw's 41")]);
  });

  it('logs imported since the draw, or a sample changed after it, are found', () => {
    expect(failed(verifySampleRecord({ ...input, entryIds: [...entryIds, 'SWD001.x.99'] }))).toEqual([
      expect.stringContaining('differs from the one drawn from'),
      expect.stringContaining('≠ recorded'),
      expect.stringContaining('DIFFERS'),
    ]);
    const swapped = [...draw.sample].reverse();
    expect(failed(verifySampleRecord({ ...input, recorded: { ...input.recorded, sample: swapped } }))).toEqual([expect.stringContaining('DIFFERS')]);
  });
});
