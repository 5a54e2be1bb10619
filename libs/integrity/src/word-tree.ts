import { EMPTY_ROOT, leafHashOfHex, type SubtreeSource } from './merkle';

/**
 * The tree's two hash shapes — RFC 6962 leaf H(0x00 || 32-byte event hash) and interior node
 * H(0x01 || left || right) — computed on 32-bit words in preallocated arrays, for the paths that
 * build the tree in bulk (an append's leaves, a rebuild over the whole log).
 *
 * Why not Node's crypto: a one-shot `crypto.hash` costs ≈ 1–1.5 µs a call on this machine for 33 or
 * 65 bytes (the binding, an EVP context, a new Buffer each), and an append does two per event; this
 * SHA-256 does a 64-byte block in ≈ 0.5 µs, allocates nothing, and the node's second block (one
 * byte of the right child, padding, length) takes its message schedule from a 256-entry table.
 *
 * What is not computed here: the verifier, the proofs' checks and the offline tools keep Node's
 * SHA-256 (`leafHash` / `nodeHash`), so a wrong hash from this file would show up as a
 * TREE_MISMATCH between the store's nodes and the log, not pass unnoticed (and merkle.spec.ts checks
 * it against crypto on random input).
 */

// ---- SHA-256 (FIPS 180-4) on Int32 words ----

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** Message schedule of the block in hand; K[t] + W[t] for a block whose schedule is tabled. */
const W = new Int32Array(64);
const KW = new Int32Array(64);
/** State of the hash in progress. */
const S = new Int32Array(8);

function expandSchedule(): void {
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15];
    const w2 = W[t - 2];
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
  }
  for (let t = 0; t < 64; t++) KW[t] = (K[t] + W[t]) | 0;
}

/**
 * One block over S, its message in W[0..15]: the schedule is extended inside the rounds (≈ 20 %
 * faster here than extending it first and adding K in a second pass).
 */
