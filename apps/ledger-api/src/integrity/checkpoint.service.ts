import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { taipeiDateOf } from '@ledger/domain';
import {
  announceSigningKey,
  CHECKPOINT_STREAM,
  issueCheckpoint,
  readAnnouncedKeys,
  readLoggedCheckpoints,
  type CheckpointIssuedData,
  type CheckpointReason,
  type EventStore,
  type LoggedCheckpoint,
} from '@ledger/event-store';
import { DirectoryWitness, HttpWitness, verifierOf, WitnessRefusal, type SignerKey, type VerifierKey, type Witness } from '@ledger/integrity';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { CLOCK, EVENT_STORE, type Clock } from '../infrastructure/event-store.provider';
import { loadSigningKey } from './signing-key';

export interface LatestCheckpoint {
  note: string;
  treeSize: number;
  rootHash: string;
  position: string;
  recordedAt: string;
  reason: CheckpointReason;
}

export interface WitnessStatus {
  witness: string;
  ok: boolean;
  treeSize?: number;
  detail?: string;
  at: string;
}

const taipeiMonth = (instant: Date) => taipeiDateOf(instant).slice(0, 7);

/**
 * Signs the Merkle tree every N events or T seconds (whichever first) and when an Asia/Taipei month
 * closes, appends each checkpoint to the ledger and hands it to the witnesses.
 */
