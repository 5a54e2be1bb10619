/**
 * Asia/Taipei time lives in the domain (`@ledger/domain` core/calendar); these names are kept for
 * the read side and its callers.
 */
import { addDays, addMonths, taipeiDateOf } from '@ledger/domain';

export { asOfInstant, endOfTaipeiDay, parseInstant, rocDate, rocYear, startOfTaipeiDay } from '@ledger/domain';

export const taipeiDate = (instant: string | Date): string => taipeiDateOf(instant);
export const addDaysToDate = addDays;
export const addMonthsToDate = addMonths;
