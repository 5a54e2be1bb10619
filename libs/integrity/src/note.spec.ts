import { createHash } from 'node:crypto';
import { leafHash, MemoryTree } from './merkle';
import {
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  keyIdOf,
  openCheckpoint,
  parseCheckpointBody,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  verifierOf,
} from './note';
import { checkConsistencyBundle, checkInclusionBundle, checkInclusionBundles, toBase64 } from './proofs';

describe('C2SP signed notes and checkpoints (Ed25519)', () => {
  const signer = generateSignerKey('webir-ledger.example');
  const verifier = verifierOf(signer);

  it('the key id is the first 4 bytes of SHA-256(name, 0x0A, 0x01, public key)', () => {
    const expected = createHash('sha256').update(Buffer.concat([Buffer.from('webir-ledger.example\n\x01', 'latin1'), signer.publicKey])).digest().readUInt32BE(0);
    expect(keyIdOf(signer.name, signer.publicKey)).toBe(expected);
  });

  it('signer and verifier keys round-trip through their text forms', () => {
    const text = formatSignerKey(signer);
    expect(text).toMatch(/^PRIVATE\+KEY\+webir-ledger\.example\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(parseSignerKey(text).publicKey).toEqual(signer.publicKey);
    const vkey = formatVerifierKey(verifier);
    expect(parseVerifierKey(vkey).keyId).toBe(signer.keyId);
    const tampered = vkey.replace(/\+([0-9a-f]{8})\+/, (_, id: string) => `+${(parseInt(id, 16) ^ 1).toString(16).padStart(8, '0')}+`);
    expect(() => parseVerifierKey(tampered)).toThrow(/key id/);
  });

  it('a checkpoint is origin, size and base64 root, a blank line, then "— name base64(keyid || sig)"', () => {
    const root = Buffer.alloc(32, 0xab);
    const note = signCheckpoint({ origin: 'webir-ledger.example', size: 42, rootHash: root, extensions: [] }, signer);
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual(['webir-ledger.example', '42', root.toString('base64'), '']);
    expect(lines[4]).toMatch(/^\u2014 webir-ledger\.example [A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(lines[4].split(' ')[2], 'base64')).toHaveLength(68);
    const opened = openCheckpoint(note, [verifier]);
    expect(opened).toMatchObject({ origin: 'webir-ledger.example', size: 42, extensions: [] });
    expect(opened.rootHash).toEqual(root);
  });

  it('refuses a checkpoint whose body or signature was changed, or signed by another key', () => {
    const note = signCheckpoint({ origin: 'o', size: 7, rootHash: Buffer.alloc(32, 1), extensions: ['month-close 2025-07'] }, signer);
    expect(() => openCheckpoint(note.replace('\n7\n', '\n8\n'), [verifier])).toThrow(/no valid signature/);
    const sigLine = note.split('\n')[5];
    const raw = Buffer.from(sigLine.split(' ')[2], 'base64');
    raw[10] ^= 1;
    expect(() => openCheckpoint(note.replace(sigLine, `\u2014 o ${raw.toString('base64')}`), [verifier])).toThrow(/no valid signature/);
    const other = verifierOf(generateSignerKey('o'));
    expect(() => openCheckpoint(note, [other])).toThrow(/no valid signature/);
    expect(parseNote(note).signatures).toHaveLength(1);
  });

  it('refuses malformed checkpoint bodies', () => {
    expect(() => parseCheckpointBody('o\n07\nAAAA\n')).toThrow(/tree size/);
    expect(() => parseCheckpointBody('o\n7\nAAAA\n')).toThrow(/root hash/);
    expect(() => parseCheckpointBody('o\n7\n')).toThrow(/expected/);
  });
});

describe('proof bundles checked offline with only the public key', () => {
  const signer = generateSignerKey('ledger');
  const keys = [verifierOf(signer)];
  const eventHashes = Array.from({ length: 21 }, (_, i) => createHash('sha256').update(`event ${i}`).digest());
  const tree = new MemoryTree();
  eventHashes.forEach((h) => tree.appendLeafHash(leafHash(h)));
  const cp = (size: number) => signCheckpoint({ origin: 'ledger', size, rootHash: tree.root(size), extensions: [] }, signer);

  it('an inclusion proof of an event in a signed checkpoint verifies; a different event does not', () => {
    const bundle = { type: 'inclusion' as const, checkpoint: cp(21), tree_size: 21, leaf_index: 13, event_hash: eventHashes[13].toString('hex'), inclusion_path: toBase64(tree.inclusionProof(13, 21)) };
    expect(checkInclusionBundle(bundle, keys)).toMatchObject({ ok: true });
    expect(checkInclusionBundle({ ...bundle, event_hash: eventHashes[12].toString('hex') }, keys)).toMatchObject({ ok: false });
    expect(checkInclusionBundle({ ...bundle, tree_size: 20 }, keys)).toMatchObject({ ok: false });
    expect(checkInclusionBundle(bundle, [verifierOf(generateSignerKey('ledger'))])).toMatchObject({ ok: false });
    const many = Array.from({ length: 21 }, (_, i) => ({ ...bundle, leaf_index: i, event_hash: eventHashes[i].toString('hex'), inclusion_path: toBase64(tree.inclusionProof(i, 21)) }));
    expect(checkInclusionBundles(many, keys).every((r) => r.ok)).toBe(true);
    expect(checkInclusionBundles([{ ...many[3], leaf_index: 4 }, many[4]], keys).map((r) => r.ok)).toEqual([false, true]);
  });

  it('a consistency proof between two signed checkpoints verifies; one against a forked tree does not', () => {
    const bundle = { type: 'consistency' as const, checkpoint_1: cp(8), checkpoint_2: cp(21), tree_size_1: 8, tree_size_2: 21, consistency_path: toBase64(tree.consistencyProof(8, 21)) };
    expect(checkConsistencyBundle(bundle, keys)).toMatchObject({ ok: true });
    const fork = new MemoryTree();
    eventHashes.forEach((h, i) => fork.appendLeafHash(leafHash(i === 3 ? Buffer.alloc(32) : h)));
    const forked = signCheckpoint({ origin: 'ledger', size: 8, rootHash: fork.root(8), extensions: [] }, signer);
    expect(checkConsistencyBundle(bundle, keys, forked)).toMatchObject({ ok: false });
  });
});
