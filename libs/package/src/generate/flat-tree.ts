import { HASH_SIZE, inclusionProof, leafHashOfHex, nodeHash, treeRoot, type SubtreeSource } from '@ledger/integrity';

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
}
