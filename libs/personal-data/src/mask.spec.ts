import { maskName, maskNationalId } from './mask';

describe('maskNationalId', () => {
  it('keeps the first three and last three characters', () => {
    expect(maskNationalId('A123456789')).toBe('A12****789');
    expect(maskNationalId('AC01234567')).toBe('AC0****567');
  });

  it('normalises before masking', () => {
    expect(maskNationalId(' a123456789 ')).toBe('A12****789');
  });

  it('masks malformed input entirely and to a fixed length', () => {
    expect(maskNationalId('A1234')).toBe('**********');
    expect(maskNationalId('A12345678901234')).toBe('**********');
    expect(maskNationalId('')).toBe('**********');
  });
});

describe('maskName', () => {
  it.each([
    ['王小明', '王○明'],
    ['歐陽娜娜', '歐○○娜'],
    ['王明', '王○'],
    ['明', '○'],
    ['  陳大文 ', '陳○文'],
    ['', ''],
  ])('masks %p as %p', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });

  it('treats a character outside the BMP as one character', () => {
    // 𡘙 is a surrogate pair in UTF-16; splitting it would emit a lone surrogate.
    expect(maskName('林𡘙美')).toBe('林○美');
    expect(maskName('𡘙明')).toBe('𡘙○');
    expect(maskName('王𡘙')).toBe('王○');
  });

  it('keeps combining sequences whole', () => {
    // "Nguyễn" written with combining marks: 6 user-perceived characters.
    const decomposed = 'Nguye\u0302\u0303n';
    expect(maskName(decomposed)).toBe('N○○○○n');
  });
});
