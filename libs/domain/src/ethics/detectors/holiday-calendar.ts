import { isIsoDate, IsoDate } from '../../core/calendar';
import { ValidationError } from '../../core/domain-error';

/**
 * The calendar OFF_HOURS judges days by: which Asia/Taipei days are holidays (國定假日、颱風假) and
 * which weekend days are working days (補行上班). The ledger ships none as fact: the operator supplies
 * the file the city's personnel office publishes, in this format (UTF-8, one entry a line):
 *
 *   # comment
 *   2025-01-01 HOLIDAY 開國紀念日
 *   2025-02-08 WORKDAY 補行上班
 *
 * Blank lines and lines starting with `#` are ignored; the name is optional and free text. A day
 * listed twice, an impossible date or another keyword is refused with its line number.
 */
export interface HolidayCalendar {
  holidays: ReadonlySet<IsoDate>;
  workdays: ReadonlySet<IsoDate>;
}

export const EMPTY_CALENDAR: HolidayCalendar = { holidays: new Set(), workdays: new Set() };

export function parseHolidayCalendar(text: string): HolidayCalendar {
  const holidays = new Set<IsoDate>();
  const workdays = new Set<IsoDate>();
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const [date, keyword] = line.split(/\s+/, 2);
      const where = `line ${i + 1}`;
      if (!isIsoDate(date)) throw new ValidationError(where, 'must start with a calendar date YYYY-MM-DD');
      if (keyword !== 'HOLIDAY' && keyword !== 'WORKDAY') throw new ValidationError(where, 'must name HOLIDAY or WORKDAY after the date');
      if (holidays.has(date) || workdays.has(date)) throw new ValidationError(where, 'lists a day already listed');
      (keyword === 'HOLIDAY' ? holidays : workdays).add(date);
    });
  return { holidays, workdays };
}

/** Stable text of a calendar, for the OFF_HOURS configuration digest. */
export const calendarText = (c: HolidayCalendar) => `H:${[...c.holidays].sort().join(',')};W:${[...c.workdays].sort().join(',')}`;
