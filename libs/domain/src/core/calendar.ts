import { ValidationError } from './domain-error';

/**
 * The one place for Asia/Taipei time. Business days, months, quarters and deadlines in the 要點 are
 * Taipei calendar days; instants are exchanged with an explicit UTC offset and stored in UTC.
 */

/** A calendar day `YYYY-MM-DD` in Asia/Taipei: effective dates and deadlines in the 要點 are local days. */
export type IsoDate = string;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return false;
  // Round-tripping through Date rejects 2025-02-30, which the pattern alone would accept; 2025-13-01 is no Date at all.
  const t = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(value);
}

export function assertIsoDate(value: unknown, field: string): asserts value is IsoDate {
  if (!isIsoDate(value)) throw new ValidationError(field, 'must be a calendar date YYYY-MM-DD');
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Calendar months; the 31st plus one month clamps to the last day of the shorter month. */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = date.split('-').map(Number);
  const targetMonth = m - 1 + months;
  const year = y + Math.floor(targetMonth / 12);
  const month = ((targetMonth % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

// Taiwan has kept UTC+8 without daylight saving since 1980, so a fixed offset is exact here.
export const TAIPEI_OFFSET_MS = 8 * 60 * 60 * 1000;
export const TAIPEI_OFFSET = '+08:00';

/** The Asia/Taipei calendar day an instant falls on. */
export function taipeiDateOf(instant: Date | string): IsoDate {
  const t = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  return new Date(t + TAIPEI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The first instant of a Taipei day (00:00 +08:00), in UTC: when a fact effective that day comes into force. */
export function startOfTaipeiDay(date: IsoDate): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - TAIPEI_OFFSET_MS).toISOString();
}

/** A deadline "on day D" is met by the end of that Taipei day: D 23:59:59.999 +08:00, in UTC. */
export function endOfTaipeiDay(date: IsoDate): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - TAIPEI_OFFSET_MS + 86_400_000 - 1).toISOString();
}

/** 民國 year: 2025 → 114. */
export const rocYear = (gregorianYear: number) => gregorianYear - 1911;

/** 2025-06-30 → 民國114年06月30日 */
export function rocDate(isoDate: string | null | undefined): string {
  if (!isoDate) return '';
  const [y, m, d] = isoDate.slice(0, 10).split('-');
  return `民國${rocYear(Number(y))}年${m}月${d}日`;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;

export type InstantParse = { ok: true; instant: string } | { ok: false; reason: string };

/**
 * An ISO-8601 instant with an explicit offset (`Z` or `+08:00`), normalised to UTC. An offset-less
 * time is refused, not guessed: read as UTC it turned an on-time act in Taipei into a late one, and
 * a silent guess either way hides the sender's mistake. Impossible dates (2025-13-01) are refused too.
 */
export function parseInstant(value: unknown): InstantParse {
  if (typeof value !== 'string') return { ok: false, reason: 'must be an ISO-8601 date-time with a UTC offset, e.g. 2025-07-01T09:30:00+08:00' };
  const m = INSTANT.exec(value);
  if (!m) return { ok: false, reason: 'must be an ISO-8601 date-time with a UTC offset, e.g. 2025-07-01T09:30:00+08:00' };
  if (!m[7]) return { ok: false, reason: 'a UTC offset is required (Z or +08:00 for Asia/Taipei): an offset-less time is ambiguous' };
  if (!isIsoDate(`${m[1]}-${m[2]}-${m[3]}`)) return { ok: false, reason: 'is not a calendar date' };
  const [hh, mm, ss] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  const [oh, om] = m[7] === 'Z' ? [0, 0] : m[7].slice(1).split(':').map(Number);
  if (hh > 23 || mm > 59 || ss > 59 || oh > 14 || om > 59) return { ok: false, reason: 'is not a valid time of day or offset' };
  const t = Date.parse(value);
  if (Number.isNaN(t)) return { ok: false, reason: 'is not a valid instant' };
  return { ok: true, instant: new Date(t).toISOString() };
}

/**
 * "As of" a business date means the end of that Taipei day; an instant must carry its offset.
 * Returns undefined for anything else so the caller can name the field in a 400.
 */
export function asOfInstant(value: string): string | undefined {
  if (ISO_DATE.test(value)) return isIsoDate(value) ? endOfTaipeiDay(value) : undefined;
  const parsed = parseInstant(value);
  return parsed.ok ? parsed.instant : undefined;
}

/**
 * Business time versus ledger time (`recordedAt`, when the ledger learnt it): a fact with an
 * effective date — a post change, a personnel designation — enters the business timeline at the
 * start of that Taipei day, not when it was reported: the roster of 2025-03-30 must not show a move
 * effective 2025-03-31 that was reported on 03-15. Other facts hold from when they occurred.
 */
export function businessTimeOf(data: object, occurredAt: string): string {
  const effectiveDate = (data as { effectiveDate?: unknown }).effectiveDate;
  return isIsoDate(effectiveDate) ? startOfTaipeiDay(effectiveDate) : occurredAt;
}

// Months and quarters of the checks (要點 十二(一)); here so that the obligations read model reads the same due dates.

/** YYYY-MM, an Asia/Taipei calendar month. */
export type TaipeiMonth = string;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function assertMonth(value: unknown, field = 'month'): asserts value is TaipeiMonth {
  if (typeof value !== 'string' || !MONTH.test(value)) throw new ValidationError(field, 'must be a month YYYY-MM (Asia/Taipei)');
}

/** The Taipei month an instant falls in: 2025-03-31T16:00:00Z is already 2025-04-01 00:00 in Taipei. */
export function taipeiMonthOf(instant: string | Date): TaipeiMonth {
  const t = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  return new Date(t + TAIPEI_OFFSET_MS).toISOString().slice(0, 7);
}

export function addMonthsToMonth(month: TaipeiMonth, months: number): TaipeiMonth {
  assertMonth(month);
  const [y, m] = month.split('-').map(Number);
  const index = y * 12 + (m - 1) + months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** First instant of the month (00:00 +08:00 on its first day), in UTC. */
export function monthStart(month: TaipeiMonth): string {
  assertMonth(month);
  return new Date(Date.parse(`${month}-01T00:00:00.000Z`) - TAIPEI_OFFSET_MS).toISOString();
}

/** The instant the month closes: the first instant of the next month (exclusive end). */
export const monthEnd = (month: TaipeiMonth): string => monthStart(addMonthsToMonth(month, 1));

/** Last calendar day of the month (YYYY-MM-DD). */
export function lastDayOf(month: TaipeiMonth): string {
  const [y, m] = month.split('-').map(Number);
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

/** `2025-Q1`: calendar quarters in Asia/Taipei. */
export type Quarter = string;
const QUARTER = /^(\d{4})-Q([1-4])$/;

export function assertQuarter(value: unknown, field = 'quarter'): asserts value is Quarter {
  if (typeof value !== 'string' || !QUARTER.test(value)) throw new ValidationError(field, 'must be a quarter YYYY-Qn (Asia/Taipei)');
}

export function monthsOfQuarter(quarter: Quarter): TaipeiMonth[] {
  assertQuarter(quarter);
  const [, y, q] = QUARTER.exec(quarter)!;
  const first = (Number(q) - 1) * 3 + 1;
  return [0, 1, 2].map((i) => `${y}-${String(first + i).padStart(2, '0')}`);
}

export function quarterOf(month: TaipeiMonth): Quarter {
  assertMonth(month);
  const [y, m] = month.split('-').map(Number);
  return `${y}-Q${Math.floor((m - 1) / 3) + 1}`;
}

/** Month M's check is due by the end of month M+1 (Asia/Taipei; a project default, the 要點 names none). */
export const monthlyCheckDueDate = (month: TaipeiMonth): string => lastDayOf(addMonthsToMonth(month, 1));

/** A quarter's check records are due by the end of the month after the quarter (project default). */
export const quarterlySubmissionDueDate = (quarter: Quarter): string => lastDayOf(addMonthsToMonth(monthsOfQuarter(quarter)[2], 1));
