import { createHash, randomBytes } from 'node:crypto';
import { CompactRange, leafHash, leafHashOfHex, MemoryTree, nodeHash } from './merkle';
import { bufferOfWords, leafWordsOfBytes, leafWordsOfHex, nodeWords, WordCompactRange, wordsOfBuffer } from './word-tree';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const words = (b: Buffer) => {
  const w = new Int32Array(8);
  wordsOfBuffer(b, 0, w, 0);
  return w;
};

// A deterministic generator, so that a failure names an input that can be replayed.
function bytesFrom(seed: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

describe('SHA-256 on words for the two RFC 6962 shapes, against Node crypto', () => {
  const special = [Buffer.alloc(32), Buffer.alloc(32, 0xff), Buffer.alloc(32, 0x80), Buffer.alloc(32, 0x7f)];
  const inputs = [...special, ...Array.from({ length: 1500 }, (_, i) => bytesFrom(i + 1, 32))];

  it('leaf: H(0x00 || 32 bytes), from bytes at any offset', () => {
    const out = new Int32Array(16);
    const padded = Buffer.alloc(40);
    const wrong: string[] = [];
    for (const input of inputs) {
      leafWordsOfBytes(input, 0, out, 8);
      if (!bufferOfWords(out, 8).equals(sha(Buffer.from([0]), input))) wrong.push(input.toString('hex'));
      input.copy(padded, 5);
      leafWordsOfBytes(padded, 5, out, 0);
      if (!bufferOfWords(out, 0).equals(leafHash(input))) wrong.push(`at offset 5: ${input.toString('hex')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('node: H(0x01 || left || right) for every value of the right child\'s last byte, output aliasing an input', () => {
    const wrong: number[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const left = inputs[i];
      const right = Buffer.from(inputs[(i * 7 + 3) % inputs.length]);
      right[31] = i & 0xff;
      const expected = sha(Buffer.from([1]), left, right);
      const both = new Int32Array(16);
      both.set(words(left), 0);
      both.set(words(right), 8);
      const out = new Int32Array(8);
      nodeWords(both, 0, both, 8, out, 0);
      if (!bufferOfWords(out, 0).equals(expected) || !expected.equals(nodeHash(left, right))) wrong.push(i);
      nodeWords(both, 0, both, 8, both, 0); // in place, as the compact range merges
      if (!bufferOfWords(both, 0).equals(expected)) wrong.push(-i);
    }
    expect(wrong).toEqual([]);
  });

  it('a stored hash in hex is read as leafHashOfHex reads it, tampered values included', () => {
    const good = randomBytes(32).toString('hex');
    const cases = [
      good,
      good.toUpperCase(),
      good.slice(0, 10) + 'zz' + good.slice(12), // 64 characters, not all hex
      good.slice(0, 63) + 'g',
      good.slice(0, 62),
      good + '00',
      '',
      'é'.repeat(64),
      '0'.repeat(64),
    ];
    const out = new Int32Array(8);
    for (const hex of cases) {
      leafWordsOfHex(hex, out, 0);
      expect(bufferOfWords(out, 0).toString('hex')).toBe(leafHashOfHex(hex).toString('hex'));
    }
  });
});

describe('WordCompactRange is CompactRange', () => {
  it('same roots at every size up to 600 and the same stored nodes in the same order, from hex, bytes or leaf hashes', () => {
    for (const minLevel of [0, 4]) {
      const seen: string[] = [];
      const seenWords: string[][] = [[], [], []];
      const reference = new CompactRange((level, index, hash) => seen.push(`${level}/${index}/${hash.toString('hex')}`), minLevel);
      const ranges = [0, 1, 2].map(
        (k) => new WordCompactRange((level, index, w, at) => seenWords[k].push(`${level}/${index}/${bufferOfWords(w, at).toString('hex')}`), minLevel),
      );
      const tree = new MemoryTree();
      expect(ranges[0].root().equals(reference.root())).toBe(true);
      const wrong: string[] = [];
      for (let n = 1; n <= 600; n++) {
        const eventHash = bytesFrom(n * 31 + minLevel, 32);
        reference.appendLeafHash(leafHashOfHex(eventHash.toString('hex')));
        tree.appendLeafHash(leafHash(eventHash));
        ranges[0].appendLeafOfHex(eventHash.toString('hex'));
        ranges[1].appendLeafOfBytes(Buffer.concat([Buffer.alloc(3), eventHash]), 3);
        ranges[2].appendLeafHash(leafHash(eventHash));
        const root = tree.root();
        if (!reference.root().equals(root)) wrong.push(`reference at ${n}`);
        ranges.forEach((range, k) => {
          if (range.size !== n || !range.root().equals(root)) wrong.push(`range ${k} at ${n}`);
        });
      }
      expect(wrong).toEqual([]);
      for (const got of seenWords) expect(got).toEqual(seen);
      expect(seen.length).toBeGreaterThan(0);
    }
  });

  it('snapshot and restore undo appends; loadSubtrees takes the edge from stored subtrees', () => {
    const tree = new MemoryTree();
    const range = new WordCompactRange();
    for (let n = 1; n <= 300; n++) {
      const eventHash = bytesFrom(n, 32);
      tree.appendLeafHash(leafHash(eventHash));
      range.appendLeafOfBytes(eventHash, 0);
      if (n % 37 === 0) {
        const edge = range.snapshot();
        for (let k = 0; k < 13; k++) range.appendLeafOfBytes(bytesFrom(9999 + k, 32), 0);
        range.restore(edge);
        expect(range.size).toBe(n);
        expect(range.root().equals(tree.root())).toBe(true);
      }
      const loaded = new WordCompactRange();
      loaded.loadSubtrees(n, tree.subtree);
      expect(loaded.root().equals(tree.root())).toBe(true);
      if (n % 17 !== 0 && n !== 256) continue;
      // and it goes on from there like the one it was taken from
      const next = bytesFrom(50_000 + n, 32);
      loaded.appendLeafOfBytes(next, 0);
      const grown = new MemoryTree();
      for (let k = 1; k <= n; k++) grown.appendLeafHash(leafHash(bytesFrom(k, 32)));
      grown.appendLeafHash(leafHash(next));
      expect(loaded.root().equals(grown.root())).toBe(true);
    }
  });
});
