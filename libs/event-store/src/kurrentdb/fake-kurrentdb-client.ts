import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendResult,
  type AppendStreamState,
  type EventData,
  type Filter,
  type ReadPosition,
  type ReadRevision,
} from '@kurrent/kurrentdb-client';
import type { KurrentClient } from './kurrentdb-event-store';

/**
 * Test double of the official client, for unit tests of the adapter's own logic only: it mimics
 * what the adapter relies on (inclusive $all start, exclusive backward start, non-dense
 * positions, StreamNotFoundError, WrongExpectedVersionError, system and `$ce-` link events in
 * $all, stream-name regex filters, idempotent writes) but it is not EventStoreDB and proves
 * nothing about the server.
 */
interface StoredRecord {
  streamId: string;
  id: string;
  type: string;
  revision: bigint;
  isJson: boolean;
  data: string;
  metadata: string;
  position: bigint;
  created: Date;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const never = <T>() => new Promise<T>(() => undefined);

function matches(filter: Filter | undefined, record: StoredRecord): boolean {
  if (!filter) return true;
  const subject = filter.filterOn === 'streamName' ? record.streamId : record.type;
  if ('regex' in filter) return new RegExp(filter.regex).test(subject);
  return filter.prefixes.some((p) => subject.startsWith(p));
}

export class FakeKurrentDbClient {
  readonly log: StoredRecord[] = [];
  /** Every call from now on waits forever, like a listener that accepts and never answers. */
  hang = false;
  /** The next call rejects with this error. */
  failNext: Error | undefined;
  appendCalls = 0;
  disposed = false;
  /** Delay before each event a read yields: a server that trickles. */
  readDelayMs = 0;
  /** Events handed out by reads, and reads not yet finished or cancelled. */
  pulled = 0;
  openReads = 0;
  private nextPosition = 1_000n;
  private readonly live = new Set<EventEmitter & { filter?: Filter }>();

  constructor() {
    // A fresh server already has system events in $all.
    this.write('$settings', [{ id: randomUUID(), type: '$metadata', data: '{}', metadata: '', isJson: true }]);
  }

  asClient(): KurrentClient {
    return this as unknown as KurrentClient;
  }

  private write(
    streamId: string,
    events: { id: string; type: string; data: string; metadata: string; isJson: boolean }[],
  ): StoredRecord[] {
    let revision = this.lastRevision(streamId);
    const written: StoredRecord[] = [];
    for (const e of events) {
      revision += 1n;
      const record: StoredRecord = { streamId, ...e, revision, position: this.nextPosition, created: new Date() };
      this.nextPosition += BigInt(120 + e.data.length + e.metadata.length);
      this.log.push(record);
      written.push(record);
    }
    return written;
  }

  private lastRevision(streamId: string): bigint {
    for (let i = this.log.length - 1; i >= 0; i--) if (this.log[i].streamId === streamId) return this.log[i].revision;
    return -1n;
  }

  private async enter(): Promise<void> {
    if (this.hang) await never();
    await tick();
    const failure = this.failNext;
    if (failure) {
      this.failNext = undefined;
      throw failure;
    }
  }

  async appendToStream(
    streamName: string,
    event: EventData | EventData[],
    options: { streamState?: AppendStreamState } = {},
  ): Promise<AppendResult> {
    this.appendCalls++;
    await this.enter();
    const events = Array.isArray(event) ? event : [event];
    const state = options.streamState ?? 'any';
    const current = this.lastRevision(streamName);
    // The server "will assure idempotency for all operations using any value in ExpectedVersion
    // except ANY" (the client's StreamState docs): the same event ids already stored right after
    // the expected revision are acknowledged as a success without writing — with no log position,
    // since nothing was committed — and a batch that only partly matches is a conflict.
    if (state !== 'any' && state !== 'stream_exists') {
      const from = state === 'no_stream' ? 0n : state + 1n;
      const there = this.log.filter((r) => r.streamId === streamName && r.revision >= from && r.revision < from + BigInt(events.length));
      const same = there.filter((r, i) => r.id === events[i]?.id).length;
      if (there.length === events.length && same === events.length) {
        return { success: true, nextExpectedRevision: there[there.length - 1].revision };
      }
    }
    const ok =
      state === 'any' ||
      (state === 'no_stream' && current === -1n) ||
      (state === 'stream_exists' && current !== -1n) ||
      (typeof state === 'bigint' && state === current);
    if (!ok) {
      throw new WrongExpectedVersionError(undefined, {
        streamName,
        expected: state,
        current: current === -1n ? 'no_stream' : current,
      });
    }
    const written = this.write(
      streamName,
      events.map((e) => ({
        id: e.id,
        type: e.type,
        isJson: e.contentType === 'application/json',
        data: JSON.stringify(e.data),
        metadata: e.metadata === undefined ? '' : JSON.stringify(e.metadata),
      })),
    );
    // What the $by_category projection adds behind every write.
    const dash = streamName.indexOf('-');
    if (!streamName.startsWith('$') && dash > 0) {
      this.write(
        `$ce-${streamName.slice(0, dash)}`,
        written.map((r) => ({ id: randomUUID(), type: '$>', data: `${r.revision}@${streamName}`, metadata: '', isJson: false })),
      );
    }
    for (const subscription of this.live) {
      for (const r of written) {
        if (matches(subscription.filter, r)) setImmediate(() => subscription.emit('data', this.resolve(r)));
      }
    }
    const last = written[written.length - 1];
    return { success: true, nextExpectedRevision: last.revision, position: { commit: last.position, prepare: last.position } };
  }

