import { leafHash, verifyConsistency, verifyInclusion } from './merkle';
import { openCheckpoint, type VerifierKey } from './note';

/**
 * Proofs as JSON, with the RFC 9162 §4.7/§4.8 field names (inclusion_path, consistency_path,
 * tree_size, leaf_index) and the signed C2SP checkpoint(s) they lead to, so that a file holding
 * one can be checked offline with nothing but the ledger's public key.
 */
export interface InclusionProofBundle {
  type: 'inclusion';
  /** The checkpoint (signed note) whose tree contains the leaf. */
  checkpoint: string;
  tree_size: number;
  leaf_index: number;
  /** The leaf's bytes: the event's own SHA-256 hash (hex), which covers its stream, revision, type, data and metadata. */
  event_hash: string;
  inclusion_path: string[];
  /** Where the leaf sits in the ledger (informational; the proof binds event_hash only). */
  position?: string;
  stream_id?: string;
  revision?: number;
  event_id?: string;
}

export interface ConsistencyProofBundle {
  type: 'consistency';
  /** The older checkpoint, when the server has it; an auditor may hold their own instead. */
  checkpoint_1?: string;
  checkpoint_2: string;
  tree_size_1: number;
  tree_size_2: number;
  consistency_path: string[];
}

export type ProofBundle = InclusionProofBundle | ConsistencyProofBundle;

export const toBase64 = (hashes: Buffer[]) => hashes.map((h) => h.toString('base64'));

function decodePath(path: unknown, field: string): Buffer[] {
  if (!Array.isArray(path)) throw new Error(`${field} must be an array of base64 hashes`);
  return path.map((p, i) => {
    const b = typeof p === 'string' ? Buffer.from(p, 'base64') : Buffer.alloc(0);
    if (b.length !== 32 || b.toString('base64') !== p) throw new Error(`${field}[${i}] is not base64 of 32 bytes`);
    return b;
  });
}

export interface ProofCheck {
  ok: boolean;
  detail: string;
}

const fail = (detail: string): ProofCheck => ({ ok: false, detail });

type OpenedCheckpoint = ReturnType<typeof openCheckpoint>;

/** The checkpoint's note opened under the keys, or why it cannot be. */
function tryOpen(note: string, keys: VerifierKey[]): OpenedCheckpoint | string {
  try {
    return openCheckpoint(note, keys);
  } catch (error) {
    return (error as Error).message;
  }
}

/** The proof's path rehashed against a checkpoint whose signature was already checked. */
function checkInclusionAgainst(bundle: InclusionProofBundle, checkpoint: OpenedCheckpoint): ProofCheck {
  if (bundle.tree_size !== checkpoint.size) return fail(`tree_size ${bundle.tree_size} differs from the checkpoint's size ${checkpoint.size}`);
  if (!/^[0-9a-f]{64}$/.test(bundle.event_hash ?? '')) return fail('event_hash must be 64 lowercase hex digits');
  let path: Buffer[];
  try {
    path = decodePath(bundle.inclusion_path, 'inclusion_path');
  } catch (error) {
    return fail((error as Error).message);
  }
  const leaf = leafHash(Buffer.from(bundle.event_hash, 'hex'));
  if (!verifyInclusion(bundle.leaf_index, bundle.tree_size, leaf, path, checkpoint.rootHash)) {
    return fail(`event ${bundle.event_hash} is not leaf ${bundle.leaf_index} of the checkpoint's tree of size ${checkpoint.size}`);
  }
  return { ok: true, detail: `leaf ${bundle.leaf_index} is in the tree of size ${checkpoint.size} signed by ${checkpoint.signedBy.map((k) => k.name).join(', ')}` };
}

export function checkInclusionBundle(bundle: InclusionProofBundle, keys: VerifierKey[]): ProofCheck {
  const checkpoint = tryOpen(bundle.checkpoint, keys);
  return typeof checkpoint === 'string' ? fail(checkpoint) : checkInclusionAgainst(bundle, checkpoint);
}

/** `older` overrides checkpoint_1: the auditor's own copy of an earlier checkpoint. */
export function checkConsistencyBundle(bundle: ConsistencyProofBundle, keys: VerifierKey[], older?: string): ProofCheck {
  const firstNote = older ?? bundle.checkpoint_1;
  if (!firstNote) return fail('no earlier checkpoint: give one (checkpoint_1 or --checkpoint)');
  let first;
  let second;
  try {
    first = openCheckpoint(firstNote, keys);
    second = openCheckpoint(bundle.checkpoint_2, keys);
  } catch (error) {
    return fail((error as Error).message);
  }
  if (first.origin !== second.origin) return fail(`checkpoints of different logs: ${first.origin} / ${second.origin}`);
  if (bundle.tree_size_1 !== first.size || bundle.tree_size_2 !== second.size) {
    return fail(`proof sizes ${bundle.tree_size_1} → ${bundle.tree_size_2} differ from the checkpoints' ${first.size} → ${second.size}`);
  }
  let path: Buffer[];
  try {
    path = decodePath(bundle.consistency_path, 'consistency_path');
  } catch (error) {
    return fail((error as Error).message);
  }
  if (!verifyConsistency(first.size, second.size, first.rootHash, second.rootHash, path)) {
    return fail(`the tree of size ${second.size} does not extend the tree of size ${first.size}`);
  }
  return { ok: true, detail: `the tree of size ${second.size} extends the tree of size ${first.size}` };
}

export function checkProofBundle(bundle: ProofBundle, keys: VerifierKey[], older?: string): ProofCheck {
  if (bundle?.type === 'inclusion') return checkInclusionBundle(bundle, keys);
  if (bundle?.type === 'consistency') return checkConsistencyBundle(bundle, keys, older);
  return fail('type must be "inclusion" or "consistency"');
}

/**
 * Many inclusion proofs at once (an inspection package): each distinct checkpoint is opened and its
 * signature checked once, then every path is rehashed.
 */
export function checkInclusionBundles(bundles: InclusionProofBundle[], keys: VerifierKey[]): ProofCheck[] {
  const opened = new Map<string, OpenedCheckpoint | string>();
  return bundles.map((bundle) => {
    let checkpoint = opened.get(bundle.checkpoint);
    if (checkpoint === undefined) {
      checkpoint = tryOpen(bundle.checkpoint, keys);
      opened.set(bundle.checkpoint, checkpoint);
    }
    return typeof checkpoint === 'string' ? fail(checkpoint) : checkInclusionAgainst(bundle, checkpoint);
  });
}
