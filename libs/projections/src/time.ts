/**
 * Months, quarters and deadlines are Asia/Taipei days (UTC+8, no daylight saving since 1980).
 * A deadline "on day D" is met by the end of that Taipei day: D 23:59:59.999 +08:00.
 */
const TAIPEI_OFFSET_MS = 8 * 3600_000;

export function endOfTaipeiDay(isoDate: string): string {
  return new Date(Date.parse(`${isoDate}T00:00:00.000Z`) - TAIPEI_OFFSET_MS + 86_400_000 - 1).toISOString();
}

export function taipeiDate(instant: string | Date): string {
  const t = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  return new Date(t + TAIPEI_OFFSET_MS).toISOString().slice(0, 10);
}

export function addDaysToDate(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Calendar months; the 31st plus one month clamps to the last day of the shorter month. */
export function addMonthsToDate(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  const targetMonth = m - 1 + months;
  const year = y + Math.floor(targetMonth / 12);
  const month = ((targetMonth % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

/** 民國 year: 2025 → 114. */
export const rocYear = (gregorianYear: number) => gregorianYear - 1911;

/** 2025-06-30 → 民國114年06月30日 */
export function rocDate(isoDate: string | null | undefined): string {
  if (!isoDate) return '';
  const [y, m, d] = isoDate.slice(0, 10).split('-');
  return `民國${rocYear(Number(y))}年${m}月${d}日`;
}

/**
 * "As of" a business date means the end of that Taipei day; an instant is taken as given.
 * Returns undefined for anything else so the caller can name the field in a 400.
 */
export function asOfInstant(value: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const end = endOfTaipeiDay(value);
    return Number.isNaN(Date.parse(end)) || !new Date(`${value}T00:00:00Z`).toISOString().startsWith(value) ? undefined : end;
  }
  const t = Date.parse(value);
  return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(t) ? new Date(t).toISOString() : undefined;
}
