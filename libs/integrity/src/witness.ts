import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { verifyConsistency } from './merkle';
import { openCheckpoint, type VerifierKey } from './note';

/** A witness refused a checkpoint: the log it saw before is not a prefix of the one now signed. */
export class WitnessRefusal extends Error {
  constructor(
    readonly witness: string,
    message: string,
    /** The size the witness holds, when it said so (tlog-witness answers 409 with it). */
    readonly heldSize?: number,
  ) {
    super(`witness ${witness} refused the checkpoint: ${message}`);
    this.name = 'WitnessRefusal';
  }
}

/** Supplies the consistency proof from the size a witness holds to the size being added. */
export type ProofFrom = (oldSize: number, newSize: number) => Promise<Buffer[]>;

export interface Witness {
  readonly name: string;
  /** Accepts the checkpoint when it extends the last one held (checked with the proof), else throws WitnessRefusal. */
  add(note: string, proofFrom: ProofFrom): Promise<void>;
}

/**
 * Checks that `next` extends `held` (same origin, not smaller, consistency proof valid); throws a
 * WitnessRefusal otherwise. Shared by the directory witness and the HTTP witness test server.
 */
export function checkExtends(witness: string, held: string | undefined, next: string, keys: VerifierKey[], proof: Buffer[]): void {
  let incoming;
  try {
    incoming = openCheckpoint(next, keys);
  } catch (error) {
    throw new WitnessRefusal(witness, (error as Error).message);
  }
  if (!held) return;
  const old = openCheckpoint(held, keys);
  if (old.origin !== incoming.origin) throw new WitnessRefusal(witness, `origin ${incoming.origin} is not ${old.origin}`);
  if (incoming.size < old.size) throw new WitnessRefusal(witness, `tree size ${incoming.size} is smaller than the ${old.size} it holds`, old.size);
  if (!verifyConsistency(old.size, incoming.size, old.rootHash, incoming.rootHash, proof)) {
    throw new WitnessRefusal(witness, `the tree of size ${incoming.size} does not extend the tree of size ${old.size} it holds`, old.size);
  }
}

/**
 * A directory the store's attacker cannot write (another disk, host or account): holds the latest
 * checkpoint in `checkpoint` and every accepted one under `history/`. It accepts only checkpoints
 * that extend the one it holds.
 */
export class DirectoryWitness implements Witness {
  readonly name: string;
  constructor(
    private readonly dir: string,
    private readonly keys: () => VerifierKey[],
  ) {
    this.name = `dir:${dir}`;
  }

  latest(): string | undefined {
    const file = join(this.dir, 'checkpoint');
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  async add(note: string, proofFrom: ProofFrom): Promise<void> {
    const held = this.latest();
    const keys = this.keys();
    let proof: Buffer[] = [];
    if (held) {
      const oldSize = openCheckpoint(held, keys).size;
      const newSize = openCheckpoint(note, keys).size;
      if (oldSize > 0 && oldSize < newSize) proof = await proofFrom(oldSize, newSize);
    }
    checkExtends(this.name, held, note, keys, proof);
    mkdirSync(join(this.dir, 'history'), { recursive: true });
    const size = openCheckpoint(note, keys).size;
    writeFileSync(join(this.dir, 'history', `${String(size).padStart(12, '0')}.checkpoint`), note, { mode: 0o644 });
    const tmp = join(this.dir, `.checkpoint.${process.pid}.tmp`);
    writeFileSync(tmp, note, { mode: 0o644 });
    renameSync(tmp, join(this.dir, 'checkpoint'));
  }
}

/** Body of a C2SP tlog-witness add-checkpoint request: `old N`, proof lines, blank line, checkpoint. */
export function formatAddCheckpoint(oldSize: number, proof: Buffer[], note: string): string {
  return `old ${oldSize}\n${proof.map((p) => p.toString('base64') + '\n').join('')}\n${note}`;
}

export function parseAddCheckpoint(body: string): { oldSize: number; proof: Buffer[]; note: string } {
  const split = body.indexOf('\n\n');
  if (split < 0) throw new Error('add-checkpoint: expected a blank line before the checkpoint');
  const [first, ...proofLines] = body.slice(0, split).split('\n');
  const m = /^old (0|[1-9][0-9]*)$/.exec(first);
  if (!m) throw new Error('add-checkpoint: first line must be "old <size>"');
  return { oldSize: Number(m[1]), proof: proofLines.map((l) => Buffer.from(l, 'base64')), note: body.slice(split + 2) };
}

/**
 * A witness reached over HTTP with the C2SP tlog-witness protocol: POST <url>/add-checkpoint; 409
 * answers with the size it holds (text/x.tlog.size), and the request is retried once from there.
 */
export class HttpWitness implements Witness {
  readonly name: string;
  private heldSize = 0;
  constructor(
    private readonly url: string,
    private readonly keys: () => VerifierKey[],
    private readonly timeoutMs = 5000,
  ) {
    this.name = `http:${url}`;
  }

  async add(note: string, proofFrom: ProofFrom): Promise<void> {
    const size = openCheckpoint(note, this.keys()).size;
    for (let attempt = 0; attempt < 2; attempt++) {
      const old = Math.min(this.heldSize, size);
      const proof = old > 0 && old < size ? await proofFrom(old, size) : [];
      const res = await fetch(`${this.url.replace(/\/$/, '')}/add-checkpoint`, {
        method: 'POST',
        body: formatAddCheckpoint(old, proof, note),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      if (res.ok) {
        this.heldSize = size;
        return;
      }
      if (res.status === 409 && /^\d+\s*$/.test(text) && attempt === 0) {
        this.heldSize = Number(text.trim());
        if (this.heldSize > size) throw new WitnessRefusal(this.name, `it holds a larger tree (${this.heldSize}) than ${size}`, this.heldSize);
        continue;
      }
      throw new WitnessRefusal(this.name, `HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    throw new WitnessRefusal(this.name, 'the size it holds kept changing');
  }
}
