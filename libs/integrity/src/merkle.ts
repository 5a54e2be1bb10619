import { createHash, hash as oneShotHash } from 'node:crypto';

/**
 * RFC 6962 §2.1 / RFC 9162 §2.1 Merkle tree hashing (SHA-256): leaf = H(0x00 || bytes),
 * interior node = H(0x01 || left || right), empty tree = H(""). Hashes are 32-byte Buffers.
 */
export const HASH_SIZE = 32;

const sha256 = (data: Buffer): Buffer =>
  typeof oneShotHash === 'function' ? (oneShotHash('sha256', data, 'buffer') as unknown as Buffer) : createHash('sha256').update(data).digest();

export const EMPTY_ROOT: Buffer = sha256(Buffer.alloc(0));

// One scratch buffer per kind: hashing is synchronous, so reuse is safe and saves an allocation per node.
const leafScratch = Buffer.alloc(1 + HASH_SIZE);
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;

export function leafHash(leaf: Uint8Array): Buffer {
  if (leaf.length === HASH_SIZE) {
    leafScratch[0] = 0x00;
    leafScratch.set(leaf, 1);
    return sha256(leafScratch);
  }
  const buf = Buffer.alloc(1 + leaf.length);
  buf.set(leaf, 1);
  return sha256(buf);
}

/**
 * leafHash of the bytes a 64-digit hex string stands for (an event's stored hash), without building a
 * Buffer for them first: the tree's rebuild and append paths hash one per event. Anything but 64 hex
 * digits takes the general path (Buffer.from's hex semantics), so tampered values hash as before.
 */
export function leafHashOfHex(hex: string): Buffer {
  if (hex.length === 2 * HASH_SIZE) {
    leafScratch[0] = 0x00;
    if (leafScratch.write(hex, 1, HASH_SIZE, 'hex') === HASH_SIZE) return sha256(leafScratch);
  }
  return leafHash(Buffer.from(hex, 'hex'));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return sha256(nodeScratch);
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/**
 * The compact range of a tree: the roots of its perfect subtrees, largest first (at most log2 n).
 * Appending a leaf costs O(log n) hashes; `onNode` sees every perfect subtree as it completes, so a
 * store can keep the ones it wants (e.g. every subtree of 256 leaves and up) for serving proofs.
 */
export class CompactRange {
  private hashes: Buffer[] = [];
  private levels: number[] = [];
  private count = 0;

  constructor(
    private readonly onNode?: (level: number, index: number, hash: Buffer) => void,
    private readonly minStoredLevel = 0,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Append one leaf hash (already H(0x00 || bytes)). */
  appendLeafHash(hash: Buffer): void {
    this.count += 1;
    let h = hash;
    let level = 0;
    if (this.onNode && this.minStoredLevel === 0) this.onNode(0, this.count - 1, h);
    while (this.levels.length > 0 && this.levels[this.levels.length - 1] === level) {
      this.levels.pop();
      h = nodeHash(this.hashes.pop()!, h);
      level += 1;
      if (this.onNode && level >= this.minStoredLevel) this.onNode(level, Math.floor(this.count / 2 ** level) - 1, h);
    }
    this.hashes.push(h);
    this.levels.push(level);
  }

  root(): Buffer {
    if (this.count === 0) return EMPTY_ROOT;
    let r = this.hashes[this.hashes.length - 1];
    for (let i = this.hashes.length - 2; i >= 0; i--) r = nodeHash(this.hashes[i], r);
    return r;
  }

  /** A cheap copy (≤ 64 hashes) to restore after a rolled-back append. */
  snapshot(): { hashes: Buffer[]; levels: number[]; count: number } {
    return { hashes: [...this.hashes], levels: [...this.levels], count: this.count };
  }

  restore(s: { hashes: Buffer[]; levels: number[]; count: number }): void {
    this.hashes = [...s.hashes];
    this.levels = [...s.levels];
    this.count = s.count;
  }

  /** Rebuild from the perfect subtrees that make up a tree of `size` leaves (largest first). */
  static fromSubtrees(size: number, subtree: (level: number, index: number) => Buffer): { hashes: Buffer[]; levels: number[]; count: number } {
    const hashes: Buffer[] = [];
    const levels: number[] = [];
    let start = 0;
    for (let level = 52; level >= 0; level--) {
      const width = 2 ** level;
      if (size - start >= width) {
        hashes.push(subtree(level, start / width));
        levels.push(level);
        start += width;
      }
    }
    return { hashes, levels, count: size };
  }
}

/** Hash of the perfect subtree at `level` (2^level leaves) number `index` — from storage or memory. */
export type SubtreeSource = (level: number, index: number) => Buffer;

/** MTH(D[begin:end]) where begin is aligned so that every left part of a split is a perfect subtree. */
export function rangeRoot(source: SubtreeSource, begin: number, end: number): Buffer {
  const n = end - begin;
  if (n === 0) return EMPTY_ROOT;
  if (isPowerOfTwo(n) && begin % n === 0) return source(Math.log2(n), begin / n);
  const k = splitPoint(n);
  return nodeHash(rangeRoot(source, begin, begin + k), rangeRoot(source, begin + k, end));
}

export function treeRoot(source: SubtreeSource, size: number): Buffer {
  return rangeRoot(source, 0, size);
}

/** RFC 6962 §2.1.1 PATH(m, D[n]), leaf to root order (the RFC 9162 inclusion_path). */
export function inclusionProof(source: SubtreeSource, leafIndex: number, treeSize: number): Buffer[] {
  if (!Number.isInteger(leafIndex) || !Number.isInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) {
    throw new RangeError(`leaf ${leafIndex} is not in a tree of size ${treeSize}`);
  }
  const path: Buffer[] = [];
  const walk = (m: number, begin: number, end: number) => {
    const n = end - begin;
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, begin, begin + k);
      path.push(rangeRoot(source, begin + k, end));
    } else {
      walk(m - k, begin + k, end);
      path.push(rangeRoot(source, begin, begin + k));
    }
  };
  walk(leafIndex, 0, treeSize);
  return path;
}

