import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash, hash as oneShotHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { EventStore } from '@ledger/event-store';
import { LEDGER_CONFIG, LedgerConfig } from '@ledger/platform';
import { CLOCK, Clock, EVENT_STORE } from '../infrastructure/event-store.provider';
import { Principal, Role, SYSTEM_ACTOR } from './principal';

export const API_KEY_REGISTRY = 'apikeys-registry';
const REGISTRY = API_KEY_REGISTRY;
/** SHA-256 in hex, one shot where Node has crypto.hash (20.12+): no Hash object per call. */
const sha256Hex = (text: string): string => (typeof oneShotHash === 'function' ? oneShotHash('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex'));
const hashKey = (raw: string) => sha256Hex(raw);

const PRESENTED = Symbol('presentedApiKey');

/**
 * The key a request presents (X-API-Key, or a Bearer token) and its SHA-256, hashed once per
 * request: the keyless limit, both rate-limit buckets and authentication all ask for it.
 */
export function presentedKey(req: { header(name: string): string | undefined } | { headers: Record<string, string | string[] | undefined> }): { raw?: string; hash?: string } {
  const memo = req as unknown as { [PRESENTED]?: { raw?: string; hash?: string } };
  if (memo[PRESENTED]) return memo[PRESENTED];
  // Express's request, or the plain Node request the keyless gate sees before Express (the same object).
  const header = (name: string): string | undefined => {
    if ('header' in req && typeof req.header === 'function') return req.header(name);
    const value = (req as { headers: Record<string, string | string[] | undefined> }).headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const raw = header('x-api-key') ?? header('authorization')?.replace(/^Bearer\s+/i, '') ?? undefined;
  return (memo[PRESENTED] = { raw, hash: raw ? hashKey(raw) : undefined });
}

interface KeyRecord {
  keyId: string;
  keyHash: string;
  principal: Principal;
  revoked: boolean;
}

export class ApiKeyNotFoundError extends Error {
  readonly code = 'NOT_FOUND';
  constructor(readonly keyId: string) {
    super(`API key ${keyId} not found`);
  }
}

/**
 * Appends ApiKeyRevoked to the registry stream; shared by the HTTP route and the CLI, so a key
 * revoked from either is refused by every running instance on its next request.
 */
export async function revokeApiKey(store: EventStore, input: { keyId: string; reason: string; actor: string; at: Date }): Promise<{ keyId: string; revokedAt: string; alreadyRevoked: boolean }> {
  const events = await store.readStream(REGISTRY);
  const issued = events.find((e) => e.type === 'ApiKeyIssued' && (e.data as { keyId: string }).keyId === input.keyId);
  if (!issued) throw new ApiKeyNotFoundError(input.keyId);
  const earlier = events.find((e) => e.type === 'ApiKeyRevoked' && (e.data as { keyId: string }).keyId === input.keyId);
  if (earlier) return { keyId: input.keyId, revokedAt: earlier.metadata.occurredAt, alreadyRevoked: true };
  const commandId = randomUUID();
  await store.append(
    REGISTRY,
    [
      {
        eventId: randomUUID(),
        type: 'ApiKeyRevoked',
        data: { keyId: input.keyId, reason: input.reason },
        metadata: { $correlationId: commandId, $causationId: commandId, commandId, actor: input.actor, occurredAt: input.at.toISOString() },
      },
    ],
    events[events.length - 1].revision,
  );
  return { keyId: input.keyId, revokedAt: input.at.toISOString(), alreadyRevoked: false };
}

/**
 * API keys live in the ledger as events (only their SHA-256), so issuing and revoking a key is
 * itself audited. The registry is small; it is folded into memory and refreshed on every change.
 */
@Injectable()
export class ApiKeyService implements OnModuleInit {
  private readonly logger = new Logger('ApiKeys');
  private keys = new Map<string, KeyRecord>();
  private revision = -1;
  /** The store's change marker when the registry was last read: unchanged means nothing was appended anywhere since. */
  private readAtMarker?: string;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
    if (this.config.adminApiKey) {
      if (!this.keys.has(hashKey(this.config.adminApiKey))) {
        await this.register(this.config.adminApiKey, { id: 'admin', roles: ['admin'], agencies: [] }, SYSTEM_ACTOR);
      }
    } else if (this.keys.size === 0) {
      const raw = await this.issue({ id: 'admin', roles: ['admin'], agencies: [] }, SYSTEM_ACTOR);
      // Printed once on a fresh start; only its hash is stored.
      process.stdout.write(`\nFirst start: admin API key (shown once, store it now): ${raw}\n\n`);
    }
  }

  /** Whether a key (by its hash) is known and not revoked in this instance's view, without I/O: for rate limiting only. */
  isKnown(hash: string | undefined): boolean {
    if (!hash) return false;
    const record = this.keys.get(hash);
    return record !== undefined && !record.revoked;
  }

  /**
   * Every authentication first takes the registry's new events, so a key revoked by another instance
   * or by the CLI is refused at once: no cached answer is trusted. Where the store can tell cheaply
   * that nothing at all was appended since the last read (SQLite: its data_version and this
   * connection's commits), that answer stands in for the read.
   *
   * The requests handled in one turn of the event loop share one such look (`refreshThisTurn`):
   * they were all read off their sockets in that turn, so none of them came after another. Under
   * load a turn holds dozens of requests, and the look costs ≈ 20 µs each in a busy service.
   */
  async authenticate(hash: string | undefined): Promise<Principal | undefined> {
    if (!hash) return undefined;
    await this.refreshThisTurn();
    const record = this.keys.get(hash);
    if (!record || record.revoked) return undefined;
    return timingSafeEqual(Buffer.from(record.keyHash), Buffer.from(hash)) ? record.principal : undefined;
  }

  async issue(principal: Principal, actor: string): Promise<string> {
    return (await this.issueWithId(principal, actor)).apiKey;
  }

  async issueWithId(principal: Principal, actor: string): Promise<{ apiKey: string; keyId: string }> {
    const raw = `wl_${randomBytes(24).toString('base64url')}`;
    const keyId = await this.register(raw, principal, actor);
    return { apiKey: raw, keyId };
  }

  /** Ids, principals and state: never the hashes. */
  async list(): Promise<{ keyId: string; principal: Principal; revoked: boolean }[]> {
    await this.refresh();
    return [...this.keys.values()].map(({ keyId, principal, revoked }) => ({ keyId, principal: { ...principal }, revoked }));
  }

  async revoke(keyId: string, reason: string, actor: string) {
    const result = await revokeApiKey(this.store, { keyId, reason, actor, at: this.clock() });
    await this.refresh();
    return result;
  }

  private async register(raw: string, principal: Principal, actor: string): Promise<string> {
    await this.refresh();
    const commandId = randomUUID();
    const keyId = randomUUID();
    await this.store.append(
      REGISTRY,
      [
        {
          eventId: randomUUID(),
          type: 'ApiKeyIssued',
          data: { keyId, keyHash: hashKey(raw), principal: { ...principal } },
          metadata: { $correlationId: commandId, $causationId: commandId, commandId, actor, occurredAt: this.clock().toISOString() },
        },
      ],
      this.revision === -1 ? 'no_stream' : this.revision,
    );
    await this.refresh();
    this.logger.log(`API key issued for principal ${principal.id} with roles ${principal.roles.join(',')}`);
    return keyId;
  }

  /** The look of this event-loop turn: the first request of a turn starts it, the others await it. */
  private turnRefresh?: Promise<void>;

  private refreshThisTurn(): Promise<void> {
    if (this.turnRefresh) return this.turnRefresh;
    const look = this.refresh();
    this.turnRefresh = look;
    setImmediate(() => {
      if (this.turnRefresh === look) this.turnRefresh = undefined;
    });
    return look;
  }

  private async refresh(): Promise<void> {
    // Taken before the read: whatever is appended after this point changes the marker again.
    const marker = this.store.changeMarker?.();
    if (marker !== undefined && marker === this.readAtMarker) return;
    const events = await this.store.readStream(REGISTRY, { fromRevision: this.revision + 1 });
    for (const e of events) {
      // Concurrent refreshes may return the same events: apply each revision once, in order.
      if (e.revision <= this.revision) continue;
      if (e.type === 'ApiKeyIssued') {
        const d = e.data as { keyId: string; keyHash: string; principal: Principal };
        this.keys.set(d.keyHash, { keyId: d.keyId, keyHash: d.keyHash, principal: d.principal, revoked: false });
      } else if (e.type === 'ApiKeyRevoked') {
        const d = e.data as { keyId: string };
        for (const r of this.keys.values()) if (r.keyId === d.keyId) r.revoked = true;
      }
      this.revision = e.revision;
    }
    this.readAtMarker = marker;
  }
}

export const isRole = (r: string): r is Role => ['integrator', 'auditor', 'ethics', 'admin'].includes(r);
