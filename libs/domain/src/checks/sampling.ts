import { ValidationError } from '../core/domain-error';
import { type TaipeiMonth } from '../core/calendar';


/**
 * 要點 十二(一): the monthly sampling check, as rules an outsider can recompute. Pure: the SHA-256
 * primitive is passed in (the domain imports no crypto); any correct SHA-256 gives the same draw.
 */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/**
 * 要點 十二(一): at least 3 % of the month's queries and never fewer than 10; a month with fewer
 * than 10 queries is checked in full. Integer arithmetic (ceil(3N/100)) so that no float rounding
 * moves a boundary: N = 333 → 10, N = 334 → 11.
 */
export function sampleSize(population: number): number {
  if (!Number.isSafeInteger(population) || population < 0) throw new ValidationError('population', 'must be a whole number ≥ 0');
  if (population < 10) return population;
  return Math.max(10, Math.floor((3 * population + 99) / 100));
}

/** The checkpoint that closes a month: the first one the ledger signed at or after the month's end. */
export interface SeedCheckpoint {
  origin: string;
  treeSize: number;
  /** Base64, exactly as in the signed note's third line. */
  rootHash: string;
}

export interface SampleInput {
  agencyCode: string;
  month: TaipeiMonth;
  checkpoint: SeedCheckpoint;
  /** SHA-256 (hex) of each WebIR log file imported for the month. */
  logDigests: readonly string[];
  /** Ids of the month's logged queries, in any order: they are put in canonical order here. */
  entryIds: readonly string[];
}

export const SAMPLING_ALGORITHM = 'webir-ledger monthly sample v1';

export interface SampleDraw {
  algorithm: typeof SAMPLING_ALGORITHM;
  population: number;
  sampleSize: number;
  /** SHA-256 (hex) of the canonical entry ids joined by "\n". */
  populationDigest: string;
  /** Canonical: lowercase, sorted, without duplicates. */
  logDigests: string[];
  /** The seed material as hashed (UTF-8), published so anyone can see what went in. */
  seedMaterial: string;
  /** SHA-256 (hex) of seedMaterial. */
  seed: string;
  /** Positions (0-based) in the canonical order, in draw order. */
  indices: number[];
  /** The sampled entry ids, in draw order. */
  sample: string[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const utf8 = (s: string) => new TextEncoder().encode(s);
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Canonical order of the population: ascending by UTF-16 code units (byte order for the ASCII ids the ledger issues), duplicates removed. */
export function canonicalEntryIds(entryIds: readonly string[]): string[] {
  // The default sort compares UTF-16 code units: the canonical order, and natively fast.
  const sorted = [...entryIds].sort();
  return sorted.filter((id, i) => i === 0 || id !== sorted[i - 1]);
}

export function canonicalLogDigests(digests: readonly string[]): string[] {
  const lower = digests.map((d, i) => {
    const v = String(d).toLowerCase();
    if (!HEX64.test(v)) throw new ValidationError(`logDigests.${i}`, 'must be a SHA-256 digest (64 hex digits)');
    return v;
  });
  return canonicalEntryIds(lower);
}

/**
 * The seed material, one line each, every line ending in "\n":
 *   webir-ledger monthly sample v1
 *   agency <agencyCode>
 *   month <YYYY-MM>
 *   checkpoint <origin> <tree size> <root hash, base64 as in the note>
 *   log <sha-256 hex>            (one line per log digest, sorted; none when no log was imported)
 *   population <N> <population digest hex>
 */
export function seedMaterialOf(input: Omit<SampleInput, 'entryIds'> & { population: number; populationDigest: string }): string {
  const lines = [
    SAMPLING_ALGORITHM,
    `agency ${input.agencyCode}`,
    `month ${input.month}`,
    `checkpoint ${input.checkpoint.origin} ${input.checkpoint.treeSize} ${input.checkpoint.rootHash}`,
    ...canonicalLogDigests(input.logDigests).map((d) => `log ${d}`),
    `population ${input.population} ${input.populationDigest}`,
  ];
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * SHA-256 in counter mode: block i = SHA-256(seed ‖ i as 8-byte big-endian), i = 0, 1, …; each
 * block gives eight 32-bit big-endian words, used in order.
 */
class WordStream {
  private block: Uint8Array = new Uint8Array(0);
  private offset = 32;
  private counter = 0;
  constructor(
    private readonly seed: Uint8Array,
    private readonly sha256: Sha256,
  ) {}

  next(): number {
    if (this.offset >= 32) {
      const input = new Uint8Array(this.seed.length + 8);
      input.set(this.seed);
      const view = new DataView(input.buffer);
      view.setUint32(this.seed.length, Math.floor(this.counter / 2 ** 32));
      view.setUint32(this.seed.length + 4, this.counter >>> 0);
      this.block = this.sha256(input);
      this.counter += 1;
      this.offset = 0;
    }
    const b = this.block;
    const o = this.offset;
    this.offset += 4;
    return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  /** Uniform in [0, m) without modulo bias: words at or above 2^32 − (2^32 mod m) are skipped. */
  below(m: number): number {
    const limit = 2 ** 32 - (2 ** 32 % m);
    for (;;) {
      const x = this.next();
      if (x < limit) return x % m;
    }
  }
}

/**
 * The draw: k = sampleSize(N) positions chosen without replacement by a partial Fisher–Yates
 * shuffle of [0, N): for j = 0 … k−1, r = j + below(N − j), swap a[j] and a[r]; the sample is
 * a[0 … k−1] (one word is used even when N − j = 1).
 */
export function drawSample(input: SampleInput, sha256: Sha256): SampleDraw {
  const entryIds = canonicalEntryIds(input.entryIds);
  const population = entryIds.length;
  const populationDigest = hex(sha256(utf8(entryIds.join('\n'))));
  const logDigests = canonicalLogDigests(input.logDigests);
  const seedMaterial = seedMaterialOf({ ...input, logDigests, population, populationDigest });
  const seedBytes = sha256(utf8(seedMaterial));
  const k = sampleSize(population);
  const words = new WordStream(seedBytes, sha256);
  const a = new Uint32Array(population);
  for (let i = 0; i < population; i++) a[i] = i;
  const indices: number[] = [];
  for (let j = 0; j < k; j++) {
    const r = j + words.below(population - j);
    const t = a[j];
    a[j] = a[r];
    a[r] = t;
    indices.push(a[j]);
  }
  return {
    algorithm: SAMPLING_ALGORITHM,
    population,
    sampleSize: k,
    populationDigest,
    logDigests,
    seedMaterial,
    seed: hex(seedBytes),
    indices,
    sample: indices.map((i) => entryIds[i]),
  };
}
