import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { taipeiDateOf } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { CLOCK, Clock, EVENT_STORE } from '../infrastructure/event-store.provider';

export type RefusalReason = 'NO_KEY' | 'BAD_KEY' | 'ROLE' | 'AGENCY_SCOPE' | 'SIGNER' | 'ROLE_ESCALATION' | 'RATE_LIMITED';
type AnonymousReason = Extract<RefusalReason, 'NO_KEY' | 'BAD_KEY' | 'RATE_LIMITED'>;

/** Past this many sources in one minute, further ones are counted together: the window's memory stays bounded too. */
export const MAX_SOURCES_PER_MINUTE = 1000;
const OVERFLOW_SOURCE = '(other sources)';

interface Window {
  source: string;
  reason: AnonymousReason;
  /** Refusals after the first one, which was recorded when it happened. */
  more: number;
  routes: Map<string, number>;
}

/**
 * Refused attempts — who, what, when, why — without their payload, one stream per Taipei day.
 * A caller with a key is bounded by its rate limit, so each of its refusals is recorded. A caller
 * without a (valid) key costs nothing to repeat, so its refusals are recorded in bounded form: the
 * first one per source, reason and minute at once, then one AccessRefusalsAggregated record with
 * the count of the rest when the minute is over (issue 7, finding 6). A flood of any size thus
 * adds at most two records per source, reason and minute.
 */
@Injectable()
export class SecurityLogService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Security');
  private minute = -1;
  private window = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      if (Math.floor(this.clock().getTime() / 60_000) !== this.minute) void this.flush();
    }, 5_000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  async refused(attempt: { actor: string; method: string; route: string; reason: RefusalReason; detail?: string; source?: string }): Promise<void> {
    await this.append('AccessRefused', attempt.actor, { ...attempt });
  }

  /** A refusal of a caller without a valid key, counted per source address, reason and minute. */
  async refusedAnonymous(attempt: { source: string; method: string; route: string; reason: AnonymousReason }): Promise<void> {
    const minute = Math.floor(this.clock().getTime() / 60_000);
    if (minute !== this.minute) {
      await this.flush();
      this.minute = minute;
    }
    const source = this.window.size >= MAX_SOURCES_PER_MINUTE && !this.window.has(`${attempt.source}\u0000${attempt.reason}`) ? OVERFLOW_SOURCE : attempt.source;
    const key = `${source}\u0000${attempt.reason}`;
    const open = this.window.get(key);
    if (open) {
      open.more += 1;
      open.routes.set(attempt.route, (open.routes.get(attempt.route) ?? 0) + 1);
      return;
    }
    this.window.set(key, { source, reason: attempt.reason, more: 0, routes: new Map() });
    await this.append('AccessRefused', 'anonymous', { actor: 'anonymous', method: attempt.method, route: attempt.route, reason: attempt.reason, source });
  }

  /** Records the counts of the closing minute; called on the minute's turn, by a timer, and at shutdown. */
  async flush(): Promise<void> {
    const closing = [...this.window.values()].filter((w) => w.more > 0);
    const minute = this.minute;
    this.window = new Map();
    for (const w of closing) {
      const routes = [...w.routes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([route, count]) => ({ route, count }));
      await this.append('AccessRefusalsAggregated', 'anonymous', {
        actor: 'anonymous',
        source: w.source,
        reason: w.reason,
        minuteStart: new Date(minute * 60_000).toISOString(),
        count: w.more,
        routes,
      });
    }
  }

  private async append(type: string, actor: string, data: Record<string, unknown>): Promise<void> {
    const now = this.clock();
    const day = taipeiDateOf(now).replace(/-/g, '');
    const id = randomUUID();
    try {
      await this.store.append(
        `security-${day}`,
        [{ eventId: id, type, data, metadata: { $correlationId: id, $causationId: id, commandId: id, actor, occurredAt: now.toISOString() } }],
        'any',
      );
    } catch (error) {
      this.logger.error(`could not record refused access: ${(error as Error).name}`);
    }
  }
}
