import { addDays, isIsoDate, taipeiDateOf } from './calendar';

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
  });
});
