import { rangeRoot, splitPoint, type SubtreeSource } from './merkle';

/**
 * RFC 6962 §2.1.1 PATH(m, D[n]) for many leaves of one tree in a single depth-first walk: the walk
 * descends only into ranges holding a wanted leaf, and each sibling node on the way is handed to
 * `sibling` once, together with what was built for the path above it, however many leaves lie below
 * it. A caller folds the path as it likes (an array, the JSON text of the path's base64 elements) and
 * pays once per node instead of log2(n) per leaf. `leaves` must be strictly increasing and < treeSize.
 *
 * `sibling(begin, end, above)` gets the node MTH(D[begin:end]) by its range and returns the fold of
 * the path from that node up to the root; `leaf(m, path)` gets the fold for leaf m (undefined for a
 * tree of one leaf, whose path is empty). The elements come leaf to root, as RFC 9162's inclusion_path.
 */
export function walkInclusionPaths<T>(
  treeSize: number,
  leaves: ArrayLike<number>,
  sibling: (begin: number, end: number, above: T | undefined) => T,
  leaf: (leafIndex: number, path: T | undefined) => void,
): void {
  for (let i = 0; i < leaves.length; i++) {
    const m = leaves[i];
    if (!Number.isInteger(m) || m < 0 || m >= treeSize) throw new RangeError(`leaf ${m} is not in a tree of size ${treeSize}`);
    if (i > 0 && !(m > leaves[i - 1])) throw new RangeError(`leaves must be strictly increasing: ${m} follows ${leaves[i - 1]}`);
  }
  if (leaves.length === 0) return;
  // lo..hi are the wanted leaves inside [begin, end).
  const walk = (begin: number, end: number, lo: number, hi: number, above: T | undefined): void => {
    if (end - begin === 1) {
      leaf(leaves[lo], above);
      return;
    }
    const mid = begin + splitPoint(end - begin);
    let split = lo;
    while (split < hi && leaves[split] < mid) split++;
    if (lo < split) walk(begin, mid, lo, split, sibling(mid, end, above));
    if (split < hi) walk(mid, end, split, hi, sibling(begin, mid, above));
  };
  walk(0, treeSize, 0, leaves.length, undefined);
}

/** The inclusion paths of many leaves (leaf to root, as inclusionProof gives one), from one walk. */
export function inclusionProofs(source: SubtreeSource, leaves: ArrayLike<number>, treeSize: number): Buffer[][] {
  interface Link {
    hash: Buffer;
    up: Link | undefined;
  }
  const out: Buffer[][] = [];
  walkInclusionPaths<Link>(
    treeSize,
    leaves,
    (begin, end, up) => ({ hash: rangeRoot(source, begin, end), up }),
    (_, path) => {
      const hashes: Buffer[] = [];
      for (let l = path; l; l = l.up) hashes.push(l.hash);
      out.push(hashes);
    },
  );
  return out;
}
