import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EventStore } from '@ledger/event-store';
import { CLOCK, Clock, EVENT_STORE } from '../infrastructure/event-store.provider';

export type RefusalReason = 'NO_KEY' | 'BAD_KEY' | 'ROLE' | 'AGENCY_SCOPE' | 'SIGNER' | 'ROLE_ESCALATION';

/** Refused attempts — who, what, when, why — without their payload, one stream per Taipei day. */
@Injectable()
export class SecurityLogService {
  private readonly logger = new Logger('Security');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async refused(attempt: { actor: string; method: string; route: string; reason: RefusalReason; detail?: string }): Promise<void> {
    const now = this.clock();
    const day = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
    const id = randomUUID();
    try {
      await this.store.append(
        `security-${day}`,
        [
          {
            eventId: id,
            type: 'AccessRefused',
            data: { ...attempt },
            metadata: { $correlationId: id, $causationId: id, commandId: id, actor: attempt.actor, occurredAt: now.toISOString() },
          },
        ],
        'any',
      );
    } catch (error) {
      this.logger.error(`could not record refused access: ${(error as Error).name}`);
    }
  }
}
