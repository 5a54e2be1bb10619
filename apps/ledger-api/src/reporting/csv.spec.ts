import { toCsv } from './csv';

describe('CSV for auditors', () => {
  it('starts with a UTF-8 BOM, quotes commas, quotes and newlines, and neutralises formulas', () => {
    const csv = toCsv([['姓名', '備註'], ['王○明', 'a,b'], ['林○', 'say "hi"\nbye'], ['=1+1', null]]);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.slice(1)).toBe('姓名,備註\r\n王○明,"a,b"\r\n林○,"say ""hi""\nbye"\r\n\'=1+1,\r\n');
  });
});
