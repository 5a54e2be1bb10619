import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leafHash, MemoryTree } from './merkle';
import { generateSignerKey, signCheckpoint, verifierOf } from './note';
import { checkExtends, DirectoryWitness, HttpWitness, parseAddCheckpoint, WitnessRefusal } from './witness';

const signer = generateSignerKey('ledger');
const keys = () => [verifierOf(signer)];
const leaves = (tag: string, n: number) => Array.from({ length: n }, (_, i) => leafHash(createHash('sha256').update(`${tag}${i}`).digest()));
const treeOf = (ls: Buffer[]) => {
  const t = new MemoryTree();
  ls.forEach((l) => t.appendLeafHash(l));
  return t;
};
const honest = treeOf(leaves('e', 40));
const cp = (tree: MemoryTree, size: number) => signCheckpoint({ origin: 'ledger', size, rootHash: tree.root(size), extensions: [] }, signer);
const proofFrom = (tree: MemoryTree) => async (a: number, b: number) => tree.consistencyProof(a, b);

describe('witnesses refuse a checkpoint that does not extend the one they hold', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-witness-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a directory witness keeps the latest and a history of what it accepted', async () => {
    const w = new DirectoryWitness(dir, keys);
    await w.add(cp(honest, 10), proofFrom(honest));
    await w.add(cp(honest, 25), proofFrom(honest));
    await w.add(cp(honest, 25), proofFrom(honest));
    expect(w.latest()).toBe(cp(honest, 25)); // Ed25519 signatures are deterministic
    expect(readdirSync(join(dir, 'history'))).toEqual(['000000000010.checkpoint', '000000000025.checkpoint']);
  });

  it('a forked tree, a smaller tree or a foreign signature is refused and the held checkpoint stays', async () => {
    const w = new DirectoryWitness(dir, keys);
    await w.add(cp(honest, 20), proofFrom(honest));
    const forked = treeOf([...leaves('e', 15), ...leaves('forged', 25)]);
    await expect(w.add(cp(forked, 30), proofFrom(forked))).rejects.toThrow(WitnessRefusal);
    await expect(w.add(cp(honest, 12), proofFrom(honest))).rejects.toThrow(/smaller/);
    const other = generateSignerKey('ledger');
    await expect(w.add(signCheckpoint({ origin: 'ledger', size: 30, rootHash: honest.root(30), extensions: [] }, other), proofFrom(honest))).rejects.toThrow(/no valid signature/);
    expect(w.latest()).toContain('\n20\n');
  });

  it('an HTTP witness speaks C2SP tlog-witness: 409 with the size it holds, then a retry with the right proof', async () => {
    let held: string | undefined = cp(honest, 8); // it already holds a checkpoint the client does not know of
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { oldSize, proof, note } = parseAddCheckpoint(body);
        const heldSize = held ? Number(held.split('\n')[1]) : 0;
        if (oldSize !== heldSize) {
          res.writeHead(409, { 'content-type': 'text/x.tlog.size' }).end(`${heldSize}\n`);
          return;
        }
        try {
          checkExtends('test', held, note, keys(), proof);
          held = note;
          res.writeHead(200).end('');
        } catch (error) {
          res.writeHead(422).end((error as Error).message);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const w = new HttpWitness(`http://127.0.0.1:${port}`, keys);
      await w.add(cp(honest, 30), proofFrom(honest));
      expect(held).toContain('\n30\n');
      const forked = treeOf([...leaves('e', 29), ...leaves('x', 11)]);
      await expect(w.add(cp(forked, 40), proofFrom(forked))).rejects.toThrow(/HTTP 422.*does not extend/);
      expect(held).toContain('\n30\n');
    } finally {
      server.close();
    }
  });
});
