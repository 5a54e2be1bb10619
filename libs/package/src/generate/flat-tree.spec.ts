import { createHash } from 'node:crypto';
import { leafHash, MemoryTree } from '@ledger/integrity';
import { FlatTree } from './flat-tree';

describe('the flat tree the generator proves from', () => {
  it('has the root and inclusion paths of the reference tree at every size up to 140', () => {
    for (let size = 1; size <= 140; size++) {
      const flat = new FlatTree();
      const ref = new MemoryTree();
      for (let i = 0; i < size; i++) {
        const hex = createHash('sha256').update(`e${i}`).digest('hex');
        flat.appendEventHash(hex);
        ref.appendLeafHash(leafHash(Buffer.from(hex, 'hex')));
      }
      flat.seal();
      expect(flat.root()).toEqual(ref.root());
      for (let i = 0; i < size; i += 1 + (i % 5)) {
        const expected = ref.inclusionProof(i).map((h) => h.toString('base64'));
        expect(flat.inclusionProof(i).map((h) => h.toString('base64'))).toEqual(expected);
      }
      // All the paths of a subset from one walk: the same JSON, leaf by leaf.
      const leaves = Array.from({ length: size }, (_, i) => i).filter((i) => i % 3 !== 2);
      const batch: string[] = [];
      flat.inclusionPathsBytes(leaves, (leaf, path) => batch.push(`${leaf}[${path.toString('utf8')}]`));
      expect(batch).toEqual(leaves.map((i) => `${i}${JSON.stringify(ref.inclusionProof(i).map((h) => h.toString('base64')))}`));
    }
  });
});
