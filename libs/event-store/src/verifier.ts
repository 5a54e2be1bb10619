import {
  CompactRange,
  formatVerifierKey,
  leafHash,
  parseCheckpointBody,
  parseNote,
  verifiedSigners,
  verifyConsistency,
  type VerifierKey,
} from '@ledger/integrity';
import { CHECKPOINT_ISSUED, CHECKPOINT_STREAM, readAnnouncedKeys, readLoggedCheckpoints, type AnnouncedKey, type LoggedCheckpoint } from './checkpoints';
import { computeEventHash, GENESIS_HASH } from './integrity';
import type { EventStore, RecordedEvent } from './types';

export type IntegrityFailureReason =
  | 'HASH_MISMATCH'
  | 'PREV_HASH_MISMATCH'
  | 'REVISION_GAP'
  | 'REVISION_OUT_OF_ORDER'
  | 'POSITION_GAP'
  | 'POSITION_OUT_OF_ORDER'
  /** The tree's leaf (the stored hash column) differs from the event's hash. */
  | 'TREE_LEAF_MISMATCH'
  /** A stored subtree hash or the tree's size differs from the tree recomputed from the log. */
  | 'TREE_MISMATCH'
  /** A checkpoint that cannot be read, or whose signature is not valid under a trusted key. */
  | 'CHECKPOINT_INVALID'
  /** The log's tree at the checkpoint's size has another root: events the checkpoint covers were changed. */
  | 'CHECKPOINT_NOT_EXTENDED'
  /** The checkpoint covers more events than the log now has: its tail was removed. */
  | 'LOG_TRUNCATED'
  /** An append-only guard (trigger) is missing. */
  | 'APPEND_ONLY_GUARD_MISSING'
  /** Events older than the checkpoint window that no signed checkpoint covers (a forged tail looks like this). */
  | 'UNCOVERED_EVENTS';

export interface IntegrityFailure {
  reason: IntegrityFailureReason;
  detail: string;
  /** Where it can be named: the event's stream, revision and global position. */
  streamId?: string;
  revision?: number;
  position?: string;
}

export interface CheckpointResult {
  source: 'ledger' | 'external';
  size: number;
  rootHash: string;
  signedBy: string[];
  ok: boolean;
}

export interface VerificationReport {
  intact: boolean;
  eventsChecked: number;
  streamsChecked: number;
  lastPosition: string | null;
  /** Size and root (base64) of the Merkle tree recomputed from the log. */
  treeSize: number;
  rootHash: string;
  checkpoints: CheckpointResult[];
  /** False when no key was pinned and the ledger's own announced keys were trusted on first use. */
  keysPinned: boolean;
  /** Events after the latest good checkpoint (the attacker's window while it is recent). */
  uncoveredEvents: number;
  /** Events re-verified by this run (all of them unless incremental). */
  eventsVerifiedThisRun: number;
  failures: IntegrityFailure[];
}

/** Where an incremental verification resumes: the stream heads and tree edge at the last verified event. */
export interface VerifierState {
  after: bigint | undefined;
  eventsChecked: number;
  heads: Map<string, { revision: number; hash: string }>;
  range: ReturnType<CompactRange['snapshot']>;
  /** Failures found up to `after`: they stay failures until a full re-verify says otherwise. */
  failures: IntegrityFailure[];
}

