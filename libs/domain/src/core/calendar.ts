import { ValidationError } from './domain-error';

/** A calendar day `YYYY-MM-DD` in Asia/Taipei: effective dates and deadlines in the 要點 are local days. */
export type IsoDate = string;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(value: unknown): value is IsoDate {
  // Round-tripping through Date rejects 2025-02-30, which the pattern alone would accept.
  return typeof value === 'string' && ISO_DATE.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

export function assertIsoDate(value: unknown, field: string): asserts value is IsoDate {
  if (!isIsoDate(value)) throw new ValidationError(field, 'must be a calendar date YYYY-MM-DD');
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// Taiwan has kept UTC+8 without daylight saving since 1980, so a fixed offset is exact here.
const TAIPEI_OFFSET_MS = 8 * 60 * 60 * 1000;

/** The Asia/Taipei calendar day an instant falls on. */
export function taipeiDateOf(instant: Date): IsoDate {
  return new Date(instant.getTime() + TAIPEI_OFFSET_MS).toISOString().slice(0, 10);
}
