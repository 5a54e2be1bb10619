import { createHash, hash as oneShotHash } from 'node:crypto';
import type { EventData, EventMetadata } from './types';

/** SHA-256 in hex, one shot where Node has crypto.hash (20.12+): no Hash object per call. */
const sha256Hex = (text: string): string => (typeof oneShotHash === 'function' ? oneShotHash('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex'));

/** prevHash of every stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** A value with no JSON form (NaN, Infinity, undefined in an array, a bigint, a function, a Map…). */
export class NonJsonValueError extends TypeError {
  /** Where the value sits, e.g. `data.items[2]` (filled in as the error leaves each container). */
  path = '';
  constructor(readonly what: string) {
    super(`value is ${what}, which has no JSON form: refused rather than hashed as null`);
    this.name = 'NonJsonValueError';
  }
  /** @internal */
  within(step: string): this {
    this.path = step + this.path;
    this.message = `${this.path.replace(/^\./, '')} is ${this.what}, which has no JSON form: refused rather than hashed as null`;
    return this;
  }
}

/**
 * Canonical JSON as RFC 8785 (JCS): object members sorted by the UTF-16 code units of their names,
 * no insignificant whitespace, strings and numbers serialized as ECMAScript's JSON.stringify does
 * (shortest round-trip numbers, -0 as 0). NaN, ±Infinity, bigints, functions, symbols, undefined in
 * an array or as the value itself, and objects other than plain ones and arrays are refused. Two
 * JavaScript shapes keep their JSON.stringify meaning: an object member whose value is undefined is
 * absent, and a Date is its ISO string (toJSON).
 *
 * For any value JSON.parse can return (every stored event) this is byte for byte what the ledger
 * hashed before JCS was adopted, so no stored hash changes (checked in integrity.spec.ts).
 */
export function canonicalJson(value: unknown): string {
  return jcs(value);
}

const OBJECT_PROTO = Object.prototype;

/**
 * A string JSON.stringify quotes without escaping anything: no quote, backslash, control character or
 * surrogate (a lone one is escaped; pairs take the slow path too, for simplicity). Most of an event's
 * strings are such, and quoting them by hand is far cheaper than a JSON.stringify call each.
 */
// The control characters are the point: those are what JSON.stringify escapes.
// eslint-disable-next-line no-control-regex
const PLAIN_STRING = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
const quoteString = (s: string): string => (PLAIN_STRING.test(s) ? '"' + s + '"' : JSON.stringify(s));

/** Member names quoted once: events repeat the same few dozen names; the cap bounds what odd input can add. */
const quotedKeys = new Map<string, string>();
function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = quoteString(key);
    if (quotedKeys.size < 4096) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function jcs(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new NonJsonValueError(String(value));
      return String(value); // ECMAScript Number::toString = RFC 8785 §3.2.2.3; String(-0) is "0"
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          try {
            if (item === undefined) throw new NonJsonValueError('undefined');
            out += (i === 0 ? '' : ',') + jcs(item);
          } catch (error) {
            throw error instanceof NonJsonValueError ? error.within(`[${i}]`) : error;
          }
        }
        return out + ']';
      }
      if (value instanceof Date) return JSON.stringify(value);
      const proto = Object.getPrototypeOf(value);
      if (proto !== OBJECT_PROTO && proto !== null) throw new NonJsonValueError(`a ${proto?.constructor?.name ?? 'non-plain'} object`);
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      // Sorted only when out of order (a stored canonical object's members already are).
      for (let i = 1; i < keys.length; i++) {
        if (keys[i - 1] > keys[i]) {
          keys.sort();
          break;
        }
      }
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = obj[key];
        if (member === undefined) continue;
        try {
          out += (first ? '' : ',') + quoteKey(key) + ':' + jcs(member);
        } catch (error) {
          throw error instanceof NonJsonValueError ? error.within(`.${key}`) : error;
        }
        first = false;
      }
      return out + '}';
    }
    case 'undefined':
      throw new NonJsonValueError('undefined');
    default:
      throw new NonJsonValueError(`a ${typeof value}`);
  }
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
  return hashOfEvent(input.streamId, input.revision, input.type, input.data, metadata);
}

/** The hash of an event whose metadata holds no `hash` member (as sealing builds it): no copy made to drop one. */
function hashOfEvent(streamId: string, revision: number, type: string, data: EventData, metadata: Omit<EventMetadata, 'hash'>): string {
  // Members in canonical order already, so the outer object needs no sort.
  return sha256Hex(canonicalJson({ data, metadata, revision, streamId, type }));
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
    const hash = hashOfEvent(streamId, revision, event.type, event.data, metadata);
    prevHash = hash;
    // Added last to the object just hashed, as a spread into a new one would place it.
    (metadata as EventMetadata).hash = hash;
    return { eventId: event.eventId, type: event.type, revision, data: event.data, metadata: metadata as EventMetadata };
  });
}
