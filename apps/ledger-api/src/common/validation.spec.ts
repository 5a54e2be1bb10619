import { IsInt, IsString, Min, validate } from 'class-validator';
import { cacheValidationMetadata } from './validation';

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
