/**
 * The event-store port: one behaviour on every adapter (embedded SQLite, EventStoreDB/KurrentDB).
 * Stream ids are `category-id` with exactly one dash so EventStoreDB category projections work.
 */

export type ExpectedRevision = 'no_stream' | 'any' | number;

/** Metadata the sender supplies; the ledger adds recordedAt, prevHash and hash. */
export interface CommandMetadata {
  $correlationId: string;
  $causationId: string;
  commandId: string;
  /** Principal that caused the event. */
  actor: string;
  /** When it happened in the world, as given by the sender (ISO-8601). */
  occurredAt: string;
  schemaVersion?: number;
  /**
   * SHA-256 fingerprint of the request that caused the event (set by the command path): a reused
   * commandId is a retry only when the fingerprints match. Covered by the hash like every field.
   */
  requestHash?: string;
}

export interface EventMetadata extends Required<Omit<CommandMetadata, 'requestHash'>>, Pick<CommandMetadata, 'requestHash'> {
  /** When the ledger recorded it (ISO-8601, ledger clock). */
  recordedAt: string;
  /** Hash of the previous event in the same stream, GENESIS_HASH at revision 0. */
  prevHash: string;
  /** SHA-256 over canonical JSON of streamId, revision, type, data, metadata-without-hash. */
  hash: string;
}

export type EventData = Record<string, unknown>;

export interface NewEvent<T extends string = string, D extends EventData = EventData> {
  /** UUID; retrying an append with the same ids is a no-op. */
  eventId: string;
  type: T;
  data: D;
  metadata: CommandMetadata;
}

export interface RecordedEvent<T extends string = string, D extends EventData = EventData> {
  streamId: string;
  /** 0-based position of the event within its stream. */
  revision: number;
  /** Position in the single global commit order (monotonic, comparable across streams). */
  position: bigint;
  eventId: string;
  type: T;
  data: D;
  metadata: EventMetadata;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextExpectedRevision: number;
  /** Global position of the last appended event. */
  position: bigint;
  /** True when every event id was already stored: an idempotent retry that appended nothing. */
  idempotentReplay: boolean;
  /** Ledger time the events were recorded at; given for a fresh append (a replay reads it from the stream). */
  recordedAt?: string;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; default the first (forwards) or last (backwards). */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with position strictly greater than this are returned. Omit for start. */
  after?: bigint;
  maxCount?: number;
}

/** An event of the log with its data and metadata as the JSON text the store holds, not parsed. */
export interface StoredJsonEvent {
  streamId: string;
  revision: number;
  position: bigint;
  eventId: string;
  type: string;
  /** JSON text, as stored. */
  data: string;
  metadata: string;
  /** The event's hash as the store's Merkle tree holds it (hex). */
  hash: string;
}

/**
 * A store that pages through the log without parsing the events, for a copy that writes them out as
 * they are stored (the inspection package) and parses only those it needs.
 */
export interface StoredJsonReader {
  readAllJson(options?: ReadAllOptions): Promise<StoredJsonEvent[]>;
}

export interface SubscriptionHandle {
  /** Resolves once the subscription has stopped (its handler is not called again). */
  stop(): Promise<void>;
  /** Resolves when the subscription has delivered every event up to the store head at call time. */
  caughtUp(): Promise<void>;
  readonly lastPosition: bigint | undefined;
}

export interface SubscribeToAllOptions {
  /**
   * Exclusive start position. The store keeps no checkpoints: a subscriber that must resume keeps
   * its own position, committed with what it wrote (projections keep theirs in the read-model
   * store, in the same transaction as their documents).
   */
  after?: bigint;
  /** Called once per event, in global order; the next event waits for the promise. */
  handler: (event: RecordedEvent) => Promise<void> | void;
  /** Called when the handler throws or the store fails; the subscription stops. */
  onError?: (error: unknown) => void;
}

export interface StoreHealth {
  store: 'embedded-sqlite' | 'eventstoredb';
  ok: boolean;
  detail?: string;
}

/**
 * The Merkle tree (RFC 6962) over the ledger's global order, kept by the adapter as it appends.
 * Leaf i is the i-th event of the ledger; its bytes are the event's own hash.
 */
export interface LedgerTree {
  /** Number of leaves (events) in the tree. */
  size(): Promise<number>;
  root(size?: number): Promise<Buffer>;
  inclusionProof(leafIndex: number, treeSize: number): Promise<Buffer[]>;
  consistencyProof(first: number, second: number): Promise<Buffer[]>;
  /** Global position of an event by its id, or undefined. */
  positionOfEvent(eventId: string): Promise<bigint | undefined>;
  /** Leaf index of the event at a global position, or undefined when no such event exists. */
  leafIndexOf(position: bigint): Promise<number | undefined>;
  /** Perfect subtrees of 2^storedLevel leaves and more are stored. */
  readonly storedLevel: number;
  /** Every stored perfect-subtree hash (level ≥ storedLevel), for the verifier to compare. */
  storedNodes(): Promise<{ level: number; index: number; hash: Buffer }[]>;
  /** The leaf bytes the tree holds for leaves [start, start + count): event hashes, hex. */
  leaves(start: number, count: number): Promise<string[]>;
}

export interface EventStore {
  readonly kind: StoreHealth['store'];
  /** Present when the adapter maintains the Merkle tree over its global order. */
  readonly tree?: LedgerTree;
  /** Append-only guards (triggers, ACLs) that should exist and do not: each is a verify finding. */
  missingAppendOnlyGuards?(): Promise<string[]>;
  append(streamId: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Revision of the last event in the stream, or -1 when the stream does not exist. */
  streamRevision(streamId: string): Promise<number>;
  /**
   * A value that differs from every earlier answer once anything was appended to the ledger, by this
   * process or any other sharing the store; absent where no such check is cheap. Lets a reader of a
   * small stream skip re-reading it while nothing at all was written.
   */
  changeMarker?(): string;
  subscribeToAll(options: SubscribeToAllOptions): SubscriptionHandle;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
