import { businessTimeOf, endOfTaipeiDay, startOfTaipeiDay } from '@ledger/domain/core/calendar';

/**
 * Which streams an agency's package holds. A stream is the agency's when its first event (revision 0)
 * names the agency: `data.agencyCode`, or the agency segment of `data.accountId` (`SWD001.USER.…`).
 * Streams shared by several agencies (daily personal-data reads, security, checkpoints) are nobody's.
 */
export function streamAgencyOf(firstEvent: { data: unknown }): string | undefined {
  const data = (firstEvent.data ?? {}) as { agencyCode?: unknown; accountId?: unknown; auditedAgencyCode?: unknown };
  if (typeof data.agencyCode === 'string') return data.agencyCode;
  // An audit belongs to the body audited, not to those auditing it (要點 十二(三)).
  if (typeof data.auditedAgencyCode === 'string') return data.auditedAgencyCode;
  if (typeof data.accountId === 'string') return data.accountId.split('.')[0];
  return undefined;
}

export const categoryOf = (streamId: string) => streamId.slice(0, streamId.indexOf('-'));

/**
 * Streams of one record each, written once (a registration): the package holds those that began in the
 * period. Every other stream is long-lived state (an agency, an account, a query item, a review) and is
 * held whole when it began by the period's end, so the state at the period's start can be rebuilt and
 * every stream's hash chain is checked from its genesis. Areas added later list their one-record
 * categories here.
 */
export const ONE_RECORD_CATEGORIES: ReadonlySet<string> = new Set(['queryregistration', 'querylog']);

export interface Period {
  from: string;
  to: string;
  /** First instant of `from` and last of `to`, Asia/Taipei, in UTC. */
  start: string;
  end: string;
}

export const periodOf = (from: string, to: string): Period => ({ from, to, start: startOfTaipeiDay(from), end: endOfTaipeiDay(to) });

export const businessTime = (event: { data: unknown; metadata: { occurredAt: string } }) => businessTimeOf((event.data ?? {}) as object, event.metadata.occurredAt);

export const inPeriod = (instant: string, period: Period) => instant >= period.start && instant <= period.end;

/**
 * When a stream's record belongs in time: a registration by its planned query (`plannedAt`), a WebIR
 * log file or a monthly check by the month it covers, a quarterly submission by its quarter, an audit
 * by the start of the period audited, anything else by its business time.
 */
export function recordTime(firstEvent: { data: unknown; metadata: { occurredAt: string } }): string {
  const data = (firstEvent.data ?? {}) as { plannedAt?: unknown; period?: unknown; month?: unknown; quarter?: unknown; periodFrom?: unknown };
  if (typeof data.plannedAt === 'string') return data.plannedAt;
  // A month's log or check, a quarter's submission, an audit of a period: by the time it covers.
  for (const month of [data.period, data.month]) if (typeof month === 'string' && /^\d{4}-\d{2}$/.test(month)) return startOfTaipeiDay(`${month}-01`);
  if (typeof data.quarter === 'string' && /^\d{4}-Q[1-4]$/.test(data.quarter)) return startOfTaipeiDay(`${data.quarter.slice(0, 4)}-${String(Number(data.quarter[6]) * 3 - 2).padStart(2, '0')}-01`);
  if (typeof data.periodFrom === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(data.periodFrom)) return startOfTaipeiDay(data.periodFrom);
  return businessTime(firstEvent);
}

/** Decided at a stream's first event: is the stream in the agency's package for the period? */
export function holdsStream(streamId: string, firstEvent: { data: unknown; metadata: { occurredAt: string } }, agencyCode: string, period: Period): boolean {
  if (streamAgencyOf(firstEvent) !== agencyCode) return false;
  const began = recordTime(firstEvent);
  if (began > period.end) return false;
  return ONE_RECORD_CATEGORIES.has(categoryOf(streamId)) ? began >= period.start : true;
}
