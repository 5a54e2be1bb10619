import { addMonthsToDate, asOfInstant, endOfTaipeiDay, rocDate, taipeiDate } from './time';

describe('Asia/Taipei time and ROC dates', () => {
  it('a Taipei day ends at 15:59:59.999 UTC', () => {
    expect(endOfTaipeiDay('2025-06-30')).toBe('2025-06-30T15:59:59.999Z');
  });
  it('an instant after 16:00 UTC is already the next Taipei day', () => {
    expect(taipeiDate('2025-06-30T16:00:00.000Z')).toBe('2025-07-01');
    expect(taipeiDate('2025-06-30T15:59:59.999Z')).toBe('2025-06-30');
  });
  it('adds calendar months, clamping to the month end', () => {
    expect(addMonthsToDate('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonthsToDate('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonthsToDate('2025-11-15', 12)).toBe('2026-11-15');
  });
  it('shows ROC years (民國 114 年 = 2025)', () => {
    expect(rocDate('2025-06-30')).toBe('民國114年06月30日');
  });
  it('reads "as of" as the end of a business day or an exact instant, refusing anything else', () => {
    expect(asOfInstant('2025-06-30')).toBe('2025-06-30T15:59:59.999Z');
    expect(asOfInstant('2025-07-01T09:00:00+08:00')).toBe('2025-07-01T01:00:00.000Z');
    expect(asOfInstant('2025-02-30')).toBeUndefined();
    expect(asOfInstant('yesterday')).toBeUndefined();
  });
});
