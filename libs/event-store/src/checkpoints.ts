import { randomUUID } from 'node:crypto';
import {
  formatVerifierKey,
  parseCheckpointBody,
  parseNote,
  parseVerifierKey,
  signCheckpoint,
  type SignerKey,
  type VerifierKey,
} from '@ledger/integrity';
import type { EventStore, RecordedEvent } from './types';

/**
 * Signed checkpoints are also appended to the ledger itself (so the log carries its own history of
 * commitments), and so is every signing key the ledger starts using (a key rotation is an event).
 */
export const CHECKPOINT_STREAM = 'ledger-checkpoints';
export const SIGNING_KEY_STREAM = 'ledger-keys';
export const CHECKPOINT_ISSUED = 'CheckpointIssued';
export const SIGNING_KEY_ACTIVATED = 'SigningKeyActivated';

export type CheckpointReason = 'interval' | 'events' | 'month-close' | 'shutdown' | 'on-demand';

export interface CheckpointIssuedData {
  /** The C2SP signed note: origin, tree size, base64 root hash, blank line, signature line(s). */
  note: string;
  origin: string;
  treeSize: number;
  rootHash: string;
  keyName: string;
  keyId: string;
  reason: CheckpointReason;
  /** The Asia/Taipei month (YYYY-MM) this checkpoint closes, for month-close checkpoints. */
  monthClosed?: string;
  [key: string]: unknown;
}

export interface SigningKeyActivatedData {
  /** `<name>+<key id>+<base64 key>`: what an auditor pins. */
  verifierKey: string;
  keyName: string;
  keyId: string;
  algorithm: 'Ed25519';
  [key: string]: unknown;
}

const ledgerMetadata = (occurredAt: string) => {
  const id = randomUUID();
  return { $correlationId: id, $causationId: id, commandId: id, actor: 'ledger', occurredAt };
};

/** Appends SigningKeyActivated unless the key is already the latest one the ledger announced. */
export async function announceSigningKey(store: EventStore, key: VerifierKey, now: Date): Promise<boolean> {
  const [latest] = await store.readStream(SIGNING_KEY_STREAM, { direction: 'backwards', maxCount: 1 });
  const verifierKey = formatVerifierKey(key);
  if (latest && (latest.data as SigningKeyActivatedData).verifierKey === verifierKey) return false;
  const data: SigningKeyActivatedData = { verifierKey, keyName: key.name, keyId: key.keyId.toString(16).padStart(8, '0'), algorithm: 'Ed25519' };
  await store.append(SIGNING_KEY_STREAM, [{ eventId: randomUUID(), type: SIGNING_KEY_ACTIVATED, data, metadata: ledgerMetadata(now.toISOString()) }], 'any');
  return true;
}

export interface IssuedCheckpoint {
  note: string;
  treeSize: number;
  rootHash: Buffer;
  /** Global position of the CheckpointIssued event. */
  position: bigint;
}

/** Signs the tree as it stands and appends the checkpoint to the ledger. */
export async function issueCheckpoint(
  store: EventStore,
  signer: SignerKey,
  options: { origin?: string; reason: CheckpointReason; monthClosed?: string; now: Date },
): Promise<IssuedCheckpoint> {
  if (!store.tree) throw new Error(`the ${store.kind} adapter keeps no Merkle tree: no checkpoint can be signed`);
  const origin = options.origin ?? signer.name;
  const treeSize = await store.tree.size();
  const rootHash = await store.tree.root(treeSize);
  const note = signCheckpoint({ origin, size: treeSize, rootHash, extensions: [] }, signer);
  const data: CheckpointIssuedData = {
    note,
    origin,
    treeSize,
    rootHash: rootHash.toString('base64'),
    keyName: signer.name,
    keyId: signer.keyId.toString(16).padStart(8, '0'),
    reason: options.reason,
    ...(options.monthClosed !== undefined && { monthClosed: options.monthClosed }),
  };
  const result = await store.append(
    CHECKPOINT_STREAM,
    [{ eventId: randomUUID(), type: CHECKPOINT_ISSUED, data, metadata: ledgerMetadata(options.now.toISOString()) }],
    'any',
  );
  return { note, treeSize, rootHash, position: result.position };
}

export interface LoggedCheckpoint {
  event: RecordedEvent;
  note: string;
  size: number;
  origin: string;
  rootHash: Buffer;
}

/** Checkpoints the ledger holds, oldest first (unparseable ones are returned with size -1). */
export async function readLoggedCheckpoints(store: Pick<EventStore, 'readStream'>): Promise<LoggedCheckpoint[]> {
  const events = await store.readStream(CHECKPOINT_STREAM);
  return events
    .filter((e) => e.type === CHECKPOINT_ISSUED)
    .map((event) => {
      const note = String((event.data as CheckpointIssuedData).note ?? '');
      try {
        const body = parseCheckpointBody(parseNote(note).text);
        return { event, note, size: body.size, origin: body.origin, rootHash: body.rootHash };
      } catch {
        return { event, note, size: -1, origin: '', rootHash: Buffer.alloc(0) };
      }
    });
}

export interface AnnouncedKey {
  key: VerifierKey;
  event: RecordedEvent;
}

export async function readAnnouncedKeys(store: Pick<EventStore, 'readStream'>): Promise<AnnouncedKey[]> {
  const events = await store.readStream(SIGNING_KEY_STREAM);
  const keys: AnnouncedKey[] = [];
  for (const event of events) {
    if (event.type !== SIGNING_KEY_ACTIVATED) continue;
    try {
      keys.push({ key: parseVerifierKey(String((event.data as SigningKeyActivatedData).verifierKey)), event });
    } catch {
      /* reported by the verifier as an unusable key event */
    }
  }
  return keys;
}
