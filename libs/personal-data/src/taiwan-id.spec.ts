import { containsTaiwanId, isValidTaiwanId, normalizeTaiwanId, validateTaiwanId } from './taiwan-id';

describe('validateTaiwanId', () => {
  // Samples published in the READMEs of independent validators (Go, C#, JS), not derived here.
  it.each([
    ['A123456789', 'NATIONAL_ID'],
    ['A100000001', 'NATIONAL_ID'],
    ['A800000014', 'ARC_NEW'],
    ['A800000005', 'ARC_NEW'],
    ['A900000007', 'ARC_NEW'],
    ['AA00000009', 'ARC_OLD'],
    ['AB00000001', 'ARC_OLD'],
    ['AC00000003', 'ARC_OLD'],
    ['AD00000005', 'ARC_OLD'],
    ['AC01234567', 'ARC_OLD'],
  ] as const)('accepts the published sample %s as %s', (id, kind) => {
    expect(validateTaiwanId(id)).toEqual({ ok: true, kind, normalized: id });
  });

  // Worked by hand for the letters whose codes are out of alphabetical order (I=34, O=35, W=32, Z=33)
  // and one ordinary letter (J=18): e.g. I → 3·1 + 4·9 = 39, digits 1..8 weighted 8..1 → 120,
  // 39 + 120 = 159, so the check digit is 1.
  it.each(['I123456781', 'O123456782', 'W123456789', 'Z123456780', 'J123456787'])(
    'accepts the hand-computed national ID %s',
    (id) => {
      expect(validateTaiwanId(id)).toEqual({ ok: true, kind: 'NATIONAL_ID', normalized: id });
    },
  );

  it.each(['A123456700', 'A123456788', 'A800000015', 'AC01234568', 'AA00000008'])(
    'rejects %s for its check digit',
    (id) => {
      expect(validateTaiwanId(id)).toEqual({ ok: false, reason: 'bad-check-digit' });
    },
  );

  it('accepts exactly one check digit out of ten for each kind', () => {
    for (const prefix of ['A12345678', 'A80000001', 'AC0123456', 'Z98765432', 'Y28765432']) {
      const valid = '0123456789'.split('').filter((d) => isValidTaiwanId(prefix + d));
      expect(valid).toHaveLength(1);
    }
  });

  it('normalises lowercase, surrounding spaces and full-width characters', () => {
    expect(validateTaiwanId('  a123456789 ')).toEqual({ ok: true, kind: 'NATIONAL_ID', normalized: 'A123456789' });
    expect(validateTaiwanId('ac01234567')).toEqual({ ok: true, kind: 'ARC_OLD', normalized: 'AC01234567' });
    expect(validateTaiwanId('Ａ１２３４５６７８９')).toEqual({ ok: true, kind: 'NATIONAL_ID', normalized: 'A123456789' });
    expect(normalizeTaiwanId(' ａ800000014\t')).toBe('A800000014');
  });

  it.each([
    [undefined, 'not-a-string'],
    [123456789, 'not-a-string'],
    ['', 'empty'],
    ['   ', 'empty'],
    ['A12345678', 'bad-length'],
    ['A1234567890', 'bad-length'],
    ['A323456789', 'bad-format'], // second digit 3–7 is neither a national ID nor an ARC
    ['AE12345678', 'bad-format'], // old ARC second letter only runs A–D
    ['1123456789', 'bad-format'],
    ['A12345678X', 'bad-format'],
    ['A1234 6789', 'bad-format'],
  ] as const)('rejects %p with reason %s', (input, reason) => {
    expect(validateTaiwanId(input)).toEqual({ ok: false, reason });
  });

  it('never puts the input into the rejection', () => {
    for (const input of ['A123456700', 'B323456789', 'C12345', 'ZZ99999999']) {
      const result = validateTaiwanId(input);
      expect(result.ok).toBe(false);
      const serialized = JSON.stringify(result);
      expect(serialized).not.toContain(input);
      expect(serialized).not.toContain(input.slice(1, 7));
    }
  });
});

describe('containsTaiwanId (issue 7, finding 5)', () => {
  it.each(['person_A123456789', 'A123456789.x', 'A123456789-', 'x a123456789 y', '案號Ａ１２３４５６７８９', 'ZZA123456789', 'AC01234567'])('finds one in %s', (text) =>
    expect(containsTaiwanId(text)).toBe(true));
  it.each(['A123456788', 'person_0123456789abcdef', '臺北市政府社會局', '', 'A12345678'])('finds none in %s', (text) => expect(containsTaiwanId(text)).toBe(false));
});
