import { IsInt, IsString, Min, validate } from 'class-validator';
import { cacheValidationMetadata, inspectInput } from './validation';

const failures = async (value: object) =>
  (await validate(value, { whitelist: true, forbidNonWhitelisted: true })).flatMap((e) => Object.keys(e.constraints ?? {}).map((rule) => `${e.property}:${rule}`)).sort();

describe('validation rules looked up once per class', () => {
  it('gives the same answers as the uncached lookup, and sees rules declared after a class was first validated', async () => {
    class Base {
      @IsString()
      name!: unknown;
    }
    const uncached = await failures(Object.assign(new Base(), { name: 1, extra: true }));
    cacheValidationMetadata();
    cacheValidationMetadata(); // idempotent: wrapping twice would still work, but is not done
    expect(await failures(Object.assign(new Base(), { name: 1, extra: true }))).toEqual(uncached);
    expect(uncached).toEqual(['extra:whitelistValidation', 'name:isString']);
    expect(await failures(Object.assign(new Base(), { name: 'ok' }))).toEqual([]);

    // Declared now, after Base's rules were cached: its own rule and the inherited one both apply.
    class Derived extends Base {
      @IsInt()
      @Min(1)
      count!: unknown;
    }
    expect(await failures(Object.assign(new Derived(), { name: 2, count: 0 }))).toEqual(['count:min', 'name:isString']);
    expect(await failures(Object.assign(new Derived(), { name: 'ok', count: 3 }))).toEqual([]);
    // Base is not affected by its subclass's rule.
    expect(await failures(Object.assign(new Base(), { name: 'ok', count: 0 }))).toEqual(['count:whitelistValidation']);
  });
});

describe('national IDs in what a caller sends (issue 7, finding 5)', () => {
  // A123456789 has a valid check digit; in lower case it is also ten hex digits.
  const seedWithIdShape = `${'0f'.repeat(20)}a123456789${'e'.repeat(14)}`;

  it('given a 64-digit hex seed the ledger handed out, when it holds an ID shape, then it is still accepted', () => {
    expect(seedWithIdShape).toHaveLength(64);
    expect(inspectInput({ expectedSeed: seedWithIdShape }, 'body')).toEqual([]);
    expect(inspectInput({ expectedSeed: seedWithIdShape.toUpperCase() }, 'body')).toEqual([]);
  });

  it('given free text, when it holds an ID (alone, in words, or beside a hex value), then the field is named and refused', () => {
    for (const reason of ['A123456789', '查詢 a123456789 之投保資料', `A123456789 ${'0f'.repeat(16)}`, `${'0f'.repeat(16)}-A123456789`]) {
      expect(inspectInput({ reason }, 'body')).toEqual([{ field: 'reason', rule: 'noPersonalIdentifier', message: 'reason must not contain a national ID or resident certificate number' }]);
    }
    // A run shorter than 32 digits is not a ledger value: the ID inside it counts.
    expect(inspectInput({ reason: `${'0f'.repeat(5)}a123456789` }, 'body')).toHaveLength(1);
  });
});
