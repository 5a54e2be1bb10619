import { CompactRange, consistencyProof, HASH_SIZE, inclusionProof, leafHash, nodeHash, treeRoot, type SubtreeSource } from '@ledger/integrity';
import { computeEventHash } from '../integrity';
import type { LedgerTree, ReadAllOptions, RecordedEvent } from '../types';

/** Perfect subtrees of 2^4 = 16 leaves and more are kept; smaller ones are rehashed from the leaves. */
export const INDEX_STORED_LEVEL = 4;
const HEX_HASH = /^[0-9a-f]{64}$/;

/**
 * The Merkle tree over a log whose positions are not dense (EventStoreDB's $all): leaf i is the i-th
 * ledger event in $all order, i.e. the ledger's own sequence, and the positions are kept next to it to
 * map one onto the other. It is derived from the log alone, kept in memory (≈ 32 bytes of leaf, 8 of
 * position and one event-id entry per event), built by reading $all the first time it is asked and
 * extended by reading on from the last event it holds whenever it is asked about a size, position or
 * event it has not seen yet. Nothing is stored on the server: there is no stored tree an attacker
 * could edit to match, and a log changed behind the service's back shows as checkpoints (in the
 * ledger and at the witnesses) the log no longer extends.
 */
export class LedgerTreeIndex implements LedgerTree {
  readonly storedLevel = INDEX_STORED_LEVEL;
  private leafBytes = Buffer.alloc(HASH_SIZE * 1024);
  private positions = new BigUint64Array(1024);
  private count = 0;
  private readonly nodes: Buffer[][] = [];
  private readonly range = new CompactRange((level, index, hash) => {
    (this.nodes[level] ??= [])[index] = hash;
  }, INDEX_STORED_LEVEL);
  private readonly byEventId = new Map<string, number>();
  private lastPosition: bigint | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly readAll: (options: ReadAllOptions) => Promise<RecordedEvent[]>,
    private readonly pageSize = 5000,
  ) {}

  /** Leaves held so far, without reading the log. */
  get heldSize(): number {
    return this.count;
  }

  /**
   * Reads the log on from the last event held. A call made while a read is running waits for one
   * more read after it (that one may have passed the end before the caller's append landed);
   * callers arriving meanwhile share that next read.
   */
  catchUp(): Promise<void> {
    if (this.queued) return this.queued;
    const previous = this.running ? this.running.catch(() => undefined) : Promise.resolve();
    const next: Promise<void> = previous.then(() => {
      if (this.queued === next) this.queued = undefined;
      this.running = next;
      return this.readOn();
    });
    this.queued = next;
    void next
      .finally(() => {
        if (this.running === next) this.running = undefined;
      })
      .catch(() => undefined);
    return next;
  }

  private async readOn(): Promise<void> {
    for (;;) {
      const page = await this.readAll({ after: this.lastPosition, maxCount: this.pageSize });
      for (const event of page) this.add(event);
      if (page.length < this.pageSize) return;
    }
  }

  /** One event in log order; the leaf bytes are the event's own hash as stored (what the verifier compares). */
  add(event: RecordedEvent): void {
    if (this.lastPosition !== undefined && event.position <= this.lastPosition) return;
    const stored = (event.metadata as { hash?: unknown }).hash;
    const hex = typeof stored === 'string' && HEX_HASH.test(stored) ? stored : computeEventHash(event);
    if (this.count === this.positions.length) this.grow();
    const offset = this.count * HASH_SIZE;
    this.leafBytes.write(hex, offset, HASH_SIZE, 'hex');
    this.positions[this.count] = event.position;
    this.byEventId.set(event.eventId.toLowerCase(), this.count);
    this.count += 1;
    this.lastPosition = event.position;
    this.range.appendLeafHash(leafHash(this.leafBytes.subarray(offset, offset + HASH_SIZE)));
  }

  private grow(): void {
    const positions = new BigUint64Array(this.positions.length * 2);
    positions.set(this.positions);
    this.positions = positions;
    const leaves = Buffer.alloc(this.leafBytes.length * 2);
    this.leafBytes.copy(leaves);
    this.leafBytes = leaves;
  }

  /**
   * Greatest ledger position held that is ≤ `position`; undefined when `position` lies outside the
   * positions held (nothing is known about what lies between the last one and it).
   */
  floorPosition(position: bigint): bigint | undefined {
    if (this.lastPosition === undefined || position > this.lastPosition) return undefined;
    let lo = 0;
    let hi = this.count - 1;
    let found: bigint | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.positions[mid];
      if (p <= position) {
        found = p;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private readonly subtree: SubtreeSource = (level, index) => {
    const width = 2 ** level;
    if ((index + 1) * width > this.count) throw new RangeError(`the log has no complete subtree at level ${level} index ${index}`);
    if (level >= INDEX_STORED_LEVEL) {
      const held = this.nodes[level]?.[index];
      if (!held) throw new RangeError(`no subtree held at level ${level} index ${index}`);
      return held;
    }
    let row: Buffer[] = [];
    for (let i = index * width; i < (index + 1) * width; i++) row.push(leafHash(this.leafBytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)));
    while (row.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < row.length; i += 2) next.push(nodeHash(row[i], row[i + 1]));
      row = next;
    }
    return row[0];
  };

  private async ensureSize(size: number): Promise<void> {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`tree size ${size} is not a size`);
    if (size > this.count) await this.catchUp();
    if (size > this.count) throw new RangeError(`tree size ${size} is beyond the log's ${this.count} events`);
  }

  async size(): Promise<number> {
    await this.catchUp();
    return this.count;
  }

  async root(size?: number): Promise<Buffer> {
    if (size === undefined) await this.catchUp();
    else await this.ensureSize(size);
    const n = size ?? this.count;
    return n === this.count ? this.range.root() : treeRoot(this.subtree, n);
  }

  async inclusionProof(leafIndex: number, treeSize: number): Promise<Buffer[]> {
    await this.ensureSize(treeSize);
    return inclusionProof(this.subtree, leafIndex, treeSize);
  }

  async consistencyProof(first: number, second: number): Promise<Buffer[]> {
    await this.ensureSize(second);
    return consistencyProof(this.subtree, first, second);
  }

  async positionOfEvent(eventId: string): Promise<bigint | undefined> {
    const key = eventId.toLowerCase();
    if (!this.byEventId.has(key)) await this.catchUp();
    const index = this.byEventId.get(key);
    return index === undefined ? undefined : this.positions[index];
  }

  async leafIndexOf(position: bigint): Promise<number | undefined> {
    if (this.lastPosition === undefined || position > this.lastPosition) await this.catchUp();
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.positions[mid];
      if (p === position) return mid;
      if (p < position) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  async storedNodes(): Promise<{ level: number; index: number; hash: Buffer }[]> {
    await this.catchUp();
    const out: { level: number; index: number; hash: Buffer }[] = [];
    this.nodes.forEach((row, level) => row?.forEach((hash, index) => out.push({ level, index, hash })));
    return out;
  }

  async leaves(start: number, count: number): Promise<string[]> {
    if (start + count > this.count) await this.catchUp();
    const out: string[] = [];
    for (let i = start; i < Math.min(start + count, this.count); i++) out.push(this.leafBytes.toString('hex', i * HASH_SIZE, (i + 1) * HASH_SIZE));
    return out;
  }
}
