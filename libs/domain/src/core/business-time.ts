/**
 * Business time (when a fact holds in the world, see businessTimeOf in calendar.ts) versus ledger
 * time (`recordedAt`). Rules every command passes before it is decided.
 */
import { refuse } from './guards';

/** A recorded event as far as business-time rules need it. */
export interface TimedEvent {
  type: string;
  data: object;
  metadata: { occurredAt: string; recordedAt?: string };
}

/** Events that begin (or begin again) the thing a stream is about. */
const BEGINNINGS = new Set(['AgencyRegistered', 'AccountCreated', 'ApplicationSubmitted', 'QueryItemApplied', 'AccessReviewOpened']);

/** The 要點 whose records an inverted time would falsify: the audit records BLI inspects (十二(五)). */
export const BUSINESS_TIME_RULE = '要點 十二(五)';

/** Whether an event of this type begins (or begins again) its stream's subject: what `beganAt` looks for. */
export const isBeginning = (type: string): boolean => BEGINNINGS.has(type);

/**
 * When the stream's subject began: the occurredAt of its latest beginning (a deleted account may be
 * created again), or of its first event. Undefined for a stream with no events.
 */
export function beganAt(history: readonly TimedEvent[]): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (BEGINNINGS.has(history[i].type)) return history[i].metadata.occurredAt;
  return history[0]?.metadata.occurredAt;
}

/** An act cannot happen before the thing it acts on began (a disable dated before the account's creation). */
export function assertActNotBeforeSubject(history: readonly TimedEvent[], occurredAt: Date): void {
  const began = beganAt(history);
  if (began !== undefined && occurredAt.getTime() < Date.parse(began)) {
    refuse('ACT_BEFORE_SUBJECT_BEGAN', BUSINESS_TIME_RULE, 'occurredAt is before the thing this command acts on began', { began });
  }
}

/**
 * occurredAt says when something happened; it cannot lie ahead of the ledger clock by more than the
 * clock skew tolerated. A planned change carries its future effective date in its own field.
 */
export function assertNotInFuture(occurredAt: Date, now: Date, toleranceMs: number): void {
  if (occurredAt.getTime() - now.getTime() > toleranceMs) {
    refuse('OCCURRED_AT_IN_FUTURE', BUSINESS_TIME_RULE, 'occurredAt lies in the future; a planned change gives its effective date instead', {
      toleranceSeconds: Math.round(toleranceMs / 1000),
    });
  }
}

/** Both business-time checks a command passes before it is decided. */
export function assertBusinessTime(history: readonly TimedEvent[], occurredAt: Date, now: Date, futureToleranceMs: number): void {
  assertNotInFuture(occurredAt, now, futureToleranceMs);
  assertActNotBeforeSubject(history, occurredAt);
}