  private resolve(record: StoredRecord): AllStreamResolvedEvent {
    const data = record.isJson ? JSON.parse(record.data) : new Uint8Array(Buffer.from(record.data));
    const metadata = record.metadata ? JSON.parse(record.metadata) : undefined;
    return {
      event: {
        streamId: record.streamId,
        id: record.id,
        type: record.type,
        revision: record.revision,
        isJson: record.isJson,
        data,
        metadata,
        created: record.created,
        position: { commit: record.position, prepare: record.position },
      },
      commitPosition: record.position,
    } as AllStreamResolvedEvent;
  }

  readStream(
    streamName: string,
    options: { direction?: 'forwards' | 'backwards'; fromRevision?: ReadRevision; maxCount?: number | bigint } = {},
  ): AsyncIterableIterator<AllStreamResolvedEvent> {
    const self = this;
    return (async function* () {
      await self.enter();
      const records = self.log.filter((r) => r.streamId === streamName);
      if (records.length === 0) throw new StreamNotFoundError(undefined, streamName);
      const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      const from = options.fromRevision ?? (options.direction === 'backwards' ? 'end' : 'start');
      let selected: StoredRecord[];
      if (options.direction === 'backwards') {
        selected = records.filter((r) => from === 'end' || (typeof from === 'bigint' && r.revision <= from)).reverse();
      } else {
        selected = records.filter((r) => from === 'start' || (typeof from === 'bigint' && r.revision >= from));
      }
      yield* self.deliver(selected.slice(0, max));
    })();
  }

  readAll(
    options: { direction?: 'forwards' | 'backwards'; fromPosition?: ReadPosition; maxCount?: number | bigint; filter?: Filter } = {},
  ): AsyncIterableIterator<AllStreamResolvedEvent> {
    const self = this;
    return (async function* () {
      await self.enter();
      const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      const from = options.fromPosition ?? (options.direction === 'backwards' ? 'end' : 'start');
      let selected: StoredRecord[];
      if (options.direction === 'backwards') {
        // Backwards from a position excludes the event at it, as the server does.
        selected = self.log.filter((r) => from === 'end' || (typeof from === 'object' && r.position < from.commit)).reverse();
      } else {
        // Forwards from a position includes the event at it, as the server does.
        selected = self.log.filter((r) => from === 'start' || (typeof from === 'object' && r.position >= from.commit));
      }
      yield* self.deliver(selected.filter((r) => matches(options.filter, r)).slice(0, max));
    })();
  }

  private async *deliver(records: StoredRecord[]): AsyncGenerator<AllStreamResolvedEvent> {
    this.openReads++;
    try {
      for (const r of records) {
        if (this.readDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.readDelayMs));
        this.pulled++;
        yield this.resolve(r);
      }
    } finally {
      this.openReads--;
    }
  }

  subscribeToAll(options: { fromPosition?: ReadPosition; filter?: Filter } = {}): AllStreamSubscription {
    if (options.fromPosition !== 'end') throw new Error('the fake only supports live subscriptions from END');
    const subscription = Object.assign(new EventEmitter(), {
      filter: options.filter,
      unsubscribe: async () => {
        this.live.delete(subscription);
        subscription.emit('close');
      },
    });
    this.live.add(subscription);
    return subscription as unknown as AllStreamSubscription;
  }

  get liveSubscriptions(): number {
    return this.live.size;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const subscription of [...this.live]) await (subscription as unknown as AllStreamSubscription).unsubscribe();
  }
}
