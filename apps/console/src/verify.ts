// Checks done in the browser, trusting nothing but the ledger's public key: an event's hash
// (SHA-256 over canonical JSON, as libs/event-store computes it), the stream's hash chain, and an
// RFC 9162 inclusion proof up to a checkpoint signed with Ed25519 (C2SP signed note).

export const GENESIS_HASH = '0'.repeat(64);

export interface LedgerEvent {
  eventId: string;
  streamId: string;
  revision: number;
  position: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown> & { prevHash: string; hash: string; recordedAt: string; occurredAt?: string; actor?: string };
}

/** Keys sorted, no whitespace, JSON.stringify for scalars: the ledger's canonical JSON. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',') + ']';
  const obj = value as Record<string, unknown>;
  return (
    '{' +
    Object.keys(obj)
      .sort()
      .filter((k) => obj[k] !== undefined)
      .map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k]))
      .join(',') +
    '}'
  );
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (text: string) => new Uint8Array((text.match(/../g) ?? []).map((h) => parseInt(h, 16)));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const utf8 = (text: string) => new TextEncoder().encode(text);

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
}

export async function eventHash(e: LedgerEvent): Promise<string> {
  const { hash: _stored, ...metadata } = e.metadata;
  return hex(await sha256(utf8(canonicalJson({ streamId: e.streamId, revision: e.revision, type: e.type, data: e.data, metadata }))));
}

export interface ChainLink {
  event: LedgerEvent;
  /** The hash the browser computed from the event as served. */
  computedHash: string;
  /** The stored hash matches the content. */
  contentOk: boolean;
  /** prevHash names the previous event's stored hash (genesis at revision 0). */
  linkOk: boolean;
}

/**
 * `before` is the event just before the first one (the last of the previous page), so that a page's
 * first link is checked too; without it a page starting past revision 0 trusts its first prevHash.
 */
export async function checkChain(events: LedgerEvent[], before?: LedgerEvent): Promise<ChainLink[]> {
  const links: ChainLink[] = [];
  for (const [i, event] of events.entries()) {
    const computedHash = await eventHash(event);
    const previous = i === 0 ? before : events[i - 1];
    const expectedPrev = previous ? previous.metadata.hash : event.revision === 0 ? GENESIS_HASH : event.metadata.prevHash;
    links.push({ event, computedHash, contentOk: computedHash === event.metadata.hash, linkOk: event.metadata.prevHash === expectedPrev });
  }
  return links;
}

async function leafHash(leaf: Uint8Array): Promise<Uint8Array> {
  const buf = new Uint8Array(1 + leaf.length);
  buf.set(leaf, 1);
  return sha256(buf);
}

async function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/** RFC 9162 §2.1.3.2. */
export async function rootFromInclusionProof(leafIndex: number, treeSize: number, leaf: Uint8Array, path: Uint8Array[]): Promise<Uint8Array | undefined> {
  if (!(leafIndex >= 0 && leafIndex < treeSize)) return undefined;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (p.length !== 32 || sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

export interface InclusionBundle {
  checkpoint: string;
  tree_size: number;
  leaf_index: number;
  event_hash: string;
  inclusion_path: string[];
}

export interface PublicKeyInfo {
  keyName: string;
  keyId: string;
  publicKey: string;
}

export interface ProofResult {
  ok: boolean;
  steps: { label: string; ok: boolean }[];
}

/** Signature, tree size, leaf and path: every step shown, so that a failure says where. */
export async function checkInclusion(bundle: InclusionBundle, key: PublicKeyInfo, event: LedgerEvent): Promise<ProofResult> {
  const steps: { label: string; ok: boolean }[] = [];
  const split = bundle.checkpoint.lastIndexOf('\n\n');
  const text = bundle.checkpoint.slice(0, split + 1);
  const [, sizeLine, rootLine] = text.split('\n');
  const sigLines = bundle.checkpoint.slice(split + 2).split('\n').filter(Boolean);
  let signed = false;
  try {
    const publicKey = await crypto.subtle.importKey('raw', fromBase64(key.publicKey) as BufferSource, { name: 'Ed25519' }, false, ['verify']);
    for (const line of sigLines) {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!m || m[1] !== key.keyName) continue;
      const raw = fromBase64(m[2]);
      const keyId = hex(raw.subarray(0, 4));
      if (keyId !== key.keyId.padStart(8, '0') || raw.length !== 68) continue;
      if (await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, raw.subarray(4) as BufferSource, utf8(text) as BufferSource)) signed = true;
    }
  } catch {
    signed = false;
  }
  steps.push({ label: `檢查點簽章(Ed25519,金鑰 ${key.keyName}+${key.keyId})`, ok: signed });
  steps.push({ label: `樹大小 ${bundle.tree_size} 與檢查點相符`, ok: Number(sizeLine) === bundle.tree_size });
  const computed = await eventHash(event);
  steps.push({ label: '事件內容重算之雜湊與證明之葉相符', ok: computed === bundle.event_hash });
  const root = await rootFromInclusionProof(bundle.leaf_index, bundle.tree_size, await leafHash(fromHex(bundle.event_hash)), bundle.inclusion_path.map(fromBase64));
  const expected = fromBase64(rootLine ?? '');
  steps.push({ label: `由包含路徑(${bundle.inclusion_path.length} 個節點)算出之根雜湊等於檢查點之根`, ok: !!root && hex(root) === hex(expected) });
  return { ok: steps.every((s) => s.ok), steps };
}
