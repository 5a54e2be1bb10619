import { createHash } from 'node:crypto';
import { inclusionProofs, walkInclusionPaths } from './batch-proofs';
import { inclusionProof, leafHash, MemoryTree, nodeHash, rootFromInclusionProof, treeRoot, type SubtreeSource } from './merkle';

// Compared as text: jest's deep equality walks a Buffer byte by byte.
const b64 = (path: Buffer[]) => path.map((h) => h.toString('base64')).join(',');
const leafOf = (i: number) => leafHash(createHash('sha256').update(`leaf ${i}`).digest());

/** Every perfect subtree held in memory, level by level (the reference below only reads them). */
function treeOf(size: number): { subtree: SubtreeSource; root: () => Buffer } {
  const levels: Buffer[][] = [Array.from({ length: size }, (_, i) => leafOf(i))];
  while (levels[levels.length - 1].length >= 2) {
    const below = levels[levels.length - 1];
    levels.push(Array.from({ length: Math.floor(below.length / 2) }, (_, i) => nodeHash(below[2 * i], below[2 * i + 1])));
  }
  const subtree: SubtreeSource = (level, index) => levels[level][index];
  return { subtree, root: () => treeRoot(subtree, size) };
}

describe('inclusion paths of many leaves from one walk (RFC 6962 §2.1.1)', () => {
  it('gives, for every size up to 33 and around 64, exactly the paths inclusionProof gives one at a time', () => {
    for (const size of [...Array.from({ length: 33 }, (_, i) => i + 1), 63, 64, 65, 70]) {
      const tree = treeOf(size);
      const all = Array.from({ length: size }, (_, i) => i);
      const subsets = [all, all.filter((i) => i % 3 !== 1), all.filter((i) => i % 7 === 0), [size - 1], all.filter((i) => i >= size / 2)];
      for (const leaves of subsets) {
        const batch = inclusionProofs(tree.subtree, leaves, size);
        expect(batch).toHaveLength(leaves.length);
        leaves.forEach((m, i) => {
          expect(b64(batch[i])).toBe(b64(inclusionProof(tree.subtree, m, size)));
          expect(rootFromInclusionProof(m, size, leafOf(m), batch[i])?.equals(tree.root())).toBe(true);
        });
      }
    }
  });

  it('agrees with the ledger\'s own tree', () => {
    const memory = new MemoryTree();
    for (let i = 0; i < 37; i++) memory.appendLeafHash(leafOf(i));
    expect(inclusionProofs(memory.subtree, [0, 5, 36], 37).map(b64)).toEqual([0, 5, 36].map((m) => b64(memory.inclusionProof(m))));
  });

  it('hands each sibling node over once, with the fold of the path above it', () => {
    const size = 1000;
    const leaves = Array.from({ length: size }, (_, i) => i).filter((i) => i % 2 === 0 || i > 900);
    const seen = new Set<string>();
    const texts: string[] = [];
    walkInclusionPaths<string>(
      size,
      leaves,
      (begin, end, above) => {
        const key = `${begin}:${end}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        const mine = JSON.stringify(`${begin}-${end}`);
        return above === undefined ? mine : `${mine},${above}`;
      },
      (m, path) => texts.push(`${m}:[${path ?? ''}]`),
    );
    expect(texts).toHaveLength(leaves.length);
    // Fewer nodes than one path per leaf would visit: shared nodes are handed over once.
    expect(seen.size).toBeLessThan(leaves.length * Math.ceil(Math.log2(size)));
    expect(texts[0]).toMatch(/^0:\["1-2","2-4","4-8",/);
  });

  it('refuses leaves out of order, repeated or outside the tree', () => {
    const noop = () => undefined;
    expect(() => walkInclusionPaths(10, [3, 2], noop, noop)).toThrow(RangeError);
    expect(() => walkInclusionPaths(10, [2, 2], noop, noop)).toThrow(RangeError);
    expect(() => walkInclusionPaths(10, [10], noop, noop)).toThrow(RangeError);
    expect(() => walkInclusionPaths(10, [-1], noop, noop)).toThrow(RangeError);
  });

  it('gives an empty path for the one leaf of a tree of size 1', () => {
    const tree = treeOf(1);
    expect(inclusionProofs(tree.subtree, [0], 1)).toEqual([[]]);
  });
});