export interface VerifyOptions {
  /** The embedded store numbers positions 1, 2, 3 … with no holes; a hole means a deleted row. */
  densePositions?: boolean;
  pageSize?: number;
  /** Keys the auditor pinned. Without them the keys the ledger announced are trusted on first use (reported). */
  trustedKeys?: VerifierKey[];
  /** Signed checkpoints kept outside the store (a file, a witness directory): the log must extend each. */
  externalCheckpoints?: string[];
  /** Resume from a previous run's state: only events after it are re-verified. */
  resumeFrom?: VerifierState;
  /** Receives the state at the end, for the next incremental run. */
  onState?: (state: VerifierState) => void;
  onProgress?: (eventsChecked: number, totalEvents: number | undefined) => void;
  /** Give the event loop a turn after this many ms of work, so a verify never stalls other requests. */
  yieldEveryMs?: number;
  /**
   * Events recorded longer ago than this and still covered by no good checkpoint are a finding:
   * the service checkpoints every few seconds, so only a tail it never saw (forged) stays uncovered.
   */
  maxUncoveredAgeMs?: number;
  now?: Date;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Read-only: walks every stream (in global order, keeping each stream's last link) and reports every
 * broken link; recomputes the Merkle tree over the log and compares it with the tree the store keeps;
 * checks every checkpoint (in the ledger and given from outside) for a trusted signature and that the
 * log's tree at its size has its root; and reports missing append-only guards. It repairs nothing.
 */
export async function verifyLedger(store: Pick<EventStore, 'readAll' | 'readStream'> & Partial<Pick<EventStore, 'tree' | 'missingAppendOnlyGuards'>>, options: VerifyOptions = {}): Promise<VerificationReport> {
  const pageSize = options.pageSize ?? 5000;
  const resume = options.resumeFrom;
  const heads = new Map(resume?.heads ?? []);
  const failures: IntegrityFailure[] = [...(resume?.failures ?? [])];
  let eventsChecked = resume?.eventsChecked ?? 0;
  let after: bigint | undefined = resume?.after;
  const startedAt = eventsChecked;

  const fail = (event: RecordedEvent, reason: IntegrityFailureReason, detail: string) =>
    failures.push({ streamId: event.streamId, revision: event.revision, position: event.position.toString(), reason, detail });

  // A gap belongs to whatever was deleted, not to the event after it: name the positions only.
  const gap = (from: bigint, next: RecordedEvent) =>
    failures.push({
      position: from.toString(),
      reason: 'POSITION_GAP',
      detail: `positions ${from}..${next.position - 1n} are missing (the next event is ${next.streamId} revision ${next.revision} at position ${next.position})`,
    });

  // Checkpoints first (a short stream each), so the walk can note the root at each size they claim.
  const logged = await readLoggedCheckpoints(store);
  const announced = await readAnnouncedKeys(store);
  const external = (options.externalCheckpoints ?? []).map((note) => {
    try {
      const body = parseCheckpointBody(parseNote(note).text);
      return { note, size: body.size, rootHash: body.rootHash, origin: body.origin, parsed: true };
    } catch (error) {
      return { note, size: -1, rootHash: Buffer.alloc(0), origin: '', parsed: false, error: (error as Error).message };
    }
  });
  const wantedSizes = new Set<number>([...logged.map((c) => c.size), ...external.map((c) => c.size)].filter((n) => n > 0));
  const maxClaimed = Math.max(0, ...wantedSizes);
  let firstUncovered: RecordedEvent | undefined;
  const rootsAt = new Map<number, Buffer>();

  // Leaf of each key announcement: positions are leaf numbers only where they are dense (not on EventStoreDB).
  const announcementIds = new Set(announced.map((a) => a.event.eventId));
  const announcementLeaf = new Map<string, number>();
  const computedNodes = new Map<string, Buffer>();
  const range = new CompactRange((level, index, hash) => computedNodes.set(`${level}/${index}`, hash), store.tree?.storedLevel ?? 64);
  if (resume) range.restore(resume.range);
  const totalEvents = store.tree ? await store.tree.size() : undefined;
  const budget = options.yieldEveryMs;
  let sliceStart = performance.now();

  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    const treeLeaves = store.tree && page.length > 0 ? await store.tree.leaves(range.size, page.length) : undefined;
    for (let i = 0; i < page.length; i++) {
      const event = page[i];
      if (after !== undefined) {
        if (event.position <= after) fail(event, 'POSITION_OUT_OF_ORDER', `position ${event.position} after ${after}`);
        else if (options.densePositions && event.position !== after + 1n) {
          gap(after + 1n, event);
        }
      } else if (options.densePositions && event.position !== 1n) {
        gap(1n, event);
      }
      after = event.position;
      eventsChecked++;

      const head = heads.get(event.streamId);
      const expectedRevision = head ? head.revision + 1 : 0;
      if (event.revision > expectedRevision) {
        fail(event, 'REVISION_GAP', `revisions ${expectedRevision}..${event.revision - 1} are missing`);
      } else if (event.revision < expectedRevision) {
        fail(event, 'REVISION_OUT_OF_ORDER', `revision ${event.revision} comes after revision ${expectedRevision - 1}`);
      }
      const expectedPrev = event.revision === 0 ? GENESIS_HASH : head?.hash;
      if (expectedPrev !== undefined && event.metadata.prevHash !== expectedPrev) {
        fail(event, 'PREV_HASH_MISMATCH', 'prevHash does not match the hash of the previous event in the stream');
      }
      const recomputed = computeEventHash(event);
      if (recomputed !== event.metadata.hash) {
        fail(event, 'HASH_MISMATCH', 'stored hash differs from the hash of the stored content');
      }
      if (treeLeaves && treeLeaves[i] !== event.metadata.hash) {
        fail(event, 'TREE_LEAF_MISMATCH', `the tree's leaf ${range.size} (stored hash column) differs from the event's hash`);
      }
      // The tree is rebuilt from what the content hashes to: a changed event moves every root after it.
      // The checkpoint event right after the tree it signs is self-authenticating, not a forged tail.
      if (range.size >= maxClaimed && !firstUncovered && !(event.streamId === CHECKPOINT_STREAM && event.type === CHECKPOINT_ISSUED && (event.data as { treeSize?: unknown }).treeSize === range.size)) {
        firstUncovered = event;
      }
      if (announcementIds.has(event.eventId)) announcementLeaf.set(event.eventId, range.size);
      range.appendLeafHash(leafHash(Buffer.from(recomputed, 'hex')));
      if (wantedSizes.has(range.size)) rootsAt.set(range.size, range.root());
      heads.set(event.streamId, { revision: Math.max(event.revision, head?.revision ?? -1), hash: event.metadata.hash });

      if (budget !== undefined && (i & 63) === 63 && performance.now() - sliceStart > budget) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    options.onProgress?.(eventsChecked, totalEvents);
    if (budget !== undefined) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
    if (page.length < pageSize) break;
  }

  const treeSize = range.size;
  const root = range.root();
  const general = (reason: IntegrityFailureReason, detail: string, position?: number) =>
    failures.push({ reason, detail, ...(position !== undefined && { position: String(position) }) });

  // ---- the store's own tree against the one recomputed from the log ----
  if (store.tree) {
    const storedSize = await store.tree.size();
    // Larger is fine: a live store may have appended while this ran.
    if (storedSize < treeSize) general('TREE_MISMATCH', `the store's tree has ${storedSize} leaves, the log ${treeSize} events`);
    const stored = new Map((await store.tree.storedNodes()).map((n) => [`${n.level}/${n.index}`, n.hash]));
    for (const [key, hash] of computedNodes) {
      const have = stored.get(key);
      const [level, index] = key.split('/').map(Number);
      const first = index * 2 ** level + 1;
      if (!have) general('TREE_MISMATCH', `the store's tree lacks the subtree of positions ${first}..${first + 2 ** level - 1}`, first);
      else if (!have.equals(hash)) general('TREE_MISMATCH', `the store's subtree of positions ${first}..${first + 2 ** level - 1} differs from the log's`, first);
    }
    if (!resume) {
      for (const key of stored.keys()) {
        const [level, index] = key.split('/').map(Number);
        if ((index + 1) * 2 ** level <= treeSize && !computedNodes.has(key)) general('TREE_MISMATCH', `the store's tree has a subtree ${key} (level/index) the log does not`);
      }
    }
  }

  // ---- keys: pinned ones, else those the ledger announced (trust on first use) ----
  const keysPinned = (options.trustedKeys ?? []).length > 0;
  const trusted = new Map<string, VerifierKey>();
  for (const k of keysPinned ? options.trustedKeys! : announced.map((a) => a.key)) trusted.set(formatVerifierKey(k), k);
  const pendingKeys: AnnouncedKey[] = keysPinned ? announced.filter((a) => !trusted.has(formatVerifierKey(a.key))) : [];
  const leafOf = new Map<AnnouncedKey, number>();
  for (const p of pendingKeys) {
    const known = announcementLeaf.get(p.event.eventId) ?? (store.tree ? await store.tree.leafIndexOf(p.event.position) : undefined);
    leafOf.set(p, known ?? Number(p.event.position) - 1);
  }

  // Root of the log's tree at a size: noted during the walk, else proved consistent with the final root.
  const rootOf = async (size: number): Promise<Buffer | undefined> => {
    if (size === treeSize) return root;
    return rootsAt.get(size);
  };
  const consistentWithLog = async (size: number, cpRoot: Buffer): Promise<boolean | undefined> => {
    const known = await rootOf(size);
    if (known) return known.equals(cpRoot);
    if (!store.tree || size > treeSize) return undefined;
    try {
      return verifyConsistency(size, treeSize, cpRoot, root, await store.tree.consistencyProof(size, treeSize));
    } catch {
      return false;
    }
  };

  const checkpoints: CheckpointResult[] = [];
  const matched: number[] = [];
  const mismatched: number[] = [];
  const checkOne = async (source: 'ledger' | 'external', note: string, size: number, cpRoot: Buffer, where?: LoggedCheckpoint) => {
    const at = where ? { streamId: where.event.streamId, revision: where.event.revision, position: where.event.position.toString() } : {};
    let signedBy: VerifierKey[] = [];
    try {
      signedBy = verifiedSigners(note, [...trusted.values()]);
    } catch {
      signedBy = [];
    }
    const result: CheckpointResult = { source, size, rootHash: cpRoot.toString('base64'), signedBy: signedBy.map((k) => k.name), ok: false };
    checkpoints.push(result);
    if (size < 0) {
      failures.push({ ...at, reason: 'CHECKPOINT_INVALID', detail: `${source} checkpoint cannot be read` });
      return;
    }
    if (signedBy.length === 0) {
      failures.push({ ...at, reason: 'CHECKPOINT_INVALID', detail: `${source} checkpoint of size ${size} carries no valid signature by a trusted key` });
      return;
    }
    if (size > treeSize) {
      failures.push({ ...at, reason: 'LOG_TRUNCATED', detail: `${source} checkpoint covers ${size} events, the log has ${treeSize}: ${size - treeSize} removed from the end (positions ${treeSize + 1}..${size})`, position: at.position ?? String(treeSize + 1) });
      mismatched.push(size);
      return;
    }
    const consistent = await consistentWithLog(size, cpRoot);
    if (consistent === false) {
      mismatched.push(size);
      failures.push({ ...at, reason: 'CHECKPOINT_NOT_EXTENDED', detail: `the log's first ${size} events no longer hash to the root the ${source} checkpoint of size ${size} signed` });
      return;
    }
    if (consistent === true) matched.push(size);
    result.ok = consistent === true;
  };

  // Trust closure first (checkpoint order does not matter): a key the ledger announced is trusted once a
  // checkpoint that a trusted key signed, and that the log extends, covers its announcement.
  for (let grew = pendingKeys.length > 0; grew; ) {
    grew = false;
    for (const c of [...external, ...logged]) {
      if (c.size <= 0 || c.size > treeSize || pendingKeys.every((p) => leafOf.get(p)! >= c.size)) continue;
      let signed = false;
      try {
        signed = verifiedSigners(c.note, [...trusted.values()]).length > 0;
      } catch {
        signed = false;
      }
      if (!signed || (await consistentWithLog(c.size, c.rootHash)) !== true) continue;
      for (const p of pendingKeys.filter((k) => leafOf.get(k)! < c.size)) {
        trusted.set(formatVerifierKey(p.key), p.key);
        pendingKeys.splice(pendingKeys.indexOf(p), 1);
        grew = true;
      }
    }
  }

  for (const c of external) await checkOne('external', c.note, c.size, c.rootHash);
  for (const c of [...logged].sort((a, b) => a.size - b.size)) await checkOne('ledger', c.note, c.size, c.rootHash, c);

  // Narrow where the log diverges: after the largest matching checkpoint, by the smallest failing one.
  if (mismatched.length > 0) {
    const firstBad = Math.min(...mismatched);
    const lastGood = Math.max(0, ...matched.filter((s) => s < firstBad));
    general('CHECKPOINT_NOT_EXTENDED', `the log diverges from its signed history between positions ${lastGood + 1} and ${Math.min(firstBad, treeSize + 1)}`, lastGood + 1);
  }

  for (const guard of (await store.missingAppendOnlyGuards?.()) ?? []) general('APPEND_ONLY_GUARD_MISSING', guard);

  const covered = Math.max(0, ...checkpoints.filter((c) => c.ok).map((c) => c.size));
  const uncoveredEvents = Math.max(0, treeSize - covered);
  // A ledger never checkpointed (another adapter, or written before checkpoints) has no window to judge by.
  if (options.maxUncoveredAgeMs !== undefined && firstUncovered && covered > 0 && covered === maxClaimed && uncoveredEvents > 0) {
    const age = (options.now ?? new Date()).getTime() - Date.parse(firstUncovered.metadata.recordedAt);
    if (!(age <= options.maxUncoveredAgeMs)) {
      failures.push({
        streamId: firstUncovered.streamId,
        revision: firstUncovered.revision,
        position: firstUncovered.position.toString(),
        reason: 'UNCOVERED_EVENTS',
        detail: `${uncoveredEvents} event(s) from position ${firstUncovered.position} on are covered by no signed checkpoint although the first was recorded ${Math.round(age / 1000)} s ago`,
      });
    }
  }

  options.onState?.({ after, eventsChecked, heads, range: range.snapshot(), failures: failures.filter((f) => f.streamId !== undefined && !f.reason.startsWith('CHECKPOINT') && f.reason !== 'LOG_TRUNCATED') });

  return {
    intact: failures.length === 0,
    eventsChecked,
    streamsChecked: heads.size,
    lastPosition: after === undefined ? null : after.toString(),
    treeSize,
    rootHash: root.toString('base64'),
    checkpoints,
    keysPinned,
    uncoveredEvents,
    eventsVerifiedThisRun: eventsChecked - startedAt,
    failures,
  };
}
