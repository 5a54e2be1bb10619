import { upcastAll } from '@ledger/domain';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { freezeDeep } from '../common/stream-states';

/**
 * The upcast histories of the streams registrations judge against (accounts, query items), kept
 * between requests: each request reads only what was appended since (by anyone: this process,
 * another instance), a one-row read, instead of reading and parsing the whole stream again. Events
 * are append-only, so the history kept plus that tail is the history a full read gives. Frozen:
 * shared by every registration folding them. Bounded by streams and by events, oldest used first out.
 */
export class StreamHistories {
  private readonly kept = new Map<string, readonly RecordedEvent[]>();
  private held = 0;

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly maxStreams = 5_000,
    private readonly maxEvents = 100_000,
  ) {}

  async read(streamId: string): Promise<readonly RecordedEvent[]> {
    const known = this.kept.get(streamId);
    const from = known && known.length > 0 ? known[known.length - 1].revision + 1 : 0;
    const tail = upcastAll(await this.store.readStream(streamId, from > 0 ? { fromRevision: from } : {})) as RecordedEvent[];
    const history = tail.length === 0 ? (known ?? []) : [...(known ?? []), ...tail.map((e) => freezeDeep(e))];
    // Another read of the stream may have kept a longer history meanwhile: the longest is kept.
    const current = this.kept.get(streamId);
    if (!current || current.length < history.length) this.keep(streamId, history);
    else this.touch(streamId, current);
    return history;
  }

  get size(): number {
    return this.kept.size;
  }

  private touch(streamId: string, history: readonly RecordedEvent[]): void {
    this.kept.delete(streamId);
    this.kept.set(streamId, history);
  }

  private keep(streamId: string, history: readonly RecordedEvent[]): void {
    const old = this.kept.get(streamId);
    if (old) {
      this.held -= old.length;
      this.kept.delete(streamId);
    }
    if (history.length > this.maxEvents / 4) return;
    this.kept.set(streamId, history);
    this.held += history.length;
    for (const [oldest, events] of this.kept) {
      if (this.kept.size <= this.maxStreams && this.held <= this.maxEvents) break;
      this.kept.delete(oldest);
      this.held -= events.length;
    }
  }
}
