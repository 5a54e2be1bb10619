import { leafHash, MemoryTree, verifyInclusion } from '@ledger/integrity';
import { createHash } from 'node:crypto';
import { InclusionChecker } from './inclusion-checker';

const eventHash = (i: number) => createHash('sha256').update(`event ${i}`).digest('hex');

describe('checking many inclusion proofs of one tree in leaf order', () => {
  it('agrees with checking each proof alone, for every tree size up to 40 and every subset pattern', () => {
    for (let size = 1; size <= 40; size++) {
      const tree = new MemoryTree();
      for (let i = 0; i < size; i++) tree.appendLeafHash(leafHash(Buffer.from(eventHash(i), 'hex')));
      const root = tree.root();
      for (const stride of [1, 3]) {
        const checker = new InclusionChecker(size, root);
        for (let i = 0; i < size; i += stride) {
          const path = tree.inclusionProof(i).map((h) => h.toString('base64'));
          expect(checker.check(i, eventHash(i), path)).toBe(true);
          // A wrong leaf, a changed element anywhere in the path, a short or long path: refused, as alone.
          expect(checker.check(i, eventHash(i + 1000), path)).toBe(false);
          for (let k = 0; k < path.length; k++) {
            const bad = [...path];
            bad[k] = Buffer.alloc(32, 9).toString('base64');
            expect(checker.check(i, eventHash(i), bad)).toBe(verifyInclusion(i, size, leafHash(Buffer.from(eventHash(i), 'hex')), bad.map((b) => Buffer.from(b, 'base64')), root));
          }
          if (path.length > 0) expect(checker.check(i, eventHash(i), path.slice(0, -1))).toBe(false);
          expect(checker.check(i, eventHash(i), [...path, path[0] ?? Buffer.alloc(32).toString('base64')])).toBe(false);
          expect(checker.check(i, eventHash(i), path)).toBe(true);
        }
      }
    }
  });
});
