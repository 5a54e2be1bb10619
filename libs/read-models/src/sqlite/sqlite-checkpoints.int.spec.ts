import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSizeOnceAbove } from '@ledger/testing';
import { upsert } from '../types';
import { SqliteReadModelStore } from './sqlite-read-model-store';

/** ≈ 1.5 MB of documents in one batch: below SQLite's own threshold of 1,000 WAL pages. */
async function writeSome(store: SqliteReadModelStore): Promise<void> {
  await store.applyBatch(
    'toy',
    Array.from({ length: 1_000 }, (_, i) => ({ position: BigInt(i + 1), writes: [upsert('docs', `d-${i}`, { i, text: 'x'.repeat(1_000) })] })),
  );
}

/** As the event store's: the service's and the projector's read models copy their WAL back on a thread of their own. */
describe('SqliteReadModelStore: WAL checkpoints on a thread of their own', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rm-ckpt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('background: the file takes in the written pages with no commit crossing the threshold; the documents are there on reopening', async () => {
    const file = join(dir, 'read-models.db');
    const store = new SqliteReadModelStore({ file, checkpoints: 'background' });
    const before = statSync(file).size;
    await writeSome(store);
    expect(await fileSizeOnceAbove(file, before + 500_000, 3_000)).toBeGreaterThan(before + 500_000);
    await store.close();
    const again = new SqliteReadModelStore({ file });
    expect((await again.get('docs', 'd-999'))?.['i']).toBe(999);
    expect(await again.checkpoint('toy')).toBe(1_000n);
    await again.close();
  });

  it('in-commit (SQLite’s own): below its threshold the file keeps its size (the control)', async () => {
    const file = join(dir, 'read-models.db');
    const store = new SqliteReadModelStore({ file });
    const before = statSync(file).size;
    await writeSome(store);
    expect(await fileSizeOnceAbove(file, before, 500)).toBe(before);
    await store.close();
  });

  // A projector thread's connection: the service's own connection's thread checkpoints the file.
  it.each([
    ['in-commit', true],
    ['elsewhere', false],
  ] as const)('%s: a batch past 1,000 WAL pages checkpoints inside its commit: %s; the documents are there on reopening', async (checkpoints, inCommit) => {
    const file = join(dir, `${checkpoints}.db`);
    const store = new SqliteReadModelStore({ file, checkpoints });
    const before = statSync(file).size;
    await store.applyBatch(
      'toy',
      Array.from({ length: 1_500 }, (_, i) => ({ position: BigInt(i + 1), writes: [upsert('docs', `d-${i}`, { i, text: 'x'.repeat(4_000) })] })),
    );
    expect(statSync(file).size > before + 4_000_000).toBe(inCommit);
    await store.close();
    const again = new SqliteReadModelStore({ file });
    expect((await again.get('docs', 'd-1499'))?.['i']).toBe(1_499);
    await again.close();
  });
});
