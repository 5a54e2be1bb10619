import { createHash } from 'node:crypto';
import {
  leafHashOfHex,
  CompactRange,
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  MemoryTree,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

// ---- A naive reference, written straight from RFC 6962 §2.1 (recursion over the leaf list) ----
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Buffer.from([0]), d[0]);
  return sha(Buffer.from([1]), mth(d.slice(0, k(d.length))), mth(d.slice(k(d.length))));
}
function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s ? [...path(m, d.slice(0, s)), mth(d.slice(s))] : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}
function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))] : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

const hex = (hs: Buffer[]) => hs.map((h) => h.toString('hex')).join(' ');

// ---- Known answers from INTEGRITY.md (the RFC 6962 test tree) ----
const INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('RFC 6962 known answers', () => {
  it.each(ROOTS.map((root, n) => [n, root]))('the tree of the first %i leaves has root %s', (n, root) => {
    const tree = new MemoryTree();
    const range = new CompactRange();
    for (const input of INPUTS.slice(0, n as number)) {
      tree.appendLeafHash(leafHash(input));
      range.appendLeafHash(leafHash(input));
    }
    expect(tree.root().toString('hex')).toBe(root);
    expect(range.root().toString('hex')).toBe(root);
    expect(mth(INPUTS.slice(0, n as number)).toString('hex')).toBe(root);
  });

  it('the empty tree is SHA-256 of the empty string', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(ROOTS[0]);
  });

  it('leaf and node hashes carry the 0x00 / 0x01 domain separation', () => {
    const a = Buffer.alloc(32, 7);
    expect(leafHash(a)).toEqual(sha(Buffer.from([0]), a));
    expect(nodeHash(a, a)).toEqual(sha(Buffer.from([1]), a, a));
    expect(leafHash(Buffer.concat([a, a]))).not.toEqual(nodeHash(a, a));
  });
});

