import { HASH_SIZE, inclusionProof, leafHashOfHex, nodeHash, treeRoot, walkInclusionPaths, type SubtreeSource } from '@ledger/integrity';

/**
 * The Merkle tree of the checkpoint's first n leaves held in flat buffers (32 bytes per node, one
 * buffer per level: 2 × 32 × n bytes in all, no object per leaf), so a package's thousands of
 * inclusion proofs are computed in memory without a round trip to the store each.
 */
export class FlatTree {
  private leaves = Buffer.alloc(HASH_SIZE * 1024);
  private count = 0;
  private levels: Buffer[] = [];

  get size(): number {
    return this.count;
  }

  appendEventHash(hex: string): void {
    if ((this.count + 1) * HASH_SIZE > this.leaves.length) {
      const bigger = Buffer.alloc(this.leaves.length * 2);
      this.leaves.copy(bigger);
      this.leaves = bigger;
    }
    leafHashOfHex(hex).copy(this.leaves, this.count * HASH_SIZE);
    this.count++;
  }

  /** Hashes every perfect subtree once the leaves are in. */
  seal(): void {
    this.levels = [this.leaves.subarray(0, this.count * HASH_SIZE)];
    for (let width = this.count; width >= 2; ) {
      const below = this.levels[this.levels.length - 1];
      const next = Math.floor(width / 2);
      const level = Buffer.alloc(next * HASH_SIZE);
      for (let i = 0; i < next; i++) {
        nodeHash(below.subarray(2 * i * HASH_SIZE, (2 * i + 1) * HASH_SIZE), below.subarray((2 * i + 1) * HASH_SIZE, (2 * i + 2) * HASH_SIZE)).copy(level, i * HASH_SIZE);
      }
      this.levels.push(level);
      width = next;
    }
  }

  private readonly subtree: SubtreeSource = (level, index) => {
    const row = this.levels[level];
    if (!row || (index + 1) * HASH_SIZE > row.length) throw new RangeError(`no complete subtree at level ${level} index ${index}`);
    return row.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  };

  root(): Buffer {
    return treeRoot(this.subtree, this.count);
  }

  inclusionProof(leafIndex: number): Buffer[] {
    return inclusionProof(this.subtree, leafIndex, this.count);
  }

  private readonly ranges = new Map<number, Buffer>();

  /** MTH(D[begin:end]); ranges that are not one stored subtree (the right border) are hashed once. */
  private range(begin: number, end: number): Buffer {
    const n = end - begin;
    if ((n & (n - 1)) === 0 && begin % n === 0) return this.subtree(Math.log2(n), begin / n);
    const key = begin * 2 ** 26 + n;
    let h = this.ranges.get(key);
    if (!h) {
      let k = 1;
      while (k * 2 < n) k *= 2;
      h = nodeHash(this.range(begin, begin + k), this.range(begin + k, end));
      this.ranges.set(key, h);
    }
    return h;
  }

  /**
   * The inclusion paths of many leaves (strictly increasing), from one walk over the tree, as the UTF-8
   * bytes of each JSON array's inside (`"…","…"`, base64 elements leaf to root), for a writer that copies
   * them into its output: each node's text and the text above it are one buffer made once per node, so a
   * path costs one copy and no string per element.
   */
  inclusionPathsBytes(leaves: ArrayLike<number>, each: (leafIndex: number, path: Buffer) => void): void {
    walkInclusionPaths<Buffer>(
      this.count,
      leaves,
      (begin, end, above) => {
        const element = this.range(begin, end);
        const out = Buffer.allocUnsafe(46 + (above ? 1 + above.length : 0));
        out[0] = 0x22;
        out.write(element.toString('base64'), 1, 'latin1');
        out[45] = 0x22;
        if (above) {
          out[46] = 0x2c;
          above.copy(out, 47);
        }
        return out;
      },
      (leafIndex, path) => each(leafIndex, path ?? EMPTY),
    );
  }
}

const EMPTY = Buffer.alloc(0);
