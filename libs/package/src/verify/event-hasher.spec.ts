import { Readable } from 'node:stream';
import { computeEventHash, GENESIS_HASH } from '@ledger/event-store/integrity';
import { HashedLines, hashEventLine, type HashWorkerMode } from './event-hasher';
import { LineReader } from './line-reader';

const event = (n: number) => {
  const e = { streamId: `query-${n}`, revision: 0, type: 'QueryRegistered', data: { n, text: `查詢 ${n}` }, metadata: { prevHash: GENESIS_HASH, hash: '' } };
  e.metadata.hash = computeEventHash(e as never);
  return JSON.stringify(e);
};
const lines = [...Array.from({ length: 23 }, (_, i) => event(i)), 'not json', '{"streamId":1}', event(99)];
const file = lines.join('\n') + '\n';

async function readAll(mode: HashWorkerMode, chunks: Buffer[] = [Buffer.from(file)]) {
  const hashed = new HashedLines(new LineReader(Readable.from(chunks)), mode, 5, 2);
  const out: { text: string; hash: string | null | undefined }[] = [];
  try {
    for (let n = await hashed.next(); n !== undefined; n = await hashed.next()) out.push(n);
  } finally {
    hashed.close();
  }
  return out;
}

describe('events.jsonl lines hashed on a worker thread beside the checks', () => {
  it('gives every line in order with the hash the verifier computes in its own thread, across batch boundaries', async () => {
    const viaWorker = await readAll('always');
    expect(viaWorker.map((l) => l.text)).toEqual(lines);
    expect(viaWorker.map((l) => l.hash)).toEqual(lines.map(hashEventLine));
    // The worker really answered: a hash for each event, null (hash it yourself) for what is not one.
    expect(viaWorker.filter((l) => typeof l.hash === 'string')).toHaveLength(24);
    expect(viaWorker[23].hash).toBeNull();
  });

  it('never: the same lines, none hashed ahead', async () => {
    const inThread = await readAll('never');
    expect(inThread.map((l) => l.text)).toEqual(lines);
    expect(inThread.every((l) => l.hash === undefined)).toBe(true);
  });

  it('a read error surfaces after the lines read before it, as a plain read gives them', async () => {
    const failing = new Readable({ read() {} });
    failing.push(Buffer.from(lines.slice(0, 7).join('\n') + '\n' + lines[7].slice(0, 10)));
    setImmediate(() => failing.destroy(new Error('invalid distance too far back')));
    const hashed = new HashedLines(new LineReader(failing), 'always', 5, 2);
    const got: string[] = [];
    await expect(
      (async () => {
        for (let n = await hashed.next(); n !== undefined; n = await hashed.next()) got.push(n.text);
      })(),
    ).rejects.toThrow('invalid distance too far back');
    hashed.close();
    expect(got).toEqual(lines.slice(0, 7));
  });
});
