import { ReadModelRequestError } from '../documents';
import type { Filter, TableSpec } from '../types';
import { remove, upsert } from '../types';
import { SqliteReadModelStore } from './sqlite-read-model-store';

const SPEC: TableSpec = { columns: { name: 'text', n: 'integer', flag: 'boolean', tag: 'text', extra: 'json' } };

const docs = Array.from({ length: 40 }, (_, i) => ({
  id: `d${String(i).padStart(2, '0')}`,
  doc: { name: `name${i % 7}`, n: (i * 37) % 11, flag: i % 3 === 0 ? null : i % 3 === 1, tag: i % 5 === 0 ? null : `t${i % 4}`, extra: { at: i } },
}));

/** countBy and $or on a typed table answer exactly as on JSON documents (the contract suite covers JSON documents on every adapter). */
describe('SqliteReadModelStore countBy and $or on typed tables', () => {
  let plain: SqliteReadModelStore;
  let typed: SqliteReadModelStore;
  beforeEach(async () => {
    plain = new SqliteReadModelStore({ file: ':memory:' });
    typed = new SqliteReadModelStore({ file: ':memory:' });
    await typed.declareTable('things', SPEC);
    for (const store of [plain, typed]) {
      await store.applyBatch('p', docs.map((d, i) => ({ position: BigInt(i + 1), writes: [upsert('things', d.id, d.doc)] })));
      await store.applyBatch('p', [{ position: 100n, writes: [remove('things', 'd03')] }]);
    }
  });
  afterEach(async () => {
    await plain.close();
    await typed.close();
  });

  const cases: [Filter, string[]][] = [
    [{}, []],
    [{}, ['name']],
    [{}, ['flag', 'tag']],
    [{ n: { $gt: 3 } }, ['n']],
    [{ $or: [{ tag: null }, { flag: true, n: { $lt: 5 } }] }, ['name', 'flag']],
    [{ name: 'name1', $or: [{ n: { $gte: 8 } }, { $or: [{ tag: 't2' }] }] }, ['tag']],
    [{ $and: [{ $or: [{ tag: null }, { n: 1 }] }, { $or: [{ flag: true }, { flag: false }] }] }, ['flag']],
    [{ missing: null }, ['missing']],
    [{ name: 'nope' }, []],
  ];

  it.each(cases.map((c, i) => [i, ...c] as const))('case %i: the same groups and counts as on JSON documents', async (_i, filter, fields) => {
    const expected = await plain.countBy('things', filter, fields);
    expect(expected.reduce((n, g) => n + g.count, 0)).toBe((await plain.find('things', filter)).length);
    expect(await typed.countBy('things', filter, fields)).toEqual(expected);
    expect(await typed.find('things', filter)).toEqual(await plain.find('things', filter));
  });

  it('refuses to group by a JSON column (objects and arrays are not groupable)', async () => {
    await expect(typed.countBy('things', {}, ['extra'])).rejects.toBeInstanceOf(ReadModelRequestError);
    await expect(plain.countBy('things', {}, ['extra'])).rejects.toBeInstanceOf(ReadModelRequestError);
  });
});