/** RFC 6962 §2.1.2 PROOF(m, D[n]) for 0 < m ≤ n (the RFC 9162 consistency_path). */
export function consistencyProof(source: SubtreeSource, first: number, second: number): Buffer[] {
  if (!Number.isInteger(first) || !Number.isInteger(second) || first <= 0 || first > second) {
    throw new RangeError(`no consistency proof from size ${first} to size ${second}`);
  }
  const proof: Buffer[] = [];
  const sub = (m: number, begin: number, end: number, b: boolean) => {
    const n = end - begin;
    if (m === n) {
      if (!b) proof.push(rangeRoot(source, begin, end));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, begin, begin + k, b);
      proof.push(rangeRoot(source, begin + k, end));
    } else {
      sub(m - k, begin + k, end, false);
      proof.push(rangeRoot(source, begin, begin + k));
    }
  };
  sub(first, 0, second, true);
  return proof;
}

/** RFC 9162 §2.1.3.2: the root an inclusion path leads to, or undefined when the path is malformed. */
export function rootFromInclusionProof(leafIndex: number, treeSize: number, leaf: Buffer, path: Buffer[]): Buffer | undefined {
  if (!(leafIndex >= 0 && leafIndex < treeSize)) return undefined;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (p.length !== HASH_SIZE) return undefined;
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

export function verifyInclusion(leafIndex: number, treeSize: number, leaf: Buffer, path: Buffer[], root: Buffer): boolean {
  const r = rootFromInclusionProof(leafIndex, treeSize, leaf, path);
  return r !== undefined && r.equals(root);
}

/** RFC 9162 §2.1.4.2. A tree is consistent with itself by an empty proof; size 0 is consistent with anything. */
export function verifyConsistency(first: number, second: number, firstRoot: Buffer, secondRoot: Buffer, proof: Buffer[]): boolean {
  if (!Number.isInteger(first) || !Number.isInteger(second) || first < 0 || first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return proof.length === 0 && firstRoot.equals(EMPTY_ROOT);
  if (proof.some((p) => p.length !== HASH_SIZE)) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : proof;
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

/**
 * A whole tree in memory: every level of perfect subtrees. Serves proofs for tests, the offline
 * verifier and a rebuild, at 2 × 32 bytes per leaf.
 */
export class MemoryTree {
  private readonly levels: Buffer[][] = [[]];

  get size(): number {
    return this.levels[0].length;
  }

  appendLeafHash(hash: Buffer): void {
    this.levels[0].push(hash);
    let level = 0;
    let index = this.levels[0].length - 1;
    while (index % 2 === 1) {
      const row = this.levels[level];
      const parent = nodeHash(row[index - 1], row[index]);
      level += 1;
      if (!this.levels[level]) this.levels[level] = [];
      this.levels[level].push(parent);
      index = (index - 1) / 2;
    }
  }

  readonly subtree: SubtreeSource = (level, index) => {
    const h = this.levels[level]?.[index];
    if (!h) throw new RangeError(`no complete subtree at level ${level} index ${index}`);
    return h;
  };

  root(size = this.size): Buffer {
    if (size > this.size) throw new RangeError(`tree has ${this.size} leaves, not ${size}`);
    return treeRoot(this.subtree, size);
  }

  inclusionProof(leafIndex: number, treeSize = this.size): Buffer[] {
    if (treeSize > this.size) throw new RangeError(`tree has ${this.size} leaves, not ${treeSize}`);
    return inclusionProof(this.subtree, leafIndex, treeSize);
  }

  consistencyProof(first: number, second = this.size): Buffer[] {
    if (second > this.size) throw new RangeError(`tree has ${this.size} leaves, not ${second}`);
    return consistencyProof(this.subtree, first, second);
  }
}
