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
  type StreamMetadata,
} from '@kurrent/kurrentdb-client';
import type { KurrentClient } from './kurrentdb-event-store';

/**
 * Test double of the official client, for unit tests of the adapter's own logic only: it mimics
 * what the adapter relies on (inclusive $all start, exclusive backward start, non-dense
 * positions, StreamNotFoundError, WrongExpectedVersionError, system and `$ce-` link events in
 * $all, stream-name regex filters) but it is not EventStoreDB and proves nothing about the server.
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
      let records = self.log.filter((r) => r.streamId === streamName);
      if (records.length === 0) throw new StreamNotFoundError(undefined, streamName);
      const kept = self.metadataOf(streamName).maxCount;
      if (typeof kept === 'number') records = records.slice(-kept);
      const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      const from = options.fromRevision ?? (options.direction === 'backwards' ? 'end' : 'start');
      let selected: StoredRecord[];
      if (options.direction === 'backwards') {
        selected = records.filter((r) => from === 'end' || (typeof from === 'bigint' && r.revision <= from)).reverse();
      } else {
        selected = records.filter((r) => from === 'start' || (typeof from === 'bigint' && r.revision >= from));
      }
      for (const r of selected.slice(0, max)) yield self.resolve(r);
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
      let count = 0;
      for (const r of selected) {
        if (!matches(options.filter, r)) continue;
        if (count++ >= max) return;
        yield self.resolve(r);
      }
    })();
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

  private metadataOf(streamName: string): StreamMetadata {
    const meta = this.log.filter((r) => r.streamId === `$$${streamName}`);
    if (meta.length === 0) return {};
    const raw = JSON.parse(meta[meta.length - 1].data) as Record<string, unknown>;
    return { ...raw, maxCount: raw.$maxCount as number | undefined };
  }

  async getStreamMetadata(streamName: string): Promise<{ streamName: string; metadata?: StreamMetadata }> {
    await this.enter();
    const has = this.log.some((r) => r.streamId === `$$${streamName}`);
    return has ? { streamName, metadata: this.metadataOf(streamName) } : { streamName };
  }

  async setStreamMetadata(streamName: string, metadata: StreamMetadata): Promise<AppendResult> {
    await this.enter();
    const { maxCount, ...rest } = metadata;
    const data = JSON.stringify({ ...rest, ...(maxCount === undefined ? {} : { $maxCount: maxCount }) });
    const [r] = this.write(`$$${streamName}`, [{ id: randomUUID(), type: '$metadata', data, metadata: '', isJson: true }]);
    return { success: true, nextExpectedRevision: r.revision, position: { commit: r.position, prepare: r.position } };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const subscription of [...this.live]) await (subscription as unknown as AllStreamSubscription).unsubscribe();
  }
}
