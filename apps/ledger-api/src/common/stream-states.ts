import type { TimedEvent } from '@ledger/domain';

/**
 * A stream as the command processor last folded it: the decider's state after `revision`, and what
 * else a command needs of the stream's history, so that the next command on it reads and folds only
 * the events appended since (by anyone: this process, another instance, an import).
 */
export interface FoldedStream<S> {
  /** The decider the state was folded with: a stream folded by another decider is another entry. */
  decider: object;
  /** Revision of the last event folded. */
  revision: number;
  position: bigint;
  /** Deep-frozen: shared by every command on the stream until the next fold replaces it. */
  state: S;
  /** The event `beganAt` picks from the history (its latest beginning, else its first event). */
  began: TimedEvent;
  /**
   * Command ids (lower case) whose events the stream holds, up to `revision` at least. A command
   * whose id is here is a retry: it is answered from the whole stream, as without this cache.
   */
  commandIds: Set<string>;
}

/**
 * Folded streams, least recently used first out. Bounded by streams and by the command ids they
 * hold (≈ events), so a few very long streams cannot hold the memory either.
 */
export class StreamStates {
  // `counted` is the entry's command ids as added to `held`: the set itself is shared with the entry
  // that replaces it and grows in place, so its size then is not what was counted.
  private readonly entries = new Map<string, { entry: FoldedStream<unknown>; counted: number }>();
  private held = 0;

  constructor(
    private readonly maxStreams = 20_000,
    private readonly maxCommandIds = 400_000,
  ) {}

  get<S>(streamId: string, decider: object): FoldedStream<S> | undefined {
    const kept = this.entries.get(streamId);
    if (!kept || kept.entry.decider !== decider) return undefined;
    this.entries.delete(streamId);
    this.entries.set(streamId, kept);
    return kept.entry as FoldedStream<S>;
  }

  /** Keeps the entry unless a later revision of the stream is already held (commands race). */
  set<S>(streamId: string, entry: FoldedStream<S>): void {
    const current = this.entries.get(streamId);
    if (current && current.entry.decider === entry.decider && current.entry.revision >= entry.revision) return;
    if (current) {
      this.held -= current.counted;
      this.entries.delete(streamId);
    }
    const counted = entry.commandIds.size;
    if (counted > this.maxCommandIds / 4) return;
    this.entries.set(streamId, { entry: entry as FoldedStream<unknown>, counted });
    this.held += counted;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.maxStreams && this.held <= this.maxCommandIds) break;
      this.entries.delete(oldest);
      this.held -= old.counted;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Command ids counted against the bound. */
  get commandIdsHeld(): number {
    return this.held;
  }
}

/** Freezes a state and everything reachable from it that is not frozen yet (unchanged parts already are). */
export function freezeDeep<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const member of Object.values(value)) freezeDeep(member);
  return value;
}
