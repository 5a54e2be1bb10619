import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { EventStore } from '@ledger/event-store';
import { LEDGER_CONFIG, LedgerConfig } from '@ledger/platform';
import { CLOCK, Clock, EVENT_STORE } from '../infrastructure/event-store.provider';
import { Principal, Role, SYSTEM_ACTOR } from './principal';

const REGISTRY = 'apikeys-registry';
const hashKey = (raw: string) => createHash('sha256').update(raw).digest('hex');

interface KeyRecord {
  keyId: string;
  keyHash: string;
  principal: Principal;
  revoked: boolean;
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

  /** Whether a key is known and not revoked in this instance's view, without I/O: for rate limiting only. */
  isKnown(raw: string | undefined): boolean {
    if (!raw) return false;
    const record = this.keys.get(hashKey(raw));
    return record !== undefined && !record.revoked;
  }

  async authenticate(raw: string | undefined): Promise<Principal | undefined> {
    if (!raw) return undefined;
    const hash = hashKey(raw);
    let record = this.keys.get(hash);
    if (!record) {
      await this.refresh();
      record = this.keys.get(hash);
    }
    if (!record || record.revoked) return undefined;
    return timingSafeEqual(Buffer.from(record.keyHash), Buffer.from(hash)) ? record.principal : undefined;
  }

  async issue(principal: Principal, actor: string): Promise<string> {
    const raw = `wl_${randomBytes(24).toString('base64url')}`;
    await this.register(raw, principal, actor);
    return raw;
  }

  list(): { keyId: string; principal: Principal; revoked: boolean }[] {
    return [...this.keys.values()].map(({ keyId, principal, revoked }) => ({ keyId, principal, revoked }));
  }

  private async register(raw: string, principal: Principal, actor: string): Promise<void> {
    const commandId = randomUUID();
    await this.store.append(
      REGISTRY,
      [
        {
          eventId: randomUUID(),
          type: 'ApiKeyIssued',
          data: { keyId: randomUUID(), keyHash: hashKey(raw), principal: { ...principal } },
          metadata: { $correlationId: commandId, $causationId: commandId, commandId, actor, occurredAt: this.clock().toISOString() },
        },
      ],
      this.revision === -1 ? 'no_stream' : this.revision,
    );
    await this.refresh();
    this.logger.log(`API key issued for principal ${principal.id} with roles ${principal.roles.join(',')}`);
  }

  private async refresh(): Promise<void> {
    const events = await this.store.readStream(REGISTRY, { fromRevision: this.revision + 1 });
    for (const e of events) {
      if (e.type === 'ApiKeyIssued') {
        const d = e.data as { keyId: string; keyHash: string; principal: Principal };
        this.keys.set(d.keyHash, { keyId: d.keyId, keyHash: d.keyHash, principal: d.principal, revoked: false });
      } else if (e.type === 'ApiKeyRevoked') {
        const d = e.data as { keyId: string };
        for (const r of this.keys.values()) if (r.keyId === d.keyId) r.revoked = true;
      }
      this.revision = e.revision;
    }
  }
}

export const isRole = (r: string): r is Role => ['integrator', 'auditor', 'ethics', 'admin'].includes(r);
