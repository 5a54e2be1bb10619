import { addDays, asOfInstant, endOfTaipeiDay, isIsoDate, parseInstant, startOfTaipeiDay, taipeiDateOf } from './calendar';

describe('calendar', () => {
  it('要點 七: seven days after 2025-06-28 is 2025-07-05, across the month end', () => expect(addDays('2025-06-28', 7)).toBe('2025-07-05'));

  it('要點 六(四): an instant late on a UTC day is already the next Asia/Taipei day', () => {
    expect(taipeiDateOf(new Date('2025-06-30T16:30:00Z'))).toBe('2025-07-01');
    expect(taipeiDateOf(new Date('2025-06-30T15:59:59Z'))).toBe('2025-06-30');
  });

  it('要點 六(四)(五): effective dates must be real calendar days', () => {
    expect(isIsoDate('2025-02-28')).toBe(true);
    expect(isIsoDate('2025-02-30')).toBe(false);
    expect(isIsoDate('2025-7-1')).toBe(false);
    expect(isIsoDate('2025-13-01')).toBe(false);
    expect(isIsoDate('2025-12-32')).toBe(false);
  });

  it('a Taipei day runs from 16:00 UTC the day before to 15:59:59.999 UTC', () => {
    expect(startOfTaipeiDay('2025-03-31')).toBe('2025-03-30T16:00:00.000Z');
    expect(endOfTaipeiDay('2025-03-31')).toBe('2025-03-31T15:59:59.999Z');
  });

  describe('instants carry their offset (an offset-less time is refused, never read as UTC)', () => {
    it('normalises an instant with an offset to UTC', () => {
      expect(parseInstant('2025-05-31T23:30:00+08:00')).toEqual({ ok: true, instant: '2025-05-31T15:30:00.000Z' });
      expect(parseInstant('2025-05-31T15:30:00.250Z')).toEqual({ ok: true, instant: '2025-05-31T15:30:00.250Z' });
    });
    it('refuses an offset-less time and says an offset is required', () => {
      const r = parseInstant('2025-05-31T23:30:00');
      expect(r.ok).toBe(false);
      expect(!r.ok && r.reason).toMatch(/offset is required/);
      expect(asOfInstant('2025-05-31T23:30:00')).toBeUndefined();
    });
    it.each(['2025-13-01T00:00:00Z', '2025-12-32T00:00:00Z', '2025-02-29T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01', 'yesterday', 20250101])(
      'refuses %p',
      (value) => expect(parseInstant(value).ok).toBe(false),
    );
    it('a date alone in "as of" is the end of that Taipei day; impossible dates are refused', () => {
      expect(asOfInstant('2025-06-30')).toBe('2025-06-30T15:59:59.999Z');
      expect(asOfInstant('2025-13-01')).toBeUndefined();
      expect(asOfInstant('2025-12-32')).toBeUndefined();
    });
  });
});