@Injectable()
export class CheckpointService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Checkpoints');
  private signer?: SignerKey;
  private keySource?: string;
  private timer?: NodeJS.Timeout;
  private busy = false;
  private keyAnnounced = false;
  private latestIssued?: LatestCheckpoint;
  private lastIssuedAtMs = 0;
  /** Set when the log holds an old tail no checkpoint covers: not signed automatically (see README). */
  private blocked?: string;
  readonly witnesses: Witness[] = [];
  readonly witnessStatus: WitnessStatus[] = [];

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.store.tree !== undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { signer, source } = loadSigningKey(this.config);
    this.signer = signer;
    this.keySource = source;
    if (!this.enabled) {
      this.logger.warn(`the ${this.store.kind} adapter keeps no Merkle tree yet: no checkpoints are issued`);
      return;
    }
    const keys = () => this.verifierKeys;
    if (this.config.integrity.witnessDir) this.witnesses.push(new DirectoryWitness(this.config.integrity.witnessDir, keys));
    if (this.config.integrity.witnessUrl) this.witnesses.push(new HttpWitness(this.config.integrity.witnessUrl, keys));
    await this.refreshKeys();

    const [last] = await this.store.readStream(CHECKPOINT_STREAM, { direction: 'backwards', maxCount: 1 });
    if (last) {
      this.latestIssued = toLatest(last as LoggedCheckpoint['event']);
      const [next] = await this.store.readAll({ after: last.position, maxCount: 1 });
      const grace = this.maxUncoveredAgeMs;
      if (next && this.clock().getTime() - Date.parse(next.metadata.recordedAt) > grace) {
        this.blocked = `events from position ${next.position} on were recorded while no checkpoint was being issued (${next.metadata.recordedAt}); verify the ledger, then issue a checkpoint on demand (POST /ledger/checkpoints)`;
        this.logger.error(this.blocked);
      }
    }
    // Intervals run on the process clock (the ledger clock may be fixed in tests); the first is due T after start.
    this.lastIssuedAtMs = Date.now();
    this.timer = setInterval(() => void this.tick(), 1000);
    this.timer.unref();
  }

  /**
   * A graceful stop covers the tail, so that a restart finds no uncovered events (which it would hold
   * checkpoints back for). Only once the ledger has checkpoints at all: a ledger without any is left as is.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.store.tree || !this.latestIssued || this.blocked) return;
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    try {
      if ((await this.store.tree.size()) > (await this.coveredLeaves())) await this.issue('shutdown');
    } catch (error) {
      this.logger.error(`checkpoint at shutdown failed: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  /** The window the verifier allows for events not yet covered by a checkpoint. */
  get maxUncoveredAgeMs(): number {
    return 2 * this.config.integrity.checkpointIntervalSeconds * 1000 + 60_000;
  }

  private announced: VerifierKey[] = [];
  get verifierKeys(): VerifierKey[] {
    return this.signer ? [verifierOf(this.signer), ...this.announced] : this.announced;
  }

  get publicKey(): VerifierKey {
    if (!this.signer) throw new Error('the signing key is not loaded yet');
    return verifierOf(this.signer);
  }

  get signingKeySource(): string | undefined {
    return this.keySource;
  }

  get status() {
    return { enabled: this.enabled, blocked: this.blocked, latest: this.latestIssued, witnesses: this.witnessStatus };
  }

  private async refreshKeys(): Promise<void> {
    this.announced = (await readAnnouncedKeys(this.store)).map((a) => a.key);
  }

  async latest(): Promise<LatestCheckpoint | undefined> {
    if (this.latestIssued) return this.latestIssued;
    const [last] = await this.store.readStream(CHECKPOINT_STREAM, { direction: 'backwards', maxCount: 1 });
    return last ? toLatest(last as LoggedCheckpoint['event']) : undefined;
  }

  async logged(): Promise<LoggedCheckpoint[]> {
    return readLoggedCheckpoints(this.store);
  }

  /** Called every second: cheap unless a checkpoint is due. */
  async tick(): Promise<void> {
    if (this.busy || this.blocked || !this.store.tree) return;
    this.busy = true;
    try {
      const size = await this.store.tree.size();
      const now = this.clock();
      const coveredUpTo = await this.coveredLeaves(); // its own event needs no cover
      const lastSize = this.latestIssued?.treeSize ?? 0;
      if (this.latestIssued && taipeiMonth(now) !== taipeiMonth(new Date(this.latestIssued.recordedAt))) {
        await this.issue('month-close', taipeiMonth(new Date(this.latestIssued.recordedAt)));
        return;
      }
      if (size <= coveredUpTo) return;
      if (size - lastSize >= this.config.integrity.checkpointEveryEvents) await this.issue('events');
      else if (Date.now() - this.lastIssuedAtMs >= this.config.integrity.checkpointIntervalSeconds * 1000) await this.issue('interval');
    } catch (error) {
      this.logger.error(`checkpoint failed: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Leaves up to and including the latest checkpoint's own event. Positions are leaf numbers only on
   * the embedded store (EventStoreDB's $all positions are not dense), so the tree maps it.
   */
  private async coveredLeaves(): Promise<number> {
    if (!this.latestIssued || !this.store.tree) return 0;
    const leaf = await this.store.tree.leafIndexOf(BigInt(this.latestIssued.position));
    return leaf === undefined ? this.latestIssued.treeSize : leaf + 1;
  }

  /** Signs the tree now, appends the checkpoint and hands it to every witness. */
  async issue(reason: CheckpointReason, monthClosed?: string): Promise<LatestCheckpoint> {
    if (!this.signer || !this.store.tree) throw new Error('checkpoints are not available on this store');
    if (!this.keyAnnounced) {
      if (await announceSigningKey(this.store, this.signer, this.clock())) await this.refreshKeys();
      this.keyAnnounced = true;
    }
    const issued = await issueCheckpoint(this.store, this.signer, { reason, monthClosed, now: this.clock() });
    this.lastIssuedAtMs = Date.now();
    this.blocked = undefined;
    const [event] = await this.store.readAll({ after: issued.position - 1n, maxCount: 1 });
    this.latestIssued = toLatest(event as LoggedCheckpoint['event']);
    await this.handToWitnesses(issued.note, issued.treeSize);
    return this.latestIssued;
  }

  private async handToWitnesses(note: string, treeSize: number): Promise<void> {
    const tree = this.store.tree!;
    for (const witness of this.witnesses) {
      const at = this.clock().toISOString();
      try {
        await witness.add(note, (a, b) => tree.consistencyProof(a, b));
        this.setWitness({ witness: witness.name, ok: true, treeSize, at });
      } catch (error) {
        const detail = (error as Error).message;
        this.setWitness({ witness: witness.name, ok: false, treeSize, detail, at });
        // A refusal means the log this witness saw before is not a prefix of today's: tampering or a fork.
        if (error instanceof WitnessRefusal) this.logger.error(detail);
        else this.logger.warn(`witness ${witness.name} unreachable: ${detail}`);
      }
    }
  }

  private setWitness(status: WitnessStatus): void {
    const i = this.witnessStatus.findIndex((w) => w.witness === status.witness);
    if (i >= 0) this.witnessStatus[i] = status;
    else this.witnessStatus.push(status);
  }
}

function toLatest(event: LoggedCheckpoint['event']): LatestCheckpoint {
  const data = event.data as CheckpointIssuedData;
  return { note: data.note, treeSize: data.treeSize, rootHash: data.rootHash, position: event.position.toString(), recordedAt: event.metadata.recordedAt, reason: data.reason };
}
