import { carriesTaiwanId } from './free-text';

describe('national IDs in free text (要點 九(一)3: the subject is protected, not written in the reason)', () => {
  it('finds a valid number anywhere in the text, in full-width or lower case', () => {
    expect(carriesTaiwanId('查詢A123456789之投保資料')).toBe(true);
    expect(carriesTaiwanId('ａ１２３４５６７８９')).toBe(true);
    expect(carriesTaiwanId('xa123456789')).toBe(true);
  });

  it('leaves text without one alone, including a number with a wrong check digit', () => {
    expect(carriesTaiwanId('114社救字第0123號')).toBe(false);
    expect(carriesTaiwanId('A123456788')).toBe(false);
    expect(carriesTaiwanId(undefined)).toBe(false);
  });
});