function compressBlock(): void {
  let a = S[0];
  let b = S[1];
  let c = S[2];
  let d = S[3];
  let e = S[4];
  let f = S[5];
  let g = S[6];
  let h = S[7];
  for (let t = 0; t < 64; t++) {
    let w = W[t];
    if (t >= 16) {
      const w15 = W[t - 15];
      const w2 = W[t - 2];
      w = (W[t - 16] + (((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)) + W[t - 7] + (((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10))) | 0;
      W[t] = w;
    }
    const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + K[t] + w) | 0;
    const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  S[0] = (S[0] + a) | 0;
  S[1] = (S[1] + b) | 0;
  S[2] = (S[2] + c) | 0;
  S[3] = (S[3] + d) | 0;
  S[4] = (S[4] + e) | 0;
  S[5] = (S[5] + f) | 0;
  S[6] = (S[6] + g) | 0;
  S[7] = (S[7] + h) | 0;
}

/** The 64 rounds over S with the block's K + W at kw[at..at + 63]. */
function rounds(kw: Int32Array, at: number): void {
  let a = S[0];
  let b = S[1];
  let c = S[2];
  let d = S[3];
  let e = S[4];
  let f = S[5];
  let g = S[6];
  let h = S[7];
  for (let t = 0; t < 64; t++) {
    const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + kw[at + t]) | 0;
    const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  S[0] = (S[0] + a) | 0;
  S[1] = (S[1] + b) | 0;
  S[2] = (S[2] + c) | 0;
  S[3] = (S[3] + d) | 0;
  S[4] = (S[4] + e) | 0;
  S[5] = (S[5] + f) | 0;
  S[6] = (S[6] + g) | 0;
  S[7] = (S[7] + h) | 0;
}

/**
 * K + W of a node's second block for each value of its one message byte (the right child's last
 * byte): 0x01 || left || right is 65 bytes, so block 2 is that byte, 0x80, zeros and the length 520.
 */
const NODE_BLOCK2 = new Int32Array(256 * 64);
for (let byte = 0; byte < 256; byte++) {
  W.fill(0);
  W[0] = (byte << 24) | 0x800000;
  W[15] = 520;
  expandSchedule();
  NODE_BLOCK2.set(KW, byte * 64);
}

const finish = (out: Int32Array, at: number) => {
  for (let i = 0; i < 8; i++) out[at + i] = S[i];
};

/** Leaf hash words of the 32 bytes at bytes[at..at + 31]: H(0x00 || bytes), one block of 33 bytes. */
export function leafWordsOfBytes(bytes: Uint8Array, at: number, out: Int32Array, outAt: number): void {
  // The message is shifted by the prefix byte: word j holds message bytes 4j..4j+3 = input 4j-1..4j+2.
  W[0] = (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
  for (let j = 1; j < 8; j++) {
    const i = at + 4 * j - 1;
    W[j] = (bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3];
  }
  W[8] = (bytes[at + 31] << 24) | 0x800000;
  W[9] = W[10] = W[11] = W[12] = W[13] = W[14] = 0;
  W[15] = 264; // 33 bytes, in bits
  S.set(IV);
  compressBlock();
  finish(out, outAt);
}

/** Interior node words H(0x01 || left || right) of two hashes held as words. out may alias an input. */
export function nodeWords(left: Int32Array, leftAt: number, right: Int32Array, rightAt: number, out: Int32Array, outAt: number): void {
  let carry = 0x01;
  for (let j = 0; j < 8; j++) {
    const x = left[leftAt + j];
    W[j] = (carry << 24) | (x >>> 8);
    carry = x & 0xff;
  }
  for (let j = 0; j < 8; j++) {
    const x = right[rightAt + j];
    W[8 + j] = (carry << 24) | (x >>> 8);
    carry = x & 0xff;
  }
  S.set(IV);
  compressBlock();
  rounds(NODE_BLOCK2, carry * 64);
  finish(out, outAt);
}

// ---- conversions ----

/** 0–15 for a hex digit (either case, as Buffer.from(…, 'hex') reads them), else -1. */
const HEX_VALUE = new Int8Array(65536).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[65 + i] = HEX_VALUE[97 + i] = 10 + i;

const hexBytes = new Uint8Array(32);

/**
 * Leaf hash words of the bytes a stored hash (hex) stands for, exactly as `leafHashOfHex` reads
 * it: 64 hex digits take the fast path; anything else (a tampered value) goes through Node's
 * crypto with Buffer.from's hex semantics.
 */
export function leafWordsOfHex(hex: string, out: Int32Array, outAt: number): void {
  if (typeof hex === 'string' && hex.length === 64) {
    let bad = 0;
    for (let i = 0; i < 32; i++) {
      const hi = HEX_VALUE[hex.charCodeAt(2 * i)];
      const lo = HEX_VALUE[hex.charCodeAt(2 * i + 1)];
      bad |= hi | lo; // negative as soon as one digit is not hex
      hexBytes[i] = (hi << 4) | lo;
    }
    if (bad >= 0) {
      leafWordsOfBytes(hexBytes, 0, out, outAt);
      return;
    }
  }
  wordsOfBuffer(leafHashOfHex(hex), 0, out, outAt);
}

export function wordsOfBuffer(hash: Uint8Array, at: number, out: Int32Array, outAt: number): void {
  for (let j = 0; j < 8; j++) {
    const i = at + 4 * j;
    out[outAt + j] = (hash[i] << 24) | (hash[i + 1] << 16) | (hash[i + 2] << 8) | hash[i + 3];
  }
}

/** Writes the 8 words at words[at..] as 32 big-endian bytes into target[targetAt..]. */
export function writeWords(words: Int32Array, at: number, target: Uint8Array, targetAt: number): void {
  for (let j = 0; j < 8; j++) {
    const x = words[at + j];
    const i = targetAt + 4 * j;
    target[i] = x >>> 24;
    target[i + 1] = (x >>> 16) & 0xff;
    target[i + 2] = (x >>> 8) & 0xff;
    target[i + 3] = x & 0xff;
  }
}

export function bufferOfWords(words: Int32Array, at: number): Buffer {
  const out = Buffer.allocUnsafe(32);
  writeWords(words, at, out, 0);
  return out;
}

// ---- the compact range on words ----

/** A completed perfect subtree: its hash is words[at..at + 7], valid only during the call. */
export type WordNodeSink = (level: number, index: number, words: Int32Array, at: number) => void;

export interface WordRangeState {
  words: Int32Array;
  levels: Uint8Array;
  count: number;
}

/**
 * `CompactRange` with its hashes kept as words in one preallocated array: appending a leaf costs
 * its leaf hash and one node hash per subtree it completes (one on average), with no allocation.
 * Same tree, same order of `onNode` calls (checked against CompactRange in merkle.spec.ts).
 */
export class WordCompactRange {
  /** Subtree roots, largest first: slot k is words[8k..8k + 7]. At most 64 (a tree of < 2^64 leaves). */
  private readonly words = new Int32Array(8 * 64);
  private readonly levels = new Uint8Array(64);
  private depth = 0;
  private count = 0;

  constructor(
    private readonly onNode?: WordNodeSink,
    private readonly minStoredLevel = 0,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Appends the leaf of an event whose hash is the 32 bytes at bytes[at..]. */
  appendLeafOfBytes(bytes: Uint8Array, at: number): void {
    leafWordsOfBytes(bytes, at, this.words, 8 * this.depth);
    this.pushed();
  }

  /** Appends the leaf of an event's stored hash (hex; see leafWordsOfHex for anything else). */
  appendLeafOfHex(hex: string): void {
    leafWordsOfHex(hex, this.words, 8 * this.depth);
    this.pushed();
  }

  /** Appends a leaf hash already computed (H(0x00 || bytes)), as 32 bytes. */
  appendLeafHash(hash: Uint8Array): void {
    wordsOfBuffer(hash, 0, this.words, 8 * this.depth);
    this.pushed();
  }

  /** The new leaf sits in slot `depth`: merge it with the equal-sized subtrees to its left. */
  private pushed(): void {
    const words = this.words;
    const levels = this.levels;
    const sink = this.onNode;
    let top = this.depth;
    this.count += 1;
    levels[top] = 0;
    if (sink && this.minStoredLevel === 0) sink(0, this.count - 1, words, 8 * top);
    while (top > 0 && levels[top - 1] === levels[top]) {
      top -= 1;
      nodeWords(words, 8 * top, words, 8 * top + 8, words, 8 * top);
      const level = (levels[top] += 1);
      if (sink && level >= this.minStoredLevel) sink(level, Math.floor(this.count / 2 ** level) - 1, words, 8 * top);
    }
    this.depth = top + 1;
  }

  root(): Buffer {
    if (this.depth === 0) return Buffer.from(EMPTY_ROOT);
    const acc = new Int32Array(8);
    acc.set(this.words.subarray(8 * (this.depth - 1), 8 * this.depth));
    for (let k = this.depth - 2; k >= 0; k--) nodeWords(this.words, 8 * k, acc, 0, acc, 0);
    return bufferOfWords(acc, 0);
  }

  /** A cheap copy (≤ 64 hashes) to restore after a rolled-back append. */
  snapshot(): WordRangeState {
    return { words: this.words.slice(0, 8 * this.depth), levels: this.levels.slice(0, this.depth), count: this.count };
  }

  restore(state: WordRangeState): void {
    this.words.set(state.words);
    this.levels.set(state.levels);
    this.depth = state.levels.length;
    this.count = state.count;
  }

  /** Takes the edge of a tree of `size` leaves from its perfect subtrees (as CompactRange.fromSubtrees). */
  loadSubtrees(size: number, subtree: SubtreeSource): void {
    const words: number[] = [];
    const levels: number[] = [];
    let start = 0;
    for (let level = 52; level >= 0; level--) {
      const width = 2 ** level;
      if (size - start >= width) {
        const hash = subtree(level, start / width);
        const w = new Int32Array(8);
        wordsOfBuffer(hash, 0, w, 0);
        words.push(...w);
        levels.push(level);
        start += width;
      }
    }
    this.restore({ words: Int32Array.from(words), levels: Uint8Array.from(levels), count: size });
  }
}
