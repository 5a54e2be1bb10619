/**
 * Asia/Taipei time lives in the domain's calendar module (pure date arithmetic, the one module of
 * the domain whose code projections may run); these names are kept for the read side.
 */
import { addDays, addMonths, taipeiDateOf } from '@ledger/domain/core/calendar';

export { asOfInstant, businessTimeOf, endOfTaipeiDay, parseInstant, rocDate, rocYear, startOfTaipeiDay } from '@ledger/domain/core/calendar';

export const taipeiDate = (instant: string | Date): string => taipeiDateOf(instant);
export const addDaysToDate = addDays;
export const addMonthsToDate = addMonths;
