import { canonicalJson, NonJsonValueError } from './integrity';

/** The serializer the ledger hashed with before JCS, kept here to prove no stored hash changes. */
function legacyCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    if (value === undefined) return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : legacyCanonicalJson(v))).join(',') + ']';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + legacyCanonicalJson(obj[k])).join(',') + '}';
}

const f64 = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);

describe('canonical JSON is RFC 8785 (JCS)', () => {
  it('RFC 8785 §3.2.3: the sample object', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their names', () => {
    const input = JSON.parse('{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}');
    // Read the order from the text: JSON.parse would move the integer-like key "1" first.
    const text = canonicalJson(input);
    const names = [...text.matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) => JSON.parse(`"${m[1]}"`));
    expect(names).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('RFC 8785 Appendix B: IEEE 754 %s serializes as %s', (hex, expected) => {
    expect(canonicalJson(f64(hex))).toBe(expected);
    expect(canonicalJson([f64(hex)])).toBe(`[${expected}]`);
  });

  it.each([
    ['NaN', NaN, 'value is NaN'],
    ['Infinity', { a: { b: Infinity } }, 'a.b is Infinity'],
    ['-Infinity', [1, -Infinity], '[1] is -Infinity'],
    ['undefined in an array', { list: [1, undefined] }, 'list[1] is undefined'],
    ['undefined itself', undefined, 'value is undefined'],
    ['a bigint', { n: 10n }, 'n is a bigint'],
    ['a function', { f: () => 1 }, 'f is a function'],
    ['a symbol', { s: Symbol('x') }, 's is a symbol'],
    ['a Map', { m: new Map() }, 'm is a Map object'],
  ])('refuses %s instead of hashing it as null', (_, value, message) => {
    expect(() => canonicalJson(value)).toThrow(NonJsonValueError);
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it('keeps JSON.stringify\'s meaning for an undefined member (absent) and a Date (its ISO string)', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
    expect(canonicalJson({ at: new Date('2025-07-01T00:00:00Z') })).toBe('{"at":"2025-07-01T00:00:00.000Z"}');
  });

  it('is byte for byte the serializer the ledger hashed with before, on every value JSON.parse can return', () => {
    let seed = 8785;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const strings = ['', 'a', '社會局', 'é\u0301', '\u2028', '"\\/', '\u0000\u001f\u007f', '\ud83d\ude00', '\udc00', 'x'.repeat(50)];
    const numbers = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789.123, 2 ** 53, 5e-324, 1.7976931348623157e308];
    const gen = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.35) {
        const k = rand();
        if (k < 0.4) return strings[Math.floor(rand() * strings.length)];
        if (k < 0.7) return rand() < 0.5 ? numbers[Math.floor(rand() * numbers.length)] : (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
        return [null, true, false][Math.floor(rand() * 3)];
      }
      if (r < 0.6) return Array.from({ length: Math.floor(rand() * 5) }, () => gen(depth + 1));
      const obj: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 6); i > 0; i--) obj[strings[Math.floor(rand() * strings.length)] + Math.floor(rand() * 30)] = gen(depth + 1);
      return obj;
    };
    for (let i = 0; i < 3000; i++) {
      const value = JSON.parse(JSON.stringify(gen(0)));
      expect(canonicalJson(value)).toBe(legacyCanonicalJson(value));
    }
  });

  it('quotes a string or a member name by hand only where JSON.stringify would escape nothing', () => {
    // Every code unit that JSON.stringify escapes or treats apart, alone and inside plain text, as values and as names.
    const units = [0x00, 0x08, 0x0a, 0x1f, 0x20, 0x22, 0x2f, 0x5c, 0x7f, 0x2028, 0x4e2d, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfffd, 0xffff];
    const strings = units.flatMap((u) => [String.fromCharCode(u), `a${String.fromCharCode(u)}b`]).concat(['\ud83d\ude00', '社會局', '']);
    for (const s of strings) {
      expect(canonicalJson(s)).toBe(JSON.stringify(s));
      expect(canonicalJson({ [s]: s })).toBe(`{${JSON.stringify(s)}:${JSON.stringify(s)}}`);
    }
    // More distinct names than are remembered quoted: the rest are quoted each time, alike.
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}\u0001`, i]));
    expect(canonicalJson(many)).toBe(legacyCanonicalJson(many));
    expect(canonicalJson(many)).toBe(legacyCanonicalJson(many));
  });

  it('sorts members whether they come in order, out of order, or as array indices', () => {
    expect(canonicalJson({ a: 1, b: { c: 1, d: 2 } })).toBe('{"a":1,"b":{"c":1,"d":2}}');
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
    expect(canonicalJson({ 10: 'x', 2: 'y', b: 'z' })).toBe('{"10":"x","2":"y","b":"z"}');
  });
});
