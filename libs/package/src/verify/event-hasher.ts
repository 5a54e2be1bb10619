import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { computeEventHash } from '@ledger/event-store/integrity';
import type { EventMetadata } from '@ledger/event-store/types';
import type { LineReader } from './line-reader';

const ROLE = 'webir-ledger/package-event-hasher';

/**
 * The hash one events.jsonl line's event hashes to, or null where the line is not an event the
 * verifier hashes (not JSON, fields missing) or hashing it throws: the verifier then takes the line
 * in its own thread, so a worker's answer can only ever save work, never change a finding.
 */
export function hashEventLine(text: string): string | null {
  try {
    const e = JSON.parse(text) as { streamId?: unknown; revision?: unknown; type: string; data: unknown; metadata?: { hash?: unknown } };
    if (typeof e.streamId !== 'string' || !Number.isInteger(e.revision) || typeof e.metadata?.hash !== 'string') return null;
    return computeEventHash({ streamId: e.streamId, revision: e.revision as number, type: e.type, data: e.data as never, metadata: e.metadata as unknown as EventMetadata });
  } catch {
    return null;
  }
}

/** A batch of lines is sent as one string (lines never hold LF) and answered with one entry per line. */
interface Request {
  id: number;
  text: string;
}
interface Reply {
  id: number;
  hashes: (string | null)[];
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) {
  parentPort!.on('message', ({ id, text }: Request) => {
    parentPort!.postMessage({ id, hashes: text.split('\n').map(hashEventLine) } satisfies Reply);
  });
}

/**
 * One worker thread recomputing events' hashes beside the thread that reads the zip and checks chains,
 * proofs and sections. Any failure of the worker (it cannot start, it dies) answers "not hashed" for
 * what is pending and later, and the verifier hashes those lines itself.
 */
export class EventHasher {
  private readonly worker: Worker | undefined;
  private readonly pending = new Map<number, (hashes: (string | null)[] | undefined) => void>();
  private nextId = 0;
  private dead = false;

  constructor() {
    try {
      // From the TypeScript sources (tests, benches) the worker registers the same loader first; the built
      // output's file is plain JavaScript next to this one.
      const file = __filename;
      const source = file.endsWith('.ts')
        ? `require(${JSON.stringify(require.resolve('@swc-node/register'))}); require(${JSON.stringify(file)});`
        : `require(${JSON.stringify(join(__dirname, 'event-hasher.js'))});`;
      this.worker = new Worker(source, { eval: true, workerData: { role: ROLE } });
      this.worker.on('message', ({ id, hashes }: Reply) => {
        this.pending.get(id)?.(hashes);
        this.pending.delete(id);
        if (this.pending.size === 0) this.worker?.unref();
      });
      this.worker.on('error', () => this.fail());
      this.worker.on('exit', () => this.fail());
      // Referenced while hashes are awaited (an unreferenced worker would let the process exit mid-check), never after.
      this.worker.unref();
    } catch {
      this.dead = true;
    }
  }

  private fail(): void {
    this.dead = true;
    for (const resolve of this.pending.values()) resolve(undefined);
    this.pending.clear();
  }

  /** One hash (or null) per line, in order; undefined when the worker could not answer. */
  hash(lines: string[]): Promise<(string | null)[] | undefined> {
    if (this.dead || !this.worker) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (this.pending.size === 0) this.worker!.ref();
      this.pending.set(id, (hashes) => resolve(hashes && hashes.length === lines.length ? hashes : undefined));
      this.worker!.postMessage({ id, text: lines.join('\n') } satisfies Request);
    });
  }

  close(): void {
    if (this.worker && !this.dead) void this.worker.terminate();
    this.fail();
  }
}

/** auto: a worker once the file runs past one batch (small packages are not worth a thread); always; never. */
export type HashWorkerMode = 'auto' | 'always' | 'never';

interface Batch {
  lines: string[];
  hashes: Promise<(string | null)[] | undefined>;
  /** The read error met after these lines, raised once they have been taken, as a plain read would. */
  error?: Error;
}

/**
 * events.jsonl's lines, read ahead in batches whose hashes a worker computes meanwhile. At most
 * `inFlight` batches are held, so memory stays bounded whatever the file's size; each line comes
 * with its worker hash, or undefined/null where the caller must hash it itself.
 */
export class HashedLines {
  private readonly queue: Batch[] = [];
  private current: Batch | undefined;
  private at = 0;
  private ended = false;
  private hasher: EventHasher | undefined;
  private batches = 0;
  private currentHashes: (string | null)[] | undefined;

  constructor(
    private readonly reader: LineReader,
    private readonly mode: HashWorkerMode,
    private readonly batchLines = 2000,
    private readonly inFlight = 3,
  ) {}

  private async readBatch(): Promise<Batch | undefined> {
    const lines: string[] = [];
    let error: Error | undefined;
    try {
      while (lines.length < this.batchLines) {
        const line = await this.reader.next();
        if (line === undefined) {
          this.ended = true;
          break;
        }
        lines.push(line);
      }
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
      this.ended = true;
    }
    if (lines.length === 0 && error === undefined) return undefined;
    const n = this.batches++;
    if (!this.hasher && this.mode !== 'never' && (this.mode === 'always' || (n >= 1 && lines.length > 0))) this.hasher = new EventHasher();
    return { lines, error, hashes: this.hasher && lines.length > 0 ? this.hasher.hash(lines) : Promise.resolve(undefined) };
  }

  private async fill(): Promise<void> {
    while (!this.ended && this.queue.length < this.inFlight) {
      const batch = await this.readBatch();
      if (batch) this.queue.push(batch);
    }
  }

  /** The next line and the hash the worker gave it, or undefined at the end. */
  async next(): Promise<{ text: string; hash: string | null | undefined } | undefined> {
    while (!this.current || this.at >= this.current.lines.length) {
      if (this.current?.error !== undefined) {
        const error = this.current.error;
        this.current = undefined;
        throw error;
      }
      if (this.queue.length === 0) await this.fill();
      const batch = this.queue.shift();
      if (!batch) return undefined;
      // Keep the worker fed before waiting for this batch's answer.
      await this.fill();
      this.current = batch;
      this.currentHashes = await batch.hashes;
      this.at = 0;
    }
    const i = this.at++;
    return { text: this.current.lines[i], hash: this.currentHashes?.[i] };
  }

  close(): void {
    this.hasher?.close();
  }
}
