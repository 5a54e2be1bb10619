import { createHash } from 'node:crypto';
import type { EventData, EventMetadata } from './types';

/** prevHash of every stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Canonical JSON: object keys sorted, no insignificant whitespace. Arrays keep their order.
 * BigInts are written as decimal strings; undefined members are dropped, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    if (value === undefined) return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return '[' + value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',') + ']';
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
}

export interface HashInput {
  streamId: string;
  revision: number;
  type: string;
  data: EventData;
  metadata: Omit<EventMetadata, 'hash'> | EventMetadata;
}

export function computeEventHash(input: HashInput): string {
  const { hash: _ignored, ...metadata } = input.metadata as EventMetadata;
  const canonical = canonicalJson({
    streamId: input.streamId,
    revision: input.revision,
    type: input.type,
    data: input.data,
    metadata,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

const STREAM_ID = /^[A-Za-z0-9_]+-[A-Za-z0-9_.:]+$/;

/** `category-id`, exactly one dash, so `$ce-category` projections in EventStoreDB work. */
export function isValidStreamId(streamId: string): boolean {
  return STREAM_ID.test(streamId);
}

export interface SealedEvent {
  eventId: string;
  type: string;
  revision: number;
  data: EventData;
  metadata: EventMetadata;
}

/**
 * Gives each event of one append its revision, the ledger's recordedAt and its link in the
 * stream's hash chain — the one definition every adapter uses, so all of them chain alike.
 */
export function sealEvents(
  streamId: string,
  head: { revision: number; hash: string } | undefined,
  events: { eventId: string; type: string; data: EventData; metadata: { $correlationId: string; $causationId: string; commandId: string; actor: string; occurredAt: string; schemaVersion?: number; requestHash?: string } }[],
  recordedAt: string,
): SealedEvent[] {
  let prevHash = head ? head.hash : GENESIS_HASH;
  let revision = head ? head.revision : -1;
  return events.map((event) => {
    revision += 1;
    const metadata: Omit<EventMetadata, 'hash'> = {
      $correlationId: event.metadata.$correlationId,
      $causationId: event.metadata.$causationId,
      commandId: event.metadata.commandId,
      actor: event.metadata.actor,
      occurredAt: event.metadata.occurredAt,
      recordedAt,
      schemaVersion: event.metadata.schemaVersion ?? 1,
      ...(event.metadata.requestHash !== undefined && { requestHash: event.metadata.requestHash }),
      prevHash,
    };
    const hash = computeEventHash({ streamId, revision, type: event.type, data: event.data, metadata });
    prevHash = hash;
    return { eventId: event.eventId, type: event.type, revision, data: event.data, metadata: { ...metadata, hash } };
  });
}
