import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';

/**
 * C2SP signed-note and tlog-checkpoint (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint)
 * with Ed25519 keys. Key strings use the same text forms as Go's golang.org/x/mod/sumdb/note:
 *   verifier key: `<name>+<8 hex key id>+<base64(0x01 || 32-byte public key)>`
 *   signer key:   `PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || 32-byte seed)>`
 */
const ALG_ED25519 = 0x01;
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const EM_DASH = '\u2014';

export interface VerifierKey {
  name: string;
  /** First 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), as a number. */
  keyId: number;
  publicKey: Buffer;
  key: KeyObject;
}

export interface SignerKey extends VerifierKey {
  privateKey: KeyObject;
}

function checkName(name: string): void {
  if (name.length === 0 || /[\s+]/.test(name) || /[^\x21-\x7e]/.test(name)) {
    throw new Error('key name must be non-empty printable ASCII without spaces or "+"');
  }
}

export function keyIdOf(name: string, publicKey: Buffer): number {
  const digest = createHash('sha256').update(name).update(Buffer.from([0x0a, ALG_ED25519])).update(publicKey).digest();
  return digest.readUInt32BE(0);
}

function verifierFromRaw(name: string, publicKey: Buffer): VerifierKey {
  checkName(name);
  if (publicKey.length !== 32) throw new Error('an Ed25519 public key has 32 bytes');
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return { name, keyId: keyIdOf(name, publicKey), publicKey, key };
}

function signerFromSeed(name: string, seed: Buffer): SignerKey {
  checkName(name);
  if (seed.length !== 32) throw new Error('an Ed25519 private key seed has 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
  return { ...verifierFromRaw(name, Buffer.from(publicKey)), privateKey };
}

export function generateSignerKey(name: string): SignerKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX.length);
  return signerFromSeed(name, Buffer.from(seed));
}

const hex8 = (id: number) => id.toString(16).padStart(8, '0');

export function formatVerifierKey(key: VerifierKey): string {
  return `${key.name}+${hex8(key.keyId)}+${Buffer.concat([Buffer.from([ALG_ED25519]), key.publicKey]).toString('base64')}`;
}

export function formatSignerKey(key: SignerKey): string {
  const seed = key.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX.length);
  return `PRIVATE+KEY+${key.name}+${hex8(key.keyId)}+${Buffer.concat([Buffer.from([ALG_ED25519]), seed]).toString('base64')}`;
}

function decodeKeyPart(encoded: string, what: string): Buffer {
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length !== 33 || raw[0] !== ALG_ED25519 || raw.toString('base64') !== encoded) {
    throw new Error(`${what}: expected base64 of 0x01 followed by 32 bytes (Ed25519)`);
  }
  return raw.subarray(1);
}

export function parseVerifierKey(text: string): VerifierKey {
  // base64 itself may contain '+': only the first two separate fields.
  const m = /^([^+\s]+)\+([^+\s]+)\+(\S+)$/.exec(text.trim());
  if (!m) throw new Error('verifier key: expected <name>+<key id>+<base64 key>');
  const [, name, id, encoded] = m;
  const key = verifierFromRaw(name, decodeKeyPart(encoded, 'verifier key'));
  if (!/^[0-9a-f]{8}$/.test(id) || parseInt(id, 16) !== key.keyId) throw new Error('verifier key: key id does not match name and key');
  return key;
}

export function parseSignerKey(text: string): SignerKey {
  const m = /^PRIVATE\+KEY\+([^+\s]+)\+([^+\s]+)\+(\S+)$/.exec(text.trim());
  if (!m) throw new Error('signer key: expected PRIVATE+KEY+<name>+<key id>+<base64 key>');
  const parts = ['PRIVATE', 'KEY', m[1], m[2], m[3]];
  const key = signerFromSeed(parts[2], decodeKeyPart(parts[4], 'signer key'));
  if (!/^[0-9a-f]{8}$/.test(parts[3]) || parseInt(parts[3], 16) !== key.keyId) throw new Error('signer key: key id does not match name and key');
  return key;
}

export function verifierOf(key: SignerKey): VerifierKey {
  return { name: key.name, keyId: key.keyId, publicKey: key.publicKey, key: key.key };
}

// ------------------------------------------------------------------------------------------------
// Signed notes
// ------------------------------------------------------------------------------------------------
export interface NoteSignature {
  name: string;
  keyId: number;
  signature: Buffer;
}

export interface SignedNote {
  /** The signed text, ending in a newline. */
  text: string;
  signatures: NoteSignature[];
}

export function signNote(text: string, signers: SignerKey[]): string {
  if (!text.endsWith('\n') || text.includes('\n\n') === true) throw new Error('note text must end in a newline and contain no blank line');
  const lines = signers.map((s) => {
    const sig = sign(null, Buffer.from(text, 'utf8'), s.privateKey);
    const id = Buffer.alloc(4);
    id.writeUInt32BE(s.keyId);
    return `${EM_DASH} ${s.name} ${Buffer.concat([id, sig]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

export function parseNote(note: string): SignedNote {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('signed note: expected text, a blank line and signature lines');
  const text = note.slice(0, split + 1);
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!m) throw new Error('signed note: malformed signature line');
      const raw = Buffer.from(m[2], 'base64');
      if (raw.length < 5) throw new Error('signed note: signature too short');
      return { name: m[1], keyId: raw.readUInt32BE(0), signature: raw.subarray(4) };
    });
  if (signatures.length === 0) throw new Error('signed note: no signature');
  return { text, signatures };
}

/** The verifier keys (of those given) whose valid signature the note carries. */
export function verifiedSigners(note: string, keys: VerifierKey[]): VerifierKey[] {
  const parsed = parseNote(note);
  const data = Buffer.from(parsed.text, 'utf8');
  return keys.filter((k) =>
    parsed.signatures.some((s) => s.name === k.name && s.keyId === k.keyId && s.signature.length === 64 && verify(null, data, k.key, s.signature)),
  );
}

// ------------------------------------------------------------------------------------------------
// Checkpoints
// ------------------------------------------------------------------------------------------------
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  extensions: string[];
}

export function formatCheckpointBody(c: Checkpoint): string {
  if (!c.origin || c.origin.includes('\n')) throw new Error('checkpoint origin must be one non-empty line');
  return [c.origin, String(c.size), c.rootHash.toString('base64'), ...c.extensions].join('\n') + '\n';
}

export function signCheckpoint(c: Checkpoint, signer: SignerKey): string {
  return signNote(formatCheckpointBody(c), [signer]);
}

export function parseCheckpointBody(text: string): Checkpoint {
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new Error('checkpoint: expected origin, tree size and root hash lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) throw new Error('checkpoint: tree size must be a decimal number');
  const rootHash = Buffer.from(rootLine, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== rootLine) throw new Error('checkpoint: root hash must be base64 of 32 bytes');
  return { origin, size: Number(sizeLine), rootHash, extensions };
}

export interface OpenedCheckpoint extends Checkpoint {
  note: string;
  signedBy: VerifierKey[];
}

/** Parses a signed checkpoint and checks its signatures; throws unless one of `keys` signed it. */
export function openCheckpoint(note: string, keys: VerifierKey[]): OpenedCheckpoint {
  const parsed = parseNote(note);
  const checkpoint = parseCheckpointBody(parsed.text);
  const signedBy = verifiedSigners(note, keys);
  if (signedBy.length === 0) throw new Error('checkpoint: no valid signature by a trusted key');
  return { ...checkpoint, note, signedBy };
}