/** Deterministic pseudo-random bytes, so a failure is reproducible. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s;
  };
}

describe('proofs against the naive reference, every tree size up to 300', () => {
  const MAX = 300;
  const rand = rng(9162);
  const data = Array.from({ length: MAX }, (_, i) => createHash('sha256').update(`leaf ${i}`).digest());
  const leaves = data.map((d) => leafHash(d));
  const tree = new MemoryTree();
  leaves.forEach((l) => tree.appendLeafHash(l));
  const roots = [EMPTY_ROOT, ...leaves.map((_, i) => tree.root(i + 1))];

  it('roots of every size agree with the reference and with the compact range', () => {
    const range = new CompactRange();
    for (let n = 1; n <= MAX; n++) {
      range.appendLeafHash(leaves[n - 1]);
      expect(range.root().equals(roots[n])).toBe(true);
      if (n % 37 === 0 || n < 20) expect(roots[n].toString('hex')).toBe(mth(data.slice(0, n)).toString('hex'));
    }
  });

  it('the compact range reports every complete subtree with its level and index', () => {
    const seen = new Map<string, Buffer>();
    const range = new CompactRange((level, index, hash) => seen.set(`${level}/${index}`, hash), 2);
    leaves.slice(0, 40).forEach((l) => range.appendLeafHash(l));
    expect([...seen.keys()].sort()).toEqual(['2/0', '2/1', '2/2', '2/3', '2/4', '2/5', '2/6', '2/7', '2/8', '2/9', '3/0', '3/1', '3/2', '3/3', '3/4', '4/0', '4/1', '5/0'].sort());
    expect(seen.get('5/0')).toEqual(tree.subtree(5, 0));
    expect(seen.get('2/9')).toEqual(tree.subtree(2, 9));
  });

  it('every inclusion proof equals PATH(m, D[n]) and verifies; a mutated one is refused', () => {
    for (let n = 1; n <= MAX; n++) {
      const ms = n <= 64 ? Array.from({ length: n }, (_, i) => i) : [0, n - 1, rand() % n, rand() % n];
      const reference = n <= 64 ? data.slice(0, n) : undefined;
      for (const m of ms) {
        const proof = tree.inclusionProof(m, n);
        if (reference) expect(hex(proof)).toEqual(hex(path(m, reference)));
        expect(verifyInclusion(m, n, leaves[m], proof, roots[n])).toBe(true);
        // Mutations: wrong leaf, wrong index, wrong size, flipped bit, dropped / extra hash, wrong root.
        expect(verifyInclusion(m, n, leaves[(m + 1) % MAX], proof, roots[n])).toBe(false);
        if (n > 1) expect(verifyInclusion((m + 1) % n, n, leaves[m], proof, roots[n])).toBe(false);
        if (n < MAX) expect(verifyInclusion(m, n + 1, leaves[m], proof, roots[n + 1])).toBe(false);
        if (proof.length > 0) {
          const flipped = proof.map((p) => Buffer.from(p));
          const at = rand() % flipped.length;
          flipped[at][rand() % 32] ^= 1 << rand() % 8;
          expect(verifyInclusion(m, n, leaves[m], flipped, roots[n])).toBe(false);
          expect(verifyInclusion(m, n, leaves[m], proof.slice(0, -1), roots[n])).toBe(false);
        }
        expect(verifyInclusion(m, n, leaves[m], [...proof, leaves[0]], roots[n])).toBe(false);
        expect(verifyInclusion(m, n, leaves[m], proof, roots[n - 1])).toBe(false);
      }
    }
  });

  it('every consistency proof equals PROOF(m, D[n]) and verifies; a mutated one is refused', () => {
    for (let n = 1; n <= MAX; n++) {
      const ms = n <= 48 ? Array.from({ length: n }, (_, i) => i + 1) : [1, n, rand() % n + 1, rand() % n + 1, 2 ** Math.floor(Math.log2(n))];
      for (const m of ms) {
        const proof = tree.consistencyProof(m, n);
        if (n <= 48) expect(hex(proof)).toEqual(hex(subproof(m, data.slice(0, n), true)));
        expect(verifyConsistency(m, n, roots[m], roots[n], proof)).toBe(true);
        if (m === n) continue;
        expect(verifyConsistency(m, n, roots[m - 1], roots[n], proof)).toBe(false);
        expect(verifyConsistency(m, n, roots[m], roots[n - 1], proof)).toBe(false);
        if (n < MAX) expect(verifyConsistency(m, n + 1, roots[m], roots[n + 1], proof)).toBe(false);
        if (m > 1) expect(verifyConsistency(m - 1, n, roots[m], roots[n], proof)).toBe(false);
        if (proof.length > 0) {
          const flipped = proof.map((p) => Buffer.from(p));
          flipped[rand() % flipped.length][rand() % 32] ^= 1 << rand() % 8;
          expect(verifyConsistency(m, n, roots[m], roots[n], flipped)).toBe(false);
          expect(verifyConsistency(m, n, roots[m], roots[n], proof.slice(1))).toBe(false);
        }
        expect(verifyConsistency(m, n, roots[m], roots[n], [...proof, leaves[0]])).toBe(false);
      }
    }
  });

  it('refuses proofs that cannot exist', () => {
    expect(() => inclusionProof(tree.subtree, 5, 5)).toThrow(RangeError);
    expect(() => consistencyProof(tree.subtree, 0, 5)).toThrow(RangeError);
    expect(() => consistencyProof(tree.subtree, 6, 5)).toThrow(RangeError);
    expect(verifyInclusion(3, 3, leaves[3], [], roots[3])).toBe(false);
    expect(verifyConsistency(0, 7, EMPTY_ROOT, roots[7], [])).toBe(true);
    expect(verifyConsistency(7, 7, roots[7], roots[7], [])).toBe(true);
    expect(verifyConsistency(7, 7, roots[7], roots[7], [leaves[0]])).toBe(false);
  });

  it('a compact range restored from its snapshot continues as if never touched', () => {
    const range = new CompactRange();
    leaves.slice(0, 10).forEach((l) => range.appendLeafHash(l));
    const snap = range.snapshot();
    leaves.slice(10, 17).forEach((l) => range.appendLeafHash(l));
    range.restore(snap);
    leaves.slice(10, 20).forEach((l) => range.appendLeafHash(l));
    expect(range.root()).toEqual(roots[20]);
    const rebuilt = new CompactRange();
    rebuilt.restore(CompactRange.fromSubtrees(20, tree.subtree));
    rebuilt.appendLeafHash(leaves[20]);
    expect(rebuilt.root()).toEqual(roots[21]);
  });
});

describe('leafHashOfHex', () => {
  it('equals leafHash of the decoded bytes, for a 64-digit hash and for malformed values', () => {
    for (const hex of ['ab'.repeat(32), '00'.repeat(32), 'zz' + 'ab'.repeat(31), 'ab'.repeat(31), '', 'abc']) {
      expect(leafHashOfHex(hex).toString('hex')).toBe(leafHash(Buffer.from(hex, 'hex')).toString('hex'));
    }
    expect(leafHashOfHex('ab'.repeat(32)).equals(leafHashOfHex('cd'.repeat(32)))).toBe(false);
  });
});
