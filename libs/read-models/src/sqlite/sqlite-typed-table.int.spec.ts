import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlainDocument, ReadModelRequestError } from '../documents';
import type { Filter, FindOptions, TableSpec } from '../types';
import { remove, setFields, upsert } from '../types';
import { SqliteReadModelStore } from './sqlite-read-model-store';

const SPEC: TableSpec = { columns: { name: 'text', n: 'integer', flag: 'boolean', tag: 'text', extra: 'json' } };

/** Documents with every kind of value a column holds, nulls included. */
const docs = Array.from({ length: 40 }, (_, i) => ({
  id: `d${String(i).padStart(2, '0')}`,
  doc: { name: `name${i % 7}`, n: (i * 37) % 11, flag: i % 3 === 0, tag: i % 5 === 0 ? null : `t${i % 4}`, extra: { at: i, list: [i, 'x'] } },
}));

describe('SqliteReadModelStore typed tables (declareTable)', () => {
  let plain: SqliteReadModelStore;
  let typed: SqliteReadModelStore;
  beforeEach(async () => {
    plain = new SqliteReadModelStore({ file: ':memory:' });
    typed = new SqliteReadModelStore({ file: ':memory:' });
    await typed.declareTable('things', SPEC);
    for (const store of [plain, typed]) {
      await store.declareIndexes('things', [{ fields: ['name', 'n'] }, { fields: ['tag'] }]);
      await store.applyBatch('p', docs.map((d, i) => ({ position: BigInt(i + 1), writes: [upsert('things', d.id, d.doc)] })));
      // A tombstone and a replayed older write the guard must skip, in both.
      await store.applyBatch('p', [{ position: 100n, writes: [remove('things', 'd03')] }, { position: 5n, writes: [upsert('things', 'd10', { ...docs[10].doc, name: 'stale' })] }]);
      // Rewrites: an unindexed column only, an indexed one, a tombstone revived, a document back to null.
      await store.applyBatch('p', [
        { position: 101n, writes: [upsert('things', 'd05', { ...docs[5].doc, flag: !docs[5].doc.flag })] },
        { position: 102n, writes: [upsert('things', 'd06', { ...docs[6].doc, name: 'renamed', n: 99 })] },
        { position: 103n, writes: [upsert('things', 'd04', { name: 'name1', n: null, flag: null, tag: null, extra: null })] },
        { position: 104n, writes: [remove('things', 'd07')] },
        { position: 105n, writes: [upsert('things', 'd07', { ...docs[7].doc, tag: 'back' })] },
      ]);
    }
  });
  afterEach(async () => {
    await plain.close();
    await typed.close();
  });

  const cases: [Filter, FindOptions][] = [
    [{}, { sort: { _id: 1 } }],
    [{ name: 'name3' }, {}],
    [{ name: 'name3', n: { $gte: 4 } }, { sort: { n: -1 } }],
    [{ flag: true }, { sort: { n: 1, name: -1 } }],
    [{ flag: false, tag: null }, {}],
    [{ tag: { $ne: null } }, { sort: { tag: 1 }, limit: 7 }],
    [{ tag: { $ne: 't1' } }, {}],
    [{ tag: { $in: ['t1', 't2', null] } }, { sort: { tag: -1, n: 1 } }],
    [{ n: { $gt: 3, $lt: 8 } }, { sort: { n: 1 } }],
    [{ name: { $gt: 'name2' } }, { sort: { name: 1 }, limit: 5 }],
    // A value of another type than the column's never matches, as in a JSON document.
    [{ n: '3' }, {}],
    [{ name: 3 }, {}],
    [{ flag: 1 }, {}],
    [{ n: { $gt: 'a' } }, {}],
    // A field the documents never have: equal to null only.
    [{ missing: null }, { limit: 3 }],
    [{ missing: 'x' }, {}],
    [{ missing: { $ne: 'x' } }, { limit: 2 }],
    [{ _id: { $gt: 'd30' } }, { sort: { _id: -1 } }],
  ];

  it.each(cases.map((c, i) => [i, ...c] as const))('case %i: find answers exactly as on JSON documents', async (_i, filter, options) => {
    const expected = await plain.find('things', filter, options);
    expect(await typed.find('things', filter, options)).toEqual(expected);
    // Restricted to some fields (only their columns selected): the full answer's documents, restricted.
    const fields = ['tag', 'extra', 'n', 'missing'];
    const restricted = expected.map((d) => ({ _id: d._id, _position: d._position, tag: d['tag'] ?? null, extra: d['extra'] ?? null, n: d['n'] ?? null }));
    expect(await typed.find('things', filter, { ...options, fields })).toEqual(restricted);
  });

  it('point reads, tombstones and positions are the same', async () => {
    for (const id of ['d00', 'd03', 'd10', 'nope']) {
      expect(await typed.getEntry('things', id)).toEqual(await plain.getEntry('things', id));
    }
    expect((await typed.get('things', 'd10'))?.name).toBe('name3');
  });

  it('reads a row back as the JSON collection gives its document, field order and value types included', async () => {
    for (const { id } of [...docs, { id: 'missing' }]) {
      expect(JSON.stringify(await typed.get('things', id))).toBe(JSON.stringify(await plain.get('things', id)));
    }
    expect(JSON.stringify(await typed.find('things', {}, { sort: { _id: 1 } }))).toBe(JSON.stringify(await plain.find('things', {}, { sort: { _id: 1 } })));
  });

  it('keeps a position beyond 2^53 exact (rows are read as plain numbers, positions re-read as BigInt)', async () => {
    const far = 2n ** 60n + 3n;
    for (const store of [plain, typed]) await store.applyEvent('p', far, [upsert('things', 'far', docs[1].doc)]);
    expect(await typed.getEntry('things', 'far')).toEqual(await plain.getEntry('things', 'far'));
    expect((await typed.find('things', { _id: 'far' }))[0]._position).toBe(far.toString());
    // The guard compares exactly: one position below is skipped, one above is applied.
    await typed.applyEvent('p', far - 1n, [upsert('things', 'far', { ...docs[1].doc, name: 'stale' })]);
    expect((await typed.get('things', 'far'))?.name).toBe(docs[1].doc.name);
    await typed.applyEvent('p', far + 1n, [upsert('things', 'far', { ...docs[1].doc, name: 'new' })]);
    expect(await typed.get('things', 'far')).toMatchObject({ name: 'new', _position: (far + 1n).toString() });
  });

  it('a document handed over as its fields (PlainDocument) is stored exactly as its JSON text is', async () => {
    const odd: Record<string, unknown>[] = [
      { name: new Date('2025-03-05T01:02:03Z'), n: 3, flag: true, tag: 'x', extra: { at: new Date(0), list: [undefined, () => 1, NaN] } },
      { name: 'nan', n: NaN, flag: false, tag: undefined, extra: undefined },
      { name: 'inf', n: Infinity, flag: null, tag: null, extra: 'text' },
      { name: 'neg', n: -0, flag: false, tag: 't', extra: [1, { a: null }], notAColumn: undefined, fn: () => 2 },
      { _id: 'ignored', _position: '9', name: 'meta', n: 1, flag: true, tag: null, extra: null },
    ];
    const viaFields = new SqliteReadModelStore({ file: ':memory:' });
    await viaFields.declareTable('things', SPEC);
    const write = (store: SqliteReadModelStore, plain: boolean) =>
      store.applyBatch('p', odd.map((doc, i) => ({ position: BigInt(200 + i), writes: [upsert('things', `odd${i}`, plain ? (PlainDocument.of(doc) as unknown as Record<string, unknown>) : doc)] })));
    await write(viaFields, true);
    await write(typed, false);
    await write(plain, false);
    for (let i = 0; i < odd.length; i++) {
      const entry = await viaFields.getEntry('things', `odd${i}`);
      expect(entry).toEqual(await typed.getEntry('things', `odd${i}`));
      // The JSON documents agree on every field they hold; the typed ones read an absent field as null.
      const plainDoc = (await plain.get('things', `odd${i}`))!;
      for (const [k, v] of Object.entries(plainDoc)) expect(entry!.document![k]).toEqual(v);
    }
    // Rewrites through the fields: only a changed value is written, and the guard still holds.
    await viaFields.applyEvent('p', 300n, [upsert('things', 'odd0', PlainDocument.of({ ...odd[1], name: 'changed' }) as unknown as Record<string, unknown>)]);
    await viaFields.applyEvent('p', 299n, [upsert('things', 'odd0', PlainDocument.of({ ...odd[1], name: 'stale' }) as unknown as Record<string, unknown>)]);
    expect(await viaFields.get('things', 'odd0')).toEqual({ _id: 'odd0', _position: '300', name: 'changed', n: null, flag: false, tag: null, extra: null });
    await expect(viaFields.applyEvent('p', 301n, [upsert('things', 'bad', PlainDocument.of({ name: 'a', other: 1 }) as unknown as Record<string, unknown>)])).rejects.toBeInstanceOf(ReadModelRequestError);
    await expect(viaFields.applyEvent('p', 301n, [upsert('things', 'bad', PlainDocument.of({ name: 1 }) as unknown as Record<string, unknown>)])).rejects.toBeInstanceOf(ReadModelRequestError);
    expect(() => PlainDocument.of({ $set: 1 })).toThrow(ReadModelRequestError);
    await viaFields.close();
  });

  it('a set (one UPDATE of its columns) leaves the rows a JSON collection leaves, guard, tombstones and indexes included', async () => {
    const sets = [
      { position: 200n, writes: [setFields('things', 'd01', { flag: true }), setFields('things', 'd02', { name: 'set', n: 7, tag: null, extra: { z: [1] } })] },
      // A tombstone (d03), a document that never was, a replayed older set (d10 holds 10): nothing.
      { position: 201n, writes: [setFields('things', 'd03', { flag: true }), setFields('things', 'none', { name: 'x' })] },
      { position: 6n, writes: [setFields('things', 'd10', { name: 'stale' })] },
      // Over a whole write of the same batch, and replaced by one.
      { position: 202n, writes: [upsert('things', 'd11', { ...docs[11].doc, name: 'whole' }), setFields('things', 'd12', { tag: 'first' })] },
      { position: 203n, writes: [setFields('things', 'd11', { tag: 'over' }), upsert('things', 'd12', { ...docs[12].doc, name: 'whole' })] },
    ];
    for (const store of [plain, typed]) {
      await store.applyBatch('p', sets);
      await store.applyBatch('p', sets);
    }
    for (const id of ['d01', 'd02', 'd03', 'd10', 'd11', 'd12', 'none']) expect(await typed.getEntry('things', id)).toEqual(await plain.getEntry('things', id));
    expect(await typed.get('things', 'd02')).toMatchObject({ _position: '200', name: 'set', n: 7, tag: null, extra: { z: [1] } });
    expect(await typed.get('things', 'd11')).toMatchObject({ _position: '203', name: 'whole', tag: 'over' });
    for (const [filter, options] of cases) expect(await typed.find('things', filter, options)).toEqual(await plain.find('things', filter, options));
    // A value of another type than its column, or a field that is not a column, is refused with its batch.
    await expect(typed.applyEvent('p', 300n, [upsert('things', 'd20', { name: 'kept' }), setFields('things', 'd01', { n: 'text' })])).rejects.toBeInstanceOf(ReadModelRequestError);
    await expect(typed.applyEvent('p', 300n, [setFields('things', 'd01', { other: 1 })])).rejects.toBeInstanceOf(ReadModelRequestError);
    expect((await typed.get('things', 'd20'))?.name).toBe(docs[20].doc.name);
  });

  it('reads a field written as absent as null (TableSpec: every column is a field of every document)', async () => {
    await typed.applyEvent('p', 300n, [upsert('things', 'short', { name: 'x' })]);
    expect(await typed.get('things', 'short')).toEqual({ _id: 'short', _position: '300', name: 'x', n: null, flag: null, tag: null, extra: null });
  });

  it('keeps the rows in a typed table, with its indexes used by the planner', async () => {
    const db = (typed as unknown as { db: Database.Database }).db;
    expect(db.prepare(`SELECT count(*) AS c FROM tab_things`).get()).toEqual({ c: 40 });
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'doc_things'`).get()).toBeUndefined();
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM tab_things WHERE deleted = 0 AND "f_name" = ? AND "f_n" > ?`).all('name1', 2);
    expect(JSON.stringify(plan)).toContain('ix_things__name__n');
  });

  it('refuses a value of another type than its column, and a field that is not a column', async () => {
    await expect(typed.applyEvent('p', 200n, [upsert('things', 'x', { name: 1 })])).rejects.toBeInstanceOf(ReadModelRequestError);
    await expect(typed.applyEvent('p', 200n, [upsert('things', 'x', { name: 'a', other: 1 })])).rejects.toBeInstanceOf(ReadModelRequestError);
    await expect(typed.find('things', { extra: null })).rejects.toBeInstanceOf(ReadModelRequestError);
    expect(await typed.get('things', 'x')).toBeUndefined();
  });

  it('another process opening the file uses the declared table; a collection holding JSON documents is not switched silently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'typed-table-'));
    try {
      const file = join(dir, 'rm.db');
      const first = new SqliteReadModelStore({ file });
      await first.declareTable('things', SPEC);
      await first.applyEvent('p', 1n, [upsert('things', 'a', docs[0].doc)]);
      const second = new SqliteReadModelStore({ file });
      expect(await second.get('things', 'a')).toEqual({ _id: 'a', _position: '1', ...docs[0].doc });
      // Declared again the same: idempotent, the rows stay.
      await second.declareTable('things', SPEC);
      expect(await second.find('things')).toHaveLength(1);
      // A changed table over rows, or a table over JSON documents, is refused: a new projection version must drop them first.
      await expect(second.declareTable('things', { columns: { name: 'text' } })).rejects.toBeInstanceOf(ReadModelRequestError);
      await second.applyEvent('p', 2n, [upsert('other', 'a', { name: 'x' })]);
      await expect(second.declareTable('other', SPEC)).rejects.toThrow(/raise its projection's version/);
      await second.drop('p', ['other']);
      await second.declareTable('other', SPEC);
      expect(await second.find('other')).toEqual([]);
      await first.close();
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
